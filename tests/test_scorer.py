"""LeadScorer: both targets, the scores table, grades, evaluation, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.criteria import monotone_constraints
from leadscore.errors import DataNotFoundError, DataWarning, ModelError, NotFittedError
from leadscore.evaluate import time_split
from leadscore.scorer import GRADES, grades_from_scores, scores_from_quantiles

AS_OF = "2025-10-01"


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    return ls.make_crm(3000, seed=4)


@pytest.fixture(scope="module")
def split(crm: ls.CRMData) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = ls.build_training_table(crm, pd.date_range("2024-04-01", "2025-09-01", freq="MS"))
    return time_split(table, horizons={"prospect": 90, "customer": 180}, test_start="2025-04-01")


@pytest.fixture(scope="module")
def scorer(split: tuple[pd.DataFrame, pd.DataFrame]) -> ls.LeadScorer:
    return ls.LeadScorer(random_state=0).fit(split[0])


def test_predict_proba(scorer: ls.LeadScorer, split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    test = split[1]
    proba = scorer.predict_proba(test)
    assert list(proba.columns) == ["p_prospect", "p_customer"]
    assert proba.index.equals(test.index)
    assert ((proba > 0) & (proba <= 1)).all().all()
    prospects = test["stage"].isin(["sql", "opportunity"]).to_numpy()
    assert prospects.any()
    assert (proba.loc[prospects, "p_prospect"] == 1.0).all()
    assert (proba.loc[~prospects, "p_prospect"] < 1.0).all()


def test_models_keep_the_registry_directions(
    scorer: ls.LeadScorer, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    directions = monotone_constraints(scorer.feature_names_)
    assert directions["account_customers"] == 1
    assert directions["account_blocker_engaged"] == -1
    test = split[1][scorer.feature_names_].head(500)
    for model in scorer.models_.values():
        assert model.monotonic_cst == directions
        for name, sign in directions.items():
            low, high = test.assign(**{name: 0}), test.assign(**{name: 5})
            step = model.decision_function(high) - model.decision_function(low)
            assert (sign * step >= -1e-9).all(), name
    free = ls.LeadScorer(random_state=0, model_params={"monotonic_cst": None})
    assert free.fit(split[0]).models_["customer"].monotonic_cst is None


def test_scores_table(scorer: ls.LeadScorer, crm: ls.CRMData) -> None:
    scores = scorer.score(crm, AS_OF)
    features = ls.build_features(crm, AS_OF)
    assert len(scores) == len(features)
    assert scores["contact_id"].tolist() == features["contact_id"].tolist()
    criteria = ["fit", "budget", "authority", "need", "engagement", "timing", "buying_group",
                "source"]  # fmt: skip
    assert list(scores.columns) == [
        "contact_id", "account_id", "as_of", "p_prospect", "p_customer", "score", "grade",
        *criteria, "reasons", "reason_codes", "prospect_score", "prospect_grade",
        *(f"prospect_{c}" for c in criteria), "prospect_reasons", "prospect_reason_codes",
        "fit_letter", "engagement_digit", "fit_engagement", "model_version",
    ]  # fmt: skip
    # the criteria add up to the raw log-odds of the customer model, less its base value
    model = scorer.models_["customer"]
    explanation = model.explain(features[scorer.feature_names_])
    np.testing.assert_allclose(
        scores[criteria].sum(axis=1), explanation.values.sum(axis=1), atol=1e-9
    )
    already = features["stage"].isin(["sql", "opportunity"]).to_numpy()
    assert (scores.loc[already, "prospect_reason_codes"] == "+TIME_ALREADY_PROSPECT").all()
    assert scores.loc[already, "prospect_fit"].isna().all()
    assert scores.loc[~already, "prospect_fit"].notna().all()
    assert scores["reasons"].notna().mean() > 0.95
    assert (scores["as_of"] == pd.Timestamp(AS_OF, tz="UTC")).all()
    for prefix in ("", "prospect_"):
        score = scores[f"{prefix}score"]
        assert score.between(1, 99).all()
        assert (scores[f"{prefix}grade"] == grades_from_scores(score.to_numpy())).all()
        assert set(scores[f"{prefix}grade"]) <= set(GRADES)
    # scores rank like probabilities
    ordered = scores.sort_values("p_customer")
    assert ordered["score"].is_monotonic_increasing
    assert (scores["model_version"] == scorer.version_).all()
    pd.testing.assert_frame_equal(scorer.scores(features, AS_OF), scores)


def test_grades_split_the_validation_population() -> None:
    quantiles = np.quantile(np.random.default_rng(0).beta(1, 20, 5000), np.arange(1, 100) / 100)
    population = np.random.default_rng(1).beta(1, 20, 20_000)
    grades = pd.Series(grades_from_scores(scores_from_quantiles(population, quantiles)))
    shares = grades.value_counts(normalize=True)
    assert shares["A"] == pytest.approx(0.10, abs=0.015)
    assert shares["B"] == pytest.approx(0.20, abs=0.015)
    assert shares["C"] == pytest.approx(0.30, abs=0.015)
    assert shares["D"] == pytest.approx(0.40, abs=0.015)
    # on the validation population itself the shares are exact
    uniform = np.linspace(0, 1, 100_001)
    percentiles = np.quantile(uniform, np.arange(1, 100) / 100)
    shares = pd.Series(grades_from_scores(scores_from_quantiles(uniform, percentiles)))
    shares = shares.value_counts(normalize=True)
    assert shares.round(3).to_dict() == {"D": 0.4, "C": 0.3, "B": 0.2, "A": 0.1}


def test_evaluate_is_tidy(scorer: ls.LeadScorer, split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    evaluation = scorer.evaluate(split[1], resamples=50)
    assert list(evaluation.columns) == ["target", "model", "metric", "value", "low", "high"]
    assert list(dict.fromkeys(evaluation["target"])) == ["prospect", "customer"]
    models = ["leadscore", "logistic", "lightgbm", "naive_bayes", "points"]
    assert list(dict.fromkeys(evaluation["model"])) == models
    # every metric but the counts has a 95% interval over contacts around it
    measured = evaluation[~evaluation["metric"].isin(["rows", "positives"])].dropna()
    assert len(measured) > 0.9 * (len(evaluation) - 20)
    assert ((measured["low"] <= measured["value"]) & (measured["value"] <= measured["high"])).all()
    wide = evaluation.pivot_table(index="metric", columns=["target", "model"], values="value")
    for metric in ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "precision_at_5pct",
                   "lift_decile_1", "gain_decile_10"):  # fmt: skip
        assert metric in wide.index
    # every model is scored on the same rows
    rows = wide.loc["rows"]
    assert (rows["prospect"] == rows["prospect"].iloc[0]).all()
    assert (rows["customer"] == rows["customer"].iloc[0]).all()
    assert (wide.loc["roc_auc"]["prospect"]["leadscore"]) > 0.8


def test_save_and_load_give_identical_scores(
    tmp_path: Path, scorer: ls.LeadScorer, crm: ls.CRMData, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    scorer.save(tmp_path)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        "customer/booster.txt", "customer/leadmodel.json", "drift_reference.json",
        "prospect/booster.txt", "prospect/leadmodel.json", "scorer.json",
    ]  # fmt: skip
    loaded = ls.LeadScorer.load(tmp_path)
    pd.testing.assert_frame_equal(loaded.score(crm, AS_OF), scorer.score(crm, AS_OF))
    # each target's training labels end where the test period starts, not before its horizon
    labels_until = {
        "prospect": "2025-04-01T00:00:00+00:00",  # cutoff 2025-01-01 + 90 days
        "customer": "2025-03-30T00:00:00+00:00",  # cutoff 2024-10-01 + 180 days
    }
    assert scorer.labels_until_ == loaded.labels_until_ == labels_until
    pd.testing.assert_frame_equal(
        loaded.evaluate(split[1], resamples=20), scorer.evaluate(split[1], resamples=20)
    )
    assert loaded.config == scorer.config


def test_errors(
    tmp_path: Path, scorer: ls.LeadScorer, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    with pytest.raises(DataNotFoundError, match="no saved scorer"):
        ls.LeadScorer.load(tmp_path)
    with pytest.raises(NotFittedError):
        ls.LeadScorer().predict_proba(split[1])
    with pytest.raises(ModelError, match="missing column"):
        ls.LeadScorer().fit(split[0].drop(columns="y_customer"))
    with pytest.raises(ModelError, match=r"y_customer: needs both outcomes"):
        ls.LeadScorer().fit(split[0].assign(y_customer=pd.array([0] * len(split[0]), "Int8")))
    with pytest.raises(ModelError, match=r"column.*the scorer was trained on are missing"):
        scorer.predict_proba(split[1].drop(columns=["industry"]))
    with pytest.raises(ModelError, match=r"table: no label column \(y_prospect, y_customer\)"):
        scorer.evaluate(split[1].drop(columns=["y_prospect", "y_customer"]))
    # a target without labelled rows is reported as such, not dropped
    unlabelled = split[1].assign(y_customer=pd.array([pd.NA] * len(split[1]), "Int8"))
    evaluation = scorer.evaluate(unlabelled, resamples=0)
    customer = evaluation[evaluation["target"] == "customer"]
    assert set(customer["metric"]) == {"rows", "positives"}
    assert (customer["value"] == 0).all()
    assert len(set(customer["model"])) == 5


def test_load_errors_name_the_file(tmp_path: Path, scorer: ls.LeadScorer) -> None:
    scorer.save(tmp_path)
    saved = json.loads((tmp_path / "scorer.json").read_text())
    (tmp_path / "scorer.json").write_text(json.dumps(saved | {"format_version": 99}))
    with pytest.raises(ModelError, match=r"scorer format 99, expected 1; retrain"):
        ls.LeadScorer.load(tmp_path)
    (tmp_path / "scorer.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"scorer\.json: not valid JSON"):
        ls.LeadScorer.load(tmp_path)
    del saved["baselines"]
    (tmp_path / "scorer.json").write_text(json.dumps(saved))
    with pytest.raises(ModelError, match=r"scorer\.json: incomplete saved scorer \(KeyError"):
        ls.LeadScorer.load(tmp_path)
    model = json.loads((tmp_path / "customer" / "leadmodel.json").read_text())
    del model["calibrator"]
    (tmp_path / "customer" / "leadmodel.json").write_text(json.dumps(model))
    with pytest.raises(ModelError, match=r"leadmodel\.json: incomplete saved model \(KeyError"):
        ls.LeadModel.load(tmp_path / "customer")


def test_a_short_history_is_said_per_target(
    scorer: ls.LeadScorer, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    # training cutoffs 2024-04..2024-10: the 90-day prospect validation can be purged, the
    # 180-day customer one cannot without losing most rows, so it overlaps and says so
    assert scorer.models_["prospect"].validation_scores_["label_overlap"] == 0.0
    assert scorer.models_["customer"].validation_scores_["label_overlap"] > 0.5
    with pytest.warns(DataWarning, match=r"^table\.y_customer \(180-day horizon\): validation"):
        ls.LeadScorer(random_state=0, model_params={"max_rounds": 5}).fit(split[0])
