"""Is there enough data to train on? Checked per target before training, after the time purge.

The training job (:func:`leadscore.pipeline.train_scorer`) holds out its latest labelled cutoffs
and leaves out every training label whose window ``[cutoff, cutoff + horizon)`` reaches into
that holdout (DESIGN section 4). On a short export this purge can leave a target with nothing
to learn from: 13 months of history and the 180-day customer horizon leave no customer row.
:func:`check_sufficiency` counts, per target, what remains and compares it with
:data:`MINIMUMS` (below them training stops with one message that names the numbers and the
way out) and :data:`RECOMMENDED` (below them it goes on, with a warning).

The minimums, and why:

- **2 labelled training cutoffs.** LeadModel stops early and calibrates on its latest cutoffs
  and learns from the earlier ones; with one cutoff there is no later period to validate on,
  and it would fall back to a slice of the same month.
- **50 of each outcome** (positive and negative labels). LeadModel holds out the latest fifth
  of the rows to stop early and to calibrate: 50 positives leave it about 10, the fewest on
  which a number of trees and a calibration map are more than noise (a ROC AUC on 10
  positives has a standard error of 0.05 to 0.09).
- **500 labelled rows**, so that each outcome's share is measured on enough rows for the
  calibrated probabilities to mean something at the base rates of a funnel (a few percent).

Recommended, as careful as Salesforce, whose Einstein lead scoring asks for 1,000 leads and
120 conversions before it scores: **1,000 rows, 120 of each outcome, 3 cutoffs**. Below that
leadscore still trains, warns, and the bootstrap intervals of its evaluation show how wide the
figures are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import pandas as pd

from leadscore.domain import TARGETS
from leadscore.errors import InsufficientDataError, ModelError
from leadscore.evaluate import label_reaches

__all__ = [
    "MINIMUMS",
    "RECOMMENDED",
    "Minimums",
    "SufficiencyReport",
    "TargetCounts",
    "check_sufficiency",
]

_DAYS_PER_MONTH = 30.44


@dataclasses.dataclass(frozen=True)
class Minimums:
    """Least labelled training rows, rows of each outcome and cutoffs, per target."""

    rows: int
    outcome: int
    cutoffs: int

    def describe(self) -> str:
        return (
            f"at least {self.rows:,} rows, {self.outcome:,} of each outcome and "
            f"{self.cutoffs} cutoffs"
        )


#: Below these, training stops (see the module's docstring for why).
MINIMUMS = Minimums(rows=500, outcome=50, cutoffs=2)
#: Below these, training warns (Salesforce's 1,000 leads and 120 conversions).
RECOMMENDED = Minimums(rows=1_000, outcome=120, cutoffs=3)


@dataclasses.dataclass(frozen=True)
class TargetCounts:
    """What one target has to learn from and to be tested on.

    ``rows``, ``positives`` and ``cutoffs`` count the labelled training rows left after the
    purge; ``purged`` the labelled rows before the holdout that were left out because their
    labels reach into it; ``test_rows`` and ``test_positives`` the labelled holdout rows.
    """

    target: str
    horizon_days: int
    rows: int
    positives: int
    cutoffs: int
    purged: int
    test_rows: int
    test_positives: int

    @property
    def negatives(self) -> int:
        return self.rows - self.positives

    def meets(self, minimums: Minimums) -> bool:
        return (
            self.rows >= minimums.rows
            and min(self.positives, self.negatives) >= minimums.outcome
            and self.cutoffs >= minimums.cutoffs
        )


@dataclasses.dataclass(frozen=True)
class SufficiencyReport:
    """Per target counts, and what falls short: the answer of :func:`check_sufficiency`.

    ``problems`` has one sentence per target below :data:`MINIMUMS`, ``cautions`` one per
    target below :data:`RECOMMENDED` only; :attr:`message` is one line for a person.
    """

    targets: tuple[TargetCounts, ...]
    test_start: pd.Timestamp
    history_months: int
    problems: tuple[str, ...]
    cautions: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every target meets the minimums."""
        return not self.problems

    @property
    def message(self) -> str:
        """The problems in one line, or a summary of the counts when there are none."""
        if self.problems:
            return "; ".join(self.problems)
        counts = ", ".join(
            f"{t.target} {t.rows:,} rows ({t.positives:,} positive) at {t.cutoffs} cutoffs"
            for t in self.targets
        )
        return f"enough data to train: {counts}"

    def raise_if_insufficient(self) -> None:
        """Raise :class:`~leadscore.errors.InsufficientDataError` with :attr:`message` when a
        target is below the minimums."""
        if self.problems:
            raise InsufficientDataError(self.message)

    def to_frame(self) -> pd.DataFrame:
        """One row per target with its counts."""
        return pd.DataFrame([dataclasses.asdict(t) for t in self.targets])


def check_sufficiency(
    table: pd.DataFrame,
    *,
    horizons: Mapping[str, int],
    test_start: object,
    history: tuple[pd.Timestamp, pd.Timestamp],
    warmup_days: int = 90,
    test_fraction: float = 0.25,
    minimums: Minimums = MINIMUMS,
    recommended: Minimums = RECOMMENDED,
) -> SufficiencyReport:
    """Count, per target, the labelled training rows, outcomes and cutoffs that the time purge
    leaves, and say what falls short of ``minimums`` and ``recommended``, and the way out.

    Training rows are those with ``cutoff < test_start``; a label whose window
    ``[cutoff, cutoff + horizon)`` reaches ``test_start`` is left out, as
    :func:`leadscore.evaluate.time_split` does. ``history`` (first and last record of the data),
    ``warmup_days`` and ``test_fraction`` (the training job's settings) size the way out.

    Examples
    --------
    >>> import leadscore as ls
    >>> from leadscore.pipeline import default_cutoffs, holdout_start
    >>> crm = ls.make_crm(2000, seed=0, months=13)
    >>> cutoffs = default_cutoffs(crm)
    >>> horizons = {"prospect": 90, "customer": 180}
    >>> start = holdout_start(cutoffs, crm.time_span()[1], horizons)
    >>> table = ls.build_training_table(crm, cutoffs)
    >>> report = check_sufficiency(table, horizons=horizons, test_start=start,
    ...                            history=crm.time_span())
    >>> report.ok, report.targets[1].rows
    (False, 0)
    >>> print(report.message)  # doctest: +ELLIPSIS
    prospect target: 716 labelled training rows (38 positive) ...; customer target: 0 ...
    """
    if "cutoff" not in table:
        raise ModelError("table: no cutoff column; build it with build_training_table")
    start = pd.Timestamp(test_start)  # type: ignore[arg-type]
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    months = max(1, round((history[1] - history[0]).days / _DAYS_PER_MONTH))
    before = (table["cutoff"] < start).to_numpy()
    counts, problems, cautions = [], [], []
    for target in TARGETS:
        column = f"y_{target}"
        if column not in table:
            continue
        days = int(horizons[target])
        label = table[column]
        labelled = label.notna().to_numpy() & before
        reaches = label_reaches(table["cutoff"], days, start).to_numpy()
        kept = labelled & ~reaches
        tested = label.notna().to_numpy() & ~before
        found = TargetCounts(
            target=target,
            horizon_days=days,
            rows=int(kept.sum()),
            positives=int(label[kept].sum()),
            cutoffs=int(table.loc[kept, "cutoff"].nunique()),
            purged=int((labelled & reaches).sum()),
            test_rows=int(tested.sum()),
            test_positives=int(label[tested].sum()),
        )
        counts.append(found)
        if not found.meets(minimums):
            way_out = _way_out(found, table.loc[labelled, "cutoff"], start, months,
                               warmup_days, test_fraction, minimums)  # fmt: skip
            problems.append(
                f"{_facts(found, start, months)}; {minimums.describe()} are needed: {way_out}"
            )
        elif not found.meets(recommended):
            cautions.append(
                f"{_facts(found, start, months)}; {recommended.describe()} are recommended: "
                "expect wide intervals in the evaluation"
            )
    return SufficiencyReport(tuple(counts), start, months, tuple(problems), tuple(cautions))


def _facts(found: TargetCounts, start: pd.Timestamp, months: int) -> str:
    left_out = (
        f"remain after leaving out {found.purged:,} whose labels reach into the holdout"
        if found.purged
        else "remain before the holdout"
    )
    return (
        f"{found.target} target: {found.rows:,} labelled training rows "
        f"({found.positives:,} positive) at {found.cutoffs} cutoff(s) {left_out} "
        f"(from {start.date()}; horizon {found.horizon_days} days, history {months} months)"
    )


def _way_out(
    found: TargetCounts,
    cutoffs: pd.Series,
    start: pd.Timestamp,
    months: int,
    warmup_days: int,
    test_fraction: float,
    minimums: Minimums,
) -> str:
    """A shorter horizon that would keep enough rows and cutoffs (when the outcomes are not
    what is short), and the history that the current horizon needs."""
    options = []
    outcomes_short = min(found.positives, found.negatives) < minimums.outcome
    if not outcomes_short or found.rows == 0:
        for days in range(found.horizon_days - 30, 29, -30):
            kept = cutoffs[~label_reaches(cutoffs, days, start)]
            if len(kept) >= minimums.rows and kept.nunique() >= minimums.cutoffs:
                options.append(f"use a shorter horizon with [labels] {found.target}_days = {days}")
                break
    # monthly cutoffs: warm-up, the training cutoffs the purge leaves, the purge, the holdout
    horizon_months = math.ceil(found.horizon_days / _DAYS_PER_MONTH)
    labelled = math.ceil((minimums.cutoffs + horizon_months) / (1 - test_fraction))
    needed = math.ceil(warmup_days / _DAYS_PER_MONTH) + labelled + horizon_months
    if outcomes_short and found.rows > 0:
        scale = minimums.outcome / max(1, min(found.positives, found.negatives))
        options.append(f"export more contacts (about {scale:.1f} times as many)")
        needed = max(needed, math.ceil(months * min(scale, 3.0)))
    if needed > months:
        options.append(f"export a longer history (about {needed} months)")
    elif not options:
        options.append("export more contacts or a longer history")
    return ", or ".join(options)
