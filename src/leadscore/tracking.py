"""MLflow tracking and registry (DESIGN section 9).

:func:`log_training` records a training run: the configuration and model parameters as params,
the evaluation table as metrics and as a CSV artifact, calibration, lift and importance plots as
PNG, and the scorer as an MLflow pyfunc model *from code* (:mod:`leadscore.pyfunc_model`) whose
artifacts are LightGBM text files and JSON, with a signature (numbers as double, so that missing
values pass) and an input example. Every parameter is also
in the artifact ``params.json``; a value longer than MLflow's limit for a parameter
(:data:`MAX_PARAM_CHARS`) is logged as a pointer to it, never cut. The model is registered,
and the alias ``champion`` moves to the new version only when it beats the current champion on
the holdout metric, the champion being evaluated again on the *new* holdout rows; when it cannot
be (it needs other features), the alias stays where it is and the decision says why.

The tracking URI is, in order: the ``tracking_uri`` argument, ``MLFLOW_TRACKING_URI``, then
``sqlite:///mlflow.db`` in the working folder. An ``http(s)`` URI is checked to answer within
:data:`CONNECT_TIMEOUT_S` seconds first (MLflow itself retries for minutes). MLflow's global
tracking URI, environment and log levels are set only for the duration of a call
(:func:`_scoped_mlflow`) and restored after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
    "save_pyfunc",
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
#: Longest parameter value MLflow stores; longer ones are logged in ``params.json`` only.
MAX_PARAM_CHARS = 6000
#: Seconds an ``http(s)`` tracking server has to answer before MLflow is asked anything.
CONNECT_TIMEOUT_S = 5.0
_PARAMS_ARTIFACT = "params.json"


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI to use: the argument, else ``MLFLOW_TRACKING_URI``, else the default."""
    return tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


@dataclasses.dataclass(frozen=True)
class ChampionDecision:
    """Whether the new version took the ``champion`` alias, and on which figures.

    Both figures are of the same (new) holdout rows: the champion is evaluated again on them.
    When it cannot be (``champion_metric`` is None, ``reason`` says why), the alias stays.
    """

    promoted: bool
    new_version: str
    new_metric: float
    champion_version: str | None
    champion_metric: float | None
    metric: str
    #: why the champion could not be evaluated on the new holdout (then the alias stays)
    reason: str | None = None

    def describe(self) -> str:
        if self.champion_version is None:
            return (
                f"version {self.new_version} is the first champion "
                f"({self.metric} {self.new_metric:.4f})"
            )
        if self.champion_metric is None:
            return (
                f"version {self.new_version} ({self.metric} {self.new_metric:.4f}) was not "
                f"compared: the champion, version {self.champion_version}, cannot be evaluated "
                f"on the new holdout ({self.reason}); the champion stays"
            )
        verdict = "is the new champion" if self.promoted else "did not beat the champion"
        return (
            f"version {self.new_version} {verdict}: {self.metric} {self.new_metric:.4f} against "
            f"{self.champion_metric:.4f} for version {self.champion_version}, both evaluated on "
            "the new holdout"
        )


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    run_id: str
    model_uri: str
    registered_name: str
    decision: ChampionDecision


def check_reachable(uri: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail at once, in one line, when an ``http(s)`` tracking server does not answer.

    Any HTTP answer (even an error status) counts as reachable; a refused connection, an
    unknown host or no answer within ``timeout`` seconds raise :class:`LeadscoreError`. Other
    URIs (``sqlite:``, ``file:``, ``databricks``) are left to MLflow.
    """
    if not uri.lower().startswith(("http://", "https://")):
        return
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout):
            pass
    except urllib.error.HTTPError:
        return  # the server answered
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LeadscoreError(
            f"tracking URI {uri}: no answer within {timeout:g} s ({reason}); is the MLflow "
            "server running, and is the URI right?"
        ) from exc


_ENVIRONMENT = {"MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}
_QUIET_LOGGERS = ("mlflow", "alembic")


@contextlib.contextmanager
def _scoped_mlflow(tracking_uri: str | None) -> Iterator[Any]:
    """``mlflow`` pointed at the resolved tracking URI, for the duration of the block only.

    MLflow's fluent API (runs, ``log_model``) reads a process-wide URI, and setting it also sets
    ``MLFLOW_TRACKING_URI`` in the environment; both are put back afterwards, as are the
    environment variables and log levels changed here.
    """
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    uri = resolve_tracking_uri(tracking_uri)
    check_reachable(uri)
    saved_uri: Any = tracking_utils._tracking_uri  # no public way to tell "unset" from a value
    names = ["MLFLOW_TRACKING_URI", *_ENVIRONMENT]
    saved_env: dict[str, str | None] = {name: os.environ.get(name) for name in names}
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    saved_levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
        for name, value in _ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        mlflow.set_tracking_uri(uri)
        yield mlflow
    finally:
        mlflow.set_tracking_uri(saved_uri)
        for name, saved in saved_env.items():
            if saved is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = saved
        for logger, level in zip(loggers, saved_levels, strict=True):
            logger.setLevel(level)


def check_tracking(tracking_uri: str | None = None) -> str:
    """The resolved tracking URI, once its tracking store and model registry answer.

    Call it before a long training run, so that a wrong ``--tracking-uri`` fails at once.
    """
    uri = resolve_tracking_uri(tracking_uri)
    with _scoped_mlflow(uri) as mlflow:
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

    for target in scorer.models_:
        label = test[f"y_{target}"]
        rows = label.notna().to_numpy()
        if not rows.any():
            continue
        y = label[rows].astype("int64").to_numpy()
        X = test.loc[rows, scorer.feature_names_]
        predictions = scorer.predictions(X, target)
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
    if target not in set(evaluation["target"]):  # trained on the prospect target only
        target = str(evaluation["target"].iloc[0]) if len(evaluation) else target
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

    with _scoped_mlflow(tracking_uri) as mlflow:
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
    with _scoped_mlflow(tracking_uri) as mlflow, tempfile.TemporaryDirectory() as folder:
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
    client: Any, name: str, version: str, new_metric: float, test: pd.DataFrame, uri: str
) -> ChampionDecision:
    """Move ``champion`` to ``version`` only if it beats the champion on the same ``test`` rows.

    The current champion is loaded and evaluated on ``test``, the new holdout. When that fails
    (it needs features the new data lacks, or its files cannot be read), nothing is compared
    and the alias stays: a figure from other rows, or none, is no ground to replace it.
    """
    from mlflow.exceptions import MlflowException

    try:
        current = client.get_model_version_by_alias(name, "champion")
    except MlflowException as exc:
        # no such model, or no champion yet; any other failure is not a reason to crown one
        if exc.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise LeadscoreError(f"{name}: cannot read the champion alias: {exc}") from exc
        current = None
    champion_metric: float | None = None
    reason: str | None = None
    if current is not None:
        try:
            champion = load_scorer(f"models:/{name}/{current.version}", tracking_uri=uri)
            champion_metric = _holdout_metric(champion.evaluate(test, resamples=0))
        except LeadscoreError as exc:
            reason = str(exc)
    promoted = current is None or (champion_metric is not None and new_metric > champion_metric)
    client.set_model_version_tag(name, version, "holdout_metric", f"{new_metric:.6f}")
    if promoted:
        client.set_registered_model_alias(name, "champion", version)
    return ChampionDecision(
        promoted=promoted,
        new_version=str(version),
        new_metric=new_metric,
        champion_version=None if current is None else str(current.version),
        champion_metric=champion_metric,
        metric=".".join(HOLDOUT_METRIC),
        reason=reason,
    )


def loggable_params(params: dict[str, str]) -> dict[str, str]:
    """``params`` as MLflow can store them: a value longer than :data:`MAX_PARAM_CHARS` is
    replaced by a note that it is in the artifact ``params.json`` (never cut).

    Examples
    --------
    >>> loggable_params({"a": "1", "b": "x" * 7000})["b"]
    '(7000 characters: see the artifact params.json)'
    """
    return {
        key: value
        if len(value) <= MAX_PARAM_CHARS
        else f"({len(value)} characters: see the artifact {_PARAMS_ARTIFACT})"
        for key, value in params.items()
    }


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
    uri = resolve_tracking_uri(tracking_uri)
    new_metric = _holdout_metric(evaluation)
    with _scoped_mlflow(uri) as mlflow, tempfile.TemporaryDirectory() as scratch:
        experiment_id = _experiment(mlflow, experiment, artifact_root)
        with mlflow.start_run(experiment_id=experiment_id) as run:
            return _log_run(
                mlflow, run, Path(scratch), scorer, train=train, test=test,
                evaluation=evaluation, new_metric=new_metric, model_name=model_name, uri=uri,
            )  # fmt: skip


def _log_run(
    mlflow: Any, run: Any, work: Path, scorer: Any, *, train: pd.DataFrame,
    test: pd.DataFrame, evaluation: pd.DataFrame, new_metric: float, model_name: str, uri: str,
) -> TrainingRun:  # fmt: skip
    """What :func:`log_training` logs into the open ``run``, ``work`` its scratch folder."""
    from leadscore.criteria import feature_table
    from leadscore.pyfunc_model import SCORER_ARTIFACT

    params = scorer.config.to_params() | {
        f"model.{k}": str(v) for k, v in next(iter(scorer.models_.values())).get_params().items()
    }
    params |= {
        "data.train_rows": str(len(train)),
        "data.test_rows": str(len(test)),
        "data.train_cutoffs": f"{train['cutoff'].min()} .. {train['cutoff'].max()}",
        "data.test_cutoffs": f"{test['cutoff'].min()} .. {test['cutoff'].max()}",
        "model.version": scorer.version_,
    }
    mlflow.log_params(loggable_params(params))
    (work / _PARAMS_ARTIFACT).write_text(json.dumps(params, indent=2))
    mlflow.log_artifact(str(work / _PARAMS_ARTIFACT))
    names = evaluation["target"] + "." + evaluation["model"] + "." + evaluation["metric"]
    # each metric, and the ends of its 95% bootstrap interval as <metric>.low / .high
    metrics: dict[str, float] = {}
    for column, suffix in (("value", ""), ("low", ".low"), ("high", ".high")):
        values = evaluation[column].to_numpy(dtype=float)
        metrics |= {
            name + suffix: float(value)
            for name, value in zip(names, values, strict=True)
            if np.isfinite(value)
        }
    for target, model in scorer.models_.items():
        for key, value in model.validation_scores_.items():
            metrics[f"{target}.validation.{key}"] = float(value)
        # the mix LeadModel chose, why, and every candidate's validation figures
        selection = getattr(model, "selection_", {})
        if selection:
            mlflow.set_tags({f"{target}.mix": selection["chosen"],
                             f"{target}.mix_reason": selection["reason"]})  # fmt: skip
            for name, figures in selection["candidates"].items():
                # MLflow takes letters, digits and _-. /: in a metric name ("linear+trees")
                safe = re.sub(r"[^0-9A-Za-z_.-]", "_", name)
                for key, value in figures.items():
                    metrics[f"{target}.mix.{safe}.{key}"] = float(value)
    mlflow.log_metrics(metrics)
    evaluation.to_csv(work / "evaluation.csv", index=False)
    feature_table(scorer.feature_names_).to_csv(work / "features.csv", index=False)
    mlflow.log_artifact(str(work / "evaluation.csv"))
    mlflow.log_artifact(str(work / "features.csv"))
    (work / "plots").mkdir()
    _log_plots(mlflow, scorer, test, work / "plots")

    scorer_dir = scorer.save(work / SCORER_ARTIFACT)
    info = mlflow.pyfunc.log_model(
        name="model", registered_model_name=model_name, **_pyfunc_args(scorer, scorer_dir, test)
    )
    version = str(info.registered_model_version)

    client = mlflow.MlflowClient(uri)
    decision = _decide_champion(client, model_name, version, new_metric, test, uri)
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


def _pyfunc_args(scorer: Any, scorer_dir: Path, features: pd.DataFrame) -> dict[str, Any]:
    """What MLflow needs to write the pyfunc model of ``scorer`` (saved at ``scorer_dir``): the
    model file, the scorer as an artifact, the signature and an example of ``features``."""
    from leadscore.pyfunc_model import SCORER_ARTIFACT

    ids = [c for c in _ID_COLUMNS if c in features]
    example = model_input(features[[*ids, *scorer.feature_names_]].head(5))
    return {
        "python_model": str(_PYFUNC_FILE),
        "artifacts": {SCORER_ARTIFACT: str(scorer_dir)},
        "signature": _signature(example, scorer.scores(example)),
        "input_example": example,
        "pip_requirements": _requirements(),
    }


def save_pyfunc(scorer: Any, path: str | Path, features: pd.DataFrame) -> Path:
    """Write ``scorer`` as an MLflow pyfunc model folder at ``path``, without a tracking server.

    The same model :func:`log_training` logs and registers (the scorer as LightGBM text and
    JSON, the signature taken from ``features``: a feature table such as
    :func:`leadscore.build_features` returns), for ``mlflow.pyfunc.load_model(path)`` or
    ``mlflow.pyfunc.spark_udf(spark, path)``. ``path`` must not exist yet.
    """
    import mlflow

    from leadscore.pyfunc_model import SCORER_ARTIFACT

    target = Path(path)
    with tempfile.TemporaryDirectory() as work:
        scorer_dir = scorer.save(Path(work) / SCORER_ARTIFACT)
        mlflow.pyfunc.save_model(str(target), **_pyfunc_args(scorer, scorer_dir, features))
    return target


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
