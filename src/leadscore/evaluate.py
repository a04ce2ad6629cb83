"""Metrics, bootstrap intervals, time-based splits and the baselines every model is compared with
(DESIGN §7).

Metrics per target, on the same rows for every model: ROC AUC, PR AUC (average precision),
Brier score, log loss, expected calibration error (ten equal-count bins) with its reliability
curve, lift and cumulative gain by decile, and precision among the top 1%, 5% and 10% of rows
(what a sales team with that capacity would call).

Baselines:

- :class:`PointsBaseline`, the rules-based score of marketing-automation tools: fixed points for
  fit attributes and for each recent activity, minus points when a contact goes quiet. The points
  are fixed (below); only the map from points to a probability is fitted (Platt scaling on the
  training rows), so that calibration metrics can be compared.
- :class:`LogisticBaseline`: a logistic regression on the same features (signed log of numbers,
  median imputation with missing-value indicators, standardisation, one-hot categories).
- :class:`LightGBMBaseline`: ``lightgbm.LGBMClassifier()`` with its default settings on the same
  features: what a data scientist would try first.
- :class:`NaiveBayesBaseline`: the naive-Bayes probability Odoo's CRM gives a lead (its
  predictive lead scoring), on the same features cut into value buckets.

:data:`BASELINES` lists them. All are stored as JSON (LightGBM's text model inside), like
everything else leadscore saves.

Every metric comes with a 95% bootstrap interval that resamples *contacts*, not rows
(:func:`bootstrap_metrics`): a contact appears at several cutoffs, and its rows rise and fall
together. Resamples drawn with the same seed over the same rows are the same for every model, so
the difference of two models' resampled values is a paired bootstrap of their gap.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, Self

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

from leadscore._linear import Scaling, fit_logistic, frequent, one_hot, standardise
from leadscore.calibration import Calibrator
from leadscore.domain import STAGE_RANK, TARGETS
from leadscore.errors import ModelError

__all__ = [
    "BASELINES",
    "BOOTSTRAP_RESAMPLES",
    "LightGBMBaseline",
    "LogisticBaseline",
    "NaiveBayesBaseline",
    "PointsBaseline",
    "binary_metrics",
    "bootstrap_metrics",
    "compare_models",
    "expected_calibration_error",
    "label_reaches",
    "lift_table",
    "population_stability_index",
    "reliability_curve",
    "time_split",
]

CAPACITIES = (0.01, 0.05, 0.10)


# --- metrics ------------------------------------------------------------------------------------


def _equal_count_bins(p: np.ndarray, bins: int) -> np.ndarray:
    order = np.argsort(p, kind="stable")
    labels = np.empty(len(p), dtype=np.int64)
    labels[order] = np.arange(len(p)) * bins // max(len(p), 1)
    return labels


def reliability_curve(y: Any, p: Any, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability against the observed rate in equal-count bins.

    Examples
    --------
    >>> curve = reliability_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], bins=2)
    >>> curve[["mean_predicted", "observed"]].round(2).to_numpy().tolist()
    [[0.15, 0.0], [0.85, 1.0]]
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    frame = pd.DataFrame({"bin": _equal_count_bins(p, bins), "y": y, "p": p})
    curve = frame.groupby("bin").agg(
        mean_predicted=("p", "mean"), observed=("y", "mean"), rows=("y", "size")
    )
    return curve.reset_index()


def expected_calibration_error(y: Any, p: Any, bins: int = 10) -> float:
    """Row-weighted mean gap between predicted and observed rates over equal-count bins.

    Examples
    --------
    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], bins=1)
    0.0
    """
    curve = reliability_curve(y, p, bins)
    gaps = (curve["mean_predicted"] - curve["observed"]).abs()
    return float((gaps * curve["rows"]).sum() / curve["rows"].sum())


def lift_table(y: Any, p: Any, groups: int = 10) -> pd.DataFrame:
    """Positives, rate, lift and cumulative gain by decile of score (decile 1 = top scores).

    Examples
    --------
    >>> lift_table([1, 0, 0, 0], [0.9, 0.1, 0.2, 0.3], groups=2)["lift"].tolist()
    [2.0, 0.0]
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    order = np.argsort(-p, kind="stable")
    decile = np.empty(len(p), dtype=np.int64)
    decile[order] = np.arange(len(p)) * groups // max(len(p), 1) + 1
    frame = pd.DataFrame({"decile": decile, "y": y})
    table = frame.groupby("decile").agg(rows=("y", "size"), positives=("y", "sum"))
    base_rate = y.mean() if len(y) else np.nan
    table["rate"] = table["positives"] / table["rows"]
    table["lift"] = table["rate"] / base_rate if base_rate > 0 else np.nan
    total = table["positives"].sum()
    table["cumulative_gain"] = table["positives"].cumsum() / total if total > 0 else np.nan
    return table.reset_index()


def binary_metrics(
    y: Any, p: Any, *, capacities: tuple[float, ...] = CAPACITIES
) -> dict[str, float]:
    """Every metric of DESIGN section 7 for 0/1 outcomes ``y`` and probabilities ``p``.

    Examples
    --------
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m["roc_auc"], m["precision_at_10pct"]
    (0.75, 1.0)
    """
    y, p = np.asarray(y, dtype=int), np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    both = len(np.unique(y)) == 2
    metrics = {
        "rows": float(len(y)),
        "positives": float(y.sum()),
        "base_rate": float(y.mean()) if len(y) else np.nan,
        "roc_auc": float(roc_auc_score(y, p)) if both else np.nan,
        "pr_auc": float(average_precision_score(y, p)) if both else np.nan,
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "ece": expected_calibration_error(y, p),
    }
    order = np.argsort(-p, kind="stable")
    for share in capacities:
        k = max(1, round(share * len(y)))
        metrics[f"precision_at_{round(share * 100)}pct"] = float(y[order[:k]].mean())
    lift = lift_table(y, p)
    for decile, ratio, gain in zip(
        lift["decile"].to_numpy(int),
        lift["lift"].to_numpy(float),
        lift["cumulative_gain"].to_numpy(float),
        strict=True,
    ):
        metrics[f"lift_decile_{decile}"] = float(ratio)
        metrics[f"gain_decile_{decile}"] = float(gain)
    return metrics


# --- bootstrap intervals -----------------------------------------------------------------------

#: Resamples of a bootstrap interval.
BOOTSTRAP_RESAMPLES = 200
#: Most elements of one (resamples x rows) block of weights; larger sets go in several blocks.
_BLOCK_ELEMENTS = 4_000_000


def _first_rows_sum(
    weights_cum: np.ndarray, values_cum: np.ndarray, values: np.ndarray, at: np.ndarray
) -> np.ndarray:
    """Sum of a value over the first ``at`` rows of each resample, each row repeated as often
    as it was drawn.

    ``weights_cum`` and ``values_cum`` (rows x resamples) are the inclusive cumulative sums of
    the draws and of draws x ``values`` in one order of the rows; ``at`` (k x resamples) holds
    positions in each resample. A position inside a row's run of copies takes part of the run.
    """
    n, n_resamples = weights_cum.shape
    row = np.empty(at.shape, dtype=np.int64)
    for b in range(n_resamples):  # a loop over resamples, each a binary search
        row[:, b] = np.searchsorted(weights_cum[:, b], at[:, b], side="right")
    resample = np.arange(n_resamples)[None, :]
    before = np.clip(row - 1, 0, n - 1)
    weight_before = np.where(row > 0, weights_cum[before, resample], 0.0)
    sum_before = np.where(row > 0, values_cum[before, resample], 0.0)
    inside = (at - weight_before) * values[np.minimum(row, n - 1)]
    return np.where(row >= n, values_cum[-1:, :], sum_before + inside)


def _tie_ends(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last position of the run of equal values each position of a sorted array is in."""
    n = len(sorted_values)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    run = np.cumsum(np.isin(np.arange(n), starts)) - 1
    return starts[run], np.r_[starts[1:], n][run] - 1


def _weighted_metrics(
    y: np.ndarray, p: np.ndarray, weights: np.ndarray, capacities: tuple[float, ...]
) -> dict[str, np.ndarray]:
    """The metrics of :func:`binary_metrics` (but rows and positives) of each column of
    ``weights`` (rows x resamples): the sample in which row ``i`` stands ``weights[i, b]``
    times. Equal to :func:`binary_metrics` of that sample, ties and equal-count bins included.
    """
    total = weights.sum(axis=0)
    positives = y @ weights
    both = (positives > 0) & (positives < total)
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        out["base_rate"] = positives / total
        out["brier"] = (p - y) ** 2 @ weights / total
        out["log_loss"] = -(y * np.log(p) + (1 - y) * np.log(1 - p)) @ weights / total
        # ascending scores: ROC AUC (a tie counts half) and the equal-count bins of ECE
        order = np.argsort(p, kind="stable")
        w, ys, ps = weights[order], y[order], p[order]
        cum = np.cumsum(w, axis=0)
        cum_y = np.cumsum(w * ys[:, None], axis=0)
        first, last = _tie_ends(ps)
        hit = np.flatnonzero(ys == 1)
        negatives_through = cum[last[hit]] - cum_y[last[hit]]
        start = first[hit] - 1
        negatives_below = np.where(start[:, None] >= 0, cum[start] - cum_y[start], 0.0)
        pairs = (w[hit] * (negatives_below + negatives_through) / 2).sum(axis=0)
        out["roc_auc"] = np.where(both, pairs / (positives * (total - positives)), np.nan)
        edges = np.ceil(np.arange(11)[:, None] * total[None, :] / 10)
        cum_p = np.cumsum(w * ps[:, None], axis=0)
        in_p = np.diff(_first_rows_sum(cum, cum_p, ps, edges), axis=0)
        in_y = np.diff(_first_rows_sum(cum, cum_y, ys, edges), axis=0)
        out["ece"] = np.abs(in_p - in_y).sum(axis=0) / total
        # descending scores: PR AUC, precision at capacity, lift and gain by decile
        order = np.argsort(-p, kind="stable")
        w, ys, ps = weights[order], y[order], p[order]
        cum = np.cumsum(w, axis=0)
        cum_y = np.cumsum(w * ys[:, None], axis=0)
        _, last = _tie_ends(ps)
        hit = np.flatnonzero(ys == 1)
        seen = cum[last[hit]]  # a positive drawn 0 times may stand where nothing was drawn yet
        precision = cum_y[last[hit]] / np.where(seen > 0, seen, 1.0)
        out["pr_auc"] = np.where(both, (w[hit] * precision).sum(axis=0) / positives, np.nan)
        for share in capacities:
            k = np.maximum(1.0, np.round(share * total))[None, :]
            out[f"precision_at_{round(share * 100)}pct"] = (
                _first_rows_sum(cum, cum_y, ys, k)[0] / k[0]
            )
        found = _first_rows_sum(cum, cum_y, ys, edges)
        rate = np.diff(found, axis=0) / np.diff(edges, axis=0)
        base = out["base_rate"]
        for decile in range(1, 11):
            out[f"lift_decile_{decile}"] = np.where(base > 0, rate[decile - 1] / base, np.nan)
            out[f"gain_decile_{decile}"] = np.where(
                positives > 0, found[decile] / positives, np.nan
            )
    return out


def bootstrap_metrics(
    y: Any,
    p: Any,
    groups: Any = None,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
    capacities: tuple[float, ...] = CAPACITIES,
) -> pd.DataFrame:
    """Every metric of :func:`binary_metrics` (but rows and positives) on bootstrap resamples
    of ``groups``.

    Each resample draws as many groups as there are, with replacement, and keeps every row of
    a drawn group (a contact's rows at several cutoffs go together); ``groups=None`` makes each
    row a group. The metrics of a resample are exactly :func:`binary_metrics` of its rows,
    computed without materialising them (vectorised, in blocks of resamples). The same ``seed``
    and ``groups`` draw the same resamples, so two models' results differ only by the models:
    their difference is a paired bootstrap of the gap.

    Returns
    -------
    DataFrame
        One row per resample, one column per metric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.random(1000)
    >>> y = (rng.random(1000) < p).astype(int)
    >>> draws = bootstrap_metrics(y, p, groups=np.arange(1000) // 3, resamples=200)
    >>> low, high = draws["roc_auc"].quantile([0.025, 0.975])
    >>> bool(low < binary_metrics(y, p)["roc_auc"] < high)
    True
    """
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    if y.shape != p.shape:
        raise ModelError(f"y and p: expected the same length, got {len(y)} and {len(p)}")
    codes, n_groups = (
        (np.arange(len(y)), len(y)) if groups is None else _group_codes(groups, len(y))
    )
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_groups, np.full(n_groups, 1 / max(n_groups, 1)), size=resamples)
    step = max(1, _BLOCK_ELEMENTS // max(len(y), 1))
    by_group = np.ascontiguousarray(draws.T, dtype=float)  # groups x resamples
    blocks = [
        _weighted_metrics(y, p, by_group[:, i : i + step][codes], capacities)
        for i in range(0, resamples, step)
    ]
    return pd.DataFrame({k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


def _group_codes(groups: Any, n: int) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(np.asarray(groups), use_na_sentinel=False)
    if len(codes) != n:
        raise ModelError(f"groups: expected {n} values, got {len(codes)}")
    return codes, len(uniques)


def compare_models(
    y: Any,
    predictions: Mapping[str, Any],
    groups: Any = None,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Metrics of several models' probabilities on the same rows, with bootstrap intervals.

    Returns a tidy DataFrame: ``model``, ``metric``, ``value`` (:func:`binary_metrics`), and
    ``low`` and ``high``, the ``level`` percentile interval over ``resamples`` resamples of
    ``groups`` (:func:`bootstrap_metrics`; the same resamples for every model). ``rows`` and
    ``positives`` have no interval; ``resamples=0`` leaves every interval missing. Without
    rows, each model gets ``rows`` and ``positives`` of 0 and nothing else.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1] * 50)
    >>> frame = compare_models(y, {"good": y * 0.6 + 0.2, "coin": np.full(200, 0.5)})
    >>> frame.query("metric == 'roc_auc'")[["model", "value"]].to_numpy().tolist()
    [['good', 1.0], ['coin', 0.5]]
    """
    frames = []
    tail = (1 - level) / 2
    if len(np.asarray(y)) == 0:  # nothing to measure: say so, one row per model
        return pd.DataFrame(
            [(name, metric, 0.0, np.nan, np.nan) for name in predictions
             for metric in ("rows", "positives")],
            columns=["model", "metric", "value", "low", "high"],
        )  # fmt: skip
    for name, p in predictions.items():
        values = binary_metrics(y, p)
        frame = pd.DataFrame(
            {"model": name, "metric": list(values), "value": list(values.values())}
        )
        frame["low"] = frame["high"] = np.nan
        if resamples > 0:
            draws = bootstrap_metrics(y, p, groups, resamples=resamples, seed=seed)
            bounds = draws.quantile([tail, 1 - tail]).T
            frame["low"] = frame["metric"].map(bounds.iloc[:, 0])
            frame["high"] = frame["metric"].map(bounds.iloc[:, 1])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def population_stability_index(expected: Any, actual: Any, bins: int = 10) -> float:
    """How far the distribution of ``actual`` moved from ``expected`` (PSI).

    Numbers are binned at the deciles of ``expected`` (missing values in a bin of their own);
    text and categories compare value shares. Rules of thumb: below 0.1 stable, 0.1-0.25 a
    shift worth a look, above 0.25 a major shift.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> population_stability_index(rng.normal(size=5000), rng.normal(size=5000)) < 0.02
    True
    >>> population_stability_index(rng.normal(size=5000), rng.normal(3, 1, size=5000)) > 1
    True
    """
    old, new = pd.Series(expected), pd.Series(actual)
    if pd.api.types.is_numeric_dtype(old) and pd.api.types.is_numeric_dtype(new):
        edges = np.unique(np.nanquantile(old.astype(float), np.linspace(0, 1, bins + 1)[1:-1]))

        def shares(values: pd.Series) -> pd.Series:
            numbers = values.astype(float).to_numpy()
            labels = np.where(np.isnan(numbers), -1, np.searchsorted(edges, numbers, side="right"))
            return pd.Series(labels).value_counts(normalize=True)

        p, q = shares(old), shares(new)
    else:
        p = old.astype("str").fillna("<missing>").value_counts(normalize=True)
        q = new.astype("str").fillna("<missing>").value_counts(normalize=True)
    index = p.index.union(q.index)
    p = p.reindex(index, fill_value=0.0) + 1e-4
    q = q.reindex(index, fill_value=0.0) + 1e-4
    return float(((q - p) * np.log(q / p)).sum())


# --- splits ------------------------------------------------------------------------------------


def label_reaches(cutoffs: pd.Series, horizon_days: int, start: pd.Timestamp) -> pd.Series:
    """Whether the label window ``[cutoff, cutoff + horizon)`` of each row reaches ``start``
    or past it: such a training label looks into a period that begins at ``start``.

    Examples
    --------
    >>> cutoffs = pd.Series(pd.to_datetime(["2025-01-01", "2025-03-01"], utc=True))
    >>> label_reaches(cutoffs, 60, pd.Timestamp("2025-03-05", tz="UTC")).tolist()
    [False, True]
    """
    return cutoffs + pd.Timedelta(days=horizon_days) > start


def time_split(
    table: pd.DataFrame,
    *,
    horizons: Mapping[str, int],
    test_start: object | None = None,
    test_fraction: float = 0.25,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a training table by cutoff time, purging labels that look into the test period.

    Test rows are those with ``cutoff >= test_start`` (by default the latest ``test_fraction`` of
    cutoffs). In the training rows, a label whose window ``[cutoff, cutoff + horizon)`` reaches
    past ``test_start`` is set to missing, so that no training label looks into the test period;
    training rows left with no label are dropped.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "cutoff": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-06-01"], utc=True),
    ...     "y_prospect": pd.array([1, 0, 1], dtype="Int8"),
    ...     "y_customer": pd.array([0, 1, 0], dtype="Int8")})
    >>> train, test = time_split(table, horizons={"prospect": 90, "customer": 180},
    ...                          test_start="2025-06-01")
    >>> train["y_prospect"].tolist(), train["y_customer"].tolist(), len(test)
    ([1, 0], [<NA>, <NA>], 1)
    """
    if "cutoff" not in table:
        raise ModelError("table: no cutoff column; build it with build_training_table")
    cutoffs = np.sort(table["cutoff"].unique())
    if test_start is None:
        if len(cutoffs) < 2:
            raise ModelError("table: a time split needs at least two cutoffs")
        first_test = min(int(np.ceil(len(cutoffs) * (1 - test_fraction))), len(cutoffs) - 1)
        start = pd.Timestamp(cutoffs[max(first_test, 1)])
    else:
        start = pd.Timestamp(test_start)  # type: ignore[arg-type]
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    is_test = table["cutoff"] >= start
    test = table.loc[is_test].reset_index(drop=True)
    train = table.loc[~is_test].reset_index(drop=True)
    for target, days in horizons.items():
        column = f"y_{target}"
        if column in train:
            train[column] = train[column].mask(label_reaches(train["cutoff"], days, start))
    labels = [f"y_{t}" for t in horizons if f"y_{t}" in train]
    train = train.loc[train[labels].notna().any(axis=1)].reset_index(drop=True)
    return train, test


# --- baselines ---------------------------------------------------------------------------------

#: Points per activity in the last 90 days, and the most points each type can add.
ACTIVITY_POINTS: dict[str, tuple[float, float]] = {
    "email_open": (1, 10),
    "email_click": (3, 15),
    "web_visit": (2, 20),
    "pricing_page_visit": (10, 30),
    "form_fill": (10, 20),
    "ebook_download": (5, 15),
    "newsletter_signup": (3, 3),
    "webinar_attended": (8, 16),
    "demo_request": (25, 25),
    "meeting": (15, 30),
    "quote_sent": (20, 20),
}
#: Points for attribute values, as a marketing team would set them.
ATTRIBUTE_POINTS: dict[str, dict[str, float]] = {
    "title_seniority": {"C-level": 15, "VP": 12, "Director": 8, "Manager": 5},
    "seniority": {"C-level": 15, "VP": 12, "Director": 8, "Manager": 5},
    "role": {"decision_maker": 10, "influencer": 5, "blocker": -10},
    "company_size_band": {"11-50": 5, "51-200": 10, "201-1000": 10, "1001-5000": 10, "5000+": 5},
    "lead_source": {"referral": 10, "partner": 5, "event": 5, "web": 5, "purchased_list": -5},
}
#: Points lost when the last activity is older than 30 and than 90 days.
QUIET_PENALTIES = ((30, -10.0), (90, -10.0))


@dataclasses.dataclass
class PointsBaseline:
    """Rules-based lead score: fixed points for fit and for recent activity.

    Points come from :data:`ACTIVITY_POINTS` (``<type>_90d`` columns, capped per type),
    :data:`ATTRIBUTE_POINTS` (``title_seniority`` counts instead of ``seniority`` when both
    exist) and :data:`QUIET_PENALTIES` (``days_since_any``). Columns that are absent add nothing.
    ``fit`` only learns the Platt map from points to a probability.
    """

    calibrator: Calibrator | None = None

    @staticmethod
    def points(X: pd.DataFrame) -> np.ndarray:
        total = np.zeros(len(X))
        for activity, (each, cap) in ACTIVITY_POINTS.items():
            column = f"{activity}_90d"
            if column in X:
                counts = pd.to_numeric(X[column], errors="coerce").fillna(0).to_numpy(float)
                total += np.minimum(counts * each, cap)
        for column, table in ATTRIBUTE_POINTS.items():
            if column not in X or (column == "seniority" and "title_seniority" in X):
                continue
            values = X[column].astype("str").map(table)
            total += pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(float)
        if "days_since_any" in X:
            quiet = pd.to_numeric(X["days_since_any"], errors="coerce").fillna(np.inf).to_numpy()
            for days, penalty in QUIET_PENALTIES:
                total += np.where(quiet > days, penalty, 0.0)
        return total

    def fit(self, X: pd.DataFrame, y: Any) -> PointsBaseline:
        points = self.points(X) / 10.0
        self.calibrator = Calibrator.fit("platt", points, np.asarray(y, dtype=int))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if self.calibrator is None:
            raise ModelError("PointsBaseline: call fit first")
        return self.calibrator.transform(self.points(X) / 10.0)

    def to_dict(self) -> dict[str, Any]:
        return {"calibrator": None if self.calibrator is None else self.calibrator.to_dict()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PointsBaseline:
        calibrator = values.get("calibrator")
        return cls(None if calibrator is None else Calibrator.from_dict(calibrator))


@dataclasses.dataclass
class LogisticBaseline:
    """Logistic regression on the same features, stored as plain numbers.

    Numbers: ``sign(x) * log1p(|x|)``, missing values replaced by the median plus an indicator,
    then standardised. Categories: one-hot for values with at least 1% of the rows (up to 30 per
    column); other values and missing ones are all zeros. The design matrix and the fit are
    :mod:`leadscore._linear`'s, shared with LeadModel's linear prior.
    """

    C: float = 1.0
    numeric: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    categories: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    coef: list[float] = dataclasses.field(default_factory=list)
    intercept: float = 0.0

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        blocks = []
        for name, stats in self.numeric.items():
            values = pd.to_numeric(X[name], errors="coerce").to_numpy(float, na_value=np.nan)
            z, missing = standardise(values, stats["median"], stats["mean"], stats["scale"])
            blocks.append(z[:, None])
            if stats["has_missing"]:
                blocks.append(missing[:, None].astype(float))
        for name, kept in self.categories.items():
            blocks.append(one_hot(X[name].astype("str").to_numpy(dtype=object), kept))
        return np.hstack(blocks) if blocks else np.zeros((len(X), 0))

    def fit(self, X: pd.DataFrame, y: Any) -> LogisticBaseline:
        self.numeric, self.categories = {}, {}
        for name in X.columns:
            column = X[name]
            if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                scaling = Scaling.learn(column.astype("float64").to_numpy(na_value=np.nan))
                self.numeric[str(name)] = {
                    "median": scaling.median,
                    "mean": scaling.mean,
                    "scale": scaling.scale,
                    "has_missing": float(scaling.missing_share > 0),
                }
            else:
                shares = column.astype("str").value_counts(normalize=True)
                kept = frequent(shares.index.tolist(), shares.tolist())
                self.categories[str(name)] = [str(v) for v, _ in kept]
        coef, self.intercept = fit_logistic(self._design(X), np.asarray(y, dtype=int), C=self.C)
        self.coef = [float(c) for c in coef]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        z = self._design(X) @ np.asarray(self.coef) + self.intercept
        return np.asarray(0.5 * (1 + np.tanh(0.5 * z)), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LogisticBaseline:
        return cls(**values)


@dataclasses.dataclass
class LightGBMBaseline:
    """``lightgbm.LGBMClassifier()`` with its default settings, on the same features.

    Text columns become pandas categories (LightGBM's own categorical handling); the fitted
    model is kept as LightGBM's text format, so it is stored as JSON like the other baselines.
    """

    booster: str = ""
    categories: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        columns: dict[Any, Any] = {}
        for name in X.columns:
            if str(name) in self.categories:
                text = X[name].astype("str").where(X[name].notna())
                columns[name] = pd.Categorical(text, categories=self.categories[str(name)])
            else:
                columns[name] = pd.to_numeric(X[name], errors="coerce").astype("float64")
        return pd.DataFrame(columns, index=X.index)

    def fit(self, X: pd.DataFrame, y: Any) -> LightGBMBaseline:
        import lightgbm as lgb

        self.categories = {
            str(name): sorted(X[name].dropna().astype("str").unique().tolist())
            for name in X.columns
            if not (pd.api.types.is_numeric_dtype(X[name]) or pd.api.types.is_bool_dtype(X[name]))
        }
        model = lgb.LGBMClassifier(verbose=-1)  # defaults; verbose only silences the log
        model.fit(self._frame(X), np.asarray(y, dtype=int))
        self.booster = model.booster_.model_to_string()
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        import lightgbm as lgb

        if not self.booster:
            raise ModelError("LightGBMBaseline: call fit first")
        model = lgb.Booster(model_str=self.booster)
        return np.asarray(model.predict(self._frame(X)), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LightGBMBaseline:
        return cls(**values)


@dataclasses.dataclass
class NaiveBayesBaseline:
    """The naive-Bayes probability of Odoo's CRM (``crm.lead``'s predictive lead scoring).

    Odoo keeps, for each chosen field and value, how many won and lost leads had it, each count
    starting at 0.1 (its ``crm.lead.scoring.frequency`` table), and scores a lead
    ``Sw / (Sw + Sl)`` with ``Sw = P(won) * prod P(value | won)`` (``Sl`` alike), over the
    fields whose value it has seen (``_pls_get_naive_bayes_probabilities``). The stage counts
    cumulatively: a won lead counts in every stage, a lost one in its stage and every earlier
    one, and ``P(stage | won)`` divides by all won leads. Here a positive label is a won lead
    and a negative one a lost lead; the fields are every feature (``fields=None``) or the ones
    given; numbers are cut into ``bins`` equal-count value buckets of the training rows, since
    Odoo works on field values. A missing value adds nothing, as an empty field in Odoo.
    Probabilities are clipped to [0.0001, 0.9999], as Odoo's [0.01%, 99.99%].
    """

    fields: list[str] | None = None
    bins: int = 10
    edges: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    counts: dict[str, dict[str, list[Any]]] = dataclasses.field(default_factory=dict)
    won: float = 0.0
    lost: float = 0.0

    STAGE: ClassVar[str] = "stage"

    def _values(self, X: pd.DataFrame, name: str) -> pd.Series:
        """The field's value of each row as text (a bucket number for numbers); NA if empty."""
        if name in self.edges:
            numbers = pd.to_numeric(X[name], errors="coerce").to_numpy(float, na_value=np.nan)
            bucket = np.searchsorted(np.asarray(self.edges[name]), numbers, side="right")
            return pd.Series(bucket.astype(str), index=X.index).where(~np.isnan(numbers))
        return X[name].astype("str").where(X[name].notna())

    def fit(self, X: pd.DataFrame, y: Any) -> NaiveBayesBaseline:
        won = np.asarray(y, dtype=int) == 1
        names = [str(c) for c in X.columns] if self.fields is None else list(self.fields)
        missing = [c for c in names if c not in X]
        if missing:
            raise ModelError(f"NaiveBayesBaseline: field(s) {missing[:5]} not in the features")
        self.edges, self.counts = {}, {}
        for name in names:
            column = X[name]
            if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
                numbers = pd.to_numeric(column, errors="coerce").to_numpy(float, na_value=np.nan)
                known = numbers[~np.isnan(numbers)]
                quantiles = np.linspace(0, 1, self.bins + 1)[1:-1]
                cuts = np.unique(np.quantile(known, quantiles)) if len(known) else np.empty(0)
                self.edges[name] = [float(c) for c in cuts]
            values = self._values(X, name)
            seen = values.notna().to_numpy()
            if name == self.STAGE:
                table = self._stage_counts(values[seen], won[seen])
            else:
                table = pd.crosstab(values[seen], won[seen]).reindex(columns=[True, False])
                table = table.fillna(0)
            self.counts[name] = {
                "values": [str(v) for v in table.index],
                "won": [float(c) + 0.1 for c in table[True]],
                "lost": [float(c) + 0.1 for c in table[False]],
            }
        # Odoo's totals are the first stage's counts: every closed lead, plus 0.1
        self.won, self.lost = float(won.sum()) + 0.1, float((~won).sum()) + 0.1
        return self

    @staticmethod
    def _stage_counts(stages: pd.Series, won: np.ndarray) -> pd.DataFrame:
        ordered = sorted((s for s in STAGE_RANK if STAGE_RANK[s] >= 0), key=STAGE_RANK.__getitem__)
        rank = stages.map(STAGE_RANK).to_numpy(dtype=float, na_value=np.nan)
        lost_ranks = rank[~won & ~np.isnan(rank)]
        return pd.DataFrame(
            {
                True: [float(won.sum())] * len(ordered),
                False: [float((lost_ranks >= STAGE_RANK[s]).sum()) for s in ordered],
            },
            index=ordered,
        )

    def log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """``log(Sw / Sl)`` of each row."""
        if not self.counts:
            raise ModelError("NaiveBayesBaseline: call fit first")
        total = np.full(len(X), math.log(self.won / self.lost))
        for name, table in self.counts.items():
            won, lost = np.asarray(table["won"]), np.asarray(table["lost"])
            if name == self.STAGE:
                ratio = np.log(won / self.won) - np.log(lost / self.lost)
            else:
                ratio = np.log(won / won.sum()) - np.log(lost / lost.sum())
            code = pd.Index(table["values"]).get_indexer(self._values(X, name))
            total += np.where(code >= 0, np.append(ratio, 0.0)[code], 0.0)
        return total

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 0.5 * (1 + np.tanh(0.5 * self.log_odds(X)))
        return np.clip(p, 1e-4, 1 - 1e-4)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> NaiveBayesBaseline:
        return cls(**values)


class Baseline(Protocol):
    """What every baseline does: learn from features and labels, give probabilities, and
    round-trip through JSON."""

    def fit(self, X: pd.DataFrame, y: Any) -> Self: ...

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


#: The baselines every evaluation shows, by the name the evaluation gives them.
BASELINES: dict[str, Any] = {
    "logistic": LogisticBaseline,
    "lightgbm": LightGBMBaseline,
    "naive_bayes": NaiveBayesBaseline,
    "points": PointsBaseline,
}


def evaluation_frame(parts: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One tidy table (``target``, ``model``, ``metric``, ``value``, ``low``, ``high``) of
    :func:`compare_models` results by target, the targets in funnel order."""
    order = {t: i for i, t in enumerate(TARGETS)}
    frames = [frame.assign(target=target) for target, frame in parts.items()]
    frame = pd.concat(frames, ignore_index=True)[
        ["target", "model", "metric", "value", "low", "high"]
    ]
    return frame.sort_values("target", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )
