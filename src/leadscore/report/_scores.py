"""The scores table of DESIGN section 6 as the report reads it: validation and canonical types,
reading a scores file, ranking, criteria importance over all rows, and the ``reasons`` text
parsed into entries.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from leadscore._conventions import as_ids, as_times, blank_to_missing
from leadscore._io import format_of, read_frame
from leadscore.domain import CRITERIA
from leadscore.errors import ConfigError, DataNotFoundError, SchemaError

__all__ = [
    "ENGAGEMENT_DIGITS",
    "FIT_LETTERS",
    "GRADE_LETTERS",
    "REQUIRED_COLUMNS",
    "TARGET_PREFIXES",
    "TRENDS",
    "Reason",
    "criteria_importance",
    "parse_changes",
    "parse_reasons",
    "rank_leads",
    "read_scores",
    "validate_scores",
]


TABLE: Final = "scores"


#: Columns a scores table must have; every other column is optional.
REQUIRED_COLUMNS: Final = ("contact_id", "p_prospect", "p_customer", "score", "grade", "reasons")


GRADE_LETTERS: Final = ("A", "B", "C", "D")


#: The two targets and the prefix of their columns in the scores table.
TARGET_PREFIXES: Final = {"customer": "", "prospect": "prospect_"}


#: Columns read as text from CSV whatever they look like (ids keep their leading zeros).
TEXT_COLUMNS: Final = (
    "contact_id",
    "account_id",
    "grade",
    "prospect_grade",
    "reasons",
    "prospect_reasons",
    "reason_codes",
    "prospect_reason_codes",
    "model_version",
    "trend",
    "change_reasons",
    "change_codes",
    "fit_letter",
    "fit_engagement",
)


#: The values of the history's ``trend`` column (:mod:`leadscore.history`).
TRENDS: Final = ("rising", "steady", "falling", "new", "model changed")


#: The letters and digits of the fit x engagement grid (:mod:`leadscore.fit_engagement`).
FIT_LETTERS: Final = ("A", "B", "C")
ENGAGEMENT_DIGITS: Final = (1, 2, 3)


def _rows(mask: pd.Series) -> list[str]:
    return [f"row {i}" for i in np.flatnonzero(mask.to_numpy())[:5]]


def _numbers(
    values: pd.Series,
    column: str,
    *,
    nullable: bool,
    low: float | None = None,
    high: float | None = None,
) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise SchemaError(TABLE, column, "wrong type: expected numbers, got booleans")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
    else:
        text = blank_to_missing(values)
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = numbers.isna() & text.notna()
        if bad.any():
            raise SchemaError(
                TABLE, column, f"wrong type: expected numbers, got {values.dtype}",
                values=text[bad], count=int(bad.sum()),
            )  # fmt: skip
    missing = numbers.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            TABLE, column, "missing values", values=_rows(missing), count=int(missing.sum())
        )
    outside = numbers.notna() & ~np.isfinite(numbers)
    if low is not None:
        outside |= numbers < low
    if high is not None:
        outside |= numbers > high
    if outside.any():
        bounded = low is not None and high is not None
        problem = f"values outside [{low:g}, {high:g}]" if bounded else "values not finite"
        raise SchemaError(TABLE, column, problem, values=numbers[outside], count=int(outside.sum()))
    return numbers


def _integers(values: pd.Series, column: str, *, nullable: bool) -> pd.Series:
    numbers = _numbers(values, column, nullable=nullable, low=1, high=99)
    fractional = numbers.notna() & (numbers != np.floor(numbers))
    if fractional.any():
        raise SchemaError(
            TABLE, column, "wrong type: expected whole scores 1-99",
            values=numbers[fractional], count=int(fractional.sum()),
        )  # fmt: skip
    return numbers.astype("Int64" if nullable else "int64")


def _grades(values: pd.Series, column: str, *, nullable: bool) -> pd.Series:
    grades = _text(values, column)
    missing = grades.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            TABLE, column, "missing grades", values=_rows(missing), count=int(missing.sum())
        )
    unknown = grades.notna() & ~grades.isin(GRADE_LETTERS)
    if unknown.any():
        raise SchemaError(
            TABLE, column, f"unknown grades; expected one of {', '.join(GRADE_LETTERS)}",
            values=grades[unknown], count=int(unknown.sum()),
        )  # fmt: skip
    return grades


def _one_of(allowed: tuple[str, ...]) -> Callable[[pd.Series, str], pd.Series]:
    """A nullable text column whose values must be among ``allowed``."""

    def convert(values: pd.Series, column: str) -> pd.Series:
        text = _text(values, column)
        unknown = text.notna() & ~text.isin(allowed)
        if unknown.any():
            raise SchemaError(
                TABLE, column, f"unknown values; expected one of {', '.join(allowed)}",
                values=text[unknown], count=int(unknown.sum()),
            )  # fmt: skip
        return text

    return convert


def _changes(values: pd.Series, column: str) -> pd.Series:
    """Whole score changes, -98 to +98, missing for contacts not compared."""
    numbers = _numbers(values, column, nullable=True, low=-98, high=98)
    fractional = numbers.notna() & (numbers != np.floor(numbers))
    if fractional.any():
        raise SchemaError(
            TABLE, column, "wrong type: expected whole points",
            values=numbers[fractional], count=int(fractional.sum()),
        )  # fmt: skip
    return numbers.astype("Int64")


def _digits(values: pd.Series, column: str) -> pd.Series:
    numbers = _numbers(values, column, nullable=True)
    unknown = numbers.notna() & ~numbers.isin(ENGAGEMENT_DIGITS)
    if unknown.any():
        raise SchemaError(
            TABLE, column, "unknown values; expected 1, 2 or 3",
            values=numbers[unknown], count=int(unknown.sum()),
        )  # fmt: skip
    return numbers.astype("Int64")


def _text(values: pd.Series, column: str) -> pd.Series:
    if (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
    ) and not values.isna().all():
        raise SchemaError(
            TABLE, column, f"wrong type: expected text, got {values.dtype}", values=values.head(5)
        )
    return blank_to_missing(values)


def _times(values: pd.Series, column: str) -> pd.Series:
    return as_times(values, TABLE, column, nullable=True)


def _converter(column: str) -> Callable[[pd.Series, str], pd.Series] | None:
    """How a column of the scores table is checked and converted (None: kept as it is)."""
    base = column.removeprefix("prospect_")
    if base in CRITERIA:
        return functools.partial(_numbers, nullable=True)
    if column.startswith("prospect_"):
        optional: dict[str, Callable[[pd.Series, str], pd.Series]] = {
            "score": functools.partial(_integers, nullable=True),
            "grade": functools.partial(_grades, nullable=True),
            "reasons": _text,
            "reason_codes": _text,
        }
        return optional.get(base)
    converters: dict[str, Callable[[pd.Series, str], pd.Series]] = {
        "contact_id": lambda values, column: as_ids(values, TABLE, column, nullable=False),
        "account_id": lambda values, column: as_ids(values, TABLE, column, nullable=True),
        "as_of": _times,
        "p_prospect": functools.partial(_numbers, nullable=False, low=0.0, high=1.0),
        "p_customer": functools.partial(_numbers, nullable=False, low=0.0, high=1.0),
        "score": functools.partial(_integers, nullable=False),
        "grade": functools.partial(_grades, nullable=False),
        "reasons": _text,
        "reason_codes": _text,
        "model_version": _text,
        "trend": _one_of(TRENDS),
        "score_change": _changes,
        "previous_score": functools.partial(_integers, nullable=True),
        "previous_as_of": _times,
        "change_reasons": _text,
        "fit_letter": _one_of(FIT_LETTERS),
        "engagement_digit": _digits,
        "fit_engagement": _one_of(tuple(f"{a}{d}" for a in FIT_LETTERS for d in ENGAGEMENT_DIGITS)),
    }
    return converters.get(column)


def validate_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Check a scores table and return a copy with canonical column types.

    Ids and texts become ``str`` (missing stays missing), probabilities and criterion
    contributions ``float64``, ``score`` ``int64`` (``prospect_score`` nullable ``Int64``) and
    ``as_of`` ``datetime64[us, UTC]``. Unknown columns are kept unchanged; the input is never
    modified.

    Raises
    ------
    SchemaError
        When a required column is missing, or a column has the wrong type or impossible
        values (probabilities outside [0, 1], scores outside 1-99, grades other than A-D).

    Examples
    --------
    >>> validate_scores(pd.DataFrame({"contact_id": ["c1"]}))
    Traceback (most recent call last):
    ...
    leadscore.errors.SchemaError: scores.p_prospect: missing required column...
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(scores).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise SchemaError(
            TABLE, missing[0], "missing required column",
            hint=f"A scores table needs the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"missing: {', '.join(missing)}",
        )  # fmt: skip
    out = scores.reset_index(drop=True)  # a new frame: assigning to it leaves `scores` alone
    for column in out.columns:
        convert = _converter(str(column))
        if convert is not None:
            out[column] = convert(out[column], str(column))
    return out


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read a scores table from a ``.parquet`` or ``.csv`` file and validate it.

    Parameters
    ----------
    path : str or Path
        A file written by batch scoring (DESIGN section 6).

    Returns
    -------
    DataFrame
        The scores table with canonical column types (see :func:`validate_scores`).

    Raises
    ------
    DataNotFoundError
        When the file does not exist.
    SchemaError
        When a required column is missing or a column has the wrong type; the message names
        the table (``scores``), the column and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "scores.csv"
    >>> _ = path.write_text("contact_id,p_prospect,p_customer,score,grade,reasons\\n"
    ...                     "007,0.4,0.1,55,C,+ Requested a demo\\n")
    >>> read_scores(path)[["contact_id", "score", "grade"]]
      contact_id  score grade
    0        007     55     C
    """
    path = Path(path)
    format_of(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such scores file")
    return validate_scores(read_frame(path, table=TABLE, text_columns=TEXT_COLUMNS))


def _prefix(target: str) -> str:
    if target not in TARGET_PREFIXES:
        raise ConfigError(f"unknown target {target!r}; expected one of {list(TARGET_PREFIXES)}")
    return TARGET_PREFIXES[target]


def criteria_importance(scores: pd.DataFrame, *, target: str = "customer") -> pd.DataFrame:
    """Mean absolute and mean signed contribution of each criterion over all rows.

    Parameters
    ----------
    scores : DataFrame
        A scores table; only its criterion columns are used (``fit``, ``budget``... for the
        customer target, ``prospect_fit``... for the prospect target).
    target : {"customer", "prospect"}
        Which target's contributions to summarise.

    Returns
    -------
    DataFrame
        Indexed by ``criterion`` (criteria without a column are left out), with ``mean_abs``
        (mean absolute log-odds contribution), ``mean`` (mean signed contribution) and
        ``rows`` (rows with a value; missing values are skipped), largest ``mean_abs`` first.

    Examples
    --------
    >>> scores = pd.DataFrame({"fit": [0.5, -1.5], "need": [1.0, float("nan")]})
    >>> importance = criteria_importance(scores)
    >>> importance.index.tolist(), importance["mean_abs"].tolist(), importance["mean"].tolist()
    (['fit', 'need'], [1.0, 1.0], [-0.5, 1.0])
    >>> importance["rows"].tolist()
    [2, 1]
    """
    prefix = _prefix(target)
    columns = [prefix + c for c in CRITERIA if prefix + c in scores.columns]
    values = scores[columns].apply(pd.to_numeric).astype("float64")
    importance = pd.DataFrame(
        {
            "mean_abs": values.abs().mean().to_numpy(),
            "mean": values.mean().to_numpy(),
            "rows": values.notna().sum().to_numpy().astype("int64"),
        },
        index=pd.Index([c.removeprefix(prefix) for c in columns], name="criterion", dtype="str"),
    )
    return importance.sort_values("mean_abs", ascending=False, kind="stable", na_position="last")


def rank_leads(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows in report order: highest ``score`` first, then ``p_customer``, then id.

    Examples
    --------
    >>> frame = pd.DataFrame({"contact_id": ["a", "b", "c"], "score": [50, 90, 50],
    ...                       "p_customer": [0.1, 0.5, 0.2]})
    >>> rank_leads(frame)["contact_id"].tolist()
    ['b', 'c', 'a']
    """
    return scores.sort_values(
        ["score", "p_customer", "contact_id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class Reason:
    """One entry of a ``reasons`` text: ``kind`` is ``helped``, ``hurt`` or ``neutral``."""

    kind: str
    text: str


_REASON_SPLIT = re.compile(r"\s*;\s+")


_SIGNS = {"+": "helped", "-": "hurt", "−": "hurt"}


def parse_reasons(text: object) -> list[Reason]:
    """Split a ``reasons`` text into entries marked helped (``+ ``) or hurt (``- ``).

    Examples
    --------
    >>> reasons = parse_reasons("+ Requested a demo; - No email open in 62 days; Other")
    >>> [(reason.kind, reason.text) for reason in reasons]
    [('helped', 'Requested a demo'), ('hurt', 'No email open in 62 days'), ('neutral', 'Other')]
    >>> parse_reasons(float("nan"))
    []
    """
    if not isinstance(text, str):
        return []
    reasons: list[Reason] = []
    for entry in _REASON_SPLIT.split(text.strip().rstrip(";")):
        if not entry:
            continue
        sign, rest = entry[0], entry[1:]
        if sign in _SIGNS and (not rest or rest[0] == " "):
            if rest.strip():
                reasons.append(Reason(_SIGNS[sign], rest.strip()))
        else:
            reasons.append(Reason("neutral", entry))
    return reasons


_CHANGE = re.compile(r"([+\-−])(\d+(?:\.\d+)?):\s*(.*)", re.S)


def parse_changes(text: object) -> list[Reason]:
    """Split a ``change_reasons`` text (:mod:`leadscore.history`) into entries: each a move
    of the score in points, up (``helped``) or down (``hurt``), and what moved it. The text
    of an entry is its points without the sign, a colon and the words; an entry not in that
    form is kept whole as ``neutral``.

    Examples
    --------
    >>> changes = parse_changes("+12: Requested a demo 3 days ago; -0.4: No email open in 45 days")
    >>> [(change.kind, change.text) for change in changes]
    [('helped', '12: Requested a demo 3 days ago'), ('hurt', '0.4: No email open in 45 days')]
    """
    if not isinstance(text, str):
        return []
    changes: list[Reason] = []
    for entry in _REASON_SPLIT.split(text.strip().rstrip(";")):
        found = _CHANGE.fullmatch(entry)
        if found:
            sign, points, words = found.groups()
            changes.append(Reason(_SIGNS[sign], f"{points}: {words.strip()}"))
        elif entry:
            changes.append(Reason("neutral", entry))
    return changes
