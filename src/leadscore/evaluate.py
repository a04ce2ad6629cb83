"""Metrics, time-based splits and the two baselines every model is compared with (DESIGN §7).

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

Both are stored as JSON, like everything else leadscore saves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

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
from leadscore.domain import TARGETS
from leadscore.errors import ModelError

__all__ = [
    "LogisticBaseline",
    "PointsBaseline",
    "binary_metrics",
    "expected_calibration_error",
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
            looks_ahead = train["cutoff"] + pd.Timedelta(days=days) > start
            train[column] = train[column].mask(looks_ahead)
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


def evaluation_frame(rows: list[tuple[str, str, dict[str, float]]]) -> pd.DataFrame:
    """Tidy table (``target``, ``model``, ``metric``, ``value``) from per-model metric dicts."""
    records = [
        (target, model, metric, value)
        for target, model, metrics in rows
        for metric, value in metrics.items()
    ]
    frame = pd.DataFrame(records, columns=["target", "model", "metric", "value"])
    order = {t: i for i, t in enumerate(TARGETS)}
    return frame.sort_values(
        ["target", "model"], key=lambda s: s.map(order) if s.name == "target" else s, kind="stable"
    ).reset_index(drop=True)
