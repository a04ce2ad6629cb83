"""Drift: how far the scored population is from the one the model was trained on.

Training keeps, beside the model, the distribution of every feature and of each target's
probability on the training rows (:func:`reference`, saved as JSON). Each scoring run counts
its own rows in the same bins (:class:`DriftCounter`, chunk by chunk) and compares with the
population stability index:

    PSI = sum over bins of (scored share - reference share) * ln(scored share / reference share)

Numbers are cut at the reference's deciles; categories keep their most frequent values and
an ``other`` bin. **Missing is a bin of its own** in both: a column that is filled for the
training rows but missing for the contacts scored (a field the CRM fills only when a deal
closes, say) shows as a large shift instead of hiding. Usual reading: below 0.1 stable,
0.1-0.2 moderate, above 0.2 (:data:`WARN_ABOVE`) a shift to look at.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from leadscore.errors import DataWarning

__all__ = [
    "REFERENCE_FILE",
    "WARN_ABOVE",
    "DriftCounter",
    "DriftSummary",
    "population_stability",
    "reference",
    "summarise",
]

#: File name of the reference distributions in a saved scorer's folder.
REFERENCE_FILE = "drift_reference.json"
#: PSI above which a shift is reported as a warning.
WARN_ABOVE = 0.2
#: Reference format; a file of another version is ignored.
FORMAT_VERSION = 1
_EPSILON = 1e-4  # share given to an empty bin, so that the log stays finite
DRIFT_COLUMNS = ("name", "kind", "psi", "level", "reference_missing", "scored_missing")


def _is_numeric(values: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
    )


def _bin_numbers(values: pd.Series, edges: np.ndarray) -> np.ndarray:
    x = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bins = np.searchsorted(edges, x, side="right")
    return np.where(np.isnan(x), len(edges) + 1, bins)


def _bin_categories(values: pd.Series, categories: list[str]) -> np.ndarray:
    text = values.astype("str")
    codes = pd.Index(categories, dtype="str").get_indexer(pd.Index(text)).astype(np.int64)
    codes = np.where(codes < 0, len(categories), codes)  # other
    return np.where(text.isna().to_numpy(), len(categories) + 1, codes)


def _describe(values: pd.Series, bins: int, max_categories: int) -> dict[str, Any]:
    if _is_numeric(values):
        present = values.dropna().to_numpy(dtype=np.float64)
        quantiles = np.linspace(0, 1, bins + 1)[1:-1]
        edges = np.unique(np.quantile(present, quantiles)) if len(present) else np.zeros(0)
        codes = _bin_numbers(values, edges)
        n_bins = len(edges) + 2
        spec: dict[str, Any] = {"type": "numeric", "edges": edges.tolist()}
    else:
        counts = values.astype("str").value_counts()
        top = counts.sort_index().sort_values(ascending=False, kind="stable")
        categories = [str(c) for c in top.index[:max_categories]]
        codes = _bin_categories(values, categories)
        n_bins = len(categories) + 2
        spec = {"type": "categorical", "categories": categories}
    shares = np.bincount(codes, minlength=n_bins) / max(len(values), 1)
    return spec | {"shares": shares.tolist()}


def reference(
    features: pd.DataFrame,
    probabilities: pd.DataFrame,
    *,
    bins: int = 10,
    max_categories: int = 20,
) -> dict[str, Any]:
    """The distributions drift is measured against, as plain JSON-ready values.

    Parameters
    ----------
    features : DataFrame
        The features of the training rows (a sample is enough).
    probabilities : DataFrame
        Each target's probability on the same rows (``p_prospect``, ``p_customer``).
    bins : int
        Quantile bins per number (fewer where values repeat); missing is one more bin.
    max_categories : int
        Categories kept per categorical column; the rest share an ``other`` bin.

    Examples
    --------
    >>> X = pd.DataFrame({"visits": [0.0, 1, 2, 3, None]})
    >>> ref = reference(X, pd.DataFrame({"p_customer": [0.1, 0.2, 0.3, 0.4, 0.5]}), bins=2)
    >>> ref["features"]["visits"]["edges"], ref["features"]["visits"]["shares"]
    ([1.5], [0.4, 0.4, 0.2])
    """
    return {
        "format_version": FORMAT_VERSION,
        "rows": len(features),
        "features": {str(c): _describe(features[c], bins, max_categories) for c in features},
        "probabilities": {
            str(c): _describe(probabilities[c], bins, max_categories) for c in probabilities
        },
    }


def population_stability(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two share (or count) vectors over the same bins.

    Examples
    --------
    >>> round(population_stability(np.array([0.5, 0.5]), np.array([0.5, 0.5])), 6)
    0.0
    >>> population_stability(np.array([0.9, 0.1]), np.array([0.1, 0.9])) > 0.2
    True
    """
    e = np.clip(expected / max(expected.sum(), 1e-300), _EPSILON, None)
    a = np.clip(actual / max(actual.sum(), 1e-300), _EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _level(psi: float) -> str:
    return "shift" if psi > WARN_ABOVE else "moderate" if psi > 0.1 else "stable"


@dataclasses.dataclass
class DriftCounter:
    """Counts scored rows in the reference's bins, chunk by chunk (memory: bins only).

    Examples
    --------
    >>> X = pd.DataFrame({"visits": [0.0, 1, 2, 3]})
    >>> p = pd.DataFrame({"p_customer": [0.1, 0.2, 0.3, 0.4]})
    >>> counter = DriftCounter(reference(X, p))
    >>> counter.add(X.assign(visits=np.nan), p)
    >>> row = counter.table().loc[0]
    >>> str(row["name"]), str(row["level"]), float(row["scored_missing"])
    ('visits', 'shift', 1.0)
    """

    reference: Mapping[str, Any]
    counts: dict[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict)

    def _specs(self) -> list[tuple[str, str, Mapping[str, Any]]]:
        return [
            (kind, name, spec)
            for kind, group in (("feature", "features"), ("probability", "probabilities"))
            for name, spec in self.reference[group].items()
        ]

    def add(self, features: pd.DataFrame, probabilities: pd.DataFrame) -> None:
        """Count one chunk of scored rows (columns absent from it count as missing)."""
        for kind, name, spec in self._specs():
            frame = features if kind == "feature" else probabilities
            values = frame[name] if name in frame else pd.Series(np.nan, index=frame.index)
            if spec["type"] == "numeric":
                codes = _bin_numbers(values, np.asarray(spec["edges"], dtype=np.float64))
            else:
                codes = _bin_categories(values, list(spec["categories"]))
            found = np.bincount(codes, minlength=len(spec["shares"]))
            key = (kind, name)
            self.counts[key] = self.counts.get(key, 0) + found

    def table(self) -> pd.DataFrame:
        """PSI per feature and probability, largest first (:data:`DRIFT_COLUMNS`)."""
        rows = []
        for kind, name, spec in self._specs():
            expected = np.asarray(spec["shares"], dtype=np.float64)
            actual = np.asarray(self.counts.get((kind, name), np.zeros_like(expected)), float)
            psi = population_stability(expected, actual) if actual.sum() else np.nan
            rows.append(
                (
                    name,
                    kind,
                    psi,
                    _level(psi),
                    float(expected[-1]),
                    float(actual[-1] / actual.sum()) if actual.sum() else np.nan,
                )
            )
        table = pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
        return table.sort_values(
            ["psi", "name"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class DriftSummary:
    """What a scoring run says about drift: the drift file, its largest shifts, its notes."""

    table: pd.DataFrame
    top: list[dict[str, Any]]
    notes: list[str]


def summarise(counter: DriftCounter | None) -> DriftSummary:
    """The drift table of a run, its five largest shifts, and a :class:`DataWarning` per
    feature or probability above :data:`WARN_ABOVE` (``None``: a model without a reference)."""
    if counter is None:
        note = (
            "note: this model was saved without a drift reference (saved before leadscore "
            "kept one); retrain to watch drift. The drift file is empty."
        )
        return DriftSummary(pd.DataFrame(columns=["name", "kind", "psi", "level"]), [], [note])
    table = counter.table()
    top = [
        {"name": name, "kind": kind, "psi": round(psi, 4)}
        for name, kind, psi in table[["name", "kind", "psi"]].head(5).itertuples(index=False)
    ]
    for r in table[table["psi"] > WARN_ABOVE].itertuples():
        warnings.warn(
            f"drift: {r.kind} {r.name} has shifted since training (PSI {r.psi:.2f} > "
            f"{WARN_ABOVE}; missing {r.reference_missing:.1%} in training, "
            f"{r.scored_missing:.1%} now)",
            DataWarning,
            stacklevel=3,
        )
    return DriftSummary(table, top, [])
