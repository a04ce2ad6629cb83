"""File input and output shared by the package: atomic writes, Parquet and CSV frames."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

import pandas as pd

from leadscore.errors import ConfigError, SchemaError

__all__ = ["FORMATS", "atomic_path", "read_frame", "write_frame"]

Format = Literal["parquet", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "csv")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` that replaces ``path`` only on success.

    Readers never see a half-written file: the file appears under its name by an atomic
    ``os.replace`` once it is complete, and a failed write leaves the old file (if any) untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "scores.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("contact_id\\n")
    >>> target.read_text()
    'contact_id\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def format_of(path: str | Path, default: Format | None = None) -> Format:
    """The table format implied by a file name (``.parquet``/``.pq`` or ``.csv``)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return "parquet"
    if ".csv" in suffixes[-2:]:
        return "csv"
    if default is not None:
        return default
    raise ConfigError(f"{path}: cannot tell the format from the name; use .parquet or .csv")


def write_frame(frame: pd.DataFrame, path: str | Path, format: Format | None = None) -> Path:
    """Write ``frame`` atomically as Parquet or CSV (format from the suffix unless given)."""
    path = Path(path)
    fmt = format or format_of(path)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; expected one of {list(FORMATS)}")
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path


def read_frame(
    path: str | Path,
    *,
    table: str,
    dtypes: Mapping[str, str] | None = None,
    text_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a Parquet or CSV file into a DataFrame.

    For CSV, ``dtypes`` (as written by :func:`write_frame`'s callers in a schema file) restore
    the exact column types, and ``text_columns`` are read as text whatever they look like, so
    identifiers such as ``"00123"`` keep their leading zeros.
    """
    path = Path(path)
    try:
        if format_of(path) == "parquet":
            return pd.read_parquet(path)
        csv_dtypes: dict[str, str] = dict.fromkeys(text_columns, "str")
        parse_times: list[str] = []
        for column, dtype in (dtypes or {}).items():
            if dtype.startswith("datetime64"):
                parse_times.append(column)
            else:
                csv_dtypes[column] = dtype
        frame = pd.read_csv(path, dtype=csv_dtypes)
        for column in parse_times:
            if column in frame:
                times = pd.to_datetime(frame[column], utc=True, format="ISO8601")
                frame[column] = times.astype(pd.api.types.pandas_dtype((dtypes or {})[column]))
        return frame
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise SchemaError(table, None, f"cannot read {path}: {exc}") from exc
