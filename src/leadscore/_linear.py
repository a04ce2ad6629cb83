"""The package's one logistic regression: its design matrix, LeadModel's linear prior, and the
pieces :class:`leadscore.evaluate.LogisticBaseline` builds on.

Both the prior and the baseline read numbers as ``sign(x) * log1p(|x|)`` with a missing value
replaced by the median plus an indicator, standardised (:class:`Scaling`), categories one-hot over
the values held by at least 1% of the rows, up to 30 per column (:func:`frequent`), and fit
scikit-learn's ``LogisticRegression`` (:func:`fit_logistic`).

The linear prior, a logistic regression the trees boost from, stored as JSON:

Many weak, additive signals (a few more visits, one more colleague engaged) are what a logistic
regression on log counts captures best and what trees learn slowly, a step at a time. LeadModel
therefore starts boosting from a share (``linear_prior``, 0.5 by default) of a logistic
regression's log-odds instead of from a constant: the trees learn what is not additive on top.

The regression works on the LightGBM matrix of :class:`leadscore._preprocess.Preprocessor`:

- numbers: ``sign(x) * log1p(|x|)``, missing values replaced by the median plus an indicator,
  standardised; at prediction, values beyond the range seen at fit count as its ends, so the
  regression does not extrapolate where the trees cannot follow (a drifting economy would
  otherwise push the log-odds, and the calibration, far outside anything validated);
- category codes: one-hot for codes held by at least 1% of the rows (up to 30 per column);
  rarer codes and missing values are all zeros;
- a feature constrained by ``monotonic_cst`` keeps the sign its direction fixes: a coefficient
  of the wrong sign is set to zero and the regression is fitted again without it;
- a strong L2 penalty (``C`` 0.001): lead features come in correlated families (an activity
  counted over 7, 30, 90 and 365 days, decayed, and in the totals), and an unpenalised
  regression trades family members off against each other with large opposite coefficients.
  Shrunk, it spreads the weight over them with one sign, as the truth does, so that the
  per-criterion explanations stay faithful (docs/benchmarks.md measures both).

Being linear, it explains itself exactly: a column's contribution is its term minus the term's
mean over the rows the regression was fitted on (interventional Shapley values of a linear model),
so ``base + contributions.sum(1)`` is its log-odds, like TreeSHAP's for the trees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from sklearn.linear_model import LogisticRegression

__all__ = [
    "LinearPrior",
    "Scaling",
    "fit_logistic",
    "frequent",
    "one_hot",
    "signed_log",
    "standardise",
]

#: Rows the regression is fitted on at most (a random sample beyond that).
MAX_ROWS = 50_000
_MIN_SHARE, _MAX_CODES = 0.01, 30
#: Inverse L2 strength of the regression (scikit-learn's C), on standardised terms: strong (see
#: the module docstring).
C = 0.001

T = TypeVar("T")


def signed_log(values: np.ndarray) -> np.ndarray:
    """``sign(x) * log1p(|x|)``: counts and amounts on a scale a linear model can use.

    Examples
    --------
    >>> signed_log(np.array([0.0, -1.0, np.nan])).tolist()
    [0.0, -0.6931471805599453, nan]
    """
    return np.asarray(np.sign(values) * np.log1p(np.abs(values)), dtype=float)


@dataclasses.dataclass(frozen=True)
class Scaling:
    """How a number column enters the design matrix: its signed log, a missing value replaced
    by the median, standardised (``low``, ``high``: the range at fit; ``scale`` 1 when flat).

    Examples
    --------
    >>> scaling = Scaling.learn(np.array([0.0, 1.0, np.nan, 3.0]))
    >>> z, missing = scaling.standardise(np.array([1.0, np.nan]))
    >>> missing.tolist(), bool(z[1] == (scaling.median - scaling.mean) / scaling.scale)
    ([False, True], True)
    """

    median: float  # of the logged values, stands in for a missing one (0 when all are missing)
    mean: float
    scale: float
    missing_share: float
    low: float
    high: float

    @classmethod
    def learn(cls, values: np.ndarray) -> Scaling:
        """The scaling of ``values`` (raw numbers)."""
        logged = signed_log(values)
        missing = np.isnan(logged)
        median = float(np.median(logged[~missing])) if (~missing).any() else 0.0
        filled = np.where(missing, median, logged)
        return cls(
            median=median,
            mean=float(filled.mean()),
            scale=float(filled.std()) or 1.0,
            missing_share=float(missing.mean()),
            low=float(filled.min()),
            high=float(filled.max()),
        )

    def standardise(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The standardised values of ``values`` and their missing mask."""
        return standardise(values, self.median, self.mean, self.scale)


def standardise(
    values: np.ndarray,
    median: float,
    mean: float,
    scale: float,
    bounds: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(filled - mean) / scale`` of the signed log of ``values``, and the missing mask."""
    logged = signed_log(values)
    missing = np.isnan(logged)
    if bounds is not None:
        logged = np.clip(logged, *bounds)
    return (np.where(missing, median, logged) - mean) / scale, missing


def frequent(levels: Sequence[T], shares: Sequence[float]) -> list[tuple[T, float]]:
    """The levels one-hot encodes, most frequent first: those with a share of at least 1%, up
    to 30 (ties keep the given order).

    Examples
    --------
    >>> frequent(["a", "b", "c"], [0.005, 0.5, 0.6])
    [('c', 0.6), ('b', 0.5)]
    """
    kept = [(level, float(share)) for level, share in zip(levels, shares, strict=True)]
    kept = sorted((ls for ls in kept if ls[1] >= _MIN_SHARE), key=lambda ls: -ls[1])
    return kept[:_MAX_CODES]


def one_hot(values: np.ndarray, levels: Sequence[object]) -> np.ndarray:
    """Rows x levels of 0/1: rarer levels and missing values are all zeros."""
    if not len(levels):
        return np.zeros((len(values), 0))
    return np.column_stack([values == level for level in levels]).astype(float)


def fit_logistic(
    design: np.ndarray, y: np.ndarray, *, C: float, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of an L2-penalised logistic regression (scikit-learn's)."""
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(design, y, sample_weight=sample_weight)
    return np.asarray(model.coef_[0], dtype=float), float(model.intercept_[0])


@dataclasses.dataclass(frozen=True)
class _Number:
    column: int
    median: float  # of the logged values, stands in for a missing one
    mean: float
    scale: float
    coef: float  # per standard deviation of the logged value
    missing_coef: float
    missing_share: float
    low: float  # the range of the logged values at fit: no extrapolation beyond it
    high: float

    def term(self, values: np.ndarray) -> np.ndarray:
        bounds = (self.low, self.high)
        z, missing = standardise(values, self.median, self.mean, self.scale, bounds)
        return np.asarray(self.coef * z + self.missing_coef * missing, dtype=float)

    @property
    def mean_term(self) -> float:  # z has mean 0 on the fitted rows
        return self.missing_coef * self.missing_share


@dataclasses.dataclass(frozen=True)
class _Codes:
    column: int
    codes: tuple[int, ...]
    coefs: tuple[float, ...]
    shares: tuple[float, ...]

    def term(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(values))
        for code, coef in zip(self.codes, self.coefs, strict=True):
            out[values == code] = coef
        return out

    @property
    def mean_term(self) -> float:
        return float(np.dot(self.coefs, self.shares))


@dataclasses.dataclass(frozen=True)
class LinearPrior:
    """``weight`` times a logistic regression's log-odds, on LightGBM matrix columns."""

    n_features: int
    intercept: float
    numbers: tuple[_Number, ...]
    codes: tuple[_Codes, ...]

    @classmethod
    def learn(
        cls,
        matrix: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        *,
        categorical: list[int],
        directions: list[int],
        weight: float,
        random_state: int,
        C: float = C,
    ) -> LinearPrior:
        """Fit on ``matrix`` (rows x LightGBM columns) and 0/1 ``y``; scale by ``weight``.

        ``C`` is the inverse L2 strength (the module's strong default keeps a prior's
        explanations faithful; LeadModel's linear-only candidate uses the logistic baseline's).
        """
        rows = np.arange(len(matrix))
        if len(rows) > MAX_ROWS:
            rows = np.sort(np.random.default_rng(random_state).choice(rows, MAX_ROWS, False))
        sample = matrix[rows]
        y = np.asarray(y)[rows]
        w = None if sample_weight is None else np.asarray(sample_weight)[rows]
        numeric = [j for j in range(matrix.shape[1]) if j not in set(categorical)]
        blocks: list[np.ndarray] = []
        owners: list[tuple[int, int | str]] = []  # the column and what of it each block is
        stats: dict[int, tuple[float, ...]] = {}
        for j in numeric:
            if np.isnan(sample[:, j]).all():
                continue
            scaling = Scaling.learn(sample[:, j])
            stats[j] = dataclasses.astuple(scaling)
            z, missing = scaling.standardise(sample[:, j])
            if np.where(missing, scaling.median, signed_log(sample[:, j])).std() > 0:
                blocks.append(z)
                owners.append((j, "value"))
            if missing.any():
                blocks.append(missing.astype(float))
                owners.append((j, "missing"))
        code_shares: dict[int, list[tuple[int, float]]] = {}
        for j in categorical:
            values = sample[:, j]
            codes, counts = np.unique(values[~np.isnan(values)], return_counts=True)
            code_shares[j] = frequent([int(c) for c in codes], (counts / len(values)).tolist())
            kept = [code for code, _ in code_shares[j]]
            blocks += list(one_hot(values, kept).T)
            owners += [(j, code) for code in kept]
        design = np.column_stack(blocks) if blocks else np.zeros((len(rows), 0))
        active = np.ones(len(owners), dtype=bool)
        coef, intercept = np.zeros(len(owners)), 0.0
        while active.any():  # drop wrong-signed constrained terms until none is left
            coef = np.zeros(len(owners))
            coef[active], intercept = fit_logistic(design[:, active], y, C=C, sample_weight=w)
            wrong = [
                i for i, (j, what) in enumerate(owners)
                if what == "value" and directions[j] * coef[i] < 0
            ]  # fmt: skip
            if not wrong:
                break
            active[wrong] = False
        coef[~active] = 0.0
        coef *= weight
        by_owner: dict[tuple[int, int | str], float] = dict(zip(owners, coef.tolist(), strict=True))
        numbers = tuple(
            _Number(
                column=j,
                median=median,
                mean=mean,
                scale=scale,
                coef=by_owner.get((j, "value"), 0.0),
                missing_coef=by_owner.get((j, "missing"), 0.0),
                missing_share=share,
                low=low,
                high=high,
            )
            for j, (median, mean, scale, share, low, high) in stats.items()
        )
        code_terms = tuple(
            _Codes(
                column=j,
                codes=tuple(c for c, _ in kept),
                coefs=tuple(by_owner[(j, c)] for c, _ in kept),
                shares=tuple(s for _, s in kept),
            )
            for j, kept in code_shares.items()
            if kept
        )
        if not active.any():  # nothing to regress on: the base rate
            share = float(np.average(y, weights=w))
            intercept = float(np.log(share / (1 - share))) if 0 < share < 1 else 0.0
        return cls(matrix.shape[1], intercept * weight, numbers, code_terms)

    def scaled(self, weight: float) -> LinearPrior:
        """The same regression with its log-odds multiplied by ``weight``.

        Examples
        --------
        >>> prior = LinearPrior(2, 1.0, (), ())
        >>> prior.scaled(0.5).intercept
        0.5
        """
        return LinearPrior(
            self.n_features,
            self.intercept * weight,
            tuple(dataclasses.replace(t, coef=t.coef * weight,
                                      missing_coef=t.missing_coef * weight)
                  for t in self.numbers),
            tuple(dataclasses.replace(t, coefs=tuple(c * weight for c in t.coefs))
                  for t in self.codes),
        )  # fmt: skip

    @property
    def base(self) -> float:
        """Mean log-odds over the rows it was fitted on: ``log_odds = base + contributions``."""
        return self.intercept + sum(t.mean_term for t in self._terms)

    @property
    def _terms(self) -> tuple[_Number | _Codes, ...]:
        return (*self.numbers, *self.codes)

    def contributions(self, matrix: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Per-row, per-column contributions in log-odds (rows x LightGBM columns); with
        ``out``, added to it in place (no second rows x columns array)."""
        if out is None:
            out = np.zeros(matrix.shape)
        for term in self._terms:
            out[:, term.column] += term.term(matrix[:, term.column]) - term.mean_term
        return out

    def log_odds(self, matrix: np.ndarray) -> np.ndarray:
        """``base + contributions(matrix).sum(1)``, without the per-column matrix."""
        out = np.full(len(matrix), self.intercept)
        for term in self._terms:
            out += term.term(matrix[:, term.column])
        return out

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LinearPrior:
        return cls(
            n_features=int(values["n_features"]),
            intercept=float(values["intercept"]),
            numbers=tuple(_Number(**v) for v in values["numbers"]),
            codes=tuple(
                _Codes(v["column"], tuple(v["codes"]), tuple(v["coefs"]), tuple(v["shares"]))
                for v in values["codes"]
            ),
        )
