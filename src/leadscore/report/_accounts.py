"""The account table (:func:`leadscore.accounts.account_scores`) as the report reads and shows
it: validation, reading an accounts file, and the compact data block the page's script draws
the accounts view from (like the leads: one array per field, reason texts stored once).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from leadscore._conventions import as_ids, blank_to_missing
from leadscore._io import format_of, read_frame
from leadscore.errors import DataNotFoundError, SchemaError
from leadscore.report._scores import GRADE_LETTERS, parse_reasons

__all__ = ["ACCOUNT_REQUIRED", "account_block", "read_accounts", "validate_accounts"]

TABLE: Final = "accounts"

#: Columns an account table must have; ``top_contacts``, ``top_scores``, the coverage
#: (``decision_maker_engaged``, ``blocker_present``) and ``reasons`` are shown when present.
ACCOUNT_REQUIRED: Final = ("account_id", "p_account", "score", "grade", "contacts")

_TEXT_COLUMNS: Final = ("account_id", "grade", "top_contacts", "top_scores", "reasons")
_FLAGS: Final = ("decision_maker_engaged", "blocker_present")
_SIGN: Final = {"helped": "+", "hurt": "-", "neutral": " "}


def _bad(column: str, problem: str, values: pd.Series) -> SchemaError:
    return SchemaError(TABLE, column, problem, values=values.head(5), count=len(values))


def _number(frame: pd.DataFrame, column: str, low: float, high: float) -> pd.Series:
    values = frame[column]
    if pd.api.types.is_bool_dtype(values):
        raise SchemaError(TABLE, column, "wrong type: expected numbers, got booleans")
    numbers = pd.to_numeric(blank_to_missing(values) if values.dtype == object else values,
                            errors="coerce").astype("float64")  # fmt: skip
    bad = numbers.isna() | (numbers < low) | (numbers > high)
    if bad.any():
        raise _bad(column, f"expected numbers in [{low:g}, {high:g}]", values[bad])
    return numbers


def _flag(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = blank_to_missing(values.astype("object").where(values.notna(), None))
    words = text.astype("str").str.lower()
    mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    known = words.isin(list(mapping))
    bad = text.notna() & ~known
    if bad.any():
        raise _bad(column, "expected true or false", values[bad])
    return pd.Series(
        pd.array([mapping[w] if k else pd.NA for w, k in zip(words, known, strict=True)],
                 dtype="boolean"),
        index=values.index,
    )  # fmt: skip


def validate_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Check an account table and return a copy with canonical types, best account first
    (highest ``p_account``, then ``account_id``).

    Raises
    ------
    SchemaError
        When a required column is missing or a column has impossible values.

    Examples
    --------
    >>> validate_accounts(pd.DataFrame({"account_id": ["X"]}))
    Traceback (most recent call last):
    ...
    leadscore.errors.SchemaError: accounts.p_account: missing required column...
    """
    missing = [c for c in ACCOUNT_REQUIRED if c not in accounts.columns]
    if missing:
        raise SchemaError(
            TABLE, missing[0], "missing required column",
            hint=f"An account table (leadscore score --accounts) has the columns "
            f"{', '.join(ACCOUNT_REQUIRED)}; missing: {', '.join(missing)}",
        )  # fmt: skip
    out = accounts.reset_index(drop=True)
    out["account_id"] = as_ids(out["account_id"], TABLE, "account_id", nullable=False)
    out["p_account"] = _number(out, "p_account", 0.0, 1.0)
    score = _number(out, "score", 1, 99)
    contacts = _number(out, "contacts", 1, math.inf)
    for column, values in (("score", score), ("contacts", contacts)):
        fractional = values != np.floor(values)
        if fractional.any():
            raise _bad(column, "expected whole numbers", values[fractional])
        out[column] = values.astype("int64")
    grades = blank_to_missing(out["grade"])
    unknown = ~grades.isin(GRADE_LETTERS)
    if unknown.any():
        raise _bad("grade", f"unknown grades; expected one of {', '.join(GRADE_LETTERS)}",
                   grades[unknown])  # fmt: skip
    out["grade"] = grades
    for column in ("top_contacts", "top_scores", "reasons"):
        if column in out.columns:
            out[column] = blank_to_missing(out[column].astype("object"))
    for column in _FLAGS:
        if column in out.columns:
            out[column] = _flag(out[column], column)
    return out.sort_values(
        ["p_account", "account_id"], ascending=[False, True], kind="stable", ignore_index=True
    )


def read_accounts(path: str | Path) -> pd.DataFrame:
    """Read an account table from a ``.parquet`` or ``.csv`` file and validate it.

    Raises
    ------
    DataNotFoundError
        When the file does not exist.
    SchemaError
        When a required column is missing or a column has impossible values.
    """
    path = Path(path)
    format_of(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such accounts file")
    return validate_accounts(read_frame(path, table=TABLE, text_columns=_TEXT_COLUMNS))


def _split(value: object) -> list[str]:
    return [v.strip() for v in value.split(";")] if isinstance(value, str) else []


def _flags(values: pd.Series) -> list[bool | None]:
    return [None if pd.isna(v) else bool(v) for v in values.tolist()]


def account_block(accounts: pd.DataFrame, max_accounts: int) -> dict[str, Any]:
    """The data block of the accounts view (at most ``max_accounts``, best first).

    ``accounts`` holds one array per field: ``account``, ``pAccount``, ``score``, ``grade``,
    ``contacts``, ``top`` (per account, ``[contact, score]`` pairs), ``dm`` and ``blocker``
    (true, false or null when unknown) and ``reasons`` (indexes into ``texts``, each entry its
    sign and text). ``total`` counts every account.

    Examples
    --------
    >>> table = pd.DataFrame({"account_id": ["X"], "p_account": [0.61234567], "score": [97],
    ...     "grade": ["A"], "contacts": [2], "top_contacts": ["a; b"], "top_scores": ["95; 70"],
    ...     "reasons": ["+ Who the contacts are: lifts 1 of 2 contacts"]})
    >>> block = account_block(validate_accounts(table), 10)
    >>> block["accounts"]["top"], block["accounts"]["pAccount"], block["texts"]
    ([[['a', '95'], ['b', '70']]], [0.61235], ['+Who the contacts are: lifts 1 of 2 contacts'])
    """
    shown = accounts.head(max_accounts)
    n = len(shown)
    index: dict[str, int] = {}
    reasons = [
        [
            index.setdefault(_SIGN[r.kind] + r.text, len(index))
            for r in parse_reasons(text)
        ]
        for text in (shown["reasons"] if "reasons" in shown else pd.Series([None] * n)).tolist()
    ]  # fmt: skip
    names = shown["top_contacts"] if "top_contacts" in shown else pd.Series([None] * n)
    scores = shown["top_scores"] if "top_scores" in shown else pd.Series([None] * n)
    top = []
    for contacts, points in zip(names.tolist(), scores.tolist(), strict=True):
        ids, values = _split(contacts), _split(points)
        values += [""] * (len(ids) - len(values))
        top.append([[c, s] for c, s in zip(ids, values, strict=False)])
    block: dict[str, Any] = {
        "account": shown["account_id"].tolist(),
        "pAccount": [round(float(v), 5) for v in shown["p_account"]],
        "score": [int(v) for v in shown["score"]],
        "grade": shown["grade"].tolist(),
        "contacts": [int(v) for v in shown["contacts"]],
        "top": top,
        "reasons": reasons,
    }
    for column, key in zip(_FLAGS, ("dm", "blocker"), strict=True):
        if column in shown:
            block[key] = _flags(shown[column])
    return {"total": len(accounts), "texts": list(index), "accounts": block}
