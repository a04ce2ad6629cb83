"""LeadModel: a calibrated LightGBM classifier for one target, on any pandas DataFrame.

This module is the estimator's public face, as LightGBM's ``sklearn.py`` is: the parameters,
``fit``, the predictions, and the methods that explain, save and load. The work lives in
private modules, one question each:

- :mod:`leadscore._training`: how ``fit`` trains (time-ordered, purged validation split; the
  linear prior; early stopping; calibration; score quantiles; the refit on all rows);
- :mod:`leadscore._explanation`: how a fitted model explains itself (contributions of the
  trees and the prior, criteria sums, reasons, :class:`Summary`), on top of
  :mod:`leadscore.explain`, the one place contributions are computed;
- :mod:`leadscore._format`: how a model is saved and loaded (LightGBM text and JSON; nothing
  is pickled);
- :mod:`leadscore._preprocess`: how a DataFrame becomes LightGBM's matrix;
- :mod:`leadscore._linear` and :mod:`leadscore.calibration`: the prior and the calibrators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from leadscore import _explanation, _format, _training
from leadscore._explanation import Summary
from leadscore._linear import LinearPrior
from leadscore._preprocess import Preprocessor, as_frame
from leadscore.calibration import Calibrator
from leadscore.errors import ModelError, NotFittedError
from leadscore.explain import DEFAULT_CHUNK_ROWS

__all__ = ["LeadModel", "Summary"]


class LeadModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Calibrated gradient-boosted classifier for one lead-scoring target.

    Parameters
    ----------
    learning_rate : float or "auto"
        Shrinkage of each tree. ``auto`` (the default) is 0.03 up to 100k training rows and
        grows with the square root of the rows beyond, to at most 0.2 (0.095 at 1M rows, 0.2
        from 4.4M): early stopping at a fixed rate keeps adding trees while more rows hold more
        signal, so fit and explanation time would grow with the square of the rows. At 1M rows
        0.06 and 0.1 instead of 0.03 grew 58% and 26% of the trees for 0.001 and 0.002 less
        ROC AUC (docs/benchmarks.md).
        0.03 with half the features per tree was chosen on synthetic CRMs of seeds 0-5 against
        0.05 and 0.8: ROC AUC +0.001 on average, higher in 10 of 12 holdouts.
    num_leaves : int
        Maximum leaves per tree.
    min_child_samples : int
        Minimum rows in a leaf.
    colsample_bytree : float
        Share of features each tree may use.
    subsample : float
        Share of rows each tree is fitted on (bagging).
    reg_lambda : float
        L2 penalty on leaf values.
    max_rounds : int
        Most trees the early-stopping model may grow.
    early_stopping_rounds : int
        Stop when the validation log loss has not improved for this many trees.
    validation_fraction : float
        Share of the latest rows used to stop early and to calibrate.
    calibration : {"auto", "isotonic", "platt", "identity"}
        How raw log-odds become probabilities; ``auto`` picks the lower held-out log loss.
    refit : bool
        Fit the final model on all rows after choosing the number of trees.
    max_categories : int
        Most frequent categories kept per categorical column; the rest share one code.
    monotonic_cst : mapping or sequence of {-1, 0, 1}, optional
        Monotone constraints, as in scikit-learn's gradient boosting: ``{feature: 1}`` means the
        model's log-odds never fall as the feature grows (all else equal), ``-1`` never rise,
        ``0`` free; or one direction per column of ``X``. Numeric and boolean columns only.
        LightGBM enforces them at every split (its ``intermediate`` method). Domain knowledge
        such as "an engaged decision maker at the account never makes a sale less likely"
        keeps the trees from learning noise against it, and reasons from ever saying so.
        :class:`leadscore.LeadScorer` takes them from the feature registry
        (:func:`leadscore.criteria.monotone_constraints`). The linear prior keeps the same
        signs: a coefficient against its direction is dropped.
    linear_prior : "auto" or float in [0, 1]
        How much the model leans on its linear part. A number fixes the mix: the share of a
        logistic regression's log-odds the trees boost from (0: from a constant, plain LightGBM;
        0.5, the default, measured on make_crm's holdouts). ``auto`` fits each of
        :data:`leadscore._training.CANDIDATES` on the earlier rows (the logistic regression
        alone; half its log-odds plus shallow trees (7 leaves); half its log-odds plus trees;
        trees alone), stops and calibrates each on the latest rows (purged as usual), and keeps
        the simplest whose held-out calibrated log loss is within one standard error of the
        best; ``selection_`` says which and why. Real data with drift and many weak, additive
        signals often favours the linear part; data with interactions the trees. It costs
        about four fits instead of one (docs/benchmarks.md), hence not yet the default.
    random_state : int or None
        Seed of LightGBM's bagging and feature sampling; the same seed gives the same model.
    n_jobs : int or None
        Threads for LightGBM; None uses LightGBM's default.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The fitted trees. Their raw scores (``booster_.predict(..., raw_score=True)``) add to
        the linear prior's log-odds; :meth:`decision_function` is the sum.
    linear_ : LinearPrior or None
        The logistic regression the trees boost from (None with ``linear_prior=0``).
    classes_ : ndarray
        The two class labels; the second is the positive class.
    feature_names_in_ : ndarray
        Feature columns, in fitted order.
    calibrator_ : Calibrator
        Maps raw log-odds to calibrated probabilities.
    learning_rate_ : float
        The learning rate used (``learning_rate`` with ``auto`` resolved).
    validation_scores_ : dict
        ROC AUC and log loss of the early-stopping model on the validation slice (the log loss
        of the chosen calibrator, held out), the held-out log loss of each calibrator
        considered, and ``label_overlap``: the share of the early-stopping model's training
        rows within ``gap`` of the validation slice (0 unless too few rows were left without
        them; then the figures are optimistic and ``fit`` warns).
    score_quantiles_ : ndarray
        Percentiles 1..99 of calibrated probabilities on the validation slice.
    selection_ : dict
        The mix chosen: ``chosen`` (a candidate's name), ``reason`` (in words) and
        ``candidates``: per candidate its validation ``log_loss`` (held-out calibrated),
        ``roc_auc``, ``trees``, and ``gap_to_best`` with its standard error ``gap_se``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(600, n_features=5, random_state=0)
    >>> model = LeadModel(random_state=0).fit(X, y)
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    """

    # what fit learns (set by leadscore._training.fit, or by LeadModel.load)
    booster_: lgb.Booster
    linear_: LinearPrior | None
    preprocessor_: Preprocessor
    calibrator_: Calibrator
    classes_: np.ndarray
    feature_names_in_: np.ndarray
    n_features_in_: int
    learning_rate_: float
    n_estimators_: int
    validation_scores_: dict[str, float]
    score_quantiles_: np.ndarray
    selection_: dict[str, Any]

    def __init__(
        self,
        *,
        learning_rate: float | Literal["auto"] = "auto",
        num_leaves: int = 31,
        min_child_samples: int = 50,
        colsample_bytree: float = 0.5,
        subsample: float = 0.8,
        reg_lambda: float = 1.0,
        max_rounds: int = 5000,
        early_stopping_rounds: int = 100,
        validation_fraction: float = 0.2,
        calibration: Literal["auto", "isotonic", "platt", "identity"] = "auto",
        refit: bool = True,
        max_categories: int = 100,
        monotonic_cst: Mapping[str, int] | Sequence[int] | None = None,
        linear_prior: float | Literal["auto"] = 0.5,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.subsample = subsample
        self.reg_lambda = reg_lambda
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.calibration = calibration
        self.refit = refit
        self.max_categories = max_categories
        self.monotonic_cst = monotonic_cst
        self.linear_prior = linear_prior
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        return tags

    # -- fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        time: Any = None,
        gap: Any = None,
        sample_weight: Any = None,
    ) -> Self:
        """Fit on ``X`` (rows in time order unless ``time`` says otherwise) and 0/1 ``y``.

        The recipe (validation split, purge, linear prior, early stopping, calibration, refit)
        is :func:`leadscore._training.fit`, step by step.

        Parameters
        ----------
        X : DataFrame
            Features: numeric, boolean, text or categorical columns; missing values allowed.
        y : array-like
            Two classes; the larger label (in sort order) is the positive class.
        time : array-like, optional
            Time of each row; the validation slice holds the latest times.
        gap : scalar, optional
            In ``time`` units: rows with ``time >= start of validation - gap`` are left out of
            the early-stopping model (set it to the label horizon).
        sample_weight : array-like, optional
        """
        _training.fit(self, X, y, time=time, gap=gap, sample_weight=sample_weight)
        return self

    # -- prediction ------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self, "booster_")
        except Exception as exc:
            raise NotFittedError(
                "This LeadModel is not fitted yet: call fit(X, y) or LeadModel.load(path) first"
            ) from exc

    def _matrix(self, X: Any) -> np.ndarray:
        self._check_fitted()
        frame = as_frame(X, list(self.feature_names_in_))
        if not isinstance(X, pd.DataFrame) and frame.shape[1] != self.n_features_in_:
            raise ModelError(
                f"X has {frame.shape[1]} features, but LeadModel is expecting "
                f"{self.n_features_in_} features as input"
            )
        return self.preprocessor_.transform(frame)

    def _raw(self, matrix: np.ndarray) -> np.ndarray:
        raw = np.asarray(self.booster_.predict(matrix, raw_score=True), dtype=float)
        return raw if self.linear_ is None else raw + self.linear_.log_odds(matrix)

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw log-odds of the positive class (before calibration): the trees' and the linear
        prior's."""
        return self._raw(self._matrix(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, one column per class in ``classes_`` order."""
        raw = self.decision_function(X)
        p = self.calibrator_.transform(raw)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more likely class of each row."""
        positive = self.predict_proba(X)[:, 1] >= 0.5
        return np.asarray(self.classes_[positive.astype(int)])

    # -- explanations (see leadscore._explanation) -----------------------------------------------

    def explain(
        self, X: Any, *, deduplicate: bool = True, chunk_rows: int = DEFAULT_CHUNK_ROWS
    ) -> Any:
        """Per-row, per-feature contributions in log-odds, as a ``shap.Explanation``.

        Computed with LightGBM's TreeSHAP (``pred_contrib``, equal to
        ``shap.TreeExplainer(model.booster_)``) plus the linear prior's exact contributions
        (each term minus its mean; see :mod:`leadscore._linear`), and additive:
        ``base_values + values.sum(1)`` is :meth:`decision_function`. The probabilities of
        :meth:`predict_proba` are a monotone, calibrated map of that sum; contributions are not
        additive on the probability scale.
        ``data`` holds the numbers the booster saw (category codes for categories) so that
        shap's beeswarm can colour by value; ``display_data`` holds the values as given.

        Parameters
        ----------
        deduplicate : bool
            Explain each distinct decision pattern once and broadcast (exact; see
            :mod:`leadscore.explain`).
        chunk_rows : int
            Rows explained at a time.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> X, y = make_classification(400, n_features=4, random_state=0)
        >>> model = LeadModel(random_state=0, max_rounds=30).fit(X, y)
        >>> explanation = model.explain(X[:5])
        >>> bool(np.allclose(explanation.base_values + explanation.values.sum(axis=1),
        ...                  model.decision_function(X[:5])))
        True
        """
        return _explanation.explain(self, X, deduplicate=deduplicate, chunk_rows=chunk_rows)

    def explain_criteria(
        self,
        X: Any,
        *,
        criteria: dict[str, str] | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> pd.DataFrame:
        """Contributions summed per qualification criterion (DESIGN section 2), in log-odds."""
        frame = as_frame(X, list(self.feature_names_in_))
        return self.summarize(frame, k=0, criteria=criteria, chunk_rows=chunk_rows).criteria

    def reasons(
        self, X: Any, k: int = 3, *, criteria: dict[str, str] | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> pd.DataFrame:  # fmt: skip
        """Top ``k`` positive and negative reasons per row, in words and as stable codes.

        Returns a DataFrame indexed like ``X`` with ``reasons`` (``"+ Requested a demo 3 days
        ago; - No email open in 62 days"``) and ``reason_codes``
        (``"+TIME_DEMO_REQUEST_RECENT;-TIME_EMAIL_OPEN_RECENT"``). See
        :func:`leadscore.explain.reasons`.
        """
        frame = as_frame(X, list(self.feature_names_in_))
        summary = self.summarize(frame, k=k, criteria=criteria, chunk_rows=chunk_rows)
        return pd.DataFrame(
            {"reasons": summary.reasons, "reason_codes": summary.reason_codes}, index=frame.index
        )

    def summarize(
        self,
        X: pd.DataFrame,
        *,
        k: int = 3,
        criteria: dict[str, str] | None = None,
        deduplicate: bool = True,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        signals: bool = False,
    ) -> Summary:
        """Probabilities, criteria sums and reasons in one pass over chunks of rows.

        Memory stays bounded by ``chunk_rows``: each chunk's contributions are summed per
        criterion and worded, then dropped (:func:`leadscore._explanation.summarize`). With
        ``signals``, also the raw log-odds and the contributions per signal family.
        """
        return _explanation.summarize(
            self, X, k=k, criteria=criteria, deduplicate=deduplicate, chunk_rows=chunk_rows,
            signals=signals,
        )  # fmt: skip

    @property
    def feature_importances_(self) -> np.ndarray:
        """Total gain of each feature over the booster's splits."""
        self._check_fitted()
        return np.asarray(self.booster_.feature_importance("gain"), dtype=float)

    # -- persistence (see leadscore._format) -----------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything but the booster, as JSON-ready values."""
        self._check_fitted()
        return _format.model_to_dict(self)

    def save(self, path: str | Path) -> Path:
        """Write ``booster.txt`` (LightGBM text) and ``leadmodel.json`` into folder ``path``.

        The folder is replaced as a whole once both files are written (see
        :func:`leadscore._io.atomic_folder`); an existing folder must be empty or a saved model.
        """
        self._check_fitted()
        return _format.save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Load a model written by :meth:`save`. Reads text and JSON only; nothing is unpickled."""
        return _format.load_model(cls, path)

    @classmethod
    def from_parts(cls, values: dict[str, Any], booster: Any) -> Self:
        """A fitted model from :meth:`to_dict`'s values and a ``lightgbm.Booster``."""
        return _format.model_from_parts(cls, values, booster)
