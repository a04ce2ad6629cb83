"""The leads shown as one compact data block: the page's script draws the lead table from it,
a page of rows at a time, and a lead's card only when it is opened.

The block is column-oriented JSON (one array per field, one entry per lead in rank order) so
that 10,000 leads take a few hundred bytes each: reason texts are stored once in ``texts`` and
referred to by index, contributions are rounded to the two decimals the card shows, and
probabilities to five. The exact values stay in the scores file.

The lead table's columns are a registry (:data:`COLUMNS`, one record per column): a new column
(a trend, a fit x engagement cell) is a record here, a field in :func:`lead_block` and, when it
needs a new way of drawing a cell, a ``kind`` in the script's ``CELLS``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd

from leadscore.domain import CRITERIA
from leadscore.errors import SchemaError
from leadscore.report._charts import CRITERION_LABELS
from leadscore.report._scores import TARGET_PREFIXES, Reason, parse_changes, parse_reasons

__all__ = [
    "COLUMNS",
    "Column",
    "already_prospect",
    "criteria_scale",
    "explained_targets",
    "history_fields",
    "lead_block",
    "table_columns",
]


#: How many reasons the lead table shows per lead (the cards show them all).
TOP_REASONS: Final = 3


#: The most recent runs of the score history a card's history line shows.
HISTORY_RUNS: Final = 30


#: Decimals kept in the data block: contributions as the card shows them, probabilities
#: finer than the one-decimal percentages shown so that sorting by them stays faithful.
CONTRIBUTION_DECIMALS: Final = 2
PROBABILITY_DECIMALS: Final = 5


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the lead table.

    ``key`` names the field of the data block it shows (and sorts by); ``kind`` how the
    script draws a cell (``CELLS`` in ``report.js``); ``numeric`` columns are right-aligned and
    sort biggest first; ``needs`` is a scores-table column without which it is left out.
    """

    key: str
    label: str
    kind: str
    numeric: bool = False
    sortable: bool = True
    needs: str | None = None


COLUMNS: Final = (
    Column("rank", "#", "rank", numeric=True),
    Column("contact", "Contact", "contact"),
    Column("account", "Account", "text", needs="account_id"),
    Column("grade", "Grade", "grade"),
    Column("score", "Score", "score", numeric=True),
    Column("scoreChange", "Trend", "trend", numeric=True, needs="trend"),
    Column("fitEngagement", "Fit × eng.", "text", needs="fit_engagement"),
    Column("pCustomer", "P(customer)", "percent", numeric=True),
    Column("pProspect", "P(prospect)", "percent", numeric=True),
    Column("reasons", "Top reasons", "reasons", sortable=False),
)


def table_columns(scores: pd.DataFrame) -> list[Column]:
    """The columns of :data:`COLUMNS` a scores table can fill."""
    return [c for c in COLUMNS if c.needs is None or c.needs in scores.columns]


def _criterion_columns(scores: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in CRITERIA if prefix + c in scores.columns]


def criteria_scale(shown: pd.DataFrame) -> float:
    """The largest absolute contribution among the leads shown (the end of every card's bar
    track), 1 when there is none."""
    columns = [
        prefix + c for prefix in TARGET_PREFIXES.values() for c in _criterion_columns(shown, prefix)
    ]
    if not columns or shown.empty:
        return 1.0
    biggest = float(np.nanmax(np.abs(shown[columns].to_numpy(dtype="float64")), initial=0.0))
    return biggest if math.isfinite(biggest) and biggest > 0 else 1.0


def explained_targets(scores: pd.DataFrame) -> list[str]:
    """The targets a table explains: the customer always, the prospect when it has its columns."""
    prospect = ("prospect_score", "prospect_reasons", *(f"prospect_{c}" for c in CRITERIA))
    has_prospect = any(c in scores.columns for c in prospect)
    return ["customer", "prospect"] if has_prospect else ["customer"]


def already_prospect(scores: pd.DataFrame) -> np.ndarray:
    """Rows that have reached *prospect* already (at sql or opportunity): batch scoring gives
    them ``p_prospect`` 1 and no prospect contributions, as there is nothing left to predict.

    Examples
    --------
    >>> scores = pd.DataFrame({"p_prospect": [1.0, 1.0, 0.4], "prospect_fit": [None, 0.2, 0.1]})
    >>> already_prospect(scores).tolist()
    [True, False, False]
    """
    reached = scores["p_prospect"].to_numpy(dtype="float64") >= 1.0
    columns = [f"prospect_{c}" for c in _criterion_columns(scores, "prospect_")]
    if not columns:
        return np.zeros(len(scores), dtype=bool)
    unexplained = scores[columns].isna().all(axis=1).to_numpy()
    return np.asarray(reached & unexplained, dtype=bool)


def _numbers(values: pd.Series, decimals: int) -> list[float | None]:
    rounded = values.astype("float64").round(decimals)
    return [None if math.isnan(v) else v for v in rounded.tolist()]


def _texts(values: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) else None for v in values.tolist()]


class _TextTable:
    """Reason entries stored once: each is its kind's sign (``+``, ``-`` or a space) and text."""

    _SIGN: Final = {"helped": "+", "hurt": "-", "neutral": " "}

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def refs(
        self, values: pd.Series, parse: Callable[[object], list[Reason]] = parse_reasons
    ) -> list[list[int]]:
        out = []
        for text in values.tolist():
            entries = [self._SIGN[r.kind] + r.text for r in parse(text)]
            out.append([self.index.setdefault(entry, len(self.index)) for entry in entries])
        return out


def _whole(values: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in values.tolist()]


def _change_fields(shown: pd.DataFrame, texts: _TextTable) -> dict[str, Any]:
    """The trend of each lead against the previous run (:mod:`leadscore.history`), when the
    table has it: ``trend``, ``scoreChange`` and ``previousScore`` (null when not compared),
    ``previousAsOf`` (a date) and ``changes`` (indexes into ``texts``: the sign, then the
    points and what moved them)."""
    if "trend" not in shown.columns:
        return {}
    fields: dict[str, Any] = {"trend": _texts(shown["trend"])}
    if "score_change" in shown.columns:
        fields["scoreChange"] = _whole(shown["score_change"])
    if "previous_score" in shown.columns:
        fields["previousScore"] = _whole(shown["previous_score"])
    if "previous_as_of" in shown.columns:
        days = shown["previous_as_of"].dt.strftime("%Y-%m-%d")
        fields["previousAsOf"] = [v if isinstance(v, str) else None for v in days.tolist()]
    if "change_reasons" in shown.columns:
        fields["changes"] = texts.refs(shown["change_reasons"], parse_changes)
    return fields


def history_fields(shown: pd.DataFrame, history: pd.DataFrame) -> dict[str, Any]:
    """Each lead's score over the last :data:`HISTORY_RUNS` runs of a score history
    (:meth:`leadscore.history.ParquetHistory.read`): ``historyDates`` (the runs' days) and
    ``history`` (per lead, its score on each day, null when it was not scored).

    Raises
    ------
    SchemaError
        When the history lacks ``as_of``, ``contact_id`` or ``score``.

    Examples
    --------
    >>> runs = pd.DataFrame({"as_of": ["2026-01-01", "2026-01-02", "2026-01-02"],
    ...                      "contact_id": ["c1", "c1", "c2"], "score": [50, 62, 40]})
    >>> history_fields(pd.DataFrame({"contact_id": ["c2", "c1"]}), runs)
    {'historyDates': ['2026-01-01', '2026-01-02'], 'history': [[None, 40], [50, 62]]}
    """
    missing = [c for c in ("as_of", "contact_id", "score") if c not in history.columns]
    if missing:
        raise SchemaError(
            "history", missing[0], "missing: not a score history",
            values=missing, hint="give the history folder or URL the scoring job writes",
        )  # fmt: skip
    days = pd.to_datetime(history["as_of"].astype("str"), utc=True).dt.strftime("%Y-%m-%d")
    runs = pd.DataFrame(
        {"day": days, "contact": history["contact_id"].astype("str"), "score": history["score"]}
    )
    dates = sorted(runs["day"].dropna().unique())[-HISTORY_RUNS:]
    wide = (
        runs[runs["day"].isin(dates)]
        .drop_duplicates(["contact", "day"], keep="last")
        .pivot(index="contact", columns="day", values="score")
        .reindex(index=shown["contact_id"].astype("str"), columns=dates)
    )
    return {
        "historyDates": list(dates),
        "history": [[None if pd.isna(v) else int(v) for v in row] for row in wide.to_numpy()],
    }


def lead_block(
    shown: pd.DataFrame, scale: float, history: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The data block of the leads shown (in rank order) for the page's script.

    Returns a JSON-ready mapping: ``columns`` (the table's, see :data:`COLUMNS`), ``criteria``
    (key, label and meaning), ``targets`` (the explained ones with the criteria they have),
    ``scale`` (log-odds at the end of a bar track), ``texts`` (reason entries, each a sign and a
    text) and ``leads``: one array per field, ``reasons`` and ``prospectReasons`` as indexes
    into ``texts``, contributions per target and criterion.

    Examples
    --------
    >>> shown = pd.DataFrame({"contact_id": ["c1", "c2"], "p_prospect": [0.8, 0.3],
    ...     "p_customer": [0.412345678, 0.05], "score": [95, 35], "grade": ["A", "D"],
    ...     "reasons": ["+ Requested a demo; - No email open", "- No email open"]})
    >>> block = lead_block(shown, 1.0)
    >>> block["texts"], block["leads"]["reasons"], block["leads"]["pCustomer"]
    (['+Requested a demo', '-No email open'], [[0, 1], [1]], [0.41235, 0.05])
    """
    texts = _TextTable()
    leads: dict[str, Any] = {
        "contact": _texts(shown["contact_id"]),
        "grade": _texts(shown["grade"]),
        "score": [int(v) for v in shown["score"].tolist()],
        "pCustomer": _numbers(shown["p_customer"], PROBABILITY_DECIMALS),
        "pProspect": _numbers(shown["p_prospect"], PROBABILITY_DECIMALS),
        "reasons": texts.refs(shown["reasons"]),
    }
    if "account_id" in shown.columns:
        leads["account"] = _texts(shown["account_id"])
    targets = []
    for target in explained_targets(shown):
        prefix = TARGET_PREFIXES[target]
        criteria = _criterion_columns(shown, prefix)
        targets.append({"key": target, "name": target.capitalize(), "criteria": criteria})
        leads[target] = {c: _numbers(shown[prefix + c], CONTRIBUTION_DECIMALS) for c in criteria}
    if "prospect_score" in shown.columns:
        leads["prospectScore"] = [None if pd.isna(v) else int(v) for v in shown["prospect_score"]]
    if "prospect_grade" in shown.columns:
        leads["prospectGrade"] = _texts(shown["prospect_grade"])
    if "prospect_reasons" in shown.columns:
        leads["prospectReasons"] = texts.refs(shown["prospect_reasons"])
    leads.update(_change_fields(shown, texts))
    if "fit_engagement" in shown.columns:
        leads["fitEngagement"] = _texts(shown["fit_engagement"])
    dates: list[str] = []
    if history is not None:
        fields = history_fields(shown, history)
        dates = fields["historyDates"]
        leads["history"] = fields["history"]
    leads["alreadyProspect"] = np.flatnonzero(already_prospect(shown)).tolist()
    return {
        "columns": [
            {"key": c.key, "label": c.label, "kind": c.kind, "numeric": c.numeric}
            for c in table_columns(shown)
        ],
        "criteria": [
            {"key": c, "label": CRITERION_LABELS[c][0], "meaning": CRITERION_LABELS[c][1]}
            for c in CRITERIA
        ],
        "targets": targets,
        "scale": round(scale, 4),
        "topReasons": TOP_REASONS,
        "historyDates": dates,
        "texts": list(texts.index),
        "leads": leads,
    }
