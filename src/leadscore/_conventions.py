"""The package's conventions for times and identifiers, in one place.

- Times are ``datetime64[us, UTC]`` (:data:`TIME_DTYPE`); naive input is read as UTC. One
  timestamp goes through :func:`to_utc`, a column through :func:`as_times`; hot paths work on
  microseconds since the epoch (:func:`to_us`, :func:`times_us`, :data:`US_PER_DAY`).
- Identifiers are text (``str`` dtype); blank text is missing (:func:`blank_to_missing`,
  :func:`as_ids`).

Every layer (data, labels, features, scoring, report, synthetic) imports these, and none
parses times or identifiers on its own.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore.errors import ConfigError, SchemaError

__all__ = [
    "TIME_DTYPE",
    "US_PER_DAY",
    "as_ids",
    "as_times",
    "blank_to_missing",
    "parse_times",
    "times_us",
    "to_us",
    "to_utc",
]

TIME_DTYPE: Final = "datetime64[us, UTC]"
US_PER_DAY: Final = 86_400 * 1_000_000


def to_utc(when: object, name: str = "as_of") -> pd.Timestamp:
    """A timezone-aware UTC timestamp from a date, string or timestamp (naive means UTC).

    Raises
    ------
    ConfigError
        When ``when`` is not a date or time; the message starts with ``name``.

    Examples
    --------
    >>> to_utc("2026-01-01")
    Timestamp('2026-01-01 00:00:00+0000', tz='UTC')
    """
    try:
        stamp = pd.Timestamp(when)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: not a date or time: {when!r}") from exc
    if pd.isna(stamp):
        raise ConfigError(f"{name}: not a date or time: {when!r}")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def to_us(stamp: pd.Timestamp) -> int:
    """Microseconds since the epoch.

    Examples
    --------
    >>> to_us(to_utc("1970-01-02"))
    86400000000
    """
    return int(stamp.as_unit("us").asm8.view("i8"))


def times_us(values: pd.Series) -> np.ndarray:
    """Microseconds since the epoch of a UTC timestamp column.

    Examples
    --------
    >>> times_us(pd.Series(pd.to_datetime(["1970-01-01 00:00:01"], utc=True))).tolist()
    [1000000]
    """
    return values.astype(TIME_DTYPE).to_numpy(dtype="datetime64[us]").view(np.int64)


def blank_to_missing(values: pd.Series) -> pd.Series:
    """Text (``str`` dtype) with blank values missing.

    Examples
    --------
    >>> blank_to_missing(pd.Series(["a", " ", None])).isna().tolist()
    [False, True, True]
    """
    text = values.astype("str")
    # classified in Arrow, no stripped copy of every value: empty, or whitespace alone
    array = pa.array(text, from_pandas=True)
    blank = pc.or_(pc.utf8_is_space(array), pc.equal(pc.binary_length(array), 0))
    blank = np.asarray(pc.fill_null(blank, False).to_numpy(zero_copy_only=False), dtype=bool)
    return text.mask(blank) if blank.any() else text


def as_ids(values: pd.Series, table: str, column: str, *, nullable: bool) -> pd.Series:
    """Identifiers as text: whole numbers lose their ``.0``, blanks are missing.

    Raises
    ------
    SchemaError
        For booleans, timestamps or fractional numbers, and for missing identifiers unless
        ``nullable``.

    Examples
    --------
    >>> as_ids(pd.Series([1.0, 2.0]), "contacts", "contact_id", nullable=False).tolist()
    ['1', '2']
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        raise SchemaError(
            table,
            column,
            f"wrong type: expected identifiers, got {values.dtype}",
            values=values.head(5),
        )
    if pd.api.types.is_float_dtype(values):
        fractional = values.notna() & (values != np.floor(values))
        if fractional.any():
            raise SchemaError(
                table,
                column,
                "wrong type: identifiers with a fractional part",
                values=values[fractional],
                count=int(fractional.sum()),
            )
        values = values.astype("Int64")
    ids = blank_to_missing(values)
    missing = ids.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            table,
            column,
            "missing identifiers",
            count=int(missing.sum()),
            values=[f"row {i}" for i in np.flatnonzero(missing.to_numpy())[:5]],
        )
    return ids


def ids_in(ids: pd.Series, known: pd.Series) -> np.ndarray:
    """Whether each identifier (text from :func:`as_ids`) is one of ``known``; missing is not.

    Hashes in Arrow: pandas' own ``isin`` on Arrow strings walks ``known`` in Python.

    Examples
    --------
    >>> ids_in(pd.Series(["1", None, "3"], dtype="str"), pd.Series(["3", "2"], dtype="str"))
    array([False, False,  True])
    """
    found = pc.is_in(
        pa.array(ids.astype("str"), from_pandas=True),
        value_set=pa.array(known.astype("str").dropna(), from_pandas=True),
    )
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def parse_times(values: pd.Series, table: str, column: str) -> pd.Series:
    """A column as :data:`TIME_DTYPE`, ``NaT`` where a value is missing or not a time: aware
    times converted, naive ones read as UTC, text parsed as ISO 8601 (then any format pandas
    reads); the index is kept. The lenient, per-row half of :func:`as_times`, for callers that
    set bad rows aside instead of failing (batch scoring's triage).

    Raises
    ------
    SchemaError
        For a column of numbers or booleans (a wrong type, not a bad row).

    Examples
    --------
    >>> parse_times(pd.Series(["2025-01-01", "soon", None]), "t", "c").isna().tolist()
    [False, True, True]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        times = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(values):
        times = values.dt.tz_localize("UTC")
    elif values.isna().all():
        times = pd.Series(pd.NaT, index=values.index, dtype=TIME_DTYPE)
    elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise SchemaError(
            table,
            column,
            f"wrong type: expected timestamps, got {values.dtype}",
            values=values.head(5),
            hint="Convert epoch numbers with pandas.to_datetime first",
        )
    else:
        text = blank_to_missing(values)
        times = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        retry = times.isna() & text.notna()
        if retry.any():
            times = times.copy()
            times[retry] = pd.to_datetime(text[retry], utc=True, errors="coerce", format="mixed")
    return pd.Series(times.astype(TIME_DTYPE), index=values.index)


def as_times(values: pd.Series, table: str, column: str, *, nullable: bool = False) -> pd.Series:
    """A column as :data:`TIME_DTYPE` (see :func:`parse_times`), every value a time.

    Raises
    ------
    SchemaError
        For numbers or booleans, text that is not a time, and missing times unless
        ``nullable``; the message names ``table``, ``column`` and a few offending values.

    Examples
    --------
    >>> as_times(pd.Series(["2025-03-01", "2025-03-01T14:30:00+01:00"]), "t", "c").tolist()
    [Timestamp('2025-03-01 00:00:00+0000', tz='UTC'), Timestamp('2025-03-01 13:30:00+0000', tz='UTC')]
    """  # noqa: E501
    times = parse_times(values, table, column)
    if not pd.api.types.is_datetime64_any_dtype(values):
        text = blank_to_missing(values)
        bad = times.isna() & text.notna()
        if bad.any():
            raise SchemaError(
                table,
                column,
                "unparseable timestamps",
                values=text[bad],
                count=int(bad.sum()),
                hint="Use ISO 8601, e.g. 2025-03-01T14:30:00Z",
            )
    missing = times.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            table,
            column,
            "missing timestamps",
            count=int(missing.sum()),
            values=[f"row {i}" for i in np.flatnonzero(missing.to_numpy())[:5]],
        )
    return pd.Series(times.astype(TIME_DTYPE), index=values.index)
