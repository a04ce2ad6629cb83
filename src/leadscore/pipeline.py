"""The training job end to end: cutoffs, training table, time split, fit, evaluation.

This is what ``leadscore train`` and ``leadscore demo`` run; a notebook can run it too::

    result = train_scorer(crm, config)
    result.evaluation          # metrics of DESIGN section 7 on the holdout cutoffs
    result.scorer.save("models/leadscore")
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings

import numpy as np
import pandas as pd

from leadscore.config import Config
from leadscore.data import CRMData
from leadscore.domain import TARGETS
from leadscore.errors import ConfigError, DataWarning
from leadscore.evaluate import time_split
from leadscore.features import build_training_table
from leadscore.scorer import LeadScorer
from leadscore.sufficiency import SufficiencyReport, check_sufficiency

__all__ = ["TrainResult", "default_cutoffs", "holdout_start", "train_scorer"]

#: Days of history before the first cutoff, so that activity windows have data behind them.
WARMUP_DAYS = 90


def default_cutoffs(crm: CRMData, *, warmup_days: int = WARMUP_DAYS) -> pd.DatetimeIndex:
    """Monthly cutoffs (first of the month, UTC) from ``warmup_days`` after the first record to
    the last record.

    Examples
    --------
    >>> import leadscore as ls
    >>> cutoffs = default_cutoffs(ls.make_crm(300, seed=0))
    >>> str(cutoffs[0].date()), str(cutoffs[-1].date())
    ('2024-05-01', '2025-12-01')
    """
    first, last = crm.time_span()
    start = (first + pd.Timedelta(days=warmup_days)).ceil("D")
    start = start if start.day == 1 else start + pd.offsets.MonthBegin(1)
    cutoffs = pd.date_range(start.normalize(), last, freq="MS")
    if len(cutoffs) < 4:
        raise ConfigError(
            f"data spans {first.date()} .. {last.date()}: too short for monthly cutoffs "
            f"after {warmup_days} days of warm-up (at least four are needed)"
        )
    return cutoffs


def holdout_start(
    cutoffs: pd.DatetimeIndex, observed_until: pd.Timestamp, horizons: dict[str, int],
    *, test_fraction: float = 0.25,
) -> pd.Timestamp:  # fmt: skip
    """First holdout cutoff: the latest ``test_fraction`` of the cutoffs whose every label is
    observed (``cutoff + longest horizon <= observed_until``)."""
    longest = pd.Timedelta(days=max(horizons.values()))
    labelled = cutoffs[cutoffs + longest <= observed_until]
    if len(labelled) < 4:
        raise ConfigError(
            f"only {len(labelled)} cutoffs have labels observed for every target (horizons "
            f"{horizons} days, data until {observed_until.date()}); a holdout needs at least four: "
            "use shorter horizons in [labels] (e.g. customer_days = 90) or a longer history"
        )
    first_test = min(int(np.ceil(len(labelled) * (1 - test_fraction))), len(labelled) - 1)
    return pd.Timestamp(labelled[max(first_test, 2)])


@dataclasses.dataclass(frozen=True)
class TrainResult:
    scorer: LeadScorer
    train: pd.DataFrame
    test: pd.DataFrame
    evaluation: pd.DataFrame
    test_start: pd.Timestamp
    sufficiency: SufficiencyReport | None = None


def train_scorer(
    crm: CRMData,
    config: Config | None = None,
    *,
    cutoffs: pd.DatetimeIndex | None = None,
    test_fraction: float = 0.25,
    random_state: int = 0,
    progress: bool = False,
) -> TrainResult:
    """Build the training table, split it by time, fit a LeadScorer and evaluate it.

    Test cutoffs come after the training cutoffs plus the horizon: training labels that would
    look into the test period are dropped (:func:`leadscore.evaluate.time_split`). Before any
    model is fitted, each target's rows, outcomes and cutoffs left after that purge are checked
    (:func:`leadscore.sufficiency.check_sufficiency`): below the minimums it stops with an
    :class:`~leadscore.errors.InsufficientDataError` that names the numbers and the way out;
    below the recommended counts it warns (:class:`~leadscore.errors.DataWarning`).
    """
    config = config or Config()
    horizons = config.horizons
    cutoffs = default_cutoffs(crm) if cutoffs is None else cutoffs
    observed_until = crm.time_span()[1]
    start = holdout_start(cutoffs, observed_until, horizons, test_fraction=test_fraction)
    table = build_training_table(crm, cutoffs, config=config, progress=progress)
    table = table.drop(columns=[f"y_{t}" for t in TARGETS if t not in horizons])
    sufficiency = check_sufficiency(
        table, horizons=horizons, test_start=start, history=crm.time_span(),
        warmup_days=WARMUP_DAYS, test_fraction=test_fraction,
    )  # fmt: skip
    sufficiency.raise_if_insufficient()
    for caution in sufficiency.cautions:
        warnings.warn(caution, DataWarning, stacklevel=2)
    train, test = time_split(table, horizons=horizons, test_start=start)
    with _status(f"Fitting one model per target on {len(train):,} rows", progress):
        scorer = LeadScorer(config=config, random_state=random_state).fit(train)
    with _status(f"Evaluating on {len(test):,} holdout rows", progress):
        evaluation = scorer.evaluate(test)
    return TrainResult(scorer, train, test, evaluation, start, sufficiency)


def _status(message: str, show: bool) -> contextlib.AbstractContextManager[object]:
    if not show:
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)
