"""MLflow: the training run, the pyfunc model from code, the registry and the champion rule."""

from __future__ import annotations

import dataclasses
import importlib
import os
import socket
import time
import warnings
from pathlib import Path

import mlflow
import pandas as pd
import pytest

import leadscore as ls
from leadscore import tracking
from leadscore.errors import LeadscoreError, ModelError
from leadscore.evaluate import time_split
from leadscore.tracking import (
    ChampionDecision,
    check_tracking,
    load_scorer,
    log_training,
    loggable_params,
    model_input,
    resolve_tracking_uri,
    save_pyfunc,
)


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, ls.CRMData]:
    crm = ls.make_crm(2500, seed=5)
    table = ls.build_training_table(crm, pd.date_range("2024-04-01", "2025-09-01", freq="MS"))
    train, test = time_split(
        table, horizons={"prospect": 90, "customer": 180}, test_start="2025-04-01"
    )
    return train, test, crm


@pytest.fixture(scope="module")
def scorers(tables: tuple[pd.DataFrame, pd.DataFrame, ls.CRMData]) -> dict[str, ls.LeadScorer]:
    train = tables[0]
    # two stumps and no linear part (with "auto" a weak tree budget would pick the regression)
    weak = {"max_rounds": 2, "num_leaves": 2, "calibration": "platt", "linear_prior": 0.0}
    return {
        "good": ls.LeadScorer(random_state=0).fit(train),
        "weak": ls.LeadScorer(random_state=0, model_params=weak).fit(train),
    }


def test_tracking_uri_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert resolve_tracking_uri() == "sqlite:///mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere.db")
    assert resolve_tracking_uri() == "sqlite:///elsewhere.db"
    assert resolve_tracking_uri("sqlite:///given.db") == "sqlite:///given.db"


def test_runs_registry_and_champion(
    tmp_path: Path,
    tables: tuple[pd.DataFrame, pd.DataFrame, ls.CRMData],
    scorers: dict[str, ls.LeadScorer],
) -> None:
    train, test, crm = tables
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def log(name: str) -> ls.tracking.TrainingRun:
        scorer = scorers[name]
        return log_training(
            scorer, train=train, test=test, evaluation=scorer.evaluate(test),
            tracking_uri=uri, artifact_root=str(tmp_path / "mlruns"),
        )  # fmt: skip

    first = log("weak")
    assert first.decision.promoted
    assert first.decision.champion_version is None
    second = log("good")
    assert second.decision.promoted
    assert second.decision.champion_version == "1"
    assert second.decision.new_metric > second.decision.champion_metric  # type: ignore[operator]
    third = log("weak")
    assert not third.decision.promoted
    # both figures are on the same holdout rows, and both are logged
    assert third.decision.champion_metric == pytest.approx(second.decision.new_metric)

    client = mlflow.MlflowClient(uri)
    assert str(client.get_model_version_by_alias("leadscore", "champion").version) == "2"
    run = client.get_run(third.run_id)
    assert run.data.tags["champion.decision"] == "kept"
    assert run.data.metrics["champion.previous_metric"] == pytest.approx(
        third.decision.champion_metric
    )
    assert "customer.leadscore.roc_auc" in run.data.metrics
    assert "customer.logistic.roc_auc" in run.data.metrics
    for model in ("leadscore", "logistic", "lightgbm", "naive_bayes", "points"):
        low = run.data.metrics[f"customer.{model}.roc_auc.low"]
        high = run.data.metrics[f"customer.{model}.roc_auc.high"]
        assert low <= run.data.metrics[f"customer.{model}.roc_auc"] <= high
    assert run.data.params["labels.customer_days"] == "180"
    artifacts = {a.path for a in client.list_artifacts(third.run_id)}
    assert {"evaluation.csv", "features.csv", "params.json", "plots"} <= artifacts
    plots = {Path(a.path).name for a in client.list_artifacts(third.run_id, "plots")}
    assert {"calibration_customer.png", "lift_prospect.png", "importance_customer.png"} <= plots

    # the registered pyfunc model scores build_features' output (categories and all) exactly
    # like the scorer itself, identifiers and as_of included
    mlflow.set_tracking_uri(uri)
    features = ls.build_features(crm, "2025-10-01")
    champion = mlflow.pyfunc.load_model("models:/leadscore@champion")
    expected = scorers["good"].score(crm, "2025-10-01")
    scores = champion.predict(features, params={"as_of": "2025-10-01"})
    pd.testing.assert_frame_equal(scores, expected)
    pd.testing.assert_frame_equal(
        champion.predict(model_input(features), params={"as_of": "2025-10-01"}), expected
    )
    schema = champion.metadata.get_input_schema().input_types_dict()
    assert schema["email_open_30d"].name == "double"
    assert schema["account_id"].name == "string"
    assert [p.name for p in champion.metadata.get_params_schema().params] == ["as_of", "reasons"]

    # and the scorer comes back from the registry as text and JSON
    loaded = load_scorer("models:/leadscore@champion", tracking_uri=uri)
    pd.testing.assert_frame_equal(loaded.score(crm, "2025-10-01"), expected)


def test_a_pyfunc_folder_scores_like_the_scorer_without_a_tracking_server(
    tmp_path: Path,
    tables: tuple[pd.DataFrame, pd.DataFrame, ls.CRMData],
    scorers: dict[str, ls.LeadScorer],
) -> None:
    crm = tables[2]
    features = ls.build_features(crm, "2025-10-01")
    folder = save_pyfunc(scorers["good"], tmp_path / "pyfunc", features)
    assert not list(folder.rglob("*.pkl"))
    model = mlflow.pyfunc.load_model(str(folder))
    scores = model.predict(model_input(features), params={"as_of": "2025-10-01"})
    pd.testing.assert_frame_equal(scores, scorers["good"].score(crm, "2025-10-01"))
    fast = model.predict(features, params={"as_of": "2025-10-01", "reasons": False})
    assert "reasons" not in fast
    pd.testing.assert_series_equal(fast["score"], scores["score"])


def test_pyfunc_model_defines_without_type_hint_warnings() -> None:
    import leadscore.pyfunc_model

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importlib.reload(leadscore.pyfunc_model)  # what MLflow runs on logging and loading
    assert not [w for w in caught if "type hint" in str(w.message)]


def test_a_decision_says_which_holdout_it_compared_on() -> None:
    decision = ChampionDecision(
        promoted=False, new_version="3", new_metric=0.91, champion_version="2",
        champion_metric=0.93, metric="customer.leadscore.roc_auc",
    )  # fmt: skip
    assert decision.describe() == (
        "version 3 did not beat the champion: customer.leadscore.roc_auc 0.9100 against 0.9300 "
        "for version 2, both evaluated on the new holdout"
    )
    unevaluated = dataclasses.replace(decision, champion_metric=None, reason="no features")
    assert unevaluated.describe().endswith(
        "cannot be evaluated on the new holdout (no features); the champion stays"
    )


class _Registry:
    """A model registry with one champion (version 1), recording what is set."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {"champion": "1"}
        self.tags: dict[tuple[str, str], str] = {}

    def get_model_version_by_alias(self, name: str, alias: str) -> object:
        return dataclasses.make_dataclass("Version", ["version", "tags"])(self.aliases[alias], {})

    def set_model_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        self.tags[version, key] = value

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        self.aliases[alias] = version


def test_the_champion_stays_when_it_cannot_be_evaluated_on_the_new_holdout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(model_uri: str, **kwargs: object) -> ls.LeadScorer:
        raise ModelError(f"{model_uri}: no leadscore scorer in this model")

    monkeypatch.setattr(tracking, "load_scorer", unreadable)
    registry = _Registry()
    decision = tracking._decide_champion(
        registry, "leadscore", "2", 0.99, pd.DataFrame(), "sqlite:///unused.db"
    )
    # once, a failed evaluation counted as minus infinity and the alias moved
    assert not decision.promoted
    assert registry.aliases["champion"] == "1"
    assert decision.champion_metric is None
    assert "models:/leadscore/1: no leadscore scorer" in decision.describe()
    assert registry.tags["2", "holdout_metric"] == "0.990000"


def test_an_unreachable_tracking_server_fails_in_seconds() -> None:
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(LeadscoreError, match=rf"http://127.0.0.1:{port}: no answer within"):
        check_tracking(f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 30  # MLflow's own retries took 258 s


def test_tracking_leaves_mlflow_and_the_environment_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.tracking._tracking_service import utils

    monkeypatch.setattr(utils, "_tracking_uri", None)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", raising=False)
    before = dict(os.environ)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert check_tracking(uri) == uri
    assert utils._tracking_uri is None
    assert dict(os.environ) == before
    monkeypatch.setattr(utils, "_tracking_uri", "sqlite:///theirs.db")
    check_tracking(uri)
    assert utils._tracking_uri == "sqlite:///theirs.db"


def test_long_parameters_are_not_cut() -> None:
    params = {"short": "x" * 6000, "long": "y" * 6001}
    logged = loggable_params(params)
    assert logged["short"] == params["short"]
    assert logged["long"] == "(6001 characters: see the artifact params.json)"
