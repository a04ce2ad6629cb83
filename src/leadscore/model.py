"""LeadModel: a calibrated LightGBM classifier for one target, on any pandas DataFrame.

How :meth:`LeadModel.fit` works:

1. The rows are split by time: the latest ``validation_fraction`` of them (by ``time`` when
   given, else by row order) are the validation slice. Rows within ``gap`` of the validation
   slice are left out of the first model, so that no training label looks into the validation
   period (a purged split). When that would leave fewer than a quarter of the earlier rows
   (a history barely longer than the gap), they stay in, with a :class:`DataWarning` and
   ``validation_scores_["label_overlap"]`` saying how many.
2. A logistic regression is fitted on the earlier rows, and LightGBM on the same rows boosts
   from ``linear_prior`` (0.5) times its log-odds instead of from a constant (see
   :mod:`leadscore._linear`): the many weak, additive signals of lead data are what a linear
   model captures at once, and the trees learn what is not additive on top. Early stopping on
   the validation slice: the number of trees is what generalises to *later* data, not to a
   random sample of the same period.
3. A calibrator (Platt or centred isotonic, see :mod:`leadscore.calibration`) is chosen and
   fitted on the validation slice, which the first model did not train on.
4. With ``refit=True`` (the default) the regression and LightGBM are fitted again on all rows,
   the latest included, with the number of trees scaled to the larger data; the calibrator
   carries over. The
   validation figures (``validation_scores_``) are those of the first model on the validation
   slice: an honest estimate of how the model does on the next period.

Nothing is pickled: :meth:`LeadModel.save` writes the booster as LightGBM text and the rest (the
linear prior included) as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    column_or_1d,
)

from leadscore._io import atomic_folder, check_format, to_json
from leadscore._linear import LinearPrior
from leadscore._preprocess import Preprocessor
from leadscore.calibration import Calibrator, choose_calibrator
from leadscore.errors import (
    DataNotFoundError,
    DataWarning,
    ModelError,
    NotFittedError,
    format_values,
)
from leadscore.explain import (
    DEFAULT_CHUNK_ROWS,
    ReasonPlan,
    TreeSplits,
    base_value,
    contributions,
    criterion_matrix,
    iter_chunks,
    reasons,
    tree_splits,
)

__all__ = ["LeadModel", "Summary"]

FORMAT_VERSION = 1
_MODEL_FILE, _BOOSTER_FILE = "leadmodel.json", "booster.txt"
_FALLBACK_ROUNDS = 100
_BASE_LEARNING_RATE, _BASE_ROWS, _MAX_LEARNING_RATE = 0.03, 100_000, 0.2


def _as_frame(X: Any, names: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a DataFrame with text column names; arrays go through scikit-learn's checks."""
    if isinstance(X, pd.DataFrame):
        if X.shape[0] == 0:
            raise ModelError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required"
            )
        if X.shape[1] == 0:
            raise ModelError("Found array with 0 feature(s) while a minimum of 1 is required")
        if all(isinstance(c, str) for c in X.columns):
            return X
        return X.rename(columns=str)
    if isinstance(X, pd.Series):
        raise ModelError("X: expected a 2-D table of features, got a Series. Reshape your data")
    array = check_array(X, dtype="numeric", ensure_all_finite="allow-nan", accept_sparse=False)
    columns = names if names is not None and len(names) == array.shape[1] else None
    return pd.DataFrame(array, columns=columns or [f"x{i}" for i in range(array.shape[1])])


def _check_target(y: Any, n_rows: int) -> np.ndarray:
    if y is None:
        raise ModelError("LeadModel requires y to be passed, but the target y is None")
    target = column_or_1d(y, warn=True)
    if len(target) != n_rows:
        raise ModelError(f"y: expected {n_rows} labels, got {len(target)}")
    if pd.isna(target).any():
        raise ModelError(f"y: {int(pd.isna(target).sum())} missing labels")
    check_classification_targets(target)
    kind = type_of_target(target)
    if kind not in ("binary", "unknown") and len(np.unique(target)) > 2:
        raise ModelError(
            f"Only binary classification is supported. The type of the target is {kind}."
        )
    if len(np.unique(target)) < 2:
        raise ModelError(f"y: expected two classes, got one class ({np.unique(target)[0]!r})")
    return np.asarray(target)


def auto_learning_rate(rows: int) -> float:
    """0.03 up to 100k rows, growing with their square root beyond, at most 0.2.

    >>> [round(auto_learning_rate(n), 3) for n in (1_000, 100_000, 1_000_000, 10_000_000)]
    [0.03, 0.03, 0.095, 0.2]
    """
    return float(
        np.clip(
            _BASE_LEARNING_RATE * np.sqrt(rows / _BASE_ROWS),
            _BASE_LEARNING_RATE,
            _MAX_LEARNING_RATE,
        )
    )


def _validation_split(
    n: int, sorted_time: np.ndarray | None, fraction: float, gap: Any
) -> tuple[slice, slice, int]:
    """The early rows to train on and the latest rows to validate on, of rows in time order.

    The third value counts the training rows within ``gap`` of the validation slice that could
    not be left out (their labels reach into it): 0 unless leaving them out would leave fewer
    than a quarter of the training rows (and at least 50).
    """
    first_val = int(np.ceil(n * (1 - fraction)))
    if sorted_time is None:
        return slice(0, first_val), slice(first_val, n), 0
    threshold = sorted_time[min(first_val, n - 1)]
    first_val = int(np.searchsorted(sorted_time, threshold, side="left"))
    if first_val == 0:  # every row at one time: fall back to row order
        return _validation_split(n, None, fraction, None)
    if gap is None:
        return slice(0, first_val), slice(first_val, n), 0
    purged = int(np.searchsorted(sorted_time, threshold - gap, side="left"))
    if purged >= max(50, first_val // 4):
        return slice(0, purged), slice(first_val, n), 0
    return slice(0, first_val), slice(first_val, n), first_val - purged


@dataclasses.dataclass(frozen=True)
class Summary:
    """What batch scoring needs from a model, per row (see :meth:`LeadModel.summarize`)."""

    proba: np.ndarray  # calibrated probability of the positive class
    criteria: pd.DataFrame  # log-odds contribution per criterion
    reasons: np.ndarray  # text, or None
    reason_codes: np.ndarray  # text, or None
    distinct_share: float  # share of rows explained (the rest shared a decision pattern)


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
    linear_prior : float in [0, 1]
        Share of a logistic regression's log-odds the trees boost from (0: from a constant,
        plain LightGBM). Measured on twelve holdouts of make_crm: see docs/benchmarks.md.
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

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(600, n_features=5, random_state=0)
    >>> model = LeadModel(random_state=0).fit(X, y)
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    """

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
        linear_prior: float = 0.5,
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

    def _check_params(self) -> None:
        if not 0 < self.validation_fraction < 1:
            raise ModelError(
                f"validation_fraction: expected in (0, 1), got {self.validation_fraction}"
            )
        if self.learning_rate != "auto" and not (
            isinstance(self.learning_rate, int | float) and self.learning_rate > 0
        ):
            raise ModelError(
                f"learning_rate: expected a positive number or 'auto', got {self.learning_rate!r}"
            )
        if not (isinstance(self.linear_prior, int | float) and 0 <= self.linear_prior <= 1):
            raise ModelError(
                f"linear_prior: expected a number in [0, 1], got {self.linear_prior!r}"
            )
        if self.calibration not in ("auto", "isotonic", "platt", "identity"):
            raise ModelError(f"calibration: unknown method {self.calibration!r}")
        for name in ("num_leaves", "min_child_samples", "max_rounds", "max_categories"):
            if int(getattr(self, name)) < 1:
                raise ModelError(f"{name}: expected a positive integer, got {getattr(self, name)}")

    def _monotone_directions(self) -> list[int]:
        """``monotonic_cst`` as one direction per fitted column."""
        names = self.preprocessor_.names
        constraints = self.monotonic_cst
        if constraints is None:
            return [0] * len(names)
        if isinstance(constraints, Mapping):
            unknown = [name for name in constraints if name not in names]
            if unknown:
                raise ModelError(f"monotonic_cst: no such column in X: {format_values(unknown)}")
            directions = [constraints.get(name, 0) for name in names]
        else:
            directions = list(constraints)
            if len(directions) != len(names):
                raise ModelError(
                    f"monotonic_cst: expected {len(names)} directions (one per column of X), "
                    f"got {len(directions)}"
                )
        bad = [f"{n}={d!r}" for n, d in zip(names, directions, strict=True) if d not in (-1, 0, 1)]
        if bad:
            raise ModelError(f"monotonic_cst: directions are -1, 0 or 1, got {format_values(bad)}")
        unordered = [names[i] for i in self.preprocessor_.categorical_indices if directions[i]]
        if unordered:
            raise ModelError(
                f"monotonic_cst: categorical column(s) have no order to constrain: "
                f"{format_values(unordered)}"
            )
        return [int(d) for d in directions]

    def _lightgbm_params(self, seed: int, directions: list[int]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": self.learning_rate_,
            "num_leaves": int(self.num_leaves),
            "min_data_in_leaf": int(self.min_child_samples),
            "feature_fraction": self.colsample_bytree,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "lambda_l2": self.reg_lambda,
            "min_data_per_group": 50,
            "cat_smooth": 10.0,
            "max_cat_to_onehot": 4,
            "seed": seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }
        if any(directions):
            params["monotone_constraints"] = directions
            params["monotone_constraints_method"] = "intermediate"
        if self.n_jobs is not None:
            params["num_threads"] = int(self.n_jobs)
        return params

    def _dataset(
        self,
        matrix: np.ndarray,
        y: np.ndarray,
        w: np.ndarray | None,
        params: dict[str, Any],
        init_score: np.ndarray | None,
    ) -> lgb.Dataset:
        return lgb.Dataset(
            matrix,
            label=y,
            weight=w,
            init_score=init_score,
            feature_name=self.preprocessor_.lightgbm_names,
            categorical_feature=self.preprocessor_.categorical_indices,
            params={k: params[k] for k in ("verbosity", "min_data_per_group", "seed")},
            free_raw_data=False,
        )

    def _prior(
        self, matrix: np.ndarray, y: np.ndarray, w: np.ndarray | None, directions: list[int],
        seed: int,
    ) -> LinearPrior | None:  # fmt: skip
        if not self.linear_prior:
            return None
        return LinearPrior.learn(
            matrix, y, w,
            categorical=self.preprocessor_.categorical_indices,
            directions=directions,
            weight=float(self.linear_prior),
            random_state=seed,
        )  # fmt: skip

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
        self._check_params()
        frame = _as_frame(X)
        target = _check_target(y, len(frame))
        classes = np.unique(target)
        self.classes_ = classes
        binary = (target == classes[1]).astype(np.int8)
        weight = (
            None
            if sample_weight is None
            else _check_sample_weight(sample_weight, np.empty(len(frame)))
        )
        times = None if time is None else np.asarray(time)
        if times is not None and len(times) != len(frame):
            raise ModelError(f"time: expected {len(frame)} values, got {len(times)}")
        if times is not None and (missing := pd.isna(times)).any():
            raise ModelError(
                f"time: {int(missing.sum())} missing value(s), at row(s) "
                f"{format_values(np.flatnonzero(missing).tolist())}; every row needs a time"
            )

        self.preprocessor_ = Preprocessor.learn(frame, int(self.max_categories))
        directions = self._monotone_directions()  # checked before the costly matrix is built
        self.feature_names_in_ = np.asarray(self.preprocessor_.names, dtype=object)
        self.n_features_in_ = len(self.preprocessor_.names)
        # rows in time order, so that the training and validation slices are views, not copies
        order = None
        if times is not None:
            order = np.argsort(times, kind="stable")
            binary, times = binary[order], times[order]
            weight = None if weight is None else weight[order]
        matrix = self.preprocessor_.transform(frame, rows=order)
        seed = (
            int(self.random_state)
            if self.random_state is not None
            else int(np.random.default_rng().integers(0, 2**31 - 1))
        )
        train, val, overlap = _validation_split(len(frame), times, self.validation_fraction, gap)
        if overlap:
            warnings.warn(
                f"validation: the latest {val.stop - val.start:,} rows validate early stopping "
                f"and calibration, but {overlap:,} of the {train.stop:,} earlier rows have "
                "labels that reach into their period (within the gap) and were kept, as leaving "
                "them out would leave too few to train on; early stopping, calibration and "
                "validation_scores_ are optimistic. A history longer than the gap avoids this",
                DataWarning,
                stacklevel=2,
            )
        self.learning_rate_ = (
            auto_learning_rate(train.stop)
            if self.learning_rate == "auto"
            else float(self.learning_rate)
        )
        params = self._lightgbm_params(seed, directions)
        usable = all(len(np.unique(binary[part])) == 2 for part in (train, val))
        self.validation_scores_: dict[str, float] = {}
        self.linear_: LinearPrior | None = None
        prior: LinearPrior | None = None
        if usable:
            w_train = None if weight is None else weight[train]
            w_val = None if weight is None else weight[val]
            prior = self._prior(matrix[train], binary[train], w_train, directions, seed)
            offset_train, offset_val = (
                (None, None)
                if prior is None
                else (prior.log_odds(matrix[train]), prior.log_odds(matrix[val]))
            )
            first = lgb.train(
                params,
                self._dataset(matrix[train], binary[train], w_train, params, offset_train),
                num_boost_round=int(self.max_rounds),
                valid_sets=[self._dataset(matrix[val], binary[val], w_val, params, offset_val)],
                callbacks=[lgb.early_stopping(int(self.early_stopping_rounds), verbose=False)],
            )
            rounds = max(1, first.best_iteration or first.current_iteration())
            raw_val = np.asarray(
                first.predict(matrix[val], raw_score=True, num_iteration=rounds), dtype=float
            )
            if offset_val is not None:
                raw_val += offset_val
            self.calibrator_, calibration_scores = choose_calibrator(
                raw_val, binary[val], w_val, kind=self.calibration, random_state=seed % 2**31
            )
            p_val = self.calibrator_.transform(raw_val)
            self.validation_scores_ = {
                "roc_auc": float(roc_auc_score(binary[val], raw_val, sample_weight=w_val)),
                "label_overlap": overlap / train.stop,
                # held out when the calibrator was chosen by cross-fitting, else in-sample
                "log_loss": calibration_scores.get(
                    self.calibrator_.kind,
                    float(log_loss(binary[val], p_val, sample_weight=w_val, labels=[0, 1])),
                ),
                **{f"calibration_log_loss_{k}": v for k, v in calibration_scores.items()},
            }
            self.score_quantiles_ = np.quantile(p_val, np.arange(1, 100) / 100)
            final_rounds = max(1, round(rounds * len(frame) / train.stop)) if self.refit else rounds
            booster = first
        else:
            # too few of one class to hold any out: a fixed number of trees, uncalibrated
            self.calibrator_ = Calibrator.identity()
            final_rounds, booster = min(_FALLBACK_ROUNDS, int(self.max_rounds)), None
        if booster is None or self.refit:
            if usable:
                self.linear_ = self._prior(matrix, binary, weight, directions, seed)
            booster = lgb.train(
                params,
                self._dataset(
                    matrix,
                    binary,
                    weight,
                    params,
                    None if self.linear_ is None else self.linear_.log_odds(matrix),
                ),
                num_boost_round=final_rounds,
            )
        else:
            self.linear_ = prior
            booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=final_rounds))
        self.booster_ = booster
        self.n_estimators_ = final_rounds
        if not usable:
            raw_all = self._raw(matrix)
            p_all = self.calibrator_.transform(raw_all)
            self.score_quantiles_ = np.quantile(p_all, np.arange(1, 100) / 100)
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
        frame = _as_frame(X, list(self.feature_names_in_))
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

    # -- explanations ----------------------------------------------------------------------------

    def _tree_splits(self) -> list[TreeSplits]:
        cached = getattr(self, "_splits_cache", None)
        if cached is None or cached[0] is not self.booster_:
            cached = (self.booster_, tree_splits(self.booster_))
            self._splits_cache = cached
        return cached[1]

    def _contributions(
        self, matrix: np.ndarray, deduplicate: bool, chunk_rows: int
    ) -> Iterator[tuple[slice, np.ndarray, float]]:
        trees = self._tree_splits() if deduplicate else None
        for rows in iter_chunks(len(matrix), chunk_rows):
            values, distinct = contributions(self.booster_, matrix[rows], trees=trees)
            if self.linear_ is not None:
                self.linear_.contributions(matrix[rows], out=values)
            yield rows, values, distinct

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
        import shap

        frame = _as_frame(X, list(self.feature_names_in_))
        matrix = self._matrix(frame)
        values = np.empty((len(matrix), self.n_features_in_))
        for rows, chunk, _ in self._contributions(matrix, deduplicate, chunk_rows):
            values[rows] = chunk
        base = base_value(self.booster_, self.n_features_in_)
        base += 0.0 if self.linear_ is None else self.linear_.base
        names = list(self.feature_names_in_)
        return shap.Explanation(
            values=values,
            base_values=np.full(len(matrix), base),
            data=matrix,
            display_data=frame[names].to_numpy(dtype=object),
            feature_names=names,
        )

    def explain_criteria(
        self,
        X: Any,
        *,
        criteria: dict[str, str] | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> pd.DataFrame:
        """Contributions summed per qualification criterion (DESIGN section 2), in log-odds."""
        frame = _as_frame(X, list(self.feature_names_in_))
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
        frame = _as_frame(X, list(self.feature_names_in_))
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
    ) -> Summary:
        """Probabilities, criteria sums and reasons in one pass over chunks of rows.

        Memory stays bounded by ``chunk_rows``: each chunk's contributions are summed per
        criterion and worded, then dropped.
        """
        frame = _as_frame(X, list(self.feature_names_in_))
        matrix = self._matrix(frame)
        names = list(self.feature_names_in_)
        order, by_criterion = criterion_matrix(names, criteria)
        plan = ReasonPlan.of(names, criteria)
        sums = np.empty((len(matrix), len(order)))
        texts = np.full(len(matrix), None, dtype=object)
        codes = np.full(len(matrix), None, dtype=object)
        distinct = 0.0
        for rows, values, share in self._contributions(matrix, deduplicate, chunk_rows):
            sums[rows] = values @ by_criterion
            distinct += share * (rows.stop - rows.start)
            if k > 0:
                texts[rows], codes[rows] = reasons(
                    values, frame.iloc[rows], plan, k=k, criteria=criteria
                )
        raw = self._raw(matrix)
        return Summary(
            proba=self.calibrator_.transform(raw),
            criteria=pd.DataFrame(sums, columns=order, index=frame.index),
            reasons=texts,
            reason_codes=codes,
            distinct_share=distinct / max(len(matrix), 1),
        )

    @property
    def feature_importances_(self) -> np.ndarray:
        """Total gain of each feature over the booster's splits."""
        self._check_fitted()
        return np.asarray(self.booster_.feature_importance("gain"), dtype=float)

    # -- persistence -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything but the booster, as JSON-ready values."""
        self._check_fitted()
        params = self.get_params()
        if params["monotonic_cst"] is not None:
            directions = zip(self.preprocessor_.names, self._monotone_directions(), strict=True)
            params["monotonic_cst"] = {name: d for name, d in directions if d}
        return {
            "format_version": FORMAT_VERSION,
            "params": params,
            "classes": self.classes_.tolist(),
            "preprocessor": self.preprocessor_.to_dict(),
            "calibrator": self.calibrator_.to_dict(),
            "linear_prior": None if self.linear_ is None else self.linear_.to_dict(),
            "validation_scores": self.validation_scores_,
            "score_quantiles": self.score_quantiles_.tolist(),
            "n_estimators": self.n_estimators_,
            "learning_rate": self.learning_rate_,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``booster.txt`` (LightGBM text) and ``leadmodel.json`` into folder ``path``.

        The folder is replaced as a whole once both files are written (see
        :func:`leadscore._io.atomic_folder`); an existing folder must be empty or a saved model.
        """
        folder = Path(path)
        text = to_json(self.to_dict())
        with atomic_folder(folder, marker=_MODEL_FILE) as tmp:
            self.booster_.save_model(str(tmp / _BOOSTER_FILE))
            (tmp / _MODEL_FILE).write_text(text)
        return folder

    @classmethod
    def load(cls, path: str | Path) -> LeadModel:
        """Load a model written by :meth:`save`. Reads text and JSON only; nothing is unpickled."""
        folder = Path(path)
        if not (folder / _MODEL_FILE).exists() or not (folder / _BOOSTER_FILE).exists():
            raise DataNotFoundError(f"{folder}: no {_MODEL_FILE} and {_BOOSTER_FILE} here")
        try:
            values = json.loads((folder / _MODEL_FILE).read_text())
            booster = lgb.Booster(model_file=os.fspath(folder / _BOOSTER_FILE))
        except (ValueError, lgb.basic.LightGBMError) as exc:
            raise ModelError(f"{folder}: unreadable model files: {exc}") from exc
        values = check_format(values, folder, "model", FORMAT_VERSION)
        try:
            return cls.from_parts(values, booster)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ModelError(
                f"{folder / _MODEL_FILE}: incomplete saved model ({type(exc).__name__}: {exc}); "
                "save it again"
            ) from exc

    @classmethod
    def from_parts(cls, values: dict[str, Any], booster: lgb.Booster) -> LeadModel:
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
        model.booster_ = booster
        return model
