"""Compiled TreeSHAP: equal to LightGBM's ``pred_contrib`` on every row and feature."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore import _treeshap
from leadscore._treeshap import compile_booster, tree_shap
from leadscore.model import LeadModel

TOLERANCE = 1e-9
CATEGORICAL = 5  # column of category codes 0..11


def _data(seed: int, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 7))
    X[rng.random(X.shape) < 0.15] = np.nan
    X[:, 4] = np.where(rng.random(n) < 0.3, 0.0, X[:, 4])  # many zeros
    X[:, 6] = rng.integers(0, 4, n)  # few values: rows sit exactly at thresholds
    X[:, CATEGORICAL] = rng.integers(0, 12, n)
    logit = np.nan_to_num(X[:, 0]) - np.isnan(X[:, 1]) + (X[:, CATEGORICAL] % 3 == 0) + X[:, 6]
    y = (logit + rng.normal(size=n) > 0.7).astype(int)
    return X, y


def _thresholds(booster: Any) -> list[tuple[int, float]]:
    found = []
    stack = [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    while stack:
        node = stack.pop()
        if "split_feature" in node:
            if node["decision_type"] == "<=":
                found.append((int(node["split_feature"]), float(node["threshold"])))
            stack += [node["left_child"], node["right_child"]]
    return found


def _scored_rows(X: np.ndarray, booster: Any, seed: int) -> np.ndarray:
    """Training rows plus the awkward ones: values exactly at thresholds, NaN, zeros as
    +-0 and below LightGBM's zero threshold, and category codes that are missing, negative,
    unseen, fractional or beyond an int."""
    rng = np.random.default_rng(seed)
    rows = X[:300].copy()
    for i, (feature, threshold) in enumerate(_thresholds(booster)[:200]):
        rows[i % len(rows), feature] = threshold
    odd = [np.nan, -1.0, -0.5, 3.7, 11.999, 12.0, 40.0, 1e12, 2.0**31, -3e9, 0.0, 1e-40, -0.0]
    rows[: len(odd) * 10, CATEGORICAL] = np.tile(odd, 10)
    tiny = rng.choice([np.nan, 0.0, -0.0, 1e-40, -1e-36, 1e-30], size=(100, X.shape[1] - 1))
    rows[-100:, [0, 1, 2, 3, 4, 6]] = tiny
    return rows


def _assert_exact(booster: Any, rows: np.ndarray) -> None:
    before = rows.copy()
    values, share = tree_shap(booster, rows)
    reference = booster.predict(rows, pred_contrib=True)
    np.testing.assert_array_equal(rows, before)  # input untouched
    assert values.shape == (len(rows), rows.shape[1])
    np.testing.assert_allclose(values, reference[:, :-1], rtol=0, atol=TOLERANCE)
    assert 0 < share <= 1


CASES = {
    "missing NaN": {},
    "zero as missing": {"zero_as_missing": True},
    "no missing": {"use_missing": False},
    "deep": {"num_leaves": 63, "max_depth": -1, "min_data_in_leaf": 2},
    "shallow, many categories": {"max_depth": 3, "max_cat_to_onehot": 2, "cat_smooth": 1.0},
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", list(CASES))
def test_equals_pred_contrib(case: str, seed: int) -> None:
    X, y = _data(seed)
    params = {"verbosity": -1, "num_leaves": 15, "min_data_per_group": 5, "seed": seed}
    dataset = lgb.Dataset(X, y, categorical_feature=[CATEGORICAL])
    booster = lgb.train({**params, **CASES[case]}, dataset, 25)
    splits = compile_booster(booster)
    assert splits.node_categorical.any()
    missing = set(splits.node_missing.tolist())  # 0 none, 1 zero, 2 NaN
    expected = {"missing NaN": 2 in missing, "zero as missing": 1 in missing}
    assert expected.get(case, True)
    assert case != "no missing" or missing == {0}
    _assert_exact(booster, _scored_rows(X, booster, seed))


def test_regression_and_numeric_only() -> None:
    X, _ = _data(3)
    y = np.nan_to_num(X[:, 0]) * 2 + np.nan_to_num(X[:, 2]) ** 2
    booster = lgb.train({"verbosity": -1, "num_leaves": 31}, lgb.Dataset(X, y), 20)
    _assert_exact(booster, _scored_rows(X, booster, 3))


def test_one_leaf_trees_contribute_nothing() -> None:
    X, y = _data(4, n=50)
    booster = lgb.train({"verbosity": -1, "min_data_in_leaf": 100}, lgb.Dataset(X, y), 3)
    assert booster.dump_model()["tree_info"][0]["num_leaves"] == 1
    values, _ = tree_shap(booster, X)
    np.testing.assert_array_equal(values, 0.0)
    np.testing.assert_allclose(values, booster.predict(X, pred_contrib=True)[:, :-1])


def test_blocks_and_fallback_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows in many blocks, and trees too deep for the kernel (explained by pred_contrib)."""
    X, y = _data(5)
    booster = lgb.train({"verbosity": -1, "num_leaves": 31}, lgb.Dataset(X, y), 15)
    rows = _scored_rows(X, booster, 5)
    monkeypatch.setattr(_treeshap, "BLOCK_ROWS", 7)
    _assert_exact(booster, rows)
    paths = np.diff(compile_booster(booster).leaf_path_start)
    leaves = np.diff(compile_booster(booster).leaf_start)
    deepest = [part.max() for part in np.split(paths, np.cumsum(leaves)[:-1])]
    monkeypatch.setattr(_treeshap, "_MAX_BITS", min(deepest))
    compiled = _treeshap._compile(booster.dump_model())
    assert 0 < len(compiled.fallback) < booster.num_trees()
    values, _ = tree_shap(booster, rows, compiled=compiled)
    reference = booster.predict(rows, pred_contrib=True)[:, :-1]
    np.testing.assert_allclose(values, reference, rtol=0, atol=TOLERANCE)


def test_compiled_once_per_booster() -> None:
    X, y = _data(6, n=200)
    booster = lgb.train({"verbosity": -1}, lgb.Dataset(X, y), 3)
    assert compile_booster(booster) is compile_booster(booster)
    assert tree_shap(booster, X[:0])[0].shape == (0, X.shape[1])


@pytest.fixture(scope="module")
def crm_table() -> pd.DataFrame:
    crm = ls.make_crm(800, seed=4)
    return ls.build_training_table(crm, pd.date_range("2024-04-01", "2025-06-01", freq="2MS"))


@pytest.mark.parametrize("target", ["y_customer", "y_prospect"])
def test_lead_model_explanations_are_exact(crm_table: pd.DataFrame, target: str) -> None:
    features = ls.feature_columns(crm_table)
    rows = crm_table[target].notna()
    X = crm_table.loc[rows, features].reset_index(drop=True)
    y = crm_table.loc[rows, target].astype(int)
    model = LeadModel(random_state=0, max_rounds=60).fit(X, y)
    sample = X.head(400)
    explanation = model.explain(sample)
    matrix = model.preprocessor_.transform(sample)
    reference = model.booster_.predict(matrix, pred_contrib=True)[:, :-1]
    if model.linear_ is not None:
        reference = reference + model.linear_.contributions(matrix)
    np.testing.assert_allclose(explanation.values, reference, rtol=0, atol=TOLERANCE)
    assert compile_booster(model.booster_).node_categorical.any()
