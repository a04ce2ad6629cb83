"""Exceptions and warnings raised by leadscore.

Every error says what went wrong and where: the table, the column, the problem, how many rows
are affected and a few of the offending values. The command line turns any :class:`LeadscoreError`
into one line on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "ConfigError",
    "DataNotFoundError",
    "DataWarning",
    "InsufficientDataError",
    "LeadscoreError",
    "ModelError",
    "NotFittedError",
    "SchemaError",
    "TooManyRejectsError",
    "format_values",
]

MAX_SHOWN = 5


def format_values(values: Iterable[Any], limit: int = MAX_SHOWN) -> str:
    """Render up to ``limit`` distinct offending values for an error message.

    Examples
    --------
    >>> format_values(["b", "a", "b", "c"], limit=2)
    "'b', 'a', ..."
    """
    shown: list[str] = []
    seen: set[str] = set()
    more = False
    for value in values:
        text = repr(value.item() if hasattr(value, "item") else value)
        if text in seen:
            continue
        if len(shown) == limit:
            more = True
            break
        seen.add(text)
        shown.append(text)
    return ", ".join(shown) + (", ..." if more else "")


class LeadscoreError(Exception):
    """Base class of every error leadscore raises on purpose."""


class SchemaError(LeadscoreError, ValueError):
    """Input data does not follow the data contract.

    Parameters
    ----------
    table : str
        The table at fault (``contacts``, ``accounts``, ``activities``, ``stages``...).
    column : str or None
        The column at fault, when there is one.
    problem : str
        What is wrong, in words.
    values : iterable, optional
        The offending values; up to five are shown.
    count : int, optional
        How many rows are affected.
    hint : str, optional
        What to do about it.

    Examples
    --------
    >>> err = SchemaError("stages", "stage", "unknown stage names", values=["Won"], count=3)
    >>> str(err)
    "stages.stage: unknown stage names (3 rows), e.g. 'Won'"
    """

    def __init__(
        self,
        table: str,
        column: str | None,
        problem: str,
        *,
        values: Iterable[Any] | None = None,
        count: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.table = table
        self.column = column
        self.problem = problem
        self.values = list(values) if values is not None else []
        self.count = count
        where = f"{table}.{column}" if column else table
        message = f"{where}: {problem}"
        if count is not None:
            message += f" ({count} row{'s' if count != 1 else ''})"
        if self.values:
            message += f", e.g. {format_values(self.values)}"
        if hint:
            message += f". {hint}"
        super().__init__(message)


class DataNotFoundError(LeadscoreError, FileNotFoundError):
    """A table, a data folder or a model could not be found."""


class ConfigError(LeadscoreError, ValueError):
    """A configuration value or file is invalid."""


class ModelError(LeadscoreError, ValueError):
    """A model cannot be used as asked (wrong features, corrupt files, unknown target)."""


class InsufficientDataError(LeadscoreError, ValueError):
    """Too few labelled rows, outcomes or cutoffs to train on (see :mod:`leadscore.sufficiency`)."""


class NotFittedError(ModelError, _SklearnNotFittedError):  # type: ignore[misc]
    """A model was used before it was fitted (also a scikit-learn ``NotFittedError``)."""


class TooManyRejectsError(LeadscoreError):
    """Too many rows of an export are bad to score it; nothing was written.

    The command line exits with :attr:`exit_code` 3 (2 is for every other error).
    """

    exit_code = 3


class DataWarning(UserWarning):
    """Input data had a problem that leadscore repaired, with a count of the rows affected.

    For example activities of contacts that are not in the contacts table are dropped with this
    warning instead of stopping a batch job. Turn it into an error with
    ``warnings.simplefilter("error", leadscore.errors.DataWarning)``.
    """
