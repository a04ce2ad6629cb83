"""MLflow tracking and registry (DESIGN section 9).

:func:`log_training` records a training run: the configuration and model parameters as params,
the evaluation table as metrics and as a CSV artifact, calibration, lift and importance plots as
PNG, and the scorer as an MLflow pyfunc model *from code* (:mod:`leadscore.pyfunc_model`) whose
artifacts are LightGBM text files and JSON, with a signature (numbers as double, so that missing
values pass) and an input example. The model is registered, and the alias ``champion`` moves to
the new version only when it beats the current champion on the holdout metric, both measured on
the same holdout rows; both figures are logged.

The tracking URI is, in order: the ``tracking_uri`` argument, ``MLFLOW_TRACKING_URI``, then
``sqlite:///mlflow.db`` in the working folder.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadscore.domain import TARGETS
from leadscore.errors import LeadscoreError, ModelError

__all__ = [
    "DEFAULT_TRACKING_URI",
    "ChampionDecision",
    "TrainingRun",
    "check_tracking",
    "load_scorer",
    "log_drift",
    "log_training",
    "resolve_tracking_uri",
]

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "leadscore"
#: Experiment of the scoring runs' drift (one run per scoring of a tracked model).
SCORING_EXPERIMENT = "leadscore-scoring"
DEFAULT_MODEL_NAME = "leadscore"
#: The holdout metric that decides the champion: ROC AUC of the customer target.
HOLDOUT_METRIC = ("customer", "leadscore", "roc_auc")
_PYFUNC_FILE = Path(__file__).with_name("pyfunc_model.py")
#: Identifier columns the pyfunc model takes besides the features (``contact_id`` required).
_ID_COLUMNS = ("contact_id", "account_id")


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI to use: the argument, else ``MLFLOW_TRACKING_URI``, else the default."""
    return tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


@dataclasses.dataclass(frozen=True)
class ChampionDecision:
    """Whether the new version took the ``champion`` alias, and on which figures."""

    promoted: bool
    new_version: str
    new_metric: float
    champion_version: str | None
    champion_metric: float | None
    metric: str
    #: False when the champion could not score the new holdout and its own figure was used
    same_holdout: bool = True

    def describe(self) -> str:
        if self.champion_version is None:
            return (
                f"version {self.new_version} is the first champion "
                f"({self.metric} {self.new_metric:.4f})"
            )
        verdict = "is the new champion" if self.promoted else "did not beat the champion"
        where = (
            "on the same holdout"
            if self.same_holdout
            else "on its own holdout (it cannot score the new one)"
        )
        return (
            f"version {self.new_version} {verdict}: {self.metric} {self.new_metric:.4f} against "
            f"{self.champion_metric:.4f} for version {self.champion_version} {where}"
        )


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    run_id: str
    model_uri: str
    registered_name: str
    decision: ChampionDecision


def _mlflow(tracking_uri: str | None) -> Any:
    import logging

    import mlflow

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(resolve_tracking_uri(tracking_uri))
    return mlflow


def check_tracking(tracking_uri: str | None = None) -> str:
    """The resolved tracking URI, once its tracking store and model registry answer.

    Call it before a long training run, so that a wrong ``--tracking-uri`` fails at once.
    """
    mlflow = _mlflow(tracking_uri)
    uri = resolve_tracking_uri(tracking_uri)
    try:
        client = mlflow.MlflowClient(uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)
    except Exception as exc:  # MLflow raises many kinds; the message is what matters
        raise LeadscoreError(f"tracking URI {uri}: MLflow cannot use it: {exc}") from exc
    return uri


def _experiment(mlflow: Any, name: str, artifact_root: str | None) -> str:
    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    location = None if artifact_root is None else Path(artifact_root).resolve().as_uri()
    return str(mlflow.create_experiment(name, artifact_location=location))


def _signature(features: pd.DataFrame, scores: pd.DataFrame) -> Any:
    """Inputs: numbers as double (so nulls pass), identifiers as text, categories as any type.

    A category column is declared ``Any`` because MLflow's schema enforcement refuses to read a
    pandas category as text, and :func:`leadscore.build_features` returns categories: the model
    must score its output as it is. ``as_of`` is a parameter (an ISO date) of the scores table.
    """
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
    from mlflow.types.schema import AnyType

    inputs: list[Any] = []
    for name in features.columns:
        column = features[name]
        numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
        if numeric:
            kind: Any = "double"
        elif name in _ID_COLUMNS:
            kind = "string"
        else:
            kind = AnyType()  # type: ignore[no-untyped-call]
        inputs.append(ColSpec(kind, str(name), required=name == "contact_id"))
    outputs: list[Any] = []
    for name in scores.columns:
        column = scores[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            kind = "datetime"
        elif pd.api.types.is_integer_dtype(column):
            kind = "long"
        elif pd.api.types.is_numeric_dtype(column):
            kind = "double"
        else:
            kind = "string"
        outputs.append(ColSpec(kind, str(name), required=False))
    params = ParamSchema(
        [ParamSpec("as_of", "string", None), ParamSpec("reasons", "boolean", True)]
    )
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs), params=params)


def model_input(features: pd.DataFrame) -> pd.DataFrame:
    """Features as the pyfunc signature takes them: numbers as float64, categories as text."""
    out = {}
    for name in features.columns:
        column = features[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            out[name] = column.astype("float64")
        else:
            out[name] = column.astype("str").astype(object).where(column.notna(), None)
    return pd.DataFrame(out, index=features.index)


def _log_plots(mlflow: Any, scorer: Any, test: pd.DataFrame, folder: Path) -> None:
    from leadscore import plots

    for target in TARGETS:
        label = test[f"y_{target}"]
        rows = label.notna().to_numpy()
        if not rows.any():
            continue
        y = label[rows].astype("int64").to_numpy()
        X = test.loc[rows, scorer.feature_names_]
        predictions = {
            "leadscore": scorer.models_[target].predict_proba(X)[:, 1],
            "logistic": scorer.baselines_[target]["logistic"].predict_proba(X),
            "points": scorer.baselines_[target]["points"].predict_proba(X),
        }
        plots.save(plots.calibration_plot(y, predictions, title=f"Calibration: {target}"),
                   folder / f"calibration_{target}.png")  # fmt: skip
        plots.save(plots.lift_plot(y, predictions, title=f"Lift: {target}"),
                   folder / f"lift_{target}.png")  # fmt: skip
        model = scorer.models_[target]
        plots.save(
            plots.importance_plot(list(model.feature_names_in_), model.feature_importances_,
                                  title=f"Feature importance: {target}"),
            folder / f"importance_{target}.png",
        )  # fmt: skip
        sample = X.sample(min(len(X), 2000), random_state=0)
        explanation = model.explain(sample)
        plots.save(plots.beeswarm_plot(explanation, title=f"Contributions: {target}"),
                   folder / f"beeswarm_{target}.png")  # fmt: skip
        criteria = model.explain_criteria(sample, criteria=dict(
            scorer.config.features.attribute_criteria))  # fmt: skip
        plots.save(plots.criteria_importance_plot(criteria, title=f"Criteria: {target}"),
                   folder / f"criteria_{target}.png")  # fmt: skip
        top = int(np.argmax(model.decision_function(sample)))
        plots.save(plots.waterfall_plot(explanation, top,
                                        title=f"The top-scored lead of the sample: {target}"),
                   folder / f"waterfall_{target}.png")  # fmt: skip
    mlflow.log_artifacts(str(folder), artifact_path="plots")


def _holdout_metric(evaluation: pd.DataFrame) -> float:
    target, model, metric = HOLDOUT_METRIC
    row = evaluation[
        (evaluation["target"] == target)
        & (evaluation["model"] == model)
        & (evaluation["metric"] == metric)
    ]
    if row.empty:
        raise ModelError(f"evaluation: no {target} {metric} to compare champions on")
    return float(row["value"].iloc[0])


def load_scorer(model_uri: str, *, tracking_uri: str | None = None) -> Any:
    """A LeadScorer from a registered or logged pyfunc model (``models:/name@alias``, ``runs:/``).

    The scorer folder is downloaded and read as text and JSON; nothing is unpickled.
    """
    from leadscore.pyfunc_model import SCORER_ARTIFACT
    from leadscore.scorer import LeadScorer

    mlflow = _mlflow(tracking_uri)
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri))
    except Exception as exc:  # MLflow raises many kinds; the message is what matters
        raise LeadscoreError(f"{model_uri}: cannot load the model: {exc}") from exc
    candidates = list(local.glob(f"**/artifacts/{SCORER_ARTIFACT}")) + list(
        local.glob(f"**/{SCORER_ARTIFACT}")
    )
    for folder in candidates:
        if (folder / "scorer.json").exists():
            return LeadScorer.load(folder)
    raise ModelError(f"{model_uri}: no leadscore scorer in this model")


def log_drift(
    drift: pd.DataFrame, *, model_uri: str, as_of: pd.Timestamp, tracking_uri: str | None = None
) -> str:
    """Log a scoring run's drift (:mod:`leadscore.drift`) to MLflow; returns the run id.

    One run in the ``leadscore-scoring`` experiment: the model URI and ``as_of`` as params,
    ``psi.<name>`` per feature and probability as metrics, the drift table as a CSV artifact.
    """
    mlflow = _mlflow(tracking_uri)
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "drift.csv"
        drift.to_csv(table, index=False)
        try:
            experiment = _experiment(mlflow, SCORING_EXPERIMENT, None)
            with mlflow.start_run(
                experiment_id=experiment, run_name=f"score {as_of.date()}"
            ) as run:
                mlflow.log_params({"model_uri": model_uri, "as_of": as_of.isoformat()})
                metrics = {
                    f"psi.{kind}.{name}": float(psi)
                    for name, kind, psi in drift[["name", "kind", "psi"]].itertuples(index=False)
                    if np.isfinite(psi)
                }
                mlflow.log_metrics(metrics)
                mlflow.log_artifact(str(table))
        except Exception as exc:  # MLflow raises many kinds; the message is what matters
            raise LeadscoreError(f"{model_uri}: cannot log drift to MLflow: {exc}") from exc
    return str(run.info.run_id)


def _decide_champion(
    mlflow: Any, name: str, version: str, new_metric: float, test: pd.DataFrame
) -> ChampionDecision:
    client = mlflow.MlflowClient()
    metric_name = ".".join(HOLDOUT_METRIC)
    try:
        current = client.get_model_version_by_alias(name, "champion")
    except mlflow.exceptions.MlflowException as exc:
        # no such model, or no champion yet; any other failure is not a reason to crown one
        if exc.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise LeadscoreError(f"{name}: cannot read the champion alias: {exc}") from exc
        current = None
    champion_metric: float | None = None
    same_holdout = True
    if current is not None:
        try:
            champion = load_scorer(f"models:/{name}/{current.version}")
            champion_metric = _holdout_metric(champion.evaluate(test))
        except LeadscoreError:
            # the champion cannot score these rows (other features): fall back to its own figure
            stored = current.tags.get("holdout_metric")
            champion_metric = float(stored) if stored is not None else -np.inf
            same_holdout = False
    promoted = champion_metric is None or new_metric > champion_metric
    client.set_model_version_tag(name, version, "holdout_metric", f"{new_metric:.6f}")
    if promoted:
        client.set_registered_model_alias(name, "champion", version)
    return ChampionDecision(
        promoted=promoted,
        new_version=str(version),
        new_metric=new_metric,
        champion_version=None if current is None else str(current.version),
        champion_metric=champion_metric,
        metric=metric_name,
        same_holdout=same_holdout,
    )


def log_training(
    scorer: Any,
    *,
    train: pd.DataFrame,
    test: pd.DataFrame,
    evaluation: pd.DataFrame,
    tracking_uri: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    model_name: str = DEFAULT_MODEL_NAME,
    artifact_root: str | None = None,
) -> TrainingRun:
    """Log a trained scorer to MLflow, register it, and move ``champion`` if it is better.

    Parameters
    ----------
    scorer : LeadScorer
        Fitted on ``train``.
    train, test : DataFrame
        Training and holdout tables (from :func:`leadscore.evaluate.time_split`).
    evaluation : DataFrame
        ``scorer.evaluate(test)``.
    tracking_uri : str, optional
        See :func:`resolve_tracking_uri`.
    experiment, model_name : str
        MLflow experiment and registered model names.
    artifact_root : str, optional
        Where a new experiment keeps its artifacts (default: MLflow's).
    """
    from leadscore.criteria import feature_table
    from leadscore.pyfunc_model import SCORER_ARTIFACT

    mlflow = _mlflow(tracking_uri)
    experiment_id = _experiment(mlflow, experiment, artifact_root)
    new_metric = _holdout_metric(evaluation)
    with (
        tempfile.TemporaryDirectory() as scratch,
        mlflow.start_run(experiment_id=experiment_id) as run,
    ):
        work = Path(scratch)
        params = scorer.config.to_params() | {
            f"model.{k}": str(v) for k, v in scorer.models_[TARGETS[0]].get_params().items()
        }
        params |= {
            "data.train_rows": str(len(train)),
            "data.test_rows": str(len(test)),
            "data.train_cutoffs": f"{train['cutoff'].min()} .. {train['cutoff'].max()}",
            "data.test_cutoffs": f"{test['cutoff'].min()} .. {test['cutoff'].max()}",
            "model.version": scorer.version_,
        }
        mlflow.log_params({k: v[:6000] for k, v in params.items()})
        names = evaluation["target"] + "." + evaluation["model"] + "." + evaluation["metric"]
        values = evaluation["value"].to_numpy(dtype=float)
        metrics = {
            name: float(value)
            for name, value in zip(names, values, strict=True)
            if np.isfinite(value)
        }
        for target, model in scorer.models_.items():
            for key, value in model.validation_scores_.items():
                metrics[f"{target}.validation.{key}"] = float(value)
        mlflow.log_metrics(metrics)
        evaluation.to_csv(work / "evaluation.csv", index=False)
        feature_table(scorer.feature_names_).to_csv(work / "features.csv", index=False)
        mlflow.log_artifact(str(work / "evaluation.csv"))
        mlflow.log_artifact(str(work / "features.csv"))
        (work / "plots").mkdir()
        _log_plots(mlflow, scorer, test, work / "plots")

        scorer_dir = scorer.save(work / SCORER_ARTIFACT)
        ids = [c for c in _ID_COLUMNS if c in test]
        example = model_input(test[[*ids, *scorer.feature_names_]].head(5))
        signature = _signature(example, scorer.scores(example))
        info = _log_pyfunc(mlflow, scorer_dir, signature, example, model_name)
        version = str(info.registered_model_version)

        decision = _decide_champion(mlflow, model_name, version, new_metric, test)
        mlflow.log_metric("champion.new_metric", decision.new_metric)
        if decision.champion_metric is not None and np.isfinite(decision.champion_metric):
            mlflow.log_metric("champion.previous_metric", decision.champion_metric)
        mlflow.set_tags(
            {
                "champion.decision": "promoted" if decision.promoted else "kept",
                "champion.summary": decision.describe(),
                "leadscore.version": scorer.version_,
            }
        )
        return TrainingRun(run.info.run_id, info.model_uri, model_name, decision)


def _log_pyfunc(
    mlflow: Any, scorer_dir: Path, signature: Any, example: pd.DataFrame, model_name: str
) -> Any:
    from leadscore.pyfunc_model import SCORER_ARTIFACT

    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(_PYFUNC_FILE),
        artifacts={SCORER_ARTIFACT: str(scorer_dir)},
        signature=signature,
        input_example=example,
        registered_model_name=model_name,
        pip_requirements=_requirements(),
    )


def _requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    packages = ["leadscore", "lightgbm", "pandas", "numpy", "scikit-learn", "pyarrow", "mlflow"]
    requirements = []
    for package in packages:
        try:
            requirements.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            requirements.append(package)
    return requirements
