"""Row triage for batch scoring: every row of an export is used or set aside with its reason.

:class:`leadscore.CRMData` refuses a table with a bad row; a nightly job must not. This module
checks each row with the same parsing functions (:func:`leadscore._conventions.parse_times`,
:func:`leadscore.data.stage_names`, :func:`leadscore.data.as_ids`), sets the bad ones aside
with a reason, and hands the rest to :class:`~leadscore.CRMData`, which validates them again.

How rows are accounted for
--------------------------
- **contacts**: each row is scored or written to the rejects file, as bad data
  (missing or unparseable required field, duplicate id, a bad stage row) or as not eligible at
  ``as_of`` (created after it, already a customer, lost).
- **activities** and **stages**: they are rows of other tables. A bad row (missing or
  unparseable field, unknown stage, a contact that is not in the contacts table, a time after
  ``as_of`` when ``as_of`` is the time of the run) goes to the rejects file with its table and
  row number, and is counted per table. Its contact stays scoreable after a bad activity row
  (one event fewer), but not after a bad stage row: its stage and eligibility would be guesses,
  so the contact is rejected too (``BAD_STAGE_HISTORY``). Rows of contacts rejected as bad data
  go with them (``with_rejected_contact``). With an explicit earlier ``as_of`` (a backfill),
  rows after it are data the point-in-time rules ignore, not errors: they are counted
  (``after_as_of``) and kept.

For each table ``rows = used + rejected + with_rejected_contact``; the job checks it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from leadscore._conventions import (
    as_ids,
    blank_to_missing,
    ids_in,
    parse_times,
    times_us,
    to_us,
)
from leadscore.config import Config
from leadscore.data import CRMData, stage_names
from leadscore.errors import SchemaError
from leadscore.labels import LOST, StageTimeline

__all__ = ["REASONS", "REJECT_COLUMNS", "RejectReason", "Triage", "triage"]

Kind = Literal["bad_data", "not_eligible"]


@dataclasses.dataclass(frozen=True)
class RejectReason:
    """Why a row was not scored or used: a stable code, its kind, and the reason in words."""

    code: str
    kind: Kind
    words: str


#: Every reason a row can be set aside for, by code.
REASONS: dict[str, RejectReason] = {
    r.code: r
    for r in (
        RejectReason("MISSING_VALUE", "bad_data", "a required field is missing"),
        RejectReason("UNPARSEABLE_TIME", "bad_data", "the time cannot be read"),
        RejectReason("UNKNOWN_STAGE", "bad_data", "the stage name is not a known stage"),
        RejectReason("DUPLICATE_ID", "bad_data", "the contact id appears on more than one row"),
        RejectReason("NOT_A_NUMBER", "bad_data", "text in a column of numbers (plain tables)"),
        RejectReason("UNKNOWN_CONTACT", "bad_data", "the contact is not in the contacts table"),
        RejectReason("AFTER_AS_OF", "bad_data", "the time is after as_of (the time of the run)"),
        RejectReason(
            "BAD_STAGE_HISTORY",
            "bad_data",
            "a stage row of the contact was set aside: its stage at as_of is unknown",
        ),
        RejectReason("CREATED_AFTER_AS_OF", "not_eligible", "created after as_of"),
        RejectReason("ALREADY_CUSTOMER", "not_eligible", "already a customer at as_of"),
        RejectReason("LOST", "not_eligible", "lost at as_of"),
    )
}

#: Columns of the rejects file.
REJECT_COLUMNS = ("table", "row", "contact_id", "reason_code", "reason", "column", "value")


@dataclasses.dataclass(frozen=True)
class Triage:
    """The usable part of an export and what was set aside.

    ``crm`` holds every contact that passed the checks (eligible or not) and the rows of the
    other tables that belong to them; ``rejects`` has one row per row set aside
    (:data:`REJECT_COLUMNS`); ``tables`` counts, per table, ``rows``, ``used``, ``rejected``,
    ``with_rejected_contact`` and ``after_as_of``.
    """

    crm: CRMData
    rejects: pd.DataFrame
    tables: dict[str, dict[str, int]]

    def bad_share(self) -> tuple[str, float]:
        """The table with the largest share of rows rejected as bad data, and that share."""
        kinds = {code: reason.kind for code, reason in REASONS.items()}
        bad = self.rejects["reason_code"].map(kinds).eq("bad_data")
        per_table = self.rejects.loc[bad, "table"].value_counts()
        shares = {
            table: float(per_table.get(table, 0)) / max(counts["rows"], 1)
            for table, counts in self.tables.items()
        }
        worst = max(shares, key=lambda t: shares[t])
        return worst, shares[worst]


def _source(config: Config, table: str, column: str) -> str:
    return dict(config.data.columns.get(table, {})).get(column, column)


class _Reasons:
    """First reason per row of one table (later checks do not overwrite earlier ones).

    Per row, only the number of the check that flagged it (``int16``, 0 for none); the code,
    column and shown values are kept per check for its flagged rows alone, so that a table of
    tens of millions of activity rows costs two bytes a row, not three Python objects.
    """

    def __init__(self, table: str, n: int) -> None:
        self.table = table
        self._check = np.zeros(n, dtype=np.int16)  # 1 + the flagging check's number, or 0
        self._flags: list[tuple[str, str, np.ndarray, np.ndarray]] = []  # code, column, rows, shown

    def flag(self, mask: np.ndarray, code: str, column: str, values: pd.Series) -> None:
        new = np.flatnonzero(np.asarray(mask, dtype=bool) & (self._check == 0))
        if len(new) == 0:
            return
        self._flags.append(
            # only the flagged rows are shown: formatting a whole column (timestamps) is slow
            (code, column, new, values.iloc[new].astype("str").to_numpy(dtype=object, na_value=""))
        )
        self._check[new] = len(self._flags)

    @property
    def bad(self) -> np.ndarray:
        return np.asarray(self._check != 0, dtype=bool)

    def flagged_by(self, codes: list[str]) -> np.ndarray:
        """Rows whose first reason is one of ``codes``."""
        numbers = [k + 1 for k, (code, *_) in enumerate(self._flags) if code in codes]
        return np.asarray(np.isin(self._check, numbers), dtype=bool)

    def frame(self, contact_ids: pd.Series) -> pd.DataFrame:
        parts = self._flags or [("", "", np.empty(0, dtype=np.int64), np.empty(0, dtype=object))]
        rows = np.concatenate([part[2] for part in parts])
        order = np.argsort(rows, kind="stable")  # each row is flagged once: in file order
        codes = np.repeat([part[0] for part in parts], [len(part[2]) for part in parts])
        columns = np.repeat([part[1] for part in parts], [len(part[2]) for part in parts])
        values = np.concatenate([part[3] for part in parts])
        rows, codes = rows[order], codes.astype(object)[order]
        return pd.DataFrame(
            {
                "table": self.table,
                "row": rows.astype(np.int64),
                "contact_id": contact_ids.iloc[rows].astype(object).to_numpy(),
                "reason_code": codes,
                "reason": _words(codes),
                "column": columns.astype(object)[order],
                "value": values[order],
            },
            columns=list(REJECT_COLUMNS),
        )


def _words(codes: np.ndarray) -> np.ndarray:
    words = {code: reason.words for code, reason in REASONS.items()}
    return pd.Series(codes, dtype=object).map(words).to_numpy(dtype=object)


def _check_times(
    reasons: _Reasons, frame: pd.DataFrame, table: str, column: str, as_of_us: int | None
) -> pd.Series:
    values = frame[column]
    times = parse_times(values, table, column)
    missing = values.isna().to_numpy().copy()
    if not pd.api.types.is_datetime64_any_dtype(values):
        missing |= blank_to_missing(values.astype("str")).isna().to_numpy()
    reasons.flag(missing, "MISSING_VALUE", column, values)
    reasons.flag(times.isna().to_numpy(), "UNPARSEABLE_TIME", column, values)
    if as_of_us is not None:
        after = _at_or_after(times, as_of_us)
        reasons.flag(after, "AFTER_AS_OF", column, values)
    return times


def _at_or_after(times: pd.Series, t: int) -> np.ndarray:
    us = times_us(times)
    return np.asarray(times.notna().to_numpy() & (us >= t), dtype=bool)


def _ids(frame: pd.DataFrame, table: str, column: str) -> pd.Series:
    return as_ids(frame[column].reset_index(drop=True), table, column, nullable=True)


def _required(frame: pd.DataFrame, table: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise SchemaError(
            table,
            missing[0],
            "missing required column",
            hint=f"Present: {list(frame.columns)[:20]}",
        )


def triage(
    frames: Mapping[str, pd.DataFrame | None],
    as_of: pd.Timestamp,
    *,
    config: Config | None = None,
    as_of_is_now: bool = False,
) -> Triage:
    """Set aside the bad rows of an export and the contacts not eligible at ``as_of``.

    Parameters
    ----------
    frames : mapping
        ``contacts``, ``activities``, ``stages`` and optionally ``accounts``, as read
        (:func:`leadscore.data.read_tables`), in the export's own column names.
    as_of : Timestamp
        The point in time scored (UTC). Rows with a time strictly before it are used.
    config : Config, optional
        Maps the export's column, stage and activity type names onto the canonical ones.
    as_of_is_now : bool
        ``as_of`` is the time of the run: a time at or after it is future-dated, bad data.

    Returns
    -------
    Triage

    Raises
    ------
    SchemaError
        For faults of a whole table (a missing column, a column of the wrong type) and for
        accounts, which are not triaged row by row.

    Examples
    --------
    >>> import leadscore as ls
    >>> crm = ls.make_crm(300, seed=0)
    >>> frames = {"contacts": crm.contacts, "activities": crm.activities, "stages": crm.stages}
    >>> result = triage(frames, pd.Timestamp("2025-06-01", tz="UTC"))
    >>> result.tables["contacts"]["rows"] == 300
    True
    """
    config = config or Config()
    t = to_us(as_of)
    future = t if as_of_is_now else None
    names = {
        table: {
            c: _source(config, table, c)
            for c in ("contact_id", "created_at", "timestamp", "stage", "activity_type")
        }
        for table in ("contacts", "activities", "stages")
    }
    contacts = frames["contacts"]
    activities, stages = frames["activities"], frames["stages"]
    if contacts is None or activities is None or stages is None:
        raise SchemaError("contacts", None, "contacts, activities and stages are required")
    c = names["contacts"]
    _required(contacts, "contacts", (c["contact_id"], c["created_at"]))
    contact_ids = _ids(contacts, "contacts", c["contact_id"])
    on_contact = _Reasons("contacts", len(contacts))
    on_contact.flag(contact_ids.isna().to_numpy(), "MISSING_VALUE", c["contact_id"], contact_ids)
    duplicated = (contact_ids.duplicated(keep=False) & contact_ids.notna()).to_numpy()
    on_contact.flag(duplicated, "DUPLICATE_ID", c["contact_id"], contact_ids)
    _check_times(on_contact, contacts, "contacts", c["created_at"], None)

    known = contact_ids.dropna().drop_duplicates()
    other: dict[str, tuple[_Reasons, pd.Series]] = {}
    for table, frame in (("activities", activities), ("stages", stages)):
        n = names[table]
        kind_column = n["activity_type"] if table == "activities" else n["stage"]
        _required(frame, table, (n["contact_id"], n["timestamp"], kind_column))
        ids = _ids(frame, table, n["contact_id"])
        reasons = _Reasons(table, len(frame))
        reasons.flag(ids.isna().to_numpy(), "MISSING_VALUE", n["contact_id"], ids)
        kind = frame[kind_column].reset_index(drop=True)
        kind_text = blank_to_missing(kind)
        reasons.flag(kind_text.isna().to_numpy(), "MISSING_VALUE", kind_column, kind)
        if table == "stages":
            unknown = stage_names(kind, config.data.stages).isna().to_numpy()
            reasons.flag(unknown, "UNKNOWN_STAGE", kind_column, kind)
        _check_times(reasons, frame.reset_index(drop=True), table, n["timestamp"], future)
        stranger = ~ids_in(ids, known) & ids.notna().to_numpy()
        reasons.flag(stranger, "UNKNOWN_CONTACT", n["contact_id"], ids)
        other[table] = (reasons, ids)

    # a contact with a bad stage row (other than a future one) has an unknown stage history
    stage_reasons, stage_ids = other["stages"]
    broken = stage_reasons.bad & ~stage_reasons.flagged_by(["UNKNOWN_CONTACT", "AFTER_AS_OF"])
    broken_ids = stage_ids[broken].dropna()
    on_contact.flag(ids_in(contact_ids, broken_ids), "BAD_STAGE_HISTORY", "stage", contact_ids)
    keep_contact = ~on_contact.bad
    kept_ids = contact_ids[keep_contact]

    tables: dict[str, dict[str, int]] = {}
    kept_frames: dict[str, pd.DataFrame] = {}
    rejects = [on_contact.frame(contact_ids)]
    for table, frame in (("activities", activities), ("stages", stages)):
        reasons, ids = other[table]
        with_rejected = ~reasons.bad & ~ids_in(ids, kept_ids)
        used = ~reasons.bad & ~with_rejected
        kept = frame.reset_index(drop=True).loc[used]
        times = parse_times(kept[names[table]["timestamp"]], table, "timestamp")
        tables[table] = {
            "rows": len(frame),
            "used": int(used.sum()),
            "rejected": int(reasons.bad.sum()),
            "with_rejected_contact": int(with_rejected.sum()),
            "after_as_of": int(_at_or_after(times, t).sum()),
        }
        kept_frames[table] = kept.reset_index(drop=True)
        rejects.append(reasons.frame(ids))

    crm = CRMData(
        contacts=contacts.reset_index(drop=True).loc[keep_contact].reset_index(drop=True),
        activities=kept_frames["activities"],
        stages=kept_frames["stages"],
        accounts=frames.get("accounts"),
        config=config,
    )
    not_eligible = _not_eligible(crm, as_of, np.flatnonzero(keep_contact))
    rejects.insert(1, not_eligible)
    tables = {
        "contacts": {
            "rows": len(contacts),
            "used": len(crm.contacts) - len(not_eligible),
            "rejected": int(on_contact.bad.sum()) + len(not_eligible),
            "with_rejected_contact": 0,
            "after_as_of": int(_at_or_after(crm.contacts["created_at"], t).sum()),
        },
        **tables,
    }
    all_rejects = pd.concat([r for r in rejects if len(r)] or rejects[:1], ignore_index=True)
    all_rejects = all_rejects.astype({"row": "int64"})
    return Triage(crm=crm, rejects=all_rejects[list(REJECT_COLUMNS)], tables=tables)


def _not_eligible(crm: CRMData, as_of: pd.Timestamp, file_rows: np.ndarray) -> pd.DataFrame:
    """Contacts that are valid but not eligible at ``as_of``, with their reason.

    ``file_rows`` is the row of each of ``crm``'s contacts in the contacts file.
    """
    timeline = StageTimeline.from_crm(crm)
    rank, _ = timeline.state_at(as_of)
    eligible = timeline.eligible(as_of, "customer", rank)
    t = to_us(as_of)
    code = np.where(
        timeline.created_us >= t,
        "CREATED_AFTER_AS_OF",
        np.where(
            timeline.reached_us["customer"] < t,
            "ALREADY_CUSTOMER",
            np.where(rank == LOST, "LOST", ""),
        ),
    )
    rows = np.flatnonzero(~eligible)
    codes = code[rows]
    contacts = crm.contacts
    columns = {
        "CREATED_AFTER_AS_OF": "created_at",
        "ALREADY_CUSTOMER": "stage",
        "LOST": "stage",
    }
    value = np.where(
        codes == "CREATED_AFTER_AS_OF",
        contacts["created_at"].take(rows).astype("str").to_numpy(dtype=object),
        np.where(codes == "LOST", "lost", "customer"),
    )
    return pd.DataFrame(
        {
            "table": "contacts",
            "row": file_rows[rows].astype(np.int64),
            "contact_id": contacts["contact_id"].take(rows).to_numpy(dtype=object),
            "reason_code": codes.astype(object),
            "reason": _words(codes),
            "column": pd.Series(codes, dtype=object).map(columns).to_numpy(dtype=object),
            "value": value.astype(object),
        }
    )
