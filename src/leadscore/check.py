"""``leadscore check``: is an export ready to train on? Answered before any model is fitted.

:func:`check` reads and validates an export (a CRM folder, or a plain one-row-per-lead table)
and reports:

- **per target**, what the training job would learn from: labelled rows and positives left
  after the time purge, the cutoffs they come from, the holdout, the longest label horizon
  the history allows, and what to change when it is short. The counts and the message are
  those of :func:`leadscore.sufficiency.check_sufficiency`, which ``leadscore train`` runs too:
  one source, so ``train`` stops with the same words;
- **rows with timestamps in the future** (a clock or export error), per table and column;
- **suspected leaks**: attributes are a snapshot taken at export time, so a field the sales
  team fills in after the outcome shows the outcome to the model. Two signs, with these
  thresholds:

  * the column's **missingness differs by at least** :data:`MISSING_GAP` (50 percentage
    points) between contacts whose outcome is known (customer or lost) and open ones, or its
    **distribution** differs by a distance of at least :data:`DISTRIBUTION_GAP` (0.5: the
    total variation distance between category shares, or the Kolmogorov-Smirnov statistic of
    numbers), each group having at least :data:`MIN_GROUP` contacts;
  * the column **alone separates the outcomes almost perfectly**: ROC AUC of at least
    :data:`SEPARATION_AUC` (0.95, or at most 0.05) on a target's labelled rows, categories
    encoded by their outcome rate in the other half of the contacts (so identifiers do not
    separate by memorising), with at least :data:`MIN_POSITIVES` positives.

For a plain table (:func:`leadscore.plain.check_table`), two more signs:

  * **one column carries the model**: leaving it out of a quick model (LightGBM's defaults,
    3-fold cross-validated on at most :data:`DOMINANCE_MAX_ROWS` rows; the
    :data:`DOMINANCE_CANDIDATES` columns of most gain tried) costs at least
    :data:`DOMINANCE_GAP` (0.05) of ROC AUC (:func:`dominant_columns`). A call's duration,
    known once the call is over, does this on UCI bank marketing (0.93 with it, 0.77
    without), and alone reaches only 0.83: too little for the separation test;
  * with a time column, a column whose **distribution shifts** between the earlier rows and
    the latest fifth by at least :data:`SHIFT_GAP` (the distance above) or whose
    missingness does by :data:`MISSING_GAP` (:func:`shifted_columns`).

A blocking problem is one that makes training stop (the sufficiency minimums, too short a
history for a holdout); leaks and future rows are reported with the way out, and block only
when asked (``strict``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadscore.config import Config, load_config
from leadscore.domain import TARGETS
from leadscore.errors import ConfigError, DataWarning
from leadscore.sufficiency import MINIMUMS, Minimums, SufficiencyReport

__all__ = [
    "DISTRIBUTION_GAP",
    "DOMINANCE_GAP",
    "MIN_GROUP",
    "MIN_POSITIVES",
    "MISSING_GAP",
    "SEPARATION_AUC",
    "SHIFT_GAP",
    "CheckReport",
    "Leak",
    "TargetCheck",
    "check",
    "dominant_columns",
    "scan_leaks",
    "shifted_columns",
]

#: Known vs open contacts: least difference in the share of missing values that is flagged.
MISSING_GAP = 0.5
#: Known vs open contacts: least distance between the value distributions that is flagged.
DISTRIBUTION_GAP = 0.5
#: Least contacts in each group (known, open) for the known-vs-open comparison.
MIN_GROUP = 30
#: Least ROC AUC (or most, 1 - it) of one column alone on a target's labels that is flagged.
SEPARATION_AUC = 0.95
#: Least positives (and negatives) of a target for the separation test.
MIN_POSITIVES = 10
#: Categories kept apart in the distribution distance; rarer ones are pooled.
TOP_CATEGORIES = 20
#: Least loss of cross-validated ROC AUC, leaving one column out, that is flagged.
DOMINANCE_GAP = 0.05
#: Columns of most gain tried by :func:`dominant_columns`.
DOMINANCE_CANDIDATES = 3
#: Most rows the quick model of :func:`dominant_columns` is fitted on (a random sample beyond).
DOMINANCE_MAX_ROWS = 20_000
#: Least distance between the earlier rows and the latest fifth that is flagged as a shift.
SHIFT_GAP = DISTRIBUTION_GAP
#: Longest label horizon tried when saying what the history allows, in days.
LONGEST_HORIZON = 720


@dataclasses.dataclass(frozen=True)
class Leak:
    """A column suspected of showing the outcome to the model.

    ``kind`` is ``missingness`` or ``distribution`` (known vs open contacts) or
    ``separation`` (one target's outcomes); ``statistic`` is the gap, the distance or the ROC
    AUC; ``source`` says where the column comes from in the export.
    """

    column: str
    source: str
    kind: str
    statistic: float
    detail: str
    target: str | None = None

    def describe(self) -> str:
        where = f" ({self.source})" if self.source and self.source != self.column else ""
        return f"{self.column}{where}: {self.detail}"


@dataclasses.dataclass(frozen=True)
class TargetCheck:
    """What one target would learn from, and the longest horizon the history allows."""

    target: str
    horizon_days: int
    rows: int
    positives: int
    cutoffs: int
    first_cutoff: str | None
    last_cutoff: str | None
    purged: int
    test_rows: int
    test_positives: int
    longest_horizon_days: int | None
    ok: bool


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """The answer of :func:`check`: print it for a person, ``to_dict()`` it for a job.

    ``problems`` block training (the same sentences ``train`` stops with); ``cautions`` and
    ``leaks`` do not, unless the check is strict; ``notes`` are what reading the export
    repaired or warned about.
    """

    source: str
    tables: Mapping[str, int]
    span: tuple[str, str] | None
    cutoffs: Mapping[str, Any]
    targets: tuple[TargetCheck, ...]
    future: Mapping[str, int]
    leaks: tuple[Leak, ...]
    problems: tuple[str, ...]
    cautions: tuple[str, ...]
    notes: tuple[str, ...]
    thresholds: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(_THRESHOLDS))

    @property
    def ok(self) -> bool:
        """True when nothing blocks training."""
        return not self.problems

    def blocking(self, *, strict: bool = False) -> bool:
        """Whether training should not go ahead: problems, and with ``strict`` also leaks and
        future rows."""
        return bool(self.problems) or (strict and bool(self.leaks or any(self.future.values())))

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        out = dataclasses.asdict(self)
        out["tables"] = dict(self.tables)
        out["future"] = dict(self.future)
        out["cutoffs"] = dict(self.cutoffs)
        out["thresholds"] = dict(self.thresholds)
        out["ok"] = self.ok
        return out

    def lines(self) -> list[str]:
        """The report as lines of text."""
        sizes = ", ".join(f"{name} {n:,}" for name, n in self.tables.items())
        out = [f"Checked {self.source}: {sizes}"]
        if self.span is not None:
            out.append(f"History: {self.span[0]} .. {self.span[1]}")
        if self.cutoffs:
            out.append(f"Cutoffs: {self.cutoffs['description']}")
        for t in self.targets:
            state = "ok" if t.ok else "TOO SHORT"
            line = (
                f"  {t.target} ({t.horizon_days}-day horizon) [{state}]: {t.rows:,} training "
                f"rows, {t.positives:,} positive"
            )
            if t.cutoffs:
                line += f", at {t.cutoffs} cutoff(s) {t.first_cutoff} .. {t.last_cutoff}"
            if t.purged:
                line += f" ({t.purged:,} left out: their labels reach into the holdout)"
            line += f"; holdout {t.test_rows:,} rows ({t.test_positives:,} positive)"
            if t.longest_horizon_days is None:
                line += "; the history is too short for any horizon of 30 days or more"
            else:
                line += (
                    f"; the history allows [labels] {t.target}_days = {t.longest_horizon_days} "
                    "at most"
                )
            out.append(line)
        future = {k: n for k, n in self.future.items() if n}
        if future:
            listed = ", ".join(f"{k} {n:,}" for k, n in future.items())
            out.append(
                f"Rows with timestamps in the future: {listed} (a clock or export error; "
                "training ignores rows after each cutoff, scoring as of now ignores them)"
            )
        else:
            out.append("Rows with timestamps in the future: none")
        th = self.thresholds
        out.append(
            "Suspected leaks (missingness differs by "
            f">= {th['missing_gap']:.0%} or distribution distance >= {th['distribution_gap']} "
            "between contacts with a known outcome and open ones; or one column alone "
            f"separates a target's outcomes with ROC AUC >= {th['separation_auc']}):"
            + ("" if self.leaks else " none")
        )
        out.extend(f"  - {leak.describe()}" for leak in self.leaks)
        if any(k.column == "account_id" for k in self.leaks):
            out.append(
                "  An account known only once the outcome is: the model learns that no account "
                "means open. Give open records their account in the export, or leave the "
                "account attributes out with [features] exclude_attributes"
            )
        columns = [k.column for k in self.leaks if k.column != "account_id"]
        if columns:
            names = ", ".join(f'"{c}"' for c in dict.fromkeys(columns))
            out.append(
                "  A field filled in after the outcome shows the outcome to the model: leave it "
                f"out with [features] exclude_attributes = [{names}] (or fix the export)"
            )
        out.extend(f"Note: {note}" for note in self.notes)
        out.extend(f"Caution: {caution}" for caution in self.cautions)
        if self.problems:
            out.append("Blocking: training would stop:")
            out.extend(f"  - {problem}" for problem in self.problems)
        else:
            out.append("Ready to train.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


_THRESHOLDS: dict[str, float] = {
    "missing_gap": MISSING_GAP,
    "distribution_gap": DISTRIBUTION_GAP,
    "min_group": MIN_GROUP,
    "separation_auc": SEPARATION_AUC,
    "min_positives": MIN_POSITIVES,
}


# --- the leak scan, for CRM exports and plain tables alike -----------------------------------


def _is_numeric(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))


def _category_shares(values: pd.Series, top: pd.Index) -> pd.Series:
    pooled = values.where(values.isin(top), "(other)")
    return pooled.value_counts(normalize=True)


def _distance(known: pd.Series, open_: pd.Series) -> tuple[float, str]:
    """Distance between the present values of two groups: KS for numbers, total variation
    for categories (the :data:`TOP_CATEGORIES` commonest kept apart)."""
    if _is_numeric(known):
        from scipy.stats import ks_2samp

        result = ks_2samp(known.astype("float64"), open_.astype("float64"))
        return float(result.statistic), "Kolmogorov-Smirnov distance"
    text_known, text_open = known.astype("str"), open_.astype("str")
    top = pd.concat([text_known, text_open]).value_counts().index[:TOP_CATEGORIES]
    shares = pd.concat(
        [_category_shares(text_known, top), _category_shares(text_open, top)], axis=1
    ).fillna(0.0)
    return float(0.5 * (shares.iloc[:, 0] - shares.iloc[:, 1]).abs().sum()), "share distance"


def _known_vs_open(
    attributes: pd.DataFrame, known: np.ndarray, sources: Mapping[str, str], unit: str
) -> list[Leak]:
    leaks: list[Leak] = []
    n_known, n_open = int(known.sum()), int((~known).sum())
    if min(n_known, n_open) < MIN_GROUP:
        return leaks
    for column in attributes.columns:
        values = attributes[column]
        missing = values.isna().to_numpy()
        share_known, share_open = missing[known].mean(), missing[~known].mean()
        source = sources.get(str(column), "")
        if abs(share_known - share_open) >= MISSING_GAP:
            leaks.append(
                Leak(
                    str(column), source, "missingness", float(share_open - share_known),
                    f"missing for {share_known:.0%} of {n_known:,} {unit}s with a known outcome "
                    f"and {share_open:.0%} of {n_open:,} open ones",
                )
            )  # fmt: skip
            continue
        present_known, present_open = values[known & ~missing], values[~known & ~missing]
        if min(len(present_known), len(present_open)) < MIN_GROUP:
            continue
        if not _is_numeric(values) and values.nunique() > 0.5 * (~missing).sum():
            continue  # identifier-like text: every value differs
        distance, measure = _distance(present_known, present_open)
        if distance >= DISTRIBUTION_GAP:
            leaks.append(
                Leak(
                    str(column), source, "distribution", distance,
                    f"values differ between {unit}s with a known outcome and open ones "
                    f"({measure} {distance:.2f})",
                )
            )  # fmt: skip
    return leaks


def _fold(ids: pd.Series) -> np.ndarray:
    """A stable half (0 or 1) per identifier, the same on every run."""
    digest = pd.util.hash_pandas_object(ids.astype("str"), index=False).to_numpy()
    return (digest % np.uint64(2)).astype(np.int64)


def _encoded(values: pd.Series, y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Numbers as they are (missing apart); categories by their outcome rate in the other
    half of the contacts, so that an identifier does not separate by memorising."""
    if _is_numeric(values):
        return np.asarray(values.astype("float64").to_numpy(), dtype=np.float64)
    text = values.astype("str").fillna("(missing)").to_numpy()
    encoded = np.full(len(y), np.nan)
    prior = float(y.mean())
    for half in (0, 1):
        other = pd.DataFrame({"v": text[fold != half], "y": y[fold != half]})
        stats = other.groupby("v")["y"].agg(["sum", "count"])
        rate = (stats["sum"] + prior) / (stats["count"] + 1)  # one pseudo-row of the prior
        mine = fold == half
        encoded[mine] = pd.Series(text[mine]).map(rate).fillna(prior).to_numpy()
    return encoded


def _separation(values: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of one column, missing values placed where they separate best."""
    from sklearn.metrics import roc_auc_score

    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return 0.5
    low, high = finite.min() - 1.0, finite.max() + 1.0
    aucs = [
        float(roc_auc_score(y, np.where(np.isnan(values), fill, values))) for fill in (low, high)
    ]
    return max(aucs, key=lambda a: abs(a - 0.5))


def _separators(
    attributes: pd.DataFrame,
    y: np.ndarray,
    ids: pd.Series,
    target: str,
    sources: Mapping[str, str],
) -> list[Leak]:
    positives = int(y.sum())
    if min(positives, len(y) - positives) < MIN_POSITIVES:
        return []
    fold = _fold(ids)
    leaks = []
    for column in attributes.columns:
        values = attributes[column]
        if values.notna().sum() == 0 or values.nunique(dropna=False) < 2:
            continue
        auc = _separation(_encoded(values, y, fold), y)
        if max(auc, 1 - auc) >= SEPARATION_AUC:
            leaks.append(
                Leak(
                    str(column), sources.get(str(column), ""), "separation", auc,
                    f"alone separates the {target} outcomes almost perfectly (ROC AUC "
                    f"{auc:.3f} on {len(y):,} labelled rows): a field filled in after the "
                    "outcome?",
                    target=target,
                )
            )  # fmt: skip
    return leaks


def scan_leaks(
    attributes: pd.DataFrame,
    *,
    known: np.ndarray | None = None,
    labels: Mapping[str, tuple[pd.Series, np.ndarray]] | None = None,
    sources: Mapping[str, str] | None = None,
    unit: str = "contact",
) -> list[Leak]:
    """Suspected leaks among ``attributes`` (one row per contact or lead).

    Parameters
    ----------
    attributes : DataFrame
        The columns to test, one row per contact.
    known : array of bool, optional
        Per row of ``attributes``: whether the outcome is known (customer or lost, or the label
        is set). Open rows are the others. Skipped when None.
    labels : mapping, optional
        ``{target: (row positions into attributes, 0/1 labels)}``: the labelled rows of each
        target (a contact may appear at several cutoffs).
    sources : mapping, optional
        ``{column: where it comes from in the export}``, shown in the findings.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": list("ab") * 50,
    ...                       "signed_on": [1.0] * 40 + [None] * 60})
    >>> known = np.arange(100) < 40
    >>> [leak.column for leak in scan_leaks(frame, known=known)]
    ['signed_on']
    """
    sources = sources or {}
    leaks = [] if known is None else _known_vs_open(attributes, known, sources, unit)
    for target, (rows, y) in (labels or {}).items():
        rows_array = np.asarray(rows)
        part = attributes.iloc[rows_array].reset_index(drop=True)
        leaks += _separators(part, y, pd.Series(rows_array), target, sources)
    return leaks


def _out_of_fold(frame: pd.DataFrame, y: np.ndarray, folds: list[Any]) -> tuple[float, Any]:
    """ROC AUC of LightGBM's defaults, out of fold, and the gain of each column."""
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score

    from leadscore.evaluate import LightGBMBaseline

    p = np.zeros(len(y))
    gain = np.zeros(frame.shape[1])
    for train, test in folds:
        model = LightGBMBaseline().fit(frame.iloc[train], y[train])
        p[test] = model.predict_proba(frame.iloc[test])
        gain += lgb.Booster(model_str=model.booster).feature_importance("gain")
    return float(roc_auc_score(y, p)), pd.Series(gain, index=frame.columns)


def dominant_columns(
    attributes: pd.DataFrame, y: np.ndarray, *, random_state: int = 0
) -> list[Leak]:
    """Columns without which a quick model loses at least :data:`DOMINANCE_GAP` of ROC AUC.

    A field known only after the outcome rarely separates the outcomes perfectly on its own
    (a call's duration), but the model leans on it: the others together reach much less.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.random(1500) < 0.2).astype(int)
    >>> frame = pd.DataFrame({"after": y * 2 + rng.normal(size=1500) * 1.2,
    ...                       "noise": rng.normal(size=1500)})
    >>> [leak.column for leak in dominant_columns(frame, y)]
    ['after']
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y, dtype=np.int64)
    if min(int(y.sum()), int(len(y) - y.sum())) < 3 * MIN_POSITIVES or attributes.shape[1] < 2:
        return []
    rng = np.random.default_rng(random_state)
    if len(y) > DOMINANCE_MAX_ROWS:
        keep = np.sort(rng.choice(len(y), DOMINANCE_MAX_ROWS, replace=False))
        attributes, y = attributes.iloc[keep], y[keep]
    frame = attributes.reset_index(drop=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=random_state).split(frame, y))
    full, gain = _out_of_fold(frame, y, folds)
    leaks = []
    for column in gain.sort_values(ascending=False).index[:DOMINANCE_CANDIDATES]:
        without, _ = _out_of_fold(frame.drop(columns=column), y, folds)
        if full - without >= DOMINANCE_GAP:
            leaks.append(
                Leak(
                    str(column), "", "dominance", full - without,
                    f"a quick model's ROC AUC falls from {full:.3f} to {without:.3f} without "
                    "it: the model leans on this one column. Is it known before the outcome?",
                )
            )  # fmt: skip
    return leaks


def shifted_columns(attributes: pd.DataFrame, times: pd.Series) -> list[Leak]:
    """Columns whose missingness or distribution differs sharply between the earlier rows
    and the latest fifth by ``times`` (a field that changed meaning, or that is filled in
    over time: the latest rows are the ones a model is tested and used on).

    Examples
    --------
    >>> times = pd.Series(pd.date_range("2024-01-01", periods=200, freq="D"))
    >>> frame = pd.DataFrame({"steady": [1.0, 2.0] * 100,
    ...                       "moved": [1.0] * 160 + [5.0] * 40})
    >>> [leak.column for leak in shifted_columns(frame, times)]
    ['moved']
    """
    times = pd.Series(times).reset_index(drop=True)
    known = times.notna().to_numpy()
    start = pd.Timestamp(times[known].quantile(0.8))  # type: ignore[arg-type]
    latest = (times >= start).to_numpy() & known
    earlier = (times < start).to_numpy() & known
    if min(int(latest.sum()), int(earlier.sum())) < MIN_GROUP:
        return []
    leaks = []
    frame = attributes.reset_index(drop=True)
    for column in frame.columns:
        values = frame[column]
        missing = values.isna().to_numpy()
        before, after = missing[earlier].mean(), missing[latest].mean()
        if abs(before - after) >= MISSING_GAP:
            leaks.append(
                Leak(
                    str(column), "", "shift", float(after - before),
                    f"missing for {before:.0%} of the earlier rows and {after:.0%} of the "
                    f"latest fifth (from {start.date()})",
                )
            )  # fmt: skip
            continue
        old, new = values[earlier & ~missing], values[latest & ~missing]
        if min(len(old), len(new)) < MIN_GROUP:
            continue
        if not _is_numeric(values) and values.nunique() > 0.5 * (~missing).sum():
            continue
        distance, measure = _distance(old, new)
        if distance >= SHIFT_GAP:
            leaks.append(
                Leak(
                    str(column), "", "shift", distance,
                    f"values shift between the earlier rows and the latest fifth (from "
                    f"{start.date()}; {measure} {distance:.2f})",
                )
            )  # fmt: skip
    return leaks


# --- CRM exports -------------------------------------------------------------------------------


def _future_rows(crm: Any, now: pd.Timestamp) -> dict[str, int]:
    columns = {
        "contacts.created_at": crm.contacts["created_at"],
        "activities.timestamp": crm.activities["timestamp"],
        "stages.timestamp": crm.stages["timestamp"],
    }
    return {name: int((times > now).sum()) for name, times in columns.items()}


def _attribute_frame(crm: Any, config: Config) -> tuple[pd.DataFrame, dict[str, str]]:
    """The contact and account columns that become features, plus ``account_id`` (whose
    absence leaks when only closed records have an account), one row per contact."""
    features = config.features
    skip = {"contact_id", "created_at", "person_id", *features.exclude_attributes}
    contacts = crm.contacts
    columns = {str(c): contacts[c] for c in contacts.columns if c not in skip}
    where = {c: f"contacts.{c}" for c in columns}
    if crm.accounts is not None and "account_id" in contacts:
        joined = crm.accounts.set_index("account_id").reindex(contacts["account_id"])
        for column in joined.columns:
            if column in skip:
                continue
            name = f"account_{column}" if column in columns else str(column)
            columns[name] = joined[column].reset_index(drop=True)
            where[name] = f"accounts.{column}, through contacts.account_id"
    sources = config.sources
    if sources is not None and sources.contacts.account_id:
        where["account_id"] = f"{sources.contacts.file}.{sources.contacts.account_id[0]}"
    elif "account_id" in where:
        mapped = dict(config.data.columns.get("contacts", {})).get("account_id", "account_id")
        where["account_id"] = f"contacts.{mapped}"
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(contacts)))
    return frame, where


def _outcome_known(crm: Any) -> np.ndarray:
    stages = crm.stages
    closed = stages.loc[stages["stage"].isin(["customer", "lost"]), "contact_id"]
    return np.asarray(crm.contacts["contact_id"].isin(closed).to_numpy(), dtype=bool)


def _longest_horizon(
    cutoffs: pd.DatetimeIndex, observed_until: pd.Timestamp, test_fraction: float,
    minimums: Minimums,
) -> int | None:  # fmt: skip
    """Longest horizon (in 30-day steps) with a holdout and enough training cutoffs after the
    purge: what the history allows, whatever the rows and outcomes."""
    from leadscore.evaluate import label_reaches
    from leadscore.pipeline import holdout_start

    best = None
    series = pd.Series(cutoffs)
    for days in range(30, LONGEST_HORIZON + 1, 30):
        try:
            start = holdout_start(cutoffs, observed_until, {"t": days}, test_fraction=test_fraction)
        except ConfigError:
            break
        kept = series[(series < start) & ~label_reaches(series, days, start)]
        if len(kept) >= minimums.cutoffs:
            best = days
    return best


def _target_checks(
    table: pd.DataFrame,
    sufficiency: SufficiencyReport,
    longest: int | None,
    minimums: Minimums,
) -> tuple[TargetCheck, ...]:
    from leadscore.evaluate import label_reaches

    checks = []
    start = sufficiency.test_start
    for counts in sufficiency.targets:
        label = table[f"y_{counts.target}"]
        kept = (
            label.notna()
            & (table["cutoff"] < start)
            & ~label_reaches(table["cutoff"], counts.horizon_days, start)
        )
        used = table.loc[kept, "cutoff"]
        checks.append(
            TargetCheck(
                target=counts.target,
                horizon_days=counts.horizon_days,
                rows=counts.rows,
                positives=counts.positives,
                cutoffs=counts.cutoffs,
                first_cutoff=str(used.min().date()) if len(used) else None,
                last_cutoff=str(used.max().date()) if len(used) else None,
                purged=counts.purged,
                test_rows=counts.test_rows,
                test_positives=counts.test_positives,
                longest_horizon_days=longest,
                ok=counts.meets(minimums),
            )
        )
    return tuple(checks)


_THROUGH_ACCOUNT = "through contacts.account_id"


def _through_account(leaks: list[Leak]) -> list[Leak]:
    """When the account itself is missing mostly on one side, its attributes follow: one
    finding, naming them."""
    root = next((k for k in leaks if k.column == "account_id" and k.kind == "missingness"), None)
    if root is None:
        return leaks
    follow = [k for k in leaks if k.kind == "missingness" and _THROUGH_ACCOUNT in k.source]
    if not follow:
        return leaks
    names = ", ".join(k.column for k in follow)
    merged = dataclasses.replace(
        root, detail=f"{root.detail}; the account attributes follow it ({names})"
    )
    return [merged if k is root else k for k in leaks if k not in follow]


def _check_crm(
    data: str | Path, config: Config, *, test_fraction: float, now: pd.Timestamp
) -> CheckReport:
    from leadscore.data import CRMData
    from leadscore.features import build_training_table
    from leadscore.pipeline import WARMUP_DAYS, default_cutoffs, holdout_start
    from leadscore.sufficiency import check_sufficiency

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        crm = CRMData.read(data, config=config)
    notes = tuple(dict.fromkeys(str(w.message) for w in caught if w.category is DataWarning))
    tables = {name: len(frame) for name, frame in crm.tables.items() if name != "truth"}
    first, last = crm.time_span()
    span = (str(first.date()), str(last.date()))
    future = _future_rows(crm, now)
    attributes, where = _attribute_frame(crm, config)
    known = _outcome_known(crm)
    horizons = config.horizons
    problems: list[str] = []
    cautions: tuple[str, ...] = ()
    targets: tuple[TargetCheck, ...] = ()
    plan: dict[str, Any] = {}
    labels: dict[str, tuple[pd.Series, np.ndarray]] = {}
    try:
        cutoffs = default_cutoffs(crm)
        longest = _longest_horizon(cutoffs, last, test_fraction, MINIMUMS)
        start = holdout_start(cutoffs, last, horizons, test_fraction=test_fraction)
    except ConfigError as exc:
        problems.append(str(exc))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # said once already, while reading
            table = build_training_table(crm, cutoffs, config=config)
        table = table.drop(columns=[f"y_{t}" for t in TARGETS if t not in horizons])
        sufficiency = check_sufficiency(
            table, horizons=horizons, test_start=start, history=crm.time_span(),
            warmup_days=WARMUP_DAYS, test_fraction=test_fraction,
        )  # fmt: skip
        problems += sufficiency.problems
        cautions = sufficiency.cautions
        targets = _target_checks(table, sufficiency, longest, MINIMUMS)
        n_test = int((cutoffs >= start).sum())
        plan = {
            "first": str(cutoffs[0].date()),
            "last": str(cutoffs[-1].date()),
            "count": len(cutoffs),
            "holdout_start": str(start.date()),
            "description": (
                f"{len(cutoffs)} monthly cutoffs {cutoffs[0].date()} .. {cutoffs[-1].date()} "
                f"({WARMUP_DAYS} days of warm-up); training on those before {start.date()}, "
                f"holdout on the {n_test} from {start.date()}"
            ),
        }
        position = pd.Series(np.arange(len(crm.contacts)), index=crm.contacts["contact_id"])
        for target in horizons:
            column = f"y_{target}"
            rows = table[column].notna().to_numpy()
            labels[target] = (
                pd.Series(position.reindex(table.loc[rows, "contact_id"]).to_numpy()),
                table.loc[rows, column].astype("int64").to_numpy(),
            )
    leaks = _through_account(scan_leaks(attributes, known=known, labels=labels, sources=where))
    return CheckReport(
        source=str(data),
        tables=tables,
        span=span,
        cutoffs=plan,
        targets=targets,
        future=future,
        leaks=tuple(leaks),
        problems=tuple(problems),
        cautions=tuple(cautions),
        notes=notes,
    )


def check(
    data: str | Path | None = None,
    *,
    config: Config | str | Path | None = None,
    test_fraction: float = 0.25,
    now: object | None = None,
) -> CheckReport:
    """Check an export before training: enough data per target, future rows, suspected leaks.

    ``data`` is a CRM folder, read with ``config`` (a Config, a TOML file or a preset's name).
    ``now`` (default: the current time) is when a timestamp counts as future.

    Returns
    -------
    CheckReport
        ``print(report)`` for a person; ``report.ok`` is False when training would stop
        (with the same message); ``report.to_dict()`` for a job.

    Raises
    ------
    LeadscoreError
        When the export cannot be read or breaks the data contract (bad input).

    Examples
    --------
    >>> import tempfile, leadscore as ls
    >>> folder = tempfile.mkdtemp()
    >>> _ = ls.make_crm(600, seed=0, months=13).write(folder)
    >>> report = ls.check(folder)
    >>> report.ok, [t.target for t in report.targets]
    (False, ['prospect', 'customer'])
    """
    moment = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)  # type: ignore[arg-type]
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    cfg = config if isinstance(config, Config) else load_config(config)
    if data is None:
        raise ConfigError("check: give a data folder")
    return _check_crm(data, cfg, test_fraction=test_fraction, now=moment)
