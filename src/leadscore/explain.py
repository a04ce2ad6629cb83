"""Contributions, criteria sums and reasons: the one place explanations are computed.

Contributions are LightGBM's own TreeSHAP (``Booster.predict(..., pred_contrib=True)``), in
log-odds: for every row, ``base value + sum of contributions = raw score`` of the booster, which
:meth:`leadscore.LeadModel.decision_function` returns. Calibrated probabilities are a monotone map
of that raw score (:mod:`leadscore.calibration`), so a feature that raises the log-odds raises the
probability, but contributions do not add up on the probability scale: near 0 or 1 the same
log-odds move changes the probability less. Explanations are therefore reported in log-odds.

Everything else reads from the contributions: sums per qualification criterion, the reasons in
words (top positive and negative, one per signal family, worded from the feature registry of
:mod:`leadscore.criteria`), the plots and the report.

Exact deduplication. TreeSHAP is a sum over trees, and one tree's values depend on a row only
through the branch it takes at each of that tree's splits. Rows with the same answers to one
tree's split questions (a *decision pattern*) get the same values from that tree, so
:func:`contributions` explains, tree by tree, one row per distinct pattern and broadcasts. A
tree of 31 leaves asks 30 questions, and across a batch of leads only a few hundred to a few
thousand answer patterns occur, however many rows there are: the cost of TreeSHAP, the bulk of
batch scoring, becomes nearly independent of the number of rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore._treeshap import tree_shap
from leadscore.criteria import (
    CRITERIA,
    Direction,
    FeatureSpec,
    describe_feature,
    render_counts,
    render_values,
    window_features,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "TreeSplits",
    "contributions",
    "criteria_sums",
    "decision_patterns",
    "reasons",
    "tree_splits",
]

#: Rows explained at a time: bounds memory to a chunk's contributions.
DEFAULT_CHUNK_ROWS = 100_000
#: Contributions smaller than this (in log-odds) do not make a reason.
MIN_REASON_LOGODDS = 0.01
_ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| <= this counts as zero


@dataclasses.dataclass(frozen=True)
class TreeSplits:
    """The splits of one tree: the questions whose answers decide its TreeSHAP values."""

    index: int
    numeric_features: np.ndarray  # per numeric split
    thresholds: np.ndarray
    categorical_features: np.ndarray  # per categorical split
    categories: tuple[np.ndarray, ...]  # per categorical split: the categories going left
    features: np.ndarray  # every feature the tree splits on
    zero_missing: np.ndarray  # numeric features split with zero as missing


def tree_splits(booster: Any) -> list[TreeSplits]:
    """The splits of every tree of a LightGBM booster.

    Examples
    --------
    >>> import lightgbm as lgb
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); y = (X[:, 0] > 0).astype(int)
    >>> trees = tree_splits(lgb.train({"verbosity": -1, "num_leaves": 4}, lgb.Dataset(X, y), 5))
    >>> len(trees), int(trees[0].features[0])
    (5, 0)
    """
    out = []
    for i, tree in enumerate(booster.dump_model()["tree_info"]):
        numeric_f: list[int] = []
        numeric_t: list[float] = []
        zero_missing: set[int] = set()
        categorical_f: list[int] = []
        categories: list[np.ndarray] = []
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" not in node:
                continue
            feature = int(node["split_feature"])
            if node["decision_type"] == "==":
                categorical_f.append(feature)
                values = str(node["threshold"]).split("||")
                categories.append(np.array([float(v) for v in values], dtype=np.float64))
            else:
                numeric_f.append(feature)
                numeric_t.append(float(node["threshold"]))
                if node.get("missing_type") == "Zero":
                    zero_missing.add(feature)
            stack.extend((node["left_child"], node["right_child"]))
        out.append(
            TreeSplits(
                index=i,
                numeric_features=np.asarray(numeric_f, dtype=np.int64),
                thresholds=np.asarray(numeric_t, dtype=np.float64),
                categorical_features=np.asarray(categorical_f, dtype=np.int64),
                categories=tuple(categories),
                features=np.unique(np.asarray(numeric_f + categorical_f, dtype=np.int64)),
                zero_missing=np.asarray(sorted(zero_missing), dtype=np.int64),
            )
        )
    return out


def decision_patterns(tree: TreeSplits, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Representative rows of each distinct decision pattern in ``tree``, and each row's one.

    A pattern holds the answer to every split question of the tree (``x <= threshold``, or
    ``x in categories``) and whether each feature it splits on is missing (plus zero, for
    splits that treat zero as missing, and negative, for categories), so that rows with one
    pattern are routed alike whatever LightGBM does with special values.
    """
    answers = [
        matrix[:, tree.numeric_features] <= tree.thresholds,
        np.isnan(matrix[:, tree.features]),
        np.abs(matrix[:, tree.zero_missing]) <= _ZERO,
    ]
    for feature, categories in zip(tree.categorical_features, tree.categories, strict=True):
        values = matrix[:, feature]
        answers += [np.isin(values, categories)[:, None], (values < 0)[:, None]]
    packed = np.packbits(np.concatenate(answers, axis=1), axis=1)
    rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return first, inverse


def contributions(
    booster: Any, matrix: np.ndarray, *, trees: list[TreeSplits] | None = None
) -> tuple[np.ndarray, float]:
    """TreeSHAP contributions (``n x features``, log-odds) and the share of patterns computed.

    With ``trees`` (see :func:`tree_splits`; a switch here: the structure it uses is compiled
    once per booster by :func:`leadscore._treeshap.compile_booster`), leadscore's compiled
    exact TreeSHAP (:mod:`leadscore._treeshap`): the values of LightGBM's ``pred_contrib`` up
    to floating-point summation order, over ten times faster; the share returned is the
    fraction of (row, leaf) pairs whose values were computed rather than shared. Without
    ``trees``, one call to LightGBM's ``pred_contrib`` for all rows (share 1). LightGBM's base
    value (its last column) is dropped.
    """
    n = len(matrix)
    if trees is None or n == 0:
        out = np.asarray(booster.predict(matrix, pred_contrib=True), dtype=np.float64)
        return out[:, :-1], 1.0
    return tree_shap(booster, matrix)


def base_value(booster: Any, n_features: int) -> float:
    """The expected raw score of the booster (TreeSHAP's base value)."""
    row = np.full((1, n_features), np.nan)
    return float(np.asarray(booster.predict(row, pred_contrib=True))[0, -1])


def iter_chunks(n: int, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[slice]:
    """Consecutive row slices of at most ``chunk_rows`` rows."""
    for start in range(0, n, max(1, chunk_rows)):
        yield slice(start, min(n, start + chunk_rows))


def criterion_matrix(
    names: list[str], criteria: dict[str, str] | None = None
) -> tuple[list[str], np.ndarray]:
    """Criteria in display order and a ``features x criteria`` 0/1 matrix."""
    lookup = {n: describe_feature(n, criteria=criteria).criterion for n in names}
    matrix = np.zeros((len(names), len(CRITERIA)))
    for i, name in enumerate(names):
        matrix[i, CRITERIA.index(lookup[name])] = 1.0
    return list(CRITERIA), matrix


def criteria_sums(
    values: np.ndarray, names: list[str], *, criteria: dict[str, str] | None = None
) -> pd.DataFrame:
    """Contributions summed per qualification criterion: ``rows x criteria``, in log-odds.

    Examples
    --------
    >>> criteria_sums(np.array([[0.5, -0.2, 0.1]]), ["industry", "email_open_7d", "country"])
       fit  budget  authority  need  engagement  timing  buying_group  source
    0  0.6     0.0        0.0   0.0        -0.2     0.0           0.0     0.0
    """
    order, matrix = criterion_matrix(names, criteria)
    return pd.DataFrame(values @ matrix, columns=order)


# --- reasons ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReasonPlan:
    """Feature metadata needed to word reasons, resolved once per model."""

    names: list[str]
    families: list[str]
    family_index: np.ndarray  # per feature: index into families
    codes: list[str]
    specs: list[FeatureSpec] = dataclasses.field(default_factory=list)

    @classmethod
    def of(
        cls,
        names: list[str],
        criteria: dict[str, str] | None = None,
        *,
        specs: Mapping[str, FeatureSpec] | None = None,
    ) -> ReasonPlan:
        """The plan of features ``names``: each one's spec from the registry
        (:func:`leadscore.criteria.describe_feature`), or from ``specs`` where given there (a
        plain table's columns, worded by :mod:`leadscore.plain`)."""
        given = specs or {}
        resolved = [given.get(n) or describe_feature(n, criteria=criteria) for n in names]
        families: list[str] = []
        index = []
        for spec in resolved:
            if spec.family not in families:
                families.append(spec.family)
            index.append(families.index(spec.family))
        codes = [s.reason_code for s in resolved]
        return cls(names, families, np.asarray(index), codes, resolved)


def _top_families(
    values: np.ndarray, plan: ReasonPlan, k: int, sign: int, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` families with the largest signed total, and each one's lead feature.

    A missing value never makes a positive reason ("revenue unknown" raising a score tells a
    sales rep nothing to act on); it may make a negative one. Returns ``(features, totals)``,
    both ``rows x k``; feature -1 where there is no reason.
    """
    n, n_families = len(values), len(plan.families)
    signed = values * sign
    if sign > 0:
        signed = np.where(missing, 0.0, signed)
    totals = np.zeros((n, n_families))
    lead = np.zeros((n, n_families), dtype=np.int64)
    for f in range(n_families):
        members = np.flatnonzero(plan.family_index == f)
        block = signed[:, members]
        totals[:, f] = block.sum(axis=1)
        lead[:, f] = members[np.argmax(block, axis=1)]
    k = min(k, n_families)
    top = np.argsort(-totals, axis=1, kind="stable")[:, :k]
    chosen_totals = np.take_along_axis(totals, top, axis=1)
    features = np.take_along_axis(lead, top, axis=1)
    features[chosen_totals < MIN_REASON_LOGODDS] = -1
    return features, chosen_totals


def _join(columns: list[pa.Array], separator: str) -> np.ndarray:
    if not columns:
        return np.array([], dtype=object)
    # pyarrow 25 drops the rows whose every input is null when skipping nulls: a last column
    # of empty strings keeps every row, and the separator it leaves is cut off
    end = pa.array(np.full(len(columns[0]), ""), type=pa.string())
    joined = pc.binary_join_element_wise(*columns, end, separator, null_handling="skip")
    joined = pc.replace_substring_regex(joined, re.escape(separator) + "$", "")
    out = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    out[out == ""] = None
    return out


def word_feature(
    name: str,
    X: pd.DataFrame,
    rows: np.ndarray,
    direction: Direction,
    criteria: dict[str, str] | None = None,
    *,
    spec: FeatureSpec | None = None,
) -> np.ndarray:
    """Feature ``name`` of ``X``'s ``rows`` in words: its value in its template, or, for a
    decayed count, the counts of its family over the windows ``X`` holds
    (:func:`leadscore.criteria.render_counts`). ``spec`` describes it instead of the registry."""
    spec = spec or describe_feature(name, criteria=criteria)
    if spec.kind == "weighted":
        windows = window_features(spec.family, X.columns)
        if windows:
            return render_counts(spec, {d: X[c].to_numpy()[rows] for d, c in windows.items()})
    return render_values(spec, X[name].to_numpy()[rows], direction)


def reasons(
    values: np.ndarray,
    X: pd.DataFrame,
    plan: ReasonPlan,
    *,
    k: int = 3,
    criteria: dict[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Reasons in words and reason codes for each row, from its contributions.

    The top ``k`` signal families that raised the score and the top ``k`` that lowered it (a
    family groups the windows and measures of one signal, e.g. every ``demo_request_*``
    feature, so that one demo request is not told three times), each worded by its feature with
    the largest contribution, filled with the row's value. Families that moved the log-odds by
    less than ``MIN_REASON_LOGODDS`` are left out.

    Returns
    -------
    texts, codes : arrays of str
        ``"+ Requested a demo 3 days ago; - No email open in 62 days"`` and
        ``"+TIME_DEMO_REQUEST_RECENT;-TIME_EMAIL_OPEN_RECENT"`` (None where there is no reason).
    """
    slots_text: list[pa.Array] = []
    slots_code: list[pa.Array] = []
    missing = X[plan.names].isna().to_numpy()
    directions: tuple[tuple[int, Direction, str], ...] = ((1, "up", "+"), (-1, "down", "-"))
    for sign, direction, mark in directions:
        features, _ = _top_families(values, plan, k, sign, missing)
        for slot in range(features.shape[1]):
            chosen = features[:, slot]
            text = np.full(len(chosen), None, dtype=object)
            code = np.full(len(chosen), None, dtype=object)
            for j in np.unique(chosen[chosen >= 0]):
                rows = np.flatnonzero(chosen == j)
                spec = plan.specs[j] if plan.specs else None
                shown = word_feature(plan.names[j], X, rows, direction, criteria, spec=spec)
                text[rows] = np.char.add(f"{mark} ", shown.astype(str)).astype(object)
                code[rows] = f"{mark}{plan.codes[j]}"
            slots_text.append(pa.array(text, type=pa.string()))
            slots_code.append(pa.array(code, type=pa.string()))
    return _join(slots_text, "; "), _join(slots_code, ";")


# --- signals and changes ----------------------------------------------------------------------


def family_sums(values: np.ndarray, plan: ReasonPlan) -> tuple[np.ndarray, np.ndarray]:
    """Contributions summed per signal family (``rows x families``, log-odds), and per row and
    family the member feature with the largest absolute contribution (its index in
    ``plan.names``), the one that words the family.

    The families partition the features, so a row's family sums add up to its criteria sums
    and to its log-odds minus the base value.

    Examples
    --------
    >>> plan = ReasonPlan.of(["meeting_30d", "meeting_decayed", "industry"])
    >>> sums, lead = family_sums(np.array([[0.1, -0.3, 0.5]]), plan)
    >>> plan.families, sums.round(2).tolist(), lead.tolist()
    (['meeting', 'industry'], [[-0.2, 0.5]], [[1, 2]])
    """
    n, n_families = len(values), len(plan.families)
    sums = np.zeros((n, n_families))
    lead = np.zeros((n, n_families), dtype=np.int64)
    for f in range(n_families):
        members = np.flatnonzero(plan.family_index == f)
        block = values[:, members]
        sums[:, f] = block.sum(axis=1)
        lead[:, f] = members[np.argmax(np.abs(block), axis=1)] if n else 0
    return sums, lead


def to_points(parts: np.ndarray, logodds_change: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Share a change out over its parts in proportion to their log-odds.

    ``parts`` (``rows x parts``, log-odds) add up to ``logodds_change``; each part gets
    ``change * part / logodds_change``, so the parts add up to ``change`` exactly (in the unit
    of ``change``, e.g. points of the score) and keep their signs relative to the total. A row
    whose log-odds did not move gets zeros.

    Examples
    --------
    >>> to_points(np.array([[0.6, -0.2], [0.1, -0.1]]), np.array([0.4, 0.0]), np.array([8, 0]))
    array([[12., -4.],
           [ 0.,  0.]])
    """
    total = np.asarray(logodds_change, dtype=float)
    moved = np.abs(total) > 1e-12
    scale = np.divide(change, total, out=np.zeros(len(total)), where=moved)
    return np.asarray(np.asarray(parts, dtype=float) * scale[:, None] + 0.0, dtype=np.float64)


def _amount(points: np.ndarray) -> np.ndarray:
    """``+12`` / ``-4`` (whole points), ``+0.4`` below one point."""
    whole = np.char.mod("%+.0f", points)
    small = np.char.mod("%+.1f", points)
    return np.where(np.abs(points) >= 0.95, whole, small).astype(object)


def change_reasons(
    delta: np.ndarray,
    lead: np.ndarray,
    points: np.ndarray,
    X: pd.DataFrame,
    plan: ReasonPlan,
    *,
    k: int = 3,
    criteria: dict[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Why each row's score moved, in words: the ``k`` signal families that raised it most and
    the ``k`` that lowered it most since the earlier run.

    ``delta`` holds each family's change of contribution (``rows x families``, log-odds),
    ``points`` the same in points of the score (:func:`to_points`), ``lead`` each family's
    wording feature now (:func:`family_sums`). A family is worded by that feature with the
    row's current value: ``"+12: Requested a demo 3 days ago; -4: No email open in 45 days"``.
    Codes carry the exact log-odds: ``"+TIME_DEMO_REQUEST_RECENT=+0.8123;..."``. Families that
    moved by less than ``MIN_REASON_LOGODDS`` are left out.
    """
    slots_text: list[pa.Array] = []
    slots_code: list[pa.Array] = []
    n = len(delta)
    for sign, direction in ((1, "up"), (-1, "down")):
        signed = delta * sign
        order = np.argsort(-signed, axis=1, kind="stable")[:, : min(k, delta.shape[1])]
        for slot in range(order.shape[1]):
            family = order[:, slot]
            moved = np.take_along_axis(signed, family[:, None], axis=1)[:, 0]
            chosen = np.where(moved >= MIN_REASON_LOGODDS, family, -1)
            text = np.full(n, None, dtype=object)
            code = np.full(n, None, dtype=object)
            for f in np.unique(chosen[chosen >= 0]):
                rows = np.flatnonzero(chosen == f)
                features = lead[rows, f]
                amounts = _amount(points[rows, f])
                logodds = np.char.mod("%+.4f", delta[rows, f]).astype(object)
                for j in np.unique(features):
                    at = features == j
                    worded = word_feature(plan.names[j], X, rows[at], direction, criteria)  # type: ignore[arg-type]
                    text[rows[at]] = amounts[at] + ": " + worded.astype(object)
                    code[rows[at]] = ("+" if sign > 0 else "-") + plan.codes[j] + "=" + logodds[at]
            slots_text.append(pa.array(text, type=pa.string()))
            slots_code.append(pa.array(code, type=pa.string()))
    return _join(slots_text, "; "), _join(slots_code, ";")
