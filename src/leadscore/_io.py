"""File input and output shared by the package: atomic writes, Parquet and CSV frames."""

from __future__ import annotations

import contextlib
import ctypes
import errno as _errno
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from leadscore.errors import ConfigError, ModelError, SchemaError

__all__ = [
    "FORMATS",
    "atomic_folder",
    "atomic_path",
    "check_format",
    "read_frame",
    "to_json",
    "write_frame",
]

Format = Literal["parquet", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "csv")


def _temporary_name(path: Path) -> Path:
    """An unused name beside ``path``: hidden, ending in ``.tmp``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _create(path: Path, *, folder: bool) -> Path:
    """Create a new temporary file or folder beside ``path``, with the usual permissions.

    The mode (0666 for a file, 0777 for a folder) is given at creation, so the process umask
    applies as for any new file, and the umask is never read or changed (changing it is a
    race between threads).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = _temporary_name(path)
        try:
            if folder:
                os.mkdir(tmp, 0o777)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - a 48-bit random name taken
            continue


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
    tmp = _create(path, folder=False)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_RENAME_EXCHANGE = 2  # renameat2's flag (linux/fs.h)
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False where that is not available (another system, an old kernel or C library, a file
    system without it): the caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (_errno.EINVAL, _errno.ENOSYS, _errno.ENOTSUP, _errno.EOPNOTSUPP):
        return False
    raise OSError(errno, os.strerror(errno), str(a), None, str(b))


@contextlib.contextmanager
def atomic_folder(path: str | Path, *, marker: str) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` that replaces folder ``path`` only on success.

    For outputs of several files that belong together (a saved model). What is guaranteed:

    - a failed write leaves the old folder untouched, and no temporary folder behind;
    - a reader finds the old folder or the new one, whole, never a mix;
    - on Linux (``renameat2`` with ``RENAME_EXCHANGE``, in every kernel since 3.15 on the
      common file systems) the complete new folder and the old one swap names in one atomic
      step: at every instant a folder ``path`` exists. Elsewhere the old folder is renamed
      away and the new one renamed in, a window of two renames in which ``path`` is absent
      (a crash in between leaves the old folder beside it as ``.NAME.*.old``).

    An existing ``path`` must be empty or hold ``marker`` (a file the folder's writer writes):
    other folders are refused rather than replaced.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "model"
    >>> with atomic_folder(target, marker="model.json") as tmp:
    ...     _ = (tmp / "model.json").write_text("{}")
    >>> sorted(p.name for p in target.iterdir())
    ['model.json']
    """
    path = Path(path)
    if path.exists() and not (
        path.is_dir() and ((path / marker).exists() or not any(path.iterdir()))
    ):
        raise ConfigError(
            f"{path}: exists and holds no {marker}; refusing to replace it (choose another folder)"
        )
    tmp = _create(path, folder=True)
    old = tmp.with_name(tmp.name[: -len(".tmp")] + ".old")
    try:
        yield tmp
        if path.exists() and _exchange(tmp, path):
            return  # tmp now holds the old folder, removed below
        if path.exists():
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except OSError:
            if old.exists():
                os.replace(old, path)  # put the old folder back
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def check_format(values: object, where: Path, kind: str, expected: int) -> dict[str, Any]:
    """``values`` read from a saved ``kind``, once it is a JSON object of format ``expected``."""
    found = values.get("format_version") if isinstance(values, dict) else None
    if not isinstance(values, dict) or found != expected:
        raise ModelError(
            f"{where}: {kind} format {found!r}, expected {expected}; retrain with this version "
            "of leadscore"
        )
    return values


def to_json(values: object, *, sort_keys: bool = False) -> str:
    """``values`` as indented JSON, NumPy scalars and arrays as plain numbers and lists.

    Examples
    --------
    >>> import numpy as np
    >>> to_json({"seed": np.int64(3), "q": np.array([0.5])}).split()
    ['{', '"seed":', '3,', '"q":', '[', '0.5', ']', '}']
    """
    return json.dumps(values, indent=2, sort_keys=sort_keys, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
