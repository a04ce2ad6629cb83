"""Calibrators that map raw log-odds to probabilities, chosen on held-out rows, stored as JSON.

Two calibrators, both strictly increasing so that they never reorder rows (ROC AUC, lift and
precision at k are the same before and after calibration):

- **Platt**: ``p = sigmoid(a * raw + b)``, a logistic regression on the raw score.
- **Centred isotonic**: isotonic regression (pool adjacent violators), then linear
  interpolation in log-odds between the centres of its constant blocks, and Platt's slope beyond
  the first and last centre. Plain isotonic regression is a step function whose flat steps tie
  many rows, the top ones included; centring keeps its calibration and removes the ties
  (Oron & Flournoy, "Centered isotonic regression", 2017).

:func:`choose_calibrator` fits both on ``k - 1`` folds of the validation rows, scores them on the
held-out fold (so no row is scored by a calibrator that saw it), keeps the one with the lower
log loss, and refits it on all validation rows.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

__all__ = ["Calibrator", "choose_calibrator", "cross_fit_calibrator"]

Kind = Literal["identity", "platt", "isotonic"]
_EPS = 1e-6


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=float)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(p) - np.log1p(-p), dtype=float)


@dataclasses.dataclass(frozen=True)
class Calibrator:
    """A monotone map from raw log-odds to probabilities.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> raw = rng.normal(size=2000)
    >>> y = (rng.random(2000) < 1 / (1 + np.exp(-2 * raw))).astype(int)
    >>> platt = Calibrator.fit("platt", raw, y)
    >>> 1.8 < platt.slope < 2.4
    True
    >>> bool(np.all(np.diff(platt.transform(np.sort(raw))) > 0))
    True
    """

    kind: Kind
    slope: float = 1.0
    intercept: float = 0.0
    knots_x: tuple[float, ...] = ()  # isotonic: block centres (raw scale)
    knots_y: tuple[float, ...] = ()  # isotonic: log-odds at the centres

    @classmethod
    def identity(cls) -> Calibrator:
        return cls("identity")

    @classmethod
    def fit(
        cls, kind: Kind, raw: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
    ) -> Calibrator:
        """Fit a calibrator of ``kind`` on raw scores and 0/1 outcomes."""
        raw, y = np.asarray(raw, dtype=float), np.asarray(y, dtype=float)
        if kind == "identity":
            return cls.identity()
        platt = LogisticRegression(C=1e4, max_iter=1000)
        platt.fit(raw.reshape(-1, 1), y, sample_weight=weight)
        slope, intercept = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        if not slope > 0:  # no signal: keep the raw order with the model's own scale
            slope, intercept = 1.0, 0.0
        if kind == "platt":
            return cls("platt", slope, intercept)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        fitted = iso.fit(raw, y, sample_weight=weight).predict(raw)
        w = np.ones_like(raw) if weight is None else np.asarray(weight, dtype=float)
        levels, block = np.unique(fitted, return_inverse=True)
        centres = np.bincount(block, weights=w * raw) / np.bincount(block, weights=w)
        return cls("isotonic", slope, intercept, tuple(centres), tuple(_logit(levels)))

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw log-odds."""
        raw = np.asarray(raw, dtype=float)
        if self.kind == "identity":
            return _sigmoid(raw)
        if self.kind == "platt":
            return _sigmoid(self.slope * raw + self.intercept)
        x, z = np.asarray(self.knots_x), np.asarray(self.knots_y)
        inside = np.interp(raw, x, z)
        below = z[0] + self.slope * (raw - x[0])
        above = z[-1] + self.slope * (raw - x[-1])
        return _sigmoid(np.where(raw < x[0], below, np.where(raw > x[-1], above, inside)))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {
            "knots_x": list(self.knots_x),
            "knots_y": list(self.knots_y),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Calibrator:
        return cls(
            kind=values["kind"],
            slope=float(values["slope"]),
            intercept=float(values["intercept"]),
            knots_x=tuple(float(v) for v in values["knots_x"]),
            knots_y=tuple(float(v) for v in values["knots_y"]),
        )


def choose_calibrator(
    raw: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    kind: Literal["auto", "platt", "isotonic", "identity"] = "auto",
    folds: int = 5,
    random_state: int = 0,
) -> tuple[Calibrator, dict[str, float]]:
    """Pick and fit a calibrator on validation rows.

    Returns the calibrator fitted on all rows and the cross-validated log loss of each
    candidate (each row scored by a calibrator fitted without it).
    """
    calibrator, scores, _ = cross_fit_calibrator(
        raw, y, weight, kind=kind, folds=folds, random_state=random_state
    )
    return calibrator, scores


def cross_fit_calibrator(
    raw: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    kind: Literal["auto", "platt", "isotonic", "identity"] = "auto",
    folds: int = 5,
    random_state: int = 0,
) -> tuple[Calibrator, dict[str, float], np.ndarray]:
    """:func:`choose_calibrator`, and each row's held-out probability under the chosen kind.

    The held-out probabilities (each row's from a calibrator fitted on the other folds) let
    models be compared row by row on calibrated log loss without scoring a row by a calibrator
    that saw it. With too few of the minority class to cross-fit (fewer than two), they are the
    in-sample probabilities of the calibrator fitted on all rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> raw = rng.normal(size=500)
    >>> y = (rng.random(500) < 1 / (1 + np.exp(-raw))).astype(int)
    >>> calibrator, scores, held_out = cross_fit_calibrator(raw, y)
    >>> held_out.shape, sorted(scores)
    ((500,), ['isotonic', 'platt'])
    """
    raw, y = np.asarray(raw, dtype=float), np.asarray(y, dtype=int)
    candidates: list[Kind] = ["platt", "isotonic"] if kind == "auto" else [kind]
    scores: dict[str, float] = {}
    held_out: dict[str, np.ndarray] = {}
    n_minority = int(min(y.sum(), len(y) - y.sum()))
    k = min(folds, n_minority)
    w = np.ones_like(raw) if weight is None else np.asarray(weight, dtype=float)
    if k >= 2 and candidates != ["identity"]:
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        for candidate in candidates:
            p = np.empty_like(raw)
            for fit_rows, score_rows in splitter.split(raw.reshape(-1, 1), y):
                calibrator = Calibrator.fit(candidate, raw[fit_rows], y[fit_rows], w[fit_rows])
                p[score_rows] = calibrator.transform(raw[score_rows])
            held_out[candidate] = p
            if kind == "auto":
                scores[candidate] = float(log_loss(y, p, sample_weight=w, labels=[0, 1]))
        best: Kind = (
            min(scores, key=lambda c: scores[c])  # type: ignore[arg-type]
            if kind == "auto"
            else candidates[0]
        )
    else:
        best = candidates[0] if n_minority > 0 else "identity"
    calibrator = Calibrator.fit(best, raw, y, weight)
    return calibrator, scores, held_out.get(best, calibrator.transform(raw))
