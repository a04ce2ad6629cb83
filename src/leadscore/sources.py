"""Build the contract's tables from the files of a raw CRM export, by configuration.

DESIGN section 3 asks for four tables (contacts, accounts, activities, stages). Real exports come
as other files: Salesforce's Lead, Task, Event, Opportunity and OpportunityHistory, HubSpot's
contacts, companies, deals and engagements, a single deal table. The ``[sources]`` section of the
configuration (:class:`leadscore.config.SourcesConfig`) says which file holds what;
:func:`build_tables` reads the files and returns the four tables in canonical names, for
:class:`leadscore.CRMData` to validate as any other input:

- ``contacts``: one file (leads or persons), with look-up files joined on, and a ``person_id``
  when leads are the scoring unit (``sources.unit``);
- ``activities``: any number of activity tables, each with a type column or a fixed type, a
  prefix where tables share type names, and a numeric ``value`` carried through;
- ``stages``: history tables (a stage and its date per row) and stages derived from record
  tables (a lead, a deal: created, converted, won, lost), a row without a date following the
  stated rule ``sources.undated``, counted in :attr:`SourceTables.counts`.

Every row that does not make it into a table is counted and named in one
:class:`~leadscore.errors.DataWarning` per cause.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadscore._conventions import as_times, blank_to_missing
from leadscore._io import read_frame
from leadscore.config import (
    ActivitySource,
    Config,
    JoinSource,
    RecordSource,
    SourcesConfig,
    StageSource,
)
from leadscore.data import _as_numbers, _canonical_token, _check_unique
from leadscore.domain import STAGES
from leadscore.errors import ConfigError, DataNotFoundError, DataWarning, SchemaError

__all__ = ["SourceTables", "build_tables"]

_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz")
_TIME_DTYPE = "datetime64[us, UTC]"
_CLOSING = ("customer", "lost")

#: What is lost without an activity table, said once when ``[sources]`` names none.
NO_ACTIVITY_MESSAGE = (
    "activities: the configuration names no activity table, so scores rest on attributes and "
    "the stage history alone; the features of activity are missing: counts and decayed counts "
    "per activity type, recency and trend (timing), active weeks, intent share and need "
    "details (need), and the colleagues' engagement at the account (buying_group)"
)


@dataclasses.dataclass(frozen=True)
class SourceTables:
    """The contract's tables built from a raw export, with counts of what was repaired.

    Attributes
    ----------
    contacts, activities, stages : DataFrame
        In the canonical column names of DESIGN section 3 (``activities`` also has ``value``
        when an activity table names one; ``contacts`` has ``person_id`` when configured).
    accounts : DataFrame or None
        None when ``[sources]`` names no accounts file.
    counts : mapping
        ``{what: rows}``: rows dropped or dated by a rule, e.g.
        ``"stages dated by rule last_activity"``. The keys are stable; zero counts are left out.
    """

    contacts: pd.DataFrame
    accounts: pd.DataFrame | None
    activities: pd.DataFrame
    stages: pd.DataFrame
    counts: Mapping[str, int]


class _Files:
    """Reads the export's files once each, identifier columns as text."""

    def __init__(self, folder: Path, text_columns: Mapping[str, set[str]]) -> None:
        self.folder = folder
        self.text_columns = text_columns
        self._frames: dict[str, pd.DataFrame] = {}

    def path(self, name: str) -> Path:
        if name.endswith(_SUFFIXES):
            candidates = [self.folder / name]
        else:
            candidates = [self.folder / f"{name}{suffix}" for suffix in _SUFFIXES]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise DataNotFoundError(
                f"{name}: no {' or '.join(c.name for c in candidates)} in {self.folder}"
                " (a file named in the [sources] section of the configuration)"
            )
        if len(found) > 1:
            raise SchemaError(name, None, f"more than one file in {self.folder}", values=found)
        return found[0]

    def exists(self, name: str) -> bool:
        try:
            self.path(name)
        except DataNotFoundError:
            return False
        return True

    def read(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            columns = tuple(sorted(self.text_columns.get(name, set())))
            self._frames[name] = read_frame(self.path(name), table=name, text_columns=columns)
        return self._frames[name]

    def column(self, frame: pd.DataFrame, file: str, column: str) -> pd.Series:
        if column not in frame:
            raise SchemaError(
                file,
                column,
                "missing column (named in the [sources] section of the configuration)",
                hint=f"Columns present: {list(frame.columns)[:20]}",
            )
        return frame[column]


def _id_columns(sources: SourcesConfig) -> dict[str, set[str]]:
    """Per file, the columns that hold identifiers (read as text, never as numbers)."""
    text: dict[str, set[str]] = {}

    def add(file: str, *columns: Iterable[str] | str) -> None:
        for column in columns:
            names = (column,) if isinstance(column, str) else tuple(column)
            text.setdefault(file, set()).update(n for n in names if n)

    def add_joins(record: RecordSource) -> None:
        for join in record.join:
            add(record.file, join.on)
            add(join.file, join.key)

    contacts = sources.contacts
    add(contacts.file, contacts.id, contacts.account_id, contacts.person_id)
    add_joins(contacts)
    if sources.accounts is not None:
        add(sources.accounts.file, sources.accounts.id)
        add_joins(sources.accounts)
    sourced: tuple[ActivitySource | StageSource, ...] = (*sources.activities, *sources.stages)
    for source in sourced:
        add(source.file, source.contact_id, source.key)
        for link in source.link:
            add(link.file, link.key, link.contact_id)
    return text


# --- small column helpers ------------------------------------------------------------------------


def _where(frame: pd.DataFrame, where: Mapping[str, Any], file: str, files: _Files) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in where.items():
        values = files.column(frame, file, column)
        allowed = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        keep &= (
            values.isin(allowed).to_numpy()
            | values.astype("str").isin([str(a) for a in allowed]).to_numpy()
        )
    return frame.loc[keep].reset_index(drop=True)


def _present(
    frame: pd.DataFrame, columns: tuple[str, ...], file: str, files: _Files
) -> tuple[str, ...]:
    """The columns of a list that the file has; at least one must be there."""
    present = tuple(c for c in columns if c in frame)
    if not present:
        files.column(frame, file, columns[0])
    return present


def _first_present(
    frame: pd.DataFrame, columns: tuple[str, ...], file: str, files: _Files
) -> pd.Series:
    """The first non-missing value over ``columns``, in order (missing when none is present)."""
    present = _present(frame, columns, file, files)
    values = blank_to_missing(frame[present[0]])
    for column in present[1:]:
        values = values.fillna(blank_to_missing(frame[column]))
    return values


def _times(frame: pd.DataFrame, columns: tuple[str, ...], file: str, files: _Files) -> pd.Series:
    """Timestamps (UTC) from the first column of ``columns`` holding one; NaT where none does."""
    out = pd.Series(pd.NaT, index=frame.index, dtype=_TIME_DTYPE)
    for column in _present(frame, columns, file, files):
        values = frame[column]
        present = values.notna()
        if not pd.api.types.is_datetime64_any_dtype(values):
            present &= blank_to_missing(values).notna()
        if present.any():
            parsed = as_times(values[present].reset_index(drop=True), file, column)
            out.loc[present[present].index] = out.loc[present].fillna(
                pd.Series(parsed.to_numpy(), index=present[present].index)
            )
    return out


def _flags(frame: pd.DataFrame, column: str, file: str, files: _Files) -> pd.Series:
    """A boolean column as written by CRMs (true/false, 1/0, yes/no); missing is False."""
    values = files.column(frame, file, column)
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    text = blank_to_missing(values.astype("str")).str.strip().str.lower()
    truthy = text.isin(["true", "1", "1.0", "yes", "y", "t"])
    falsy = text.isin(["false", "0", "0.0", "no", "n", "f"]) | text.isna()
    bad = ~(truthy | falsy)
    if bad.any():
        raise SchemaError(
            file, column, "expected true/false values", values=values[bad], count=int(bad.sum())
        )
    return truthy


def _stage_names(
    values: pd.Series, local: Mapping[str, str], mapping: Mapping[str, str], file: str, column: str
) -> pd.Series:
    """Canonical stage names: the table's own mapping, then ``[stages]``, then canonical names."""
    text = blank_to_missing(values)
    lookup: dict[str, str] = {}
    unknown: list[str] = []
    for value in text.dropna().unique():  # one step per distinct stage name, not per row
        stage = local.get(value) or mapping.get(value)
        if stage is None and _canonical_token(value) in STAGES:
            stage = _canonical_token(value)
        if stage is None:
            unknown.append(value)
        else:
            lookup[value] = stage
    if unknown:
        raise SchemaError(
            file,
            column,
            "unknown stage names",
            values=unknown,
            count=int(text.isin(unknown).sum()),
            hint=f"Map them to one of {list(STAGES)} in the table's 'stages' setting or in the "
            "[stages] section of the configuration",
        )
    return pd.Series(text.map(lookup), dtype="str")


def _warn(message: str) -> None:
    warnings.warn(message, DataWarning, stacklevel=4)


# --- records: contacts and accounts --------------------------------------------------------------


def _joined(frame: pd.DataFrame, record: RecordSource, files: _Files) -> pd.DataFrame:
    for join in record.join:
        frame = _join(frame, record.file, join, files)
    return frame


def _join(frame: pd.DataFrame, file: str, join: JoinSource, files: _Files) -> pd.DataFrame:
    lookup = files.read(join.file)
    keys = blank_to_missing(files.column(lookup, join.file, join.key))
    _check_unique(keys, join.file, join.key)  # a join is many to one
    names = {c: f"{join.prefix}{c}" for c in lookup.columns if c != join.key}
    names = {c: n for c, n in names.items() if n not in frame}
    right = lookup[list(names)].rename(columns=names).set_axis(keys.to_numpy())
    right = right.loc[keys.notna().to_numpy()]
    on = blank_to_missing(files.column(frame, file, join.on))
    picked = right.reindex(on.to_numpy()).set_axis(frame.index)
    return pd.concat([frame, picked], axis=1)


def _attributes(
    frame: pd.DataFrame, record: RecordSource, structural: set[str], files: _Files
) -> dict[str, pd.Series]:
    if record.attributes is not None:
        names = list(record.attributes)
        for name in names:
            files.column(frame, record.file, name)
    else:
        names = [str(c) for c in frame.columns if c not in structural]
    return {record.rename.get(name, name): frame[name] for name in names}


def _stage_columns(sources: SourcesConfig, file: str) -> set[str]:
    """Columns that stage tables read from ``file``: outcomes, never attributes (they leak)."""
    used: set[str] = set()
    for source in sources.stages:
        if source.file != file:
            continue
        used.update(source.timestamp, source.created_at, source.closed_at, source.stage_at)
        used.update(source.dates)
        used.update(c for c in (source.stage, source.won, source.closed, source.lost) if c)
    return used


def _contacts(sources: SourcesConfig, files: _Files) -> pd.DataFrame:
    record = sources.contacts
    frame = _joined(
        _where(files.read(record.file), record.where, record.file, files), record, files
    )
    structural = {
        record.id,
        *record.created_at,
        *record.account_id,
        *record.person_id,
        *_stage_columns(sources, record.file),
    }
    columns: dict[str, pd.Series] = {
        "contact_id": blank_to_missing(files.column(frame, record.file, record.id)),
        "created_at": _times(frame, record.created_at, record.file, files),
    }
    if record.account_id:
        columns["account_id"] = _first_present(frame, record.account_id, record.file, files)
    if record.person_id:
        columns["person_id"] = _first_present(frame, record.person_id, record.file, files)
    for name, values in _attributes(frame, record, structural, files).items():
        columns.setdefault(name, values)
    return pd.DataFrame(columns)


def _accounts(record: RecordSource, files: _Files) -> pd.DataFrame:
    frame = _joined(
        _where(files.read(record.file), record.where, record.file, files), record, files
    )
    columns = {"account_id": blank_to_missing(files.column(frame, record.file, record.id))}
    for name, values in _attributes(frame, record, {record.id}, files).items():
        columns.setdefault(name, values)
    return pd.DataFrame(columns)


# --- who an event belongs to ---------------------------------------------------------------------


def _targets(contacts: pd.DataFrame, unit: str) -> pd.DataFrame | None:
    """``key -> contact_id``: how ids in other tables reach the contacts (None: as they are).

    With leads as the unit, a person's id reaches each of the person's leads; with persons as
    the unit, a lead's id reaches its person.
    """
    if "person_id" not in contacts:
        return None
    has_person = contacts["person_id"].notna()
    leads = contacts["contact_id"]
    if unit == "lead":
        persons = contacts.loc[has_person & ~contacts["person_id"].isin(leads)]
        pairs = [
            pd.DataFrame({"key": leads, "target": leads}),
            pd.DataFrame({"key": persons["person_id"], "target": persons["contact_id"]}),
        ]
    else:
        pairs = [
            pd.DataFrame({"key": leads, "target": contacts["person_id"].fillna(leads)}),
            pd.DataFrame({"key": contacts["person_id"], "target": contacts["person_id"]}),
        ]
    targets = pd.concat(pairs, ignore_index=True).dropna().drop_duplicates()
    return targets.reset_index(drop=True)


def _resolve(frame: pd.DataFrame, targets: pd.DataFrame | None) -> pd.DataFrame:
    """Replace ``contact_id`` by the contact(s) it reaches; unknown ids stay (CRMData says so)."""
    if targets is None:
        return frame
    merged = frame.merge(targets, how="left", left_on="contact_id", right_on="key", sort=False)
    merged["contact_id"] = merged["target"].fillna(merged["contact_id"])
    return merged.drop(columns=["key", "target"])


def _with_contacts(
    frame: pd.DataFrame, source: ActivitySource | StageSource, files: _Files
) -> pd.DataFrame:
    """``frame`` with a ``contact_id`` column, one row per (row, contact) it belongs to."""
    if source.contact_id:
        ids = _first_present(frame, source.contact_id, source.file, files)
        frame = frame.assign(contact_id=ids)
    else:
        keys = blank_to_missing(files.column(frame, source.file, source.key))
        pieces = []
        for link in source.link:
            if link.optional and not files.exists(link.file):
                _warn(f"{source.file}: no {link.file} file, so its link is skipped")
                continue
            table = files.read(link.file)
            pieces.append(
                pd.DataFrame(
                    {
                        "_key": blank_to_missing(files.column(table, link.file, link.key)),
                        "contact_id": blank_to_missing(
                            files.column(table, link.file, link.contact_id)
                        ),
                    }
                )
            )
        if not pieces:
            raise DataNotFoundError(
                f"{source.file}: none of its link files is in {files.folder}:"
                f" {[link.file for link in source.link]}"
            )
        links = pd.concat(pieces, ignore_index=True).dropna().drop_duplicates()
        frame = frame.assign(_key=keys).merge(links, how="left", on="_key", sort=False)
        frame = frame.drop(columns="_key")
    if source.separator:
        split = frame["contact_id"].str.split(source.separator, regex=False)
        frame = frame.assign(contact_id=split).explode("contact_id", ignore_index=True)
        frame["contact_id"] = blank_to_missing(frame["contact_id"].str.strip())
    missing = frame["contact_id"].isna()
    if missing.any():
        _warn(
            f"{source.file}: {int(missing.sum())} rows belong to no contact "
            f"({', '.join(source.contact_id) or 'no link'}); they were left out"
        )
    return frame.loc[~missing].reset_index(drop=True)


# --- activities ----------------------------------------------------------------------------------


def _activity_table(
    source: ActivitySource, targets: pd.DataFrame | None, files: _Files
) -> pd.DataFrame:
    frame = _where(files.read(source.file), source.where, source.file, files)
    frame = _with_contacts(frame, source, files)
    columns: dict[str, Any] = {
        "contact_id": frame["contact_id"],
        "timestamp": _times(frame, source.timestamp, source.file, files),
    }
    if source.type:
        raw = blank_to_missing(files.column(frame, source.file, source.type)).fillna("unknown")
        mapped = pd.Series(raw.map(dict(source.types)), dtype="str")
        columns["activity_type"] = mapped.fillna(source.prefix + raw).astype("str")
    else:
        columns["activity_type"] = source.fixed_type
    columns["detail"] = (
        _first_present(frame, source.detail, source.file, files)
        if source.detail
        else pd.Series(np.nan, index=frame.index, dtype="str")
    )
    if source.value:
        values = files.column(frame, source.file, source.value)
        columns["value"] = _as_numbers(values, source.file, source.value).astype("float64")
    table = pd.DataFrame(columns, index=frame.index)
    undated = table["timestamp"].isna()
    if undated.any():
        _warn(
            f"{source.file}.{'/'.join(source.timestamp)}: {int(undated.sum())} activities have no "
            "timestamp; they were left out"
        )
        table = table.loc[~undated]
    return _resolve(table.reset_index(drop=True), targets)


def _available(sources: Iterable[Any], files: _Files) -> list[Any]:
    """The sources whose file is in the export; an optional one that is not is skipped."""
    available = []
    for source in sources:
        if source.optional and not files.exists(source.file):
            _warn(f"{source.file}: not in the export; the optional table is skipped")
            continue
        available.append(source)
    return available


def _activities(
    sources: SourcesConfig, targets: pd.DataFrame | None, files: _Files
) -> pd.DataFrame:
    activity_sources: list[ActivitySource] = _available(sources.activities, files)
    if not activity_sources:
        _warn(NO_ACTIVITY_MESSAGE)
        return pd.DataFrame(
            {
                "contact_id": pd.Series(dtype="str"),
                "timestamp": pd.Series(dtype=_TIME_DTYPE),
                "activity_type": pd.Series(dtype="str"),
                "detail": pd.Series(dtype="str"),
            }
        )
    tables = [_activity_table(source, targets, files) for source in activity_sources]
    if any(source.value for source in activity_sources):
        tables = [t if "value" in t else t.assign(value=np.nan) for t in tables]
    return pd.concat(tables, ignore_index=True)


# --- stages --------------------------------------------------------------------------------------


def _stage_rows(source: StageSource, stage_names: Mapping[str, str], files: _Files) -> pd.DataFrame:
    """``contact_id, timestamp (NaT when undated), stage, record_created`` rows of one table."""
    frame = _where(files.read(source.file), source.where, source.file, files)
    frame = _with_contacts(frame, source, files)
    created = (
        _times(frame, source.created_at, source.file, files)
        if source.created_at
        else pd.Series(pd.NaT, index=frame.index, dtype=_TIME_DTYPE)
    )
    pieces: list[pd.DataFrame] = []

    def rows(keep: pd.Series | np.ndarray, times: pd.Series, stage: pd.Series | str) -> None:
        keep = np.asarray(keep, dtype=bool)
        stage_values = stage[keep] if isinstance(stage, pd.Series) else stage
        pieces.append(
            pd.DataFrame(
                {
                    "contact_id": frame["contact_id"][keep],
                    "timestamp": times[keep],
                    "stage": stage_values,
                    "record_created": created[keep],
                }
            )
        )

    everything = np.ones(len(frame), dtype=bool)
    if source.timestamp:
        history = _times(frame, source.timestamp, source.file, files)
        stage = _stage_names(
            files.column(frame, source.file, source.stage), source.stages, stage_names,
            source.file, source.stage,
        )  # fmt: skip
        rows(stage.notna(), history, stage)
        return pd.concat(pieces, ignore_index=True)
    if source.created_at:
        rows(everything, created, source.created_stage)
    for column, stage_name in source.dates.items():
        dated = _times(frame, (column,), source.file, files)
        rows(dated.notna(), dated, stage_name)
    closed_at = (
        _times(frame, source.closed_at, source.file, files)
        if source.closed_at
        else pd.Series(pd.NaT, index=frame.index, dtype=_TIME_DTYPE)
    )
    flagged = bool(source.won or source.lost or source.closed)
    if flagged:
        won = _flags(frame, source.won, source.file, files) if source.won else ~everything
        lost = _flags(frame, source.lost, source.file, files) if source.lost else ~everything
        if source.closed:
            lost = lost | (_flags(frame, source.closed, source.file, files) & ~won)
        rows(won, closed_at, "customer")
        rows(lost & ~won, closed_at, "lost")
    if source.stage:
        current = _stage_names(
            files.column(frame, source.file, source.stage), source.stages, stage_names,
            source.file, source.stage,
        )  # fmt: skip
        closing = current.isin(_CLOSING)
        if not flagged:
            rows(closing, closed_at, current)
        already = {source.created_stage, *source.dates.values()} - {""}
        stage_at = (
            _times(frame, source.stage_at, source.file, files)
            if source.stage_at
            else pd.Series(pd.NaT, index=frame.index, dtype=_TIME_DTYPE)
        )
        open_stage = current.notna() & ~closing
        # an open stage that a date column or the creation already places needs no row of its own
        placed = current.isin(list(already)) & stage_at.isna()
        rows(open_stage & ~placed, stage_at, current)
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()


def _date_undated(
    stages: pd.DataFrame,
    contacts: pd.DataFrame,
    activities: pd.DataFrame,
    rule: str,
    export_end: pd.Timestamp,
) -> pd.Series:
    """Timestamps for stage rows without one, by ``rule`` (NaT: dropped)."""
    undated = stages.loc[stages["timestamp"].isna()]
    created = contacts.set_index("contact_id")["created_at"]
    record_or_contact = undated["record_created"].fillna(
        pd.Series(created.reindex(undated["contact_id"]).to_numpy(), index=undated.index)
    )
    if rule == "created":
        return record_or_contact
    if rule == "last_activity":
        last = activities.groupby("contact_id")["timestamp"].max()
        at = pd.Series(
            last.reindex(undated["contact_id"]).to_numpy(), index=undated.index, dtype=_TIME_DTYPE
        )
        return at.fillna(record_or_contact)
    if rule == "export_end":
        return pd.Series(export_end, index=undated.index, dtype=_TIME_DTYPE)
    return pd.Series(pd.NaT, index=undated.index, dtype=_TIME_DTYPE)


def _stages(
    sources: SourcesConfig,
    stage_names: Mapping[str, str],
    targets: pd.DataFrame | None,
    files: _Files,
) -> pd.DataFrame:
    tables = [_stage_rows(s, stage_names, files) for s in _available(sources.stages, files)]
    stages = pd.concat([t for t in tables if len(t.columns)], ignore_index=True)
    stages = stages.astype({"timestamp": _TIME_DTYPE, "record_created": _TIME_DTYPE})
    return _resolve(stages, targets)


def _fill_created(
    contacts: pd.DataFrame,
    dated: list[pd.DataFrame],
    rule: str,
    export_end: pd.Timestamp,
    counts: dict[str, int],
) -> pd.DataFrame:
    """Apply ``sources.missing_created`` to contacts without a creation time."""
    missing = contacts["created_at"].isna()
    if not missing.any():
        return contacts
    created = contacts["created_at"]
    if rule == "first_activity":
        events = pd.concat([d[["contact_id", "timestamp"]] for d in dated], ignore_index=True)
        first = events.dropna().groupby("contact_id")["timestamp"].min()
        created = created.fillna(
            pd.Series(first.reindex(contacts["contact_id"]).to_numpy(), index=contacts.index)
        )
    elif rule == "export_end":
        created = created.fillna(export_end)
    dropped = created.isna()
    filled = int(missing.sum() - dropped.sum())
    if filled:
        counts[f"contacts created by rule {rule}"] = filled
        _warn(
            f"contacts.created_at: {filled} contacts have no creation time; created at the "
            f"{rule.replace('_', ' ')} (sources.missing_created = {rule!r})"
        )
    if dropped.any():
        counts["contacts dropped without created_at"] = int(dropped.sum())
        _warn(
            f"contacts.created_at: {int(dropped.sum())} contacts have no creation time; they "
            "were left out with their activities and stages (set sources.missing_created to "
            "'first_activity' or 'export_end' to keep them)"
        )
    return contacts.assign(created_at=created).loc[~dropped].reset_index(drop=True)


def _by_person(contacts: pd.DataFrame) -> pd.DataFrame:
    """One contact per person: created at its first lead, with that lead's attributes."""
    person = contacts["person_id"].fillna(contacts["contact_id"])
    first = contacts.assign(contact_id=person).sort_values("created_at", kind="stable")
    return first.drop_duplicates("contact_id").drop(columns="person_id").reset_index(drop=True)


def build_tables(folder: str | Path, config: Config) -> SourceTables:
    """Read the files of a raw export and build the contract's four tables (DESIGN section 3).

    Parameters
    ----------
    folder : str or Path
        The export's folder; files are named in ``config.sources`` (suffix optional: ``.csv``,
        ``.csv.gz``, ``.parquet``).
    config : Config
        Its ``sources`` section says which file holds what; ``[stages]`` maps stage names.

    Returns
    -------
    SourceTables
        Canonical tables for :class:`leadscore.CRMData`, and counts of repaired rows.

    Raises
    ------
    ConfigError
        When ``config`` has no ``[sources]`` section.
    DataNotFoundError, SchemaError
        A named file or column is missing, or values cannot be read (naming file and column).

    Warns
    -----
    DataWarning
        Once per cause: no activity table (naming the features that will be missing), rows
        without a contact or a timestamp, stage rows dated or dropped by ``sources.undated``,
        contacts without a creation time.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"deal": ["d1", "d2"], "opened": ["2025-01-02", "2025-02-01"],
    ...               "closed": ["2025-03-01", None], "won": [True, False]}
    ...              ).to_csv(folder / "deals.csv", index=False)
    >>> pd.DataFrame({"deal": ["d1"], "at": ["2025-01-05"], "kind": ["call"]}
    ...              ).to_csv(folder / "calls.csv", index=False)
    >>> config = Config.from_dict({"sources": {
    ...     "contacts": {"file": "deals", "id": "deal", "created_at": "opened"},
    ...     "activities": [{"file": "calls", "contact_id": "deal", "timestamp": "at",
    ...                     "type": "kind"}],
    ...     "stages": [{"file": "deals", "contact_id": "deal", "created_at": "opened",
    ...                 "created_stage": "opportunity", "won": "won", "closed_at": "closed"}]}})
    >>> tables = build_tables(folder, config)
    >>> tables.stages[["contact_id", "stage"]].values.tolist()
    [['d1', 'opportunity'], ['d1', 'customer'], ['d2', 'opportunity']]
    """
    sources = config.sources
    if sources is None:
        raise ConfigError("sources: the configuration has no [sources] section")
    root = Path(folder)
    if not root.is_dir():
        raise DataNotFoundError(f"{root}: no such data folder")
    files = _Files(root, _id_columns(sources))
    counts: dict[str, int] = {}
    contacts = _contacts(sources, files)
    accounts = None if sources.accounts is None else _accounts(sources.accounts, files)
    targets = _targets(contacts, sources.unit)
    activities = _activities(sources, targets, files)
    stages = _stages(sources, config.data.stages, targets, files)
    known = [contacts["created_at"], activities["timestamp"], stages["timestamp"],
             stages["record_created"]]  # fmt: skip
    export_end = max(t.max() for t in known if t.notna().any())
    kept = _fill_created(
        contacts, [activities, stages], sources.missing_created, export_end, counts
    )
    dropped = contacts["contact_id"][~contacts["contact_id"].isin(kept["contact_id"])]
    if len(dropped):  # said with the contacts: "left out with their activities and stages"
        activities = activities.loc[~activities["contact_id"].isin(dropped)]
        stages = stages.loc[~stages["contact_id"].isin(dropped)].reset_index(drop=True)
    contacts = kept
    undated = stages["timestamp"].isna()
    if undated.any():
        # a stage that another table dates (a status history) needs no date by rule
        dated_pairs = stages.loc[~undated, ["contact_id", "stage"]].drop_duplicates()
        pairs = stages[["contact_id", "stage"]].merge(dated_pairs, how="left", indicator=True)
        stages = stages.loc[~(undated & (pairs["_merge"] == "both")).to_numpy()]
        stages = stages.reset_index(drop=True)
        undated = stages["timestamp"].isna()
    if undated.any():
        rule = sources.undated
        dated = _date_undated(stages, contacts, activities, rule, export_end)
        stages.loc[undated, "timestamp"] = dated
        left = stages["timestamp"].isna()
        n_dated = int(undated.sum() - left.sum())
        if n_dated:
            counts[f"stages dated by rule {rule}"] = n_dated
        if left.any():
            counts["stages dropped without a date"] = int(left.sum())
        per_stage = stages.loc[undated, "stage"].value_counts().sort_index()
        _warn(
            f"stages: {int(undated.sum())} stage rows derived from the export have no date "
            f"({', '.join(f'{n} {s}' for s, n in per_stage.items())}); {n_dated} dated at "
            f"the {rule.replace('_', ' ')} (sources.undated = {rule!r}), "
            f"{int(left.sum())} left out"
        )
        stages = stages.loc[~left]
    stages = stages.drop(columns="record_created").drop_duplicates(ignore_index=True)
    if sources.unit == "person" and "person_id" in contacts:
        contacts = _by_person(contacts)
    return SourceTables(
        contacts=contacts,
        accounts=accounts,
        activities=activities,
        stages=stages.sort_values(["contact_id", "timestamp"], kind="stable", ignore_index=True),
        counts=counts,
    )
