"""LeadScorer: one LeadModel per funnel target, the scores table, evaluation.

Kept apart from :mod:`leadscore.model`, which holds the single-target estimator, so that each
file has one job: this one knows about training tables, targets, grades and the scores table.
Its saved format (a model folder per target and ``scorer.json``) and its version (``version_``,
the ``model_version`` column: a hash of the models' content, see
:func:`leadscore._format.content_version`) live in :mod:`leadscore._format`.

Scores and grades (DESIGN section 6). For each target the validation slice of its model gives
the distribution of calibrated probabilities on recent, unseen contacts; ``score`` (1-99) is the
percentile of a contact's probability in that distribution, and the grade follows the score:
**A** the top 10% (score 90+), **B** the next 20% (70-89), **C** the next 30% (40-69), **D** the
rest. A contact already at sql or opportunity has reached *prospect*: its ``p_prospect`` is 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from leadscore import _format
from leadscore._conventions import US_PER_DAY, times_us
from leadscore.accounts import AccountCalibration, fit_account_calibration
from leadscore.config import Config
from leadscore.criteria import monotone_constraints
from leadscore.data import CRMData
from leadscore.domain import TARGET_STAGES
from leadscore.errors import DataWarning, ModelError, NotFittedError
from leadscore.evaluate import BASELINES, BOOTSTRAP_RESAMPLES, compare_models, evaluation_frame
from leadscore.features import build_features, feature_columns
from leadscore.model import LeadModel

__all__ = ["GRADES", "LeadScorer", "grade_cuts"]

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


def grade_cuts(quantiles: np.ndarray) -> dict[str, float]:
    """Lowest probability of each grade (see :data:`GRADES`), given the validation quantiles.

    A probability gets score ``s`` or more exactly when it is at least the ``s``-th
    percentile, so grade A starts at the 90th percentile of the validation probabilities;
    grade D starts at 0.

    Examples
    --------
    >>> cuts = grade_cuts(np.linspace(0.01, 0.99, 99))
    >>> {grade: round(cut, 4) for grade, cut in cuts.items()}
    {'A': 0.9, 'B': 0.7, 'C': 0.4, 'D': 0.0}
    """
    values = np.asarray(quantiles, dtype="float64")
    return {grade: float(values[low - 1]) if low > 1 else 0.0 for grade, low in GRADES.items()}


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
        targets = self.config.targets
        missing = [c for c in ("cutoff", *(f"y_{t}" for t in targets)) if c not in table]
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
        for target in targets:
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
                name: baseline().fit(X.iloc[sample], y[sample])
                for name, baseline in BASELINES.items()
            }
            self.label_counts_[target] = {"rows": len(y), "positives": int(y.sum())}
            last = table.loc[rows, "cutoff"].max() + pd.Timedelta(days=horizons[target])
            self.labels_until_[target] = last.isoformat()
        cutoffs = table["cutoff"]
        self.trained_cutoffs_ = (cutoffs.min().isoformat(), cutoffs.max().isoformat())
        self.version_ = _format.content_version(self.models_)
        self.accounts_ = self._account_calibration(table)
        self.fit_engagement_ = self._grid_cuts(table)
        self.drift_reference_: dict[str, Any] | None = self._drift_reference(table, rng)
        return self

    def validation_rows(self, table: pd.DataFrame, target: str) -> pd.DataFrame:
        """The rows of ``table`` that validated ``target``'s model: its latest labelled cutoffs,
        as :func:`leadscore._training.validation_split` chose them at fit."""
        from leadscore._training import validation_split

        labelled = table.loc[table[f"y_{target}"].notna().to_numpy()]
        time = times_us(labelled["cutoff"])
        order = np.argsort(time, kind="stable")
        gap = self.config.labels.horizons[target] * US_PER_DAY
        fraction = self.models_[target].validation_fraction
        _, val, _ = validation_split(len(labelled), time[order], fraction, gap)
        return labelled.iloc[order[val]]

    def _account_calibration(self, table: pd.DataFrame) -> AccountCalibration | None:
        """The account correction (:mod:`leadscore.accounts`) on the customer model's
        validation rows, or None (no customer model, no accounts, too few of them)."""
        if "customer" not in self.models_ or "account_id" not in table:
            return None
        rows = self.validation_rows(table, "customer")
        p = self.models_["customer"].predict_proba(self._features(rows))[:, 1]
        y = rows["y_customer"].astype("int64").to_numpy()
        return fit_account_calibration(p, rows["account_id"], rows["cutoff"], y)

    def _grid_cuts(self, table: pd.DataFrame) -> dict[str, Any] | None:
        """The fit x engagement cut points (:mod:`leadscore.fit_engagement`) from the customer
        model's criterion sums on its validation rows."""
        from leadscore.fit_engagement import learn_cuts

        if "customer" not in self.models_:
            return None
        rows = self.validation_rows(table, "customer")
        criteria = dict(self.config.features.attribute_criteria)
        sums = self.models_["customer"].explain_criteria(self._features(rows), criteria=criteria)
        return learn_cuts(sums)

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
        for target, model in self.models_.items():
            out[f"p_{target}"] = model.predict_proba(features)[:, 1]
        if "prospect" in self.models_:
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

    def grade_cuts(self, target: str = "customer") -> dict[str, float]:
        """The lowest probability of ``target`` each grade starts at: ``{"A": 0.31, ...}``
        (percentiles of the target's validation probabilities, see :func:`grade_cuts`)."""
        self._check_fitted()
        if target not in self.models_:
            raise ModelError(f"unknown target {target!r}; expected one of {list(self.models_)}")
        return grade_cuts(self.models_[target].score_quantiles_)

    def score(
        self, crm: CRMData, as_of: object, *, features: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Score every contact eligible at ``as_of``: the scores table of DESIGN section 6."""
        self._check_fitted()
        X = build_features(crm, as_of, config=self.config) if features is None else features
        return self.scores(X, as_of)

    # -- evaluation ------------------------------------------------------------------------------

    def predictions(self, X: pd.DataFrame, target: str) -> dict[str, np.ndarray]:
        """The probability of ``target`` by leadscore and by each baseline, for each row of a
        feature table: ``{"leadscore": ..., "logistic": ..., ...}``."""
        self._check_fitted()
        features = self._features(X)
        out = {"leadscore": self.models_[target].predict_proba(features)[:, 1]}
        for name, baseline in self.baselines_[target].items():
            out[name] = baseline.predict_proba(features)
        return out

    def evaluate(
        self, table: pd.DataFrame, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
    ) -> pd.DataFrame:
        """Metrics per target for leadscore and every baseline, on the same labelled rows.

        Returns a tidy DataFrame: ``target``, ``model`` (``leadscore``, then the baselines of
        :data:`leadscore.evaluate.BASELINES`), ``metric``, ``value``, and ``low`` and ``high``,
        a 95% bootstrap interval over ``resamples`` resamples of the contacts
        (:func:`leadscore.evaluate.compare_models`; 0 skips them). A target without labelled
        rows is there with ``rows`` 0. Evaluate on rows the scorer did not train on, for
        example the test part of :func:`leadscore.evaluate.time_split`.
        """
        self._check_fitted()
        labels = [f"y_{t}" for t in self.models_]
        if not any(c in table for c in labels):
            raise ModelError(
                f"table: no label column ({', '.join(labels)}) to evaluate on; build it with "
                "build_training_table"
            )
        parts: dict[str, pd.DataFrame] = {}
        for target in self.models_:
            if f"y_{target}" not in table:
                continue
            present = table[f"y_{target}"].notna().to_numpy()
            rows = table.loc[present]
            names = ["leadscore", *self.baselines_[target]]
            predictions = (
                self.predictions(rows, target) if len(rows) else dict.fromkeys(names, np.empty(0))
            )
            parts[target] = compare_models(
                rows[f"y_{target}"].astype("int64").to_numpy(),
                predictions,
                rows["contact_id"].to_numpy() if "contact_id" in rows else None,
                resamples=resamples,
                seed=seed,
            )
        return evaluation_frame(parts)

    # -- persistence (see leadscore._format) -----------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the scorer to folder ``path``: a LightGBM text model and JSON per target, and
        ``scorer.json``. Nothing is pickled. The folder is replaced as a whole once every file
        is written; an existing folder must be empty or a saved scorer."""
        self._check_fitted()
        return _format.save_scorer(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Load a scorer written by :meth:`save` (text and JSON only; nothing is unpickled).

        Its ``version_`` is the hash of its models' content
        (:func:`leadscore._format.content_version`).
        """
        return _format.load_scorer(cls, LeadModel, path)
