"""LeadScorer: one LeadModel per funnel target, the scores table, evaluation and persistence.

Kept apart from :mod:`leadscore.model`, which holds the single-target estimator, so that each
file has one job: this one knows about training tables, targets, grades and the scores table.

Scores and grades (DESIGN section 6). For each target the validation slice of its model gives
the distribution of calibrated probabilities on recent, unseen contacts; ``score`` (1-99) is the
percentile of a contact's probability in that distribution, and the grade follows the score:
**A** the top 10% (score 90+), **B** the next 20% (70-89), **C** the next 30% (40-69), **D** the
rest. A contact already at sql or opportunity has reached *prospect*: its ``p_prospect`` is 1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from leadscore._io import atomic_folder, check_format, to_json
from leadscore.config import Config
from leadscore.criteria import monotone_constraints
from leadscore.data import CRMData
from leadscore.domain import TARGET_STAGES, TARGETS
from leadscore.drift import REFERENCE_FILE
from leadscore.errors import DataNotFoundError, DataWarning, ModelError, NotFittedError
from leadscore.evaluate import LogisticBaseline, PointsBaseline, binary_metrics, evaluation_frame
from leadscore.features import build_features, feature_columns
from leadscore.labels import US_PER_DAY, times_us
from leadscore.model import LeadModel

__all__ = ["GRADES", "LeadScorer"]

FORMAT_VERSION = 1
_SCORER_FILE = "scorer.json"
#: Lowest score of each grade; scores are percentiles of the validation population.
GRADES: dict[str, int] = {"A": 90, "B": 70, "C": 40, "D": 1}
#: Rows a baseline is fitted on at most (a random sample beyond that).
BASELINE_MAX_ROWS = 200_000
#: Training rows the drift reference is computed on at most (a random sample beyond that).
DRIFT_MAX_ROWS = 200_000


def scores_from_quantiles(p: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Percentile (1-99) of each probability among validation probabilities.

    The score is the number of percentiles 1..99 at or below ``p`` (at least 1), so score 90
    and above (grade A) is exactly the top 10% of the validation population.

    Examples
    --------
    >>> scores_from_quantiles(np.array([0.0, 0.5, 0.905, 1.0]), np.linspace(0.01, 0.99, 99))
    array([ 1, 50, 90, 99])
    """
    at_or_below = np.searchsorted(np.asarray(quantiles), p, side="right")
    return np.clip(at_or_below, 1, 99).astype(np.int64)


def grades_from_scores(scores: np.ndarray) -> np.ndarray:
    """Grade A-D of each score (see :data:`GRADES`)."""
    grades = np.full(len(scores), "D", dtype=object)
    for grade in ("C", "B", "A"):
        grades[scores >= GRADES[grade]] = grade
    return grades


class LeadScorer:
    """Scores contacts on the funnel: one calibrated :class:`LeadModel` per target.

    Parameters
    ----------
    config : Config, optional
        Feature and label settings; used again to build features at scoring time.
    model_params : mapping, optional
        Parameters for every :class:`LeadModel`. ``random_state`` defaults to the scorer's,
        ``monotonic_cst`` to the directions the feature registry fixes
        (:func:`leadscore.criteria.monotone_constraints`); ``{"monotonic_cst": None}`` frees
        them.
    random_state : int or None
        Seed for the models and the baselines' samples.

    Examples
    --------
    >>> import leadscore as ls
    >>> crm = ls.make_crm(1500, seed=0)
    >>> table = ls.build_training_table(crm, pd.date_range("2024-07-01", periods=12, freq="MS"))
    >>> scorer = ls.LeadScorer(random_state=0).fit(table)
    >>> list(scorer.predict_proba(table.head(3)).columns)
    ['p_prospect', 'p_customer']
    """

    def __init__(
        self,
        *,
        config: Config | None = None,
        model_params: Mapping[str, Any] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.config = config or Config()
        self.model_params = dict(model_params or {})
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------------

    def fit(self, table: pd.DataFrame) -> Self:
        """Fit one model per target on the rows where that target's label is present.

        The validation slice of each model is its latest cutoffs, with training labels whose
        horizon reaches into them left out of early stopping (see :class:`LeadModel`).
        """
        missing = [c for c in ("cutoff", *(f"y_{t}" for t in TARGETS)) if c not in table]
        if missing:
            raise ModelError(
                f"table: missing column(s) {missing}; build it with build_training_table"
            )
        self.feature_names_ = feature_columns(table)
        horizons = self.config.labels.horizons
        self.models_: dict[str, LeadModel] = {}
        self.baselines_: dict[str, dict[str, Any]] = {}
        self.label_counts_: dict[str, dict[str, int]] = {}
        # per target, the end of the last label window trained on: evaluate after it
        self.labels_until_: dict[str, str] = {}
        rng = np.random.default_rng(self.random_state)
        defaults = {
            "random_state": self.random_state,
            "monotonic_cst": monotone_constraints(self.feature_names_),
        }
        for target in TARGETS:
            label = table[f"y_{target}"]
            rows = label.notna().to_numpy()
            y = label[rows].astype("int64").to_numpy()
            if len(np.unique(y)) < 2:
                raise ModelError(
                    f"table.y_{target}: needs both outcomes to learn from, got "
                    f"{len(y)} labelled rows with {int(y.sum())} positives"
                )
            X = table.loc[rows, self.feature_names_]
            params = defaults | self.model_params
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = LeadModel(**params).fit(
                    X,
                    y,
                    time=times_us(table.loc[rows, "cutoff"]),
                    gap=horizons[target] * US_PER_DAY,
                )
            for w in caught:  # say which target a warning of its model is about
                prefix = f"table.y_{target} ({horizons[target]}-day horizon): "
                message = prefix + str(w.message) if w.category is DataWarning else w.message
                warnings.warn(message, w.category, stacklevel=2)
            self.models_[target] = model
            sample = (
                np.sort(rng.choice(len(y), BASELINE_MAX_ROWS, replace=False))
                if len(y) > BASELINE_MAX_ROWS
                else np.arange(len(y))
            )
            self.baselines_[target] = {
                "points": PointsBaseline().fit(X.iloc[sample], y[sample]),
                "logistic": LogisticBaseline().fit(X.iloc[sample], y[sample]),
            }
            self.label_counts_[target] = {"rows": len(y), "positives": int(y.sum())}
            last = table.loc[rows, "cutoff"].max() + pd.Timedelta(days=horizons[target])
            self.labels_until_[target] = last.isoformat()
        cutoffs = table["cutoff"]
        self.trained_cutoffs_ = (cutoffs.min().isoformat(), cutoffs.max().isoformat())
        self.version_ = self._fingerprint()
        self.drift_reference_: dict[str, Any] | None = self._drift_reference(table, rng)
        return self

    def _drift_reference(self, table: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        """Distributions of the features and probabilities on (a sample of) the training rows."""
        from leadscore.drift import reference

        rows = (
            np.sort(rng.choice(len(table), DRIFT_MAX_ROWS, replace=False))
            if len(table) > DRIFT_MAX_ROWS
            else np.arange(len(table))
        )
        sample = table.iloc[rows]
        return reference(sample[self.feature_names_], self.predict_proba(sample))

    def _fingerprint(self) -> str:
        digest = hashlib.sha1()
        for target, model in self.models_.items():
            digest.update(target.encode())
            digest.update(model.booster_.model_to_string().encode())
            digest.update(to_json(model.to_dict(), sort_keys=True).encode())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        return f"{stamp}-{digest.hexdigest()[:8]}"

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(
                "This LeadScorer is not fitted yet: call fit(table) or LeadScorer.load(path)"
            )

    # -- prediction ------------------------------------------------------------------------------

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.feature_names_ if c not in X]
        if missing:
            raise ModelError(
                f"features: {len(missing)} column(s) the scorer was trained on are missing, "
                f"e.g. {missing[:5]}; build them with build_features and the same configuration"
            )
        return X[self.feature_names_]

    def _already_prospect(self, X: pd.DataFrame) -> np.ndarray:
        if "stage" not in X:
            return np.zeros(len(X), dtype=bool)
        reached = [s for s in TARGET_STAGES["prospect"] if s != "customer"]
        return np.asarray(X["stage"].astype("str").isin(reached).to_numpy(), dtype=bool)

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Calibrated ``p_prospect`` and ``p_customer`` for each row of a feature table.

        Rows already at sql or opportunity get ``p_prospect = 1``: they have reached it.
        """
        self._check_fitted()
        features = self._features(X)
        out = pd.DataFrame(index=X.index)
        for target in TARGETS:
            out[f"p_{target}"] = self.models_[target].predict_proba(features)[:, 1]
        out.loc[self._already_prospect(X), "p_prospect"] = 1.0
        return out

    def scores(
        self, X: pd.DataFrame, as_of: object | None = None, *, k: int = 3, reasons: bool = True
    ) -> pd.DataFrame:
        """The scores table (DESIGN section 6) of a feature table from :func:`build_features`.

        See :func:`leadscore.scoring.scores_table`; ``reasons=False`` leaves out the criteria
        columns and reasons and scores at prediction speed.
        """
        from leadscore.scoring import scores_table

        return scores_table(self, X, as_of, k=k, reasons=reasons)

    def score(
        self, crm: CRMData, as_of: object, *, features: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Score every contact eligible at ``as_of``: the scores table of DESIGN section 6."""
        self._check_fitted()
        X = build_features(crm, as_of, config=self.config) if features is None else features
        return self.scores(X, as_of)

    # -- evaluation ------------------------------------------------------------------------------

    def evaluate(self, table: pd.DataFrame) -> pd.DataFrame:
        """Metrics per target for leadscore and both baselines, on the same labelled rows.

        Returns a tidy DataFrame: ``target``, ``model`` (``leadscore``, ``logistic``,
        ``points``), ``metric``, ``value``. Evaluate on rows the scorer did not train on, for
        example the test part of :func:`leadscore.evaluate.time_split`.
        """
        self._check_fitted()
        labels = [f"y_{t}" for t in TARGETS]
        if not any(c in table for c in labels):
            raise ModelError(
                f"table: no label column ({', '.join(labels)}) to evaluate on; build it with "
                "build_training_table"
            )
        rows: list[tuple[str, str, dict[str, float]]] = []
        for target in TARGETS:
            if f"y_{target}" not in table:
                continue
            label = table[f"y_{target}"]
            present = label.notna().to_numpy()
            if not present.any():
                continue
            y = label[present].astype("int64").to_numpy()
            X = self._features(table.loc[present])
            predictions = {
                "leadscore": self.models_[target].predict_proba(X)[:, 1],
                "logistic": self.baselines_[target]["logistic"].predict_proba(X),
                "points": self.baselines_[target]["points"].predict_proba(X),
            }
            for name, p in predictions.items():
                rows.append((target, name, binary_metrics(y, p)))
        if not rows:
            raise ModelError("table: no labelled rows to evaluate on")
        return evaluation_frame(rows)

    # -- persistence -----------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the scorer to folder ``path``: a LightGBM text model and JSON per target, and
        ``scorer.json``. Nothing is pickled. The folder is replaced as a whole once every file
        is written; an existing folder must be empty or a saved scorer."""
        self._check_fitted()
        folder = Path(path)
        values = {
            "format_version": FORMAT_VERSION,
            "version": self.version_,
            "config": self.config.to_dict(),
            "model_params": self.model_params,
            "random_state": self.random_state,
            "feature_names": self.feature_names_,
            "trained_cutoffs": list(self.trained_cutoffs_),
            "labels_until": self.labels_until_,
            "label_counts": self.label_counts_,
            "baselines": {
                t: {name: b.to_dict() for name, b in baselines.items()}
                for t, baselines in self.baselines_.items()
            },
        }
        text = to_json(values)
        with atomic_folder(folder, marker=_SCORER_FILE) as tmp:
            for target, model in self.models_.items():
                model.save(tmp / target)
            (tmp / _SCORER_FILE).write_text(text)
            reference = getattr(self, "drift_reference_", None)
            if reference is not None:
                (tmp / REFERENCE_FILE).write_text(to_json(reference))
        return folder

    @classmethod
    def load(cls, path: str | Path) -> LeadScorer:
        """Load a scorer written by :meth:`save` (text and JSON only; nothing is unpickled)."""
        folder = Path(path)
        if not (folder / _SCORER_FILE).exists():
            raise DataNotFoundError(f"{folder}: no saved scorer here ({_SCORER_FILE} missing)")
        try:
            values = json.loads((folder / _SCORER_FILE).read_text())
        except ValueError as exc:
            raise ModelError(f"{folder / _SCORER_FILE}: not valid JSON ({exc})") from exc
        values = check_format(values, folder, "scorer", FORMAT_VERSION)
        try:
            return cls._from_saved(values, folder)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ModelError(
                f"{folder / _SCORER_FILE}: incomplete saved scorer ({type(exc).__name__}: {exc}); "
                "save it again"
            ) from exc

    @classmethod
    def _from_saved(cls, values: dict[str, Any], folder: Path) -> LeadScorer:
        scorer = cls(
            config=Config.from_dict(values["config"]),
            model_params=values["model_params"],
            random_state=values["random_state"],
        )
        scorer.models_ = {t: LeadModel.load(folder / t) for t in TARGETS}
        scorer.feature_names_ = list(values["feature_names"])
        scorer.trained_cutoffs_ = tuple(values["trained_cutoffs"])
        last = pd.Timestamp(scorer.trained_cutoffs_[1])  # saved before labels_until was
        horizons = scorer.config.labels.horizons
        scorer.labels_until_ = values.get("labels_until") or {
            t: (last + pd.Timedelta(days=horizons[t])).isoformat() for t in TARGETS
        }
        scorer.label_counts_ = values["label_counts"]
        scorer.baselines_ = {
            t: {
                "points": PointsBaseline.from_dict(b["points"]),
                "logistic": LogisticBaseline.from_dict(b["logistic"]),
            }
            for t, b in values["baselines"].items()
        }
        scorer.version_ = values["version"]
        # saved before drift was watched: no reference, scoring says so
        reference_file = folder / REFERENCE_FILE
        scorer.drift_reference_ = (
            json.loads(reference_file.read_text()) if reference_file.exists() else None
        )
        return scorer
