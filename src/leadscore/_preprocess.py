"""DataFrame -> LightGBM matrix, learned at fit and stored as JSON.

Numeric and boolean columns pass as floats (missing stays NaN). Text and categorical columns
become category codes: the ``max_categories`` most frequent values seen at fit get codes
``0..k-1`` in order of frequency; rarer values and values never seen at fit share code ``k``
("other"), so unseen categories at predict time are handled like rare ones, not as errors.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from leadscore.data import positions
from leadscore.errors import ModelError, format_values

__all__ = ["ColumnSpec", "Preprocessor", "as_frame"]

Kind = Literal["numeric", "boolean", "categorical"]
_LIGHTGBM_FORBIDDEN = re.compile(r'[",:\[\]{}]')


def as_frame(X: Any, names: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a DataFrame with text column names; arrays go through scikit-learn's checks.

    Array columns are named ``names`` when their number matches, else ``x0, x1, ...``.

    Examples
    --------
    >>> list(as_frame(np.zeros((2, 2))).columns)
    ['x0', 'x1']
    """
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


@dataclasses.dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    categories: tuple[str, ...] = ()


def _kind(values: pd.Series, name: str) -> Kind:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_numeric_dtype(values):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        raise ModelError(
            f"X.{name}: {values.dtype} columns are not features; derive numbers from them "
            "(for example days since) or drop the column"
        )
    return "categorical"


def _as_text(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("str")
    return values.map(
        lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    ).astype("str")


@dataclasses.dataclass(frozen=True)
class Preprocessor:
    """The columns a model was fitted on and how each becomes a number.

    Examples
    --------
    >>> X = pd.DataFrame({"size": [1.0, None, 3.0], "industry": ["a", "b", "a"]})
    >>> pre = Preprocessor.learn(X)
    >>> pre.transform(pd.DataFrame({"industry": ["b", "zz", None], "size": [2, 2, 2]}))
    array([[ 2.,  1.],
           [ 2.,  2.],
           [ 2., nan]], dtype=float32)
    """

    columns: tuple[ColumnSpec, ...]

    @classmethod
    def learn(cls, X: pd.DataFrame, max_categories: int = 100) -> Preprocessor:
        specs = []
        for name in X.columns:
            values = X[name]
            kind = _kind(values, str(name))
            categories: tuple[str, ...] = ()
            if kind == "categorical":
                counts = _as_text(values).value_counts(sort=False)
                # most frequent first, ties in name order, so the codes are deterministic
                ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                categories = tuple(str(v) for v, _ in ranked[:max_categories])
            specs.append(ColumnSpec(str(name), kind, categories))
        return cls(tuple(specs))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "categorical"]

    @property
    def lightgbm_names(self) -> list[str]:
        """Column names LightGBM accepts (its model format forbids a few characters)."""
        names: list[str] = []
        for column in self.columns:
            name = _LIGHTGBM_FORBIDDEN.sub("_", column.name) or "feature"
            while name in names:
                name += "_"
            names.append(name)
        return names

    def check_columns(self, X: pd.DataFrame) -> None:
        present = {str(c) for c in X.columns}
        missing = [name for name in self.names if name not in present]
        if missing:
            raise ModelError(
                f"X: {len(missing)} feature column(s) the model was fitted on are missing, "
                f"e.g. {format_values(missing)}"
            )

    def transform(self, X: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
        """A float32 matrix with the fitted columns in fitted order (extra columns ignored).

        float32 halves the memory of float64 and costs LightGBM nothing in practice: it cuts
        each column into at most 255 bins, far coarser than float32's seven digits (XGBoost
        works in float32 throughout). ``rows`` (positions) picks and orders the rows a column at
        a time, so that a reordered matrix costs no second copy.
        """
        self.check_columns(X)
        n_rows = len(X) if rows is None else len(rows)
        matrix = np.empty((n_rows, len(self.columns)), dtype=np.float32)
        for j, column in enumerate(self.columns):
            values = X[column.name]
            if column.kind == "categorical":
                text = _as_text(values)
                codes = positions(text, pd.Series(column.categories, dtype="str")).astype(float)
                codes[codes < 0] = len(column.categories)
                codes[text.isna().to_numpy()] = np.nan
            else:
                codes = self._numbers(values, column.name)
            matrix[:, j] = codes if rows is None else codes[rows]
        return matrix

    @staticmethod
    def _numbers(values: pd.Series, name: str) -> np.ndarray:
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            return np.asarray(values.astype("float64").to_numpy(na_value=np.nan), dtype=float)
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        if bad.any():
            raise ModelError(
                f"X.{name}: expected numbers, got {format_values(values[bad])} "
                f"({int(bad.sum())} rows)"
            )
        return np.asarray(numbers.astype("float64").to_numpy(na_value=np.nan), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [
                {"name": c.name, "kind": c.kind, "categories": list(c.categories)}
                for c in self.columns
            ]
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Preprocessor:
        return cls(
            tuple(
                ColumnSpec(c["name"], c["kind"], tuple(c["categories"])) for c in values["columns"]
            )
        )
