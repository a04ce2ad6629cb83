"""The explanation API of :class:`leadscore.LeadModel`: explain, criteria sums, reasons, summaries.

The glue between a fitted model's booster, its linear prior and :mod:`leadscore.explain`,
which is the one place contributions are computed (:func:`leadscore.explain.contributions`)
and worded (:func:`leadscore.explain.reasons`). Here they are put together for a model:

- :func:`model_contributions`: per chunk of rows, TreeSHAP of the trees plus the prior's
  exact contributions, in log-odds;
- :func:`explain`: all of them as a ``shap.Explanation``;
- :func:`summarize`: probabilities, sums per qualification criterion and reasons in one pass
  over chunks (what batch scoring uses: :class:`Summary`).

The methods :meth:`LeadModel.explain`, :meth:`~LeadModel.explain_criteria`,
:meth:`~LeadModel.reasons` and :meth:`~LeadModel.summarize` call these functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leadscore._preprocess import as_frame
from leadscore.criteria import FeatureSpec
from leadscore.explain import (
    ReasonPlan,
    TreeSplits,
    base_value,
    contributions,
    criterion_matrix,
    family_sums,
    iter_chunks,
    reasons,
    tree_splits,
)

if TYPE_CHECKING:
    from leadscore.model import LeadModel

__all__ = ["Summary", "explain", "model_contributions", "summarize"]


@dataclasses.dataclass(frozen=True)
class Summary:
    """What batch scoring needs from a model, per row (see :meth:`LeadModel.summarize`)."""

    proba: np.ndarray  # calibrated probability of the positive class
    criteria: pd.DataFrame  # log-odds contribution per criterion
    reasons: np.ndarray  # text, or None
    reason_codes: np.ndarray  # text, or None
    distinct_share: float  # share of rows explained (the rest shared a decision pattern)
    logodds: np.ndarray | None = None  # raw log-odds = base value + sum of contributions
    signals: pd.DataFrame | None = None  # log-odds contribution per signal family
    leads: np.ndarray | None = None  # per row and family: the feature wording it
    plan: ReasonPlan | None = None  # the features, families and codes of the columns above


def _tree_splits(model: LeadModel) -> list[TreeSplits]:
    """The booster's splits, read once per booster and kept on the model."""
    cached = getattr(model, "_splits_cache", None)
    if cached is None or cached[0] is not model.booster_:
        cached = (model.booster_, tree_splits(model.booster_))
        model._splits_cache = cached
    return cached[1]


def model_contributions(
    model: LeadModel, matrix: np.ndarray, deduplicate: bool, chunk_rows: int
) -> Iterator[tuple[slice, np.ndarray, float]]:
    """Per chunk of ``matrix`` rows: the rows, their contributions (rows x features, log-odds,
    the trees' and the prior's) and the share of distinct decision patterns explained."""
    trees = _tree_splits(model) if deduplicate else None
    for rows in iter_chunks(len(matrix), chunk_rows):
        values, distinct = contributions(model.booster_, matrix[rows], trees=trees)
        if model.linear_ is not None:
            model.linear_.contributions(matrix[rows], out=values)
        yield rows, values, distinct


def explain(model: LeadModel, X: Any, *, deduplicate: bool, chunk_rows: int) -> Any:
    """Every contribution of ``X`` as a ``shap.Explanation`` (see :meth:`LeadModel.explain`)."""
    import shap

    frame = as_frame(X, list(model.feature_names_in_))
    matrix = model._matrix(frame)
    values = np.empty((len(matrix), model.n_features_in_))
    for rows, chunk, _ in model_contributions(model, matrix, deduplicate, chunk_rows):
        values[rows] = chunk
    base = base_value(model.booster_, model.n_features_in_)
    base += 0.0 if model.linear_ is None else model.linear_.base
    names = list(model.feature_names_in_)
    return shap.Explanation(
        values=values,
        base_values=np.full(len(matrix), base),
        data=matrix,
        display_data=frame[names].to_numpy(dtype=object),
        feature_names=names,
    )


def summarize(
    model: LeadModel,
    X: Any,
    *,
    k: int,
    criteria: dict[str, str] | None,
    deduplicate: bool,
    chunk_rows: int,
    signals: bool = False,
    specs: Mapping[str, FeatureSpec] | None = None,
    display: pd.DataFrame | None = None,
) -> Summary:
    """Probabilities, criteria sums and the top ``k`` reasons each way, chunk by chunk.

    Memory stays bounded by ``chunk_rows``: each chunk's contributions are summed per
    criterion and worded, then dropped. With ``signals``, also the raw log-odds and the sums
    per signal family (:func:`leadscore.explain.family_sums`), what score history keeps.
    ``specs`` word the features they name instead of the registry, and ``display`` (rows as
    ``X``) gives the values reasons show, where they are not ``X``'s own (a plain table's
    "1,250 (high)").
    """
    frame = as_frame(X, list(model.feature_names_in_))
    matrix = model._matrix(frame)
    names = list(model.feature_names_in_)
    order, by_criterion = criterion_matrix(names, criteria)
    plan = ReasonPlan.of(names, criteria, specs=specs)
    shown = frame if display is None else display
    sums = np.empty((len(matrix), len(order)))
    texts = np.full(len(matrix), None, dtype=object)
    codes = np.full(len(matrix), None, dtype=object)
    distinct = 0.0
    family_values = np.zeros((len(matrix), len(plan.families))) if signals else None
    leads = np.zeros((len(matrix), len(plan.families)), dtype=np.int64) if signals else None
    for rows, values, share in model_contributions(model, matrix, deduplicate, chunk_rows):
        sums[rows] = values @ by_criterion
        if family_values is not None and leads is not None:
            family_values[rows], leads[rows] = family_sums(values, plan)
        distinct += share * (rows.stop - rows.start)
        if k > 0:
            texts[rows], codes[rows] = reasons(
                values, shown.iloc[rows], plan, k=k, criteria=criteria
            )
    raw = model._raw(matrix)
    return Summary(
        proba=model.calibrator_.transform(raw),
        criteria=pd.DataFrame(sums, columns=order, index=frame.index),
        reasons=texts,
        reason_codes=codes,
        distinct_share=distinct / max(len(matrix), 1),
        logodds=raw if signals else None,
        signals=None
        if family_values is None
        else pd.DataFrame(family_values, columns=plan.families, index=frame.index),
        leads=leads,
        plan=plan if signals else None,
    )
