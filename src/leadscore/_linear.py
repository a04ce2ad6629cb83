"""A logistic regression the trees boost from: LeadModel's linear prior, stored as JSON.

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
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

__all__ = ["LinearPrior"]

#: Rows the regression is fitted on at most (a random sample beyond that).
MAX_ROWS = 50_000
_MIN_SHARE, _MAX_CODES = 0.01, 30
#: Inverse L2 strength of the regression (scikit-learn's C), on standardised terms: strong (see
#: the module docstring).
C = 0.001


def _logged(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.sign(values) * np.log1p(np.abs(values)), dtype=float)


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
        logged = _logged(values)
        missing = np.isnan(logged)
        logged = np.clip(logged, self.low, self.high)
        z = (np.where(missing, self.median, logged) - self.mean) / self.scale
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
    ) -> LinearPrior:
        """Fit on ``matrix`` (rows x LightGBM columns) and 0/1 ``y``; scale by ``weight``."""
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
            logged = _logged(sample[:, j])
            missing = np.isnan(logged)
            if missing.all():
                continue
            median = float(np.median(logged[~missing]))
            filled = np.where(missing, median, logged)
            mean, scale = float(filled.mean()), float(filled.std()) or 1.0
            stats[j] = (
                median,
                mean,
                scale,
                float(missing.mean()),
                float(filled.min()),
                float(filled.max()),
            )
            if scale > 0 and filled.std() > 0:
                blocks.append((filled - mean) / scale)
                owners.append((j, "value"))
            if missing.any():
                blocks.append(missing.astype(float))
                owners.append((j, "missing"))
        code_shares: dict[int, list[tuple[int, float]]] = {}
        for j in categorical:
            values = sample[:, j]
            codes, counts = np.unique(values[~np.isnan(values)], return_counts=True)
            shares = counts / len(values)
            kept = [(int(c), float(s)) for c, s in zip(codes, shares, strict=True)]
            kept = sorted((cs for cs in kept if cs[1] >= _MIN_SHARE), key=lambda cs: -cs[1])
            code_shares[j] = kept[:_MAX_CODES]
            for code, _ in code_shares[j]:
                blocks.append((values == code).astype(float))
                owners.append((j, code))
        design = np.column_stack(blocks) if blocks else np.zeros((len(rows), 0))
        active = np.ones(len(owners), dtype=bool)
        coef, intercept = np.zeros(len(owners)), 0.0
        while active.any():  # drop wrong-signed constrained terms until none is left
            model = LogisticRegression(C=C, max_iter=2000)
            model.fit(design[:, active], y, sample_weight=w)
            coef = np.zeros(len(owners))
            coef[active] = model.coef_[0]
            intercept = float(model.intercept_[0])
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
