"""The saved format of models and scorers: LightGBM text and JSON, nothing pickled.

A saved :class:`~leadscore.LeadModel` is a folder of two files:

- ``booster.txt``: the trees, as LightGBM's own text format. It is checked before LightGBM
  reads it (:func:`check_booster_text`): a damaged file must be one clear
  :class:`~leadscore.errors.ModelError`, not an abort inside LightGBM;
- ``leadmodel.json``: everything else (:func:`model_to_dict`): ``format_version``, the
  parameters, classes, preprocessor, calibrator, linear prior, validation figures, score
  quantiles, number of trees, learning rate and, with ``linear_prior="auto"``, ``selection``
  (the mix chosen, with every candidate's validation figures; a fixed mix is said by the
  parameters).

A saved :class:`~leadscore.LeadScorer` is a folder holding one model folder per target
(``prospect/``, ``customer/``) and ``scorer.json`` (:func:`scorer_to_dict`): the configuration,
model parameters, feature names, training cutoffs, label counts, the baselines and the
account correction (:mod:`leadscore.accounts`) and the fit x engagement cut points
(:mod:`leadscore.fit_engagement`; both absent in a scorer saved before it existed).

Folders are written whole (:func:`leadscore._io.atomic_folder`): a reader finds the old
folder or the new one, never a mix. :data:`MODEL_FORMAT` and :data:`SCORER_FORMAT` are the
format versions; a file of another version is refused with a message saying to retrain.

:func:`content_version` names a scorer by a hash of what it computes with (the trees and the
JSON of each model): the same model has the same version whenever and however it is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import lightgbm as lgb
import numpy as np
import pandas as pd

from leadscore._io import atomic_folder, check_format, to_json
from leadscore._linear import LinearPrior
from leadscore._preprocess import Preprocessor
from leadscore._training import monotone_directions
from leadscore.accounts import AccountCalibration
from leadscore.calibration import Calibrator
from leadscore.config import Config
from leadscore.drift import REFERENCE_FILE
from leadscore.errors import DataNotFoundError, ModelError
from leadscore.evaluate import BASELINES

if TYPE_CHECKING:
    from leadscore.model import LeadModel
    from leadscore.scorer import LeadScorer

__all__ = [
    "MODEL_FORMAT",
    "SCORER_FORMAT",
    "check_booster_text",
    "content_version",
    "load_model",
    "load_scorer",
    "load_table_model",
    "model_from_parts",
    "model_to_dict",
    "save_model",
    "save_scorer",
    "save_table_model",
]

MODEL_FORMAT = 1
SCORER_FORMAT = 1
MODEL_FILE, BOOSTER_FILE, SCORER_FILE = "leadmodel.json", "booster.txt", "scorer.json"

_M = TypeVar("_M", bound="LeadModel")
_S = TypeVar("_S", bound="LeadScorer")
_TREE = re.compile(r"^Tree=\d+$", re.MULTILINE)
_TREE_SIZES = re.compile(r"^tree_sizes=([\d ]*)$", re.MULTILINE)


# -- one model ---------------------------------------------------------------------------------


def model_to_dict(model: LeadModel) -> dict[str, Any]:
    """Everything of a fitted model but the booster, as JSON-ready values."""
    params = model.get_params()
    if params["monotonic_cst"] is not None:
        directions = zip(model.preprocessor_.names, monotone_directions(model), strict=True)
        params["monotonic_cst"] = {name: d for name, d in directions if d}
    return {
        "format_version": MODEL_FORMAT,
        "params": params,
        "classes": model.classes_.tolist(),
        "preprocessor": model.preprocessor_.to_dict(),
        "calibrator": model.calibrator_.to_dict(),
        "linear_prior": None if model.linear_ is None else model.linear_.to_dict(),
        "validation_scores": model.validation_scores_,
        "score_quantiles": model.score_quantiles_.tolist(),
        "n_estimators": model.n_estimators_,
        "learning_rate": model.learning_rate_,
        # a fixed mix is said by the parameters: saved models (and their versions) stay as they were
        **({"selection": model.selection_} if model.linear_prior == "auto" else {}),
    }


def model_from_parts(cls: type[_M], values: dict[str, Any], booster: lgb.Booster) -> _M:
    """A fitted ``cls`` from the values of :func:`model_to_dict` and its booster."""
    # a model saved before the linear prior existed has none
    model = cls(**({"linear_prior": 0.0} | values["params"]))
    model.classes_ = np.asarray(values["classes"])
    model.preprocessor_ = Preprocessor.from_dict(values["preprocessor"])
    model.feature_names_in_ = np.asarray(model.preprocessor_.names, dtype=object)
    model.n_features_in_ = len(model.preprocessor_.names)
    model.calibrator_ = Calibrator.from_dict(values["calibrator"])
    prior = values.get("linear_prior")
    model.linear_ = None if prior is None else LinearPrior.from_dict(prior)
    model.validation_scores_ = dict(values["validation_scores"])
    model.score_quantiles_ = np.asarray(values["score_quantiles"], dtype=float)
    model.n_estimators_ = int(values["n_estimators"])
    model.learning_rate_ = float(values.get("learning_rate", values["params"]["learning_rate"]))
    model.selection_ = values.get("selection") or {  # a fixed mix, or saved before "auto"
        "chosen": f"linear_prior={model.linear_prior:g}",
        "reason": f"fixed by linear_prior={model.linear_prior:g}",
        "candidates": {},
    }
    model.booster_ = booster
    return model


def save_model(model: LeadModel, path: str | Path) -> Path:
    """Write ``booster.txt`` and ``leadmodel.json`` into folder ``path``, replaced whole."""
    folder = Path(path)
    text = to_json(model_to_dict(model))
    with atomic_folder(folder, marker=MODEL_FILE) as tmp:
        model.booster_.save_model(str(tmp / BOOSTER_FILE))
        (tmp / MODEL_FILE).write_text(text)
    return folder


def check_booster_text(text: str, where: Path) -> str:
    """``text`` once it is a whole LightGBM model: its markers present and its trees counted.

    LightGBM aborts the process on some damaged model text (a fatal error in C++); checking
    first turns a truncated or edited file into one :class:`ModelError` naming it.

    Examples
    --------
    >>> check_booster_text("tree\\nversion=v4", Path("booster.txt"))
    Traceback (most recent call last):
    ...
    leadscore.errors.ModelError: booster.txt: not a whole LightGBM model (no 'end of trees' ...
    """
    for marker in ("end of trees", "end of parameters"):
        if f"\n{marker}\n" not in text:
            raise ModelError(
                f"{where}: not a whole LightGBM model (no {marker!r} line; the file is "
                "truncated or damaged); save or train the model again"
            )
    sizes = _TREE_SIZES.search(text)
    expected = len(sizes.group(1).split()) if sizes else None
    found = len(_TREE.findall(text))
    if expected is not None and found != expected:
        raise ModelError(
            f"{where}: damaged LightGBM model ({found} trees where its header announces "
            f"{expected}); save or train the model again"
        )
    return text


def load_model(cls: type[_M], path: str | Path) -> _M:
    """A ``cls`` from a folder written by :func:`save_model`: text and JSON, nothing unpickled."""
    folder = Path(path)
    if not (folder / MODEL_FILE).exists() or not (folder / BOOSTER_FILE).exists():
        raise DataNotFoundError(f"{folder}: no {MODEL_FILE} and {BOOSTER_FILE} here")
    try:
        values = json.loads((folder / MODEL_FILE).read_text())
        text = (folder / BOOSTER_FILE).read_text()
        booster = lgb.Booster(model_str=check_booster_text(text, folder / BOOSTER_FILE))
    except (ValueError, lgb.basic.LightGBMError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"{folder}: unreadable model files: {exc}") from exc
    values = check_format(values, folder, "model", MODEL_FORMAT)
    try:
        return model_from_parts(cls, values, booster)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelError(
            f"{folder / MODEL_FILE}: incomplete saved model ({type(exc).__name__}: {exc}); "
            "save it again"
        ) from exc


# -- a model of a plain table (leadscore.plain) ------------------------------------------------

TABLE_FORMAT = 1
TABLE_FILE, TABLE_MODEL = "table.json", "model"


def save_table_model(model: LeadModel, values: dict[str, Any], path: str | Path) -> Path:
    """Write a plain table's model: the LeadModel in ``model/`` and ``values`` (its schema,
    baselines and version) as ``table.json``, the folder replaced whole."""
    folder = Path(path)
    text = to_json({"format_version": TABLE_FORMAT, **values})
    with atomic_folder(folder, marker=TABLE_FILE) as tmp:
        save_model(model, tmp / TABLE_MODEL)
        (tmp / TABLE_FILE).write_text(text)
    return folder


def load_table_model(cls: type[_M], path: str | Path) -> tuple[_M, dict[str, Any]]:
    """The LeadModel and the values of a folder written by :func:`save_table_model`."""
    folder = Path(path)
    if not (folder / TABLE_FILE).exists():
        hint = " (a CRM scorer: score it with --data)" if (folder / SCORER_FILE).exists() else ""
        raise DataNotFoundError(
            f"{folder}: no model of a plain table here ({TABLE_FILE} missing){hint}"
        )
    try:
        values = json.loads((folder / TABLE_FILE).read_text())
    except ValueError as exc:
        raise ModelError(f"{folder / TABLE_FILE}: not valid JSON ({exc})") from exc
    values = check_format(values, folder, "table model", TABLE_FORMAT)
    return load_model(cls, folder / TABLE_MODEL), values


# -- a scorer ----------------------------------------------------------------------------------


def content_version(models: dict[str, LeadModel]) -> str:
    """A short hash of the models' trees and JSON: the version of a scorer.

    It depends on what the scorer computes with and nothing else (no date, no path), so one
    model has one version on every day and after every save and load.
    """
    digest = hashlib.sha1()
    for target, model in models.items():
        digest.update(target.encode())
        digest.update(model.booster_.model_to_string().encode())
        digest.update(to_json(model_to_dict(model), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def scorer_to_dict(scorer: LeadScorer) -> dict[str, Any]:
    """Everything of a fitted scorer but its models, as JSON-ready values."""
    return {
        "format_version": SCORER_FORMAT,
        "version": scorer.version_,
        "config": scorer.config.to_dict(),
        "model_params": scorer.model_params,
        "random_state": scorer.random_state,
        "feature_names": scorer.feature_names_,
        "trained_cutoffs": list(scorer.trained_cutoffs_),
        "labels_until": scorer.labels_until_,
        "label_counts": scorer.label_counts_,
        "accounts": None if scorer.accounts_ is None else scorer.accounts_.to_dict(),
        "fit_engagement": scorer.fit_engagement_,
        "baselines": {
            t: {name: b.to_dict() for name, b in baselines.items()}
            for t, baselines in scorer.baselines_.items()
        },
    }


def save_scorer(scorer: LeadScorer, path: str | Path) -> Path:
    """Write a model folder per target and ``scorer.json`` into ``path``, replaced whole."""
    folder = Path(path)
    text = to_json(scorer_to_dict(scorer))
    with atomic_folder(folder, marker=SCORER_FILE) as tmp:
        for target, model in scorer.models_.items():
            save_model(model, tmp / target)
        (tmp / SCORER_FILE).write_text(text)
        reference = getattr(scorer, "drift_reference_", None)
        if reference is not None:
            (tmp / REFERENCE_FILE).write_text(to_json(reference))
    return folder


def load_scorer(cls: type[_S], model_cls: type[LeadModel], path: str | Path) -> _S:
    """A ``cls`` from a folder written by :func:`save_scorer`, its models of ``model_cls``."""
    folder = Path(path)
    if not (folder / SCORER_FILE).exists():
        raise DataNotFoundError(f"{folder}: no saved scorer here ({SCORER_FILE} missing)")
    try:
        values = json.loads((folder / SCORER_FILE).read_text())
    except ValueError as exc:
        raise ModelError(f"{folder / SCORER_FILE}: not valid JSON ({exc})") from exc
    values = check_format(values, folder, "scorer", SCORER_FORMAT)
    try:
        return _scorer_from_saved(cls, model_cls, values, folder)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelError(
            f"{folder / SCORER_FILE}: incomplete saved scorer ({type(exc).__name__}: {exc}); "
            "save it again"
        ) from exc


def _scorer_from_saved(
    cls: type[_S], model_cls: type[LeadModel], values: dict[str, Any], folder: Path
) -> _S:
    scorer = cls(
        config=Config.from_dict(values["config"]),
        model_params=values["model_params"],
        random_state=values["random_state"],
    )
    scorer.models_ = {t: load_model(model_cls, folder / t) for t in scorer.config.targets}
    scorer.feature_names_ = list(values["feature_names"])
    scorer.trained_cutoffs_ = tuple(values["trained_cutoffs"])
    last = pd.Timestamp(scorer.trained_cutoffs_[1])  # saved before labels_until was
    horizons = scorer.config.labels.horizons
    scorer.labels_until_ = values.get("labels_until") or {
        t: (last + pd.Timedelta(days=horizons[t])).isoformat() for t in scorer.models_
    }
    scorer.label_counts_ = values["label_counts"]
    accounts = values.get("accounts")  # saved before accounts were scored: none, and said
    scorer.accounts_ = None if accounts is None else AccountCalibration.from_dict(accounts)
    # saved before the fit x engagement grid: its cut points come from the rows scored
    scorer.fit_engagement_ = values.get("fit_engagement")
    scorer.baselines_ = {  # a scorer saved before a baseline existed goes without it
        t: {name: BASELINES[name].from_dict(b[name]) for name in BASELINES if name in b}
        for t, b in values["baselines"].items()
    }
    # the version names the content; one saved with a date in it (before 0.2) is renamed
    scorer.version_ = content_version(scorer.models_)
    # saved before drift was watched: no reference, and scoring says so
    reference_file = folder / REFERENCE_FILE
    scorer.drift_reference_ = (
        json.loads(reference_file.read_text()) if reference_file.exists() else None
    )
    return scorer
