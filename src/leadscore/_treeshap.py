"""Exact path-dependent TreeSHAP for LightGBM boosters, compiled with numba.

LightGBM's ``pred_contrib`` walks every tree once per row with Lundberg's recursion
(arXiv:1706.06060, Algorithm 2): for every row and tree it extends and unwinds the path
weights of every leaf, ``O(leaves x depth^2)`` floating-point work. The values it returns are a
sum over leaves, and one leaf's share depends on the row only through a few bits:

- walk the leaf's root-to-leaf path and merge repeated features: each of its ``d`` distinct
  features ``j`` has a *zero fraction* ``z_j`` (the product of the data-count ratios
  child / parent at ``j``'s splits on the path; the covers LightGBM uses) and, for a row, a *one
  fraction* ``o_j`` in {0, 1}: 1 if and only if the row satisfies every condition on ``j`` along
  the path;
- the leaf adds to feature ``i`` ``v (o_i - z_i)`` times the Shapley-weighted sum over subsets of
  the other path features, a function of ``z`` and of the ``d``-bit pattern ``o`` alone.

So, per tree, this module decides each row's branch at every split once (LightGBM's decision
rules, reproduced exactly: numeric ``x <= threshold`` with missing values NaN, zero-as-missing or
none and the default direction; categorical bitsets, with NaN, negative and out-of-range values
sent right and fractional codes truncated), folds the branches into each leaf's pattern in one
pass over the nodes (parents come before children), and looks the pattern's values up: a
leaf's values for a pattern are computed once per block of rows, with the extend / unwind
arithmetic of LightGBM itself, and shared by every row of the block with that pattern. Per row
and tree the work is one prediction's comparisons per node plus one table row per leaf.

Blocks of rows are explained in parallel (numba ``prange``); memory is a few tables per thread
and the output, whatever the number of rows. Results equal ``pred_contrib`` up to
floating-point summation order (well within 1e-9).
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

import numba
import numpy as np

__all__ = ["TreeShap", "compile_booster", "tree_shap"]

#: Rows per block: a leaf's pattern values are computed once per block and shared by its rows.
BLOCK_ROWS = 8192
#: Leaves with at most this many path features index their patterns in a dense table.
_DENSE_BITS = 12
_MAX_BITS = 63  # a leaf's pattern is one uint64; deeper paths fall back to pred_contrib
_SUB_ROWS = 256  # rows whose sums over a tree's leaves are added up together
_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold, the float 1e-35f
_MISSING = {"None": 0, "Zero": 1, "NaN": 2}


@dataclasses.dataclass(frozen=True)
class TreeShap:
    """A booster's trees as flat arrays: what the compiled kernel reads.

    Nodes and leaves of tree ``t`` are ``node_start[t]:node_start[t + 1]`` and
    ``leaf_start[t]:leaf_start[t + 1]``; nodes are numbered in pre-order within a tree (a
    parent before its children), children are local node indices, or ``-1 - leaf`` for leaves.
    """

    n_trees: int
    node_start: np.ndarray
    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_categorical: np.ndarray  # bool
    node_missing: np.ndarray  # 0 none, 1 zero, 2 NaN
    node_default_left: np.ndarray  # bool
    node_left: np.ndarray
    node_right: np.ndarray
    node_slot: np.ndarray  # position of the node's feature among its leaves' path features
    node_cat_start: np.ndarray  # into cat_bits
    node_cat_words: np.ndarray
    cat_bits: np.ndarray  # uint32 bitsets of the categories going left
    leaf_start: np.ndarray
    leaf_value: np.ndarray
    leaf_path_start: np.ndarray  # into path_feature / path_zero, one more than the leaves
    path_feature: np.ndarray
    path_zero: np.ndarray
    path_tslot: np.ndarray  # position of the path feature among its tree's features
    tree_feat_start: np.ndarray  # into tree_feat, one more than the trees
    tree_feat: np.ndarray  # the distinct features each tree splits on
    table_rows: np.ndarray  # per tree: a bound on its pattern table, in values
    fallback: tuple[int, ...]  # trees too deep for the kernel, explained by pred_contrib


_CACHE: weakref.WeakKeyDictionary[Any, tuple[int, TreeShap]] = weakref.WeakKeyDictionary()


def compile_booster(booster: Any) -> TreeShap:
    """The flat tree arrays of a binary or regression LightGBM booster, cached per booster.

    Examples
    --------
    >>> import lightgbm as lgb
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); y = (X[:, 0] > 0).astype(int)
    >>> booster = lgb.train({"verbosity": -1, "num_leaves": 4}, lgb.Dataset(X, y), 5)
    >>> compile_booster(booster).n_trees
    5
    """
    key = booster.num_trees()
    cached = _CACHE.get(booster)
    if cached is not None and cached[0] == key:
        return cached[1]
    compiled = _compile(booster.dump_model())
    _CACHE[booster] = (key, compiled)
    return compiled


def _compile(dump: dict[str, Any]) -> TreeShap:
    nodes: dict[str, list[Any]] = {
        k: []
        for k in (
            "feature", "threshold", "categorical", "missing", "default_left", "left", "right",
            "slot", "cat_start", "cat_words",
        )
    }  # fmt: skip
    cat_bits: list[int] = []
    leaf_value: list[float] = []
    path_start = [0]
    path_feature: list[int] = []
    path_zero: list[float] = []
    path_tslot: list[int] = []
    tree_feat_start = [0]
    tree_feat: list[int] = []
    node_start, leaf_start, table_rows, fallback = [0], [0], [], []
    for t, tree in enumerate(dump["tree_info"]):
        tree_nodes: list[dict[str, Any]] = []
        tree_leaves: list[tuple[float, list[int], list[float]]] = []
        _walk(tree["tree_structure"], tree_nodes, tree_leaves)
        depth = max((len(f) for _, f, _ in tree_leaves), default=0)
        if not tree_nodes or depth > _MAX_BITS:
            if tree_nodes:
                fallback.append(t)
            tree_feat_start.append(tree_feat_start[-1])
            node_start.append(node_start[-1])
            leaf_start.append(leaf_start[-1])
            table_rows.append(0)
            continue
        for node in tree_nodes:
            for k in ("feature", "threshold", "categorical", "missing", "default_left"):
                nodes[k].append(node[k])
            nodes["left"].append(node["left"])
            nodes["right"].append(node["right"])
            nodes["slot"].append(node["slot"])
            nodes["cat_start"].append(len(cat_bits))
            nodes["cat_words"].append(len(node["bits"]))
            cat_bits.extend(node["bits"])
        bound = 0
        used = sorted({node["feature"] for node in tree_nodes})
        tree_feat.extend(used)
        tree_feat_start.append(len(tree_feat))
        for value, features, zeros in tree_leaves:
            leaf_value.append(value)
            path_tslot.extend(used.index(f) for f in features)
            path_feature.extend(features)
            path_zero.extend(zeros)
            path_start.append(len(path_feature))
            bound += min(BLOCK_ROWS, 2 ** len(features)) * len(features)
        node_start.append(node_start[-1] + len(tree_nodes))
        leaf_start.append(leaf_start[-1] + len(tree_leaves))
        table_rows.append(bound)

    def ints(values: list[Any], dtype: Any = np.int64) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    return TreeShap(
        n_trees=len(dump["tree_info"]),
        node_start=ints(node_start),
        node_feature=ints(nodes["feature"]),
        node_threshold=ints(nodes["threshold"], np.float64),
        node_categorical=ints(nodes["categorical"], np.bool_),
        node_missing=ints(nodes["missing"]),
        node_default_left=ints(nodes["default_left"], np.bool_),
        node_left=ints(nodes["left"]),
        node_right=ints(nodes["right"]),
        node_slot=ints(nodes["slot"]),
        node_cat_start=ints(nodes["cat_start"]),
        node_cat_words=ints(nodes["cat_words"]),
        cat_bits=ints(cat_bits or [0], np.uint32),
        leaf_start=ints(leaf_start),
        leaf_value=ints(leaf_value, np.float64),
        leaf_path_start=ints(path_start),
        path_feature=ints(path_feature),
        path_zero=ints(path_zero, np.float64),
        path_tslot=ints(path_tslot),
        tree_feat_start=ints(tree_feat_start),
        tree_feat=ints(tree_feat),
        table_rows=ints(table_rows),
        fallback=tuple(fallback),
    )


def _count(node: dict[str, Any]) -> float:
    return float(node["internal_count"] if "split_feature" in node else node["leaf_count"])


def _walk(
    root: dict[str, Any],
    nodes: list[dict[str, Any]],
    leaves: list[tuple[float, list[int], list[float]]],
) -> None:
    """Number ``root``'s nodes in pre-order and list each leaf's merged path.

    Each leaf gets its value, its distinct path features in order of first appearance (the
    slots) and their zero fractions.
    """
    # (node, parent index, is left child, path features, path zero fractions)
    stack: list[tuple[dict[str, Any], int, bool, list[int], list[float]]] = [
        (root, -1, False, [], [])
    ]
    while stack:
        node, parent, is_left, features, zeros = stack.pop()
        if "split_feature" in node:
            index = len(nodes)
            feature = int(node["split_feature"])
            features = list(features)
            if feature not in features:
                features.append(feature)
                zeros = [*zeros, 1.0]
            slot = features.index(feature)
            categorical = node["decision_type"] == "=="
            bits: list[int] = []
            if categorical:
                codes = [int(c) for c in str(node["threshold"]).split("||")]
                bits = [0] * (max(codes) // 32 + 1)
                for c in codes:
                    bits[c // 32] |= 1 << (c % 32)
            nodes.append(
                {
                    "feature": feature,
                    "threshold": 0.0 if categorical else float(node["threshold"]),
                    "categorical": categorical,
                    "missing": _MISSING[str(node.get("missing_type", "None"))],
                    "default_left": bool(node.get("default_left", False)),
                    "slot": slot,
                    "bits": bits,
                    "left": 0,
                    "right": 0,
                }
            )
            cover = _count(node)
            for child, left in ((node["right_child"], False), (node["left_child"], True)):
                child_zeros = list(zeros)
                child_zeros[slot] *= _count(child) / cover
                stack.append((child, index, left, features, child_zeros))
        else:
            index = -1 - len(leaves)
            leaves.append((float(node["leaf_value"]), list(features), list(zeros)))
        if parent >= 0:
            nodes[parent]["left" if is_left else "right"] = index


# --- compiled kernels ---------------------------------------------------------------------------


def _category_left_py(x: float, bits: np.ndarray, start: int, words: int) -> bool:
    """LightGBM's CategoricalDecision: NaN, negative and out-of-range codes go right."""
    if np.isnan(x) or x <= -1.0 or x >= 2147483648.0:
        return False
    code = int(x)  # truncated towards zero, as static_cast<int>
    if code >> 5 >= words:
        return False
    return bool((bits[start + (code >> 5)] >> np.uint32(code & 31)) & np.uint32(1))


_category_left: Any = numba.njit(cache=True)(_category_left_py)


def _pattern_values_py(
    zeros: np.ndarray,
    off: np.uint64,
    value: float,
    out: np.ndarray,
    weights: np.ndarray,
    ones: np.ndarray,
) -> None:
    """A leaf's contributions to its path features for one pattern (bit set: condition unmet).

    LightGBM's ExtendPath over the dummy root element and the ``d`` features, then
    UnwoundPathSum for each feature: the same arithmetic as ``pred_contrib``. ``weights`` and
    ``ones`` are scratch space of at least ``d + 1`` values.
    """
    d = len(zeros)
    for i in range(d + 1):
        weights[i] = 0.0
    weights[0] = 1.0
    for depth in range(1, d + 1):
        z = zeros[depth - 1]
        o = 0.0 if (off >> np.uint64(depth - 1)) & np.uint64(1) else 1.0
        ones[depth - 1] = o
        for i in range(depth - 1, -1, -1):
            weights[i + 1] += o * weights[i] * (i + 1) / (depth + 1)
            weights[i] = z * weights[i] * (depth - i) / (depth + 1)
    for k in range(d):
        o, z = ones[k], zeros[k]
        total = 0.0
        nxt = weights[d]
        for i in range(d - 1, -1, -1):
            if o != 0.0:
                tmp = nxt * (d + 1) / ((i + 1) * o)
                total += tmp
                nxt = weights[i] - tmp * z * ((d - i) / (d + 1))
            else:
                total += (weights[i] / z) / ((d - i) / (d + 1))
        out[k] = total * (o - z) * value


_pattern_values: Any = numba.njit(cache=True)(_pattern_values_py)


def _explain_py(
    matrix: np.ndarray,
    out: np.ndarray,
    node_start: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    categorical: np.ndarray,
    missing: np.ndarray,
    default_left: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    slot: np.ndarray,
    cat_start: np.ndarray,
    cat_words: np.ndarray,
    cat_bits: np.ndarray,
    leaf_start: np.ndarray,
    leaf_value: np.ndarray,
    path_start: np.ndarray,
    path_feature: np.ndarray,
    path_zero: np.ndarray,
    path_tslot: np.ndarray,
    tree_feat_start: np.ndarray,
    tree_feat: np.ndarray,
    table_rows: np.ndarray,
    block_rows: int,
) -> int:
    """Add every tree's contributions to ``out`` (rows x features); return the patterns computed."""
    n = matrix.shape[0]
    n_trees = len(node_start) - 1
    max_leaves = 1
    max_nodes = 1
    for t in range(n_trees):
        max_leaves = max(max_leaves, leaf_start[t + 1] - leaf_start[t])
        max_nodes = max(max_nodes, node_start[t + 1] - node_start[t])
    max_feats = 1
    for t in range(n_trees):
        max_feats = max(max_feats, tree_feat_start[t + 1] - tree_feat_start[t])
    max_table = max(1, table_rows.max()) if n_trees > 0 else 1
    n_blocks = (n + block_rows - 1) // block_rows
    computed = np.zeros(n_blocks, dtype=np.int64)
    hash_size = 16
    while hash_size < 2 * block_rows:
        hash_size *= 2
    for b in numba.prange(n_blocks):
        lo = b * block_rows
        hi = min(n, lo + block_rows)
        rows = hi - lo
        # row-major: a row's leaves are written together and read together
        masks = np.empty((rows, max_leaves), dtype=np.uint64)
        ids = np.empty((max_leaves, rows), dtype=np.int32)
        sums = np.empty((_SUB_ROWS, max_feats))
        weights = np.empty(_MAX_BITS + 2)
        ones = np.empty(_MAX_BITS + 1)
        node_mask = np.empty(max_nodes, dtype=np.uint64)
        table = np.empty(max_table)
        offsets = np.empty(max_leaves + 1, dtype=np.int64)
        dense = np.full(1 << _DENSE_BITS, -1, dtype=np.int32)
        hash_keys = np.empty(hash_size, dtype=np.uint64)
        hash_ids = np.full(hash_size, -1, dtype=np.int32)
        touched = np.empty(rows, dtype=np.int64)
        reps = np.empty(rows, dtype=np.uint64)
        for t in range(n_trees):
            n0 = node_start[t]
            n_nodes = node_start[t + 1] - n0
            if n_nodes == 0:
                continue
            l0 = leaf_start[t]
            n_leaves = leaf_start[t + 1] - l0
            # 1. each row's pattern at each leaf: one pass over the nodes, parents first
            for r in range(rows):
                node_mask[0] = 0
                for k in range(n_nodes):
                    g = n0 + k
                    m = node_mask[k]
                    bit = np.uint64(1) << np.uint64(slot[g])
                    # LightGBM's Decision; its predictor reads |x| <= kZeroThreshold as 0
                    x = matrix[lo + r, feature[g]]
                    if abs(x) <= _ZERO:
                        x = 0.0
                    if categorical[g]:
                        go_left = _category_left(x, cat_bits, cat_start[g], cat_words[g])
                    elif np.isnan(x):
                        # NaN is 0 unless missing values are NaN: either way the default
                        go_left = default_left[g] if missing[g] != 0 else threshold[g] >= 0.0
                    elif missing[g] == 1 and x == 0.0:
                        go_left = default_left[g]
                    else:
                        go_left = x <= threshold[g]
                    lm = m | (bit * np.uint64(not go_left))
                    rm = m | (bit * np.uint64(go_left))
                    c = left[g]
                    if c >= 0:
                        node_mask[c] = lm
                    else:
                        masks[r, -1 - c] = lm
                    c = right[g]
                    if c >= 0:
                        node_mask[c] = rm
                    else:
                        masks[r, -1 - c] = rm
            # 2. per leaf: number its distinct patterns, compute each one's values once
            pos = 0
            for leaf in range(n_leaves):
                p0 = path_start[l0 + leaf]
                d = path_start[l0 + leaf + 1] - p0
                offsets[leaf] = pos
                count = 0
                if d <= _DENSE_BITS:
                    for r in range(rows):
                        m = masks[r, leaf]
                        i = dense[m]
                        if i < 0:
                            i = count
                            dense[m] = i
                            reps[count] = m
                            count += 1
                        ids[leaf, r] = i
                    for i in range(count):
                        dense[reps[i]] = -1
                else:
                    for r in range(rows):
                        m = masks[r, leaf]
                        h = (m * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
                        h = h & np.uint64(hash_size - 1)
                        while hash_ids[h] >= 0 and hash_keys[h] != m:
                            h = (h + np.uint64(1)) & np.uint64(hash_size - 1)
                        i = hash_ids[h]
                        if i < 0:
                            i = count
                            hash_ids[h] = i
                            hash_keys[h] = m
                            touched[count] = h
                            reps[count] = m
                            count += 1
                        ids[leaf, r] = i
                    for i in range(count):
                        hash_ids[touched[i]] = -1
                zeros = path_zero[p0 : p0 + d]
                value = leaf_value[l0 + leaf]
                for i in range(count):
                    _pattern_values(zeros, reps[i], value, table[pos : pos + d], weights, ones)
                    pos += d
                computed[b] += count
            # 3. add each row's table rows, leaf by leaf over a few rows at a time: the sums
            #    stay in cache and no addition waits for the one before it
            f0 = tree_feat_start[t]
            n_feats = tree_feat_start[t + 1] - f0
            for s0 in range(0, rows, _SUB_ROWS):
                s1 = min(rows, s0 + _SUB_ROWS)
                for r in range(s1 - s0):
                    for j in range(n_feats):
                        sums[r, j] = 0.0
                for leaf in range(n_leaves):
                    p0 = path_start[l0 + leaf]
                    d = path_start[l0 + leaf + 1] - p0
                    for r in range(s0, s1):
                        base = offsets[leaf] + ids[leaf, r] * d
                        for k in range(d):
                            sums[r - s0, path_tslot[p0 + k]] += table[base + k]
                for r in range(s0, s1):
                    for j in range(n_feats):
                        out[lo + r, tree_feat[f0 + j]] += sums[r - s0, j]
    return int(computed.sum())


_explain: Any = numba.njit(cache=True, parallel=True)(_explain_py)


def tree_shap(
    booster: Any, matrix: np.ndarray, *, compiled: TreeShap | None = None
) -> tuple[np.ndarray, float]:
    """TreeSHAP contributions (``rows x features``, raw score) equal to ``pred_contrib``'s.

    Returns the contributions (without LightGBM's base-value column) and the share of
    (row, leaf) pairs whose values were computed rather than shared with an earlier row of the
    same block.

    Examples
    --------
    >>> import lightgbm as lgb
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); y = (X[:, 0] > 0).astype(int)
    >>> booster = lgb.train({"verbosity": -1, "num_leaves": 4}, lgb.Dataset(X, y), 5)
    >>> values, _ = tree_shap(booster, X)
    >>> bool(np.abs(values - booster.predict(X, pred_contrib=True)[:, :-1]).max() < 1e-9)
    True
    """
    compiled = compile_booster(booster) if compiled is None else compiled
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    n, width = matrix.shape
    out = np.zeros((n, width))
    if n == 0:
        return out, 1.0
    c = compiled
    computed = _explain(
        matrix, out, c.node_start, c.node_feature, c.node_threshold, c.node_categorical,
        c.node_missing, c.node_default_left, c.node_left, c.node_right, c.node_slot,
        c.node_cat_start, c.node_cat_words, c.cat_bits, c.leaf_start, c.leaf_value,
        c.leaf_path_start, c.path_feature, c.path_zero, c.path_tslot, c.tree_feat_start,
        c.tree_feat, c.table_rows, BLOCK_ROWS,
    )  # fmt: skip
    for t in c.fallback:
        tree = booster.predict(matrix, pred_contrib=True, start_iteration=t, num_iteration=1)
        out += np.asarray(tree, dtype=np.float64)[:, :-1]
    pairs = n * max(1, len(c.leaf_value))
    return out, min(1.0, computed / pairs)
