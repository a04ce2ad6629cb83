"""Explanations: TreeSHAP equality, additivity, exact deduplication, criteria, reasons."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shap

import leadscore as ls
from leadscore.criteria import describe_feature
from leadscore.explain import contributions, criteria_sums, decision_patterns, tree_splits
from leadscore.model import LeadModel


@pytest.fixture(scope="module")
def fitted() -> tuple[LeadModel, pd.DataFrame]:
    crm = ls.make_crm(1500, seed=2)
    table = ls.build_training_table(crm, pd.date_range("2024-04-01", "2025-06-01", freq="MS"))
    features = ls.feature_columns(table)
    rows = table["y_prospect"].notna()
    model = LeadModel(random_state=0, max_rounds=150).fit(
        table.loc[rows, features], table.loc[rows, "y_prospect"].astype(int)
    )
    return model, table.loc[rows, features].reset_index(drop=True)


def test_equals_shap_tree_explainer_plus_the_linear_prior(
    fitted: tuple[LeadModel, pd.DataFrame],
) -> None:
    model, X = fitted
    sample = X.sample(400, random_state=0)
    explanation = model.explain(sample)
    matrix = model.preprocessor_.transform(sample)
    trees = np.asarray(shap.TreeExplainer(model.booster_).shap_values(matrix))
    assert model.linear_ is not None
    reference = trees.reshape(explanation.values.shape) + model.linear_.contributions(matrix)
    np.testing.assert_allclose(explanation.values, reference, atol=1e-6)
    assert isinstance(explanation, shap.Explanation)
    assert explanation.feature_names == list(model.feature_names_in_)


def test_additive(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    explanation = model.explain(X)
    total = explanation.base_values + explanation.values.sum(axis=1)
    np.testing.assert_allclose(total, model.decision_function(X), atol=1e-9)
    assert np.ptp(explanation.base_values) == 0


def test_deduplication_is_exact(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    matrix = model.preprocessor_.transform(X)
    # repeated rows, missing values and zeros where the data had numbers
    matrix = np.vstack([matrix, matrix[:300], np.where(np.isnan(matrix[:200]), 0.0, np.nan)])
    plain, plain_share = contributions(model.booster_, matrix)
    dedup, share = contributions(model.booster_, matrix, trees=tree_splits(model.booster_))
    np.testing.assert_allclose(dedup, plain, rtol=0, atol=1e-10)
    assert plain_share == 1.0
    assert share < 0.9


def test_decision_patterns_group_identical_answers(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    matrix = model.preprocessor_.transform(X.head(50))
    tree = tree_splits(model.booster_)[0]
    first, inverse = decision_patterns(tree, np.vstack([matrix, matrix]))
    assert len(first) <= 50
    np.testing.assert_array_equal(inverse[:50], inverse[50:])


def test_explain_in_chunks(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    whole = model.explain(X.head(300)).values
    chunked = model.explain(X.head(300), chunk_rows=37, deduplicate=False).values
    np.testing.assert_allclose(chunked, whole, atol=1e-10)


def test_criteria_sum_the_contributions(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    sample = X.head(200)
    values = model.explain(sample).values
    criteria = model.explain_criteria(sample)
    assert list(criteria.columns) == [
        "fit", "budget", "authority", "need", "engagement", "timing", "buying_group", "source"
    ]  # fmt: skip
    np.testing.assert_allclose(criteria.sum(axis=1), values.sum(axis=1), atol=1e-9)
    names = list(model.feature_names_in_)
    need = [i for i, n in enumerate(names) if describe_feature(n).criterion == "need"]
    np.testing.assert_allclose(criteria["need"], values[:, need].sum(axis=1), atol=1e-9)
    small = criteria_sums(np.array([[1.0, 2.0]]), ["industry", "lead_source"])
    assert small.loc[0, "fit"] == 1.0
    assert small.loc[0, "source"] == 2.0


def test_reasons(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    sample = X.head(300)
    reasons = model.reasons(sample, k=2)
    assert list(reasons.columns) == ["reasons", "reason_codes"]
    assert reasons.index.equals(sample.index)
    values = model.explain(sample).values
    for i, (text, codes) in enumerate(reasons.itertuples(index=False)):
        parts = [] if text is None else text.split("; ")
        code_parts = [] if codes is None else codes.split(";")
        assert len(parts) == len(code_parts)
        assert sum(p.startswith("+ ") for p in parts) <= 2
        assert sum(p.startswith("- ") for p in parts) <= 2
        assert all(re.fullmatch(r"[+-][A-Z0-9_]+", c) for c in code_parts)
        assert "_" not in (text or "")
        # the first helping reason belongs to the feature family that helped most
        if parts and parts[0].startswith("+ "):
            best = max(
                {describe_feature(n).family for n in model.feature_names_in_},
                key=lambda fam: sum(
                    values[i, j] for j, n in enumerate(model.feature_names_in_)
                    if describe_feature(n).family == fam
                    and not pd.isna(sample.iloc[i][n])
                ),
            )  # fmt: skip
            lead = code_parts[0][1:]
            assert any(
                describe_feature(n).reason_code == lead and describe_feature(n).family == best
                for n in model.feature_names_in_
            )


def test_missing_values_never_help(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    model, X = fitted
    sample = X.head(300)
    reasons = model.reasons(sample, k=3)
    by_code = {describe_feature(n).reason_code: n for n in model.feature_names_in_}
    checked = 0
    for (_, row), codes in zip(sample.iterrows(), reasons["reason_codes"], strict=True):
        for code in (codes or "").split(";"):
            if code.startswith("+"):
                assert not pd.isna(row[by_code[code[1:]]]), code
                checked += 1
    assert checked > 100


def test_shap_plots_accept_the_explanation(fitted: tuple[LeadModel, pd.DataFrame]) -> None:
    import matplotlib.pyplot as plt

    model, X = fitted
    explanation = model.explain(X.head(100))
    shap.plots.bar(explanation, show=False)
    shap.plots.waterfall(explanation[0], show=False)
    plt.close("all")
