"""CRMData: the four tables of a CRM export, validated against the data contract.

DESIGN section 3 is the contract. A :class:`CRMData` always holds canonical tables:

- identifiers (``contact_id``, ``account_id``) are text (``str`` dtype);
- times are ``datetime64[us, UTC]`` (naive input is read as UTC);
- stage names are canonical (:data:`leadscore.domain.STAGES`);
- blank text is missing;
- ``contacts.account_id`` and ``activities.detail`` always exist (possibly all missing).

The caller's frames are never modified: every table is validated and normalised into a copy.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore._conventions import TIME_DTYPE, as_ids, as_times, blank_to_missing
from leadscore._io import FORMATS, atomic_path, read_frame, write_frame
from leadscore.config import Config, DataConfig
from leadscore.domain import STAGES, TARGET_STAGES
from leadscore.errors import (
    ConfigError,
    DataNotFoundError,
    DataWarning,
    SchemaError,
    format_values,
)

__all__ = ["TABLES", "CRMData", "positions", "read_tables", "stage_names"]

SCHEMA_FILE = "schema.json"


@dataclasses.dataclass(frozen=True)
class _TableSpec:
    name: str
    required: tuple[str, ...]
    key: str | None = None
    ids: tuple[str, ...] = ()
    nullable_ids: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    optional_text: tuple[str, ...] = ()


_SPECS: dict[str, _TableSpec] = {
    "contacts": _TableSpec(
        "contacts",
        required=("contact_id", "created_at"),
        key="contact_id",
        ids=("contact_id",),
        nullable_ids=("account_id",),
        times=("created_at",),
    ),
    "accounts": _TableSpec(
        "accounts",
        required=("account_id",),
        key="account_id",
        ids=("account_id",),
        numbers=("employees", "annual_revenue"),
    ),
    "activities": _TableSpec(
        "activities",
        required=("contact_id", "timestamp", "activity_type"),
        ids=("contact_id",),
        times=("timestamp",),
        numbers=("value",),
        optional_text=("detail",),
    ),
    "stages": _TableSpec(
        "stages",
        required=("contact_id", "timestamp", "stage"),
        ids=("contact_id",),
        times=("timestamp",),
    ),
    "truth": _TableSpec("truth", required=("contact_id",), key="contact_id", ids=("contact_id",)),
}

#: Table names in the order they are validated and written.
TABLES: tuple[str, ...] = ("contacts", "accounts", "activities", "stages")


# --------------------------------------------------------------------------------------------
# column checks: each takes a column and returns its canonical version, or raises SchemaError
# --------------------------------------------------------------------------------------------


def _as_numbers(values: pd.Series, table: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise SchemaError(table, column, "wrong type: expected numbers, got booleans")
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = blank_to_missing(values)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        raise SchemaError(
            table, column, "wrong type: expected numbers", values=text[bad], count=int(bad.sum())
        )
    return numbers


def _check_unique(values: pd.Series, table: str, column: str) -> None:
    duplicated = values.duplicated(keep=False) & values.notna()
    if duplicated.any():
        raise SchemaError(
            table,
            column,
            "duplicate identifiers",
            values=values[duplicated],
            count=int(duplicated.sum()),
        )


def _canonical_token(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def _map_values(text: pd.Series, lookup: Mapping[str, str | None]) -> pd.Series:
    """Map text through ``lookup`` one distinct value at a time (values not in it become NA)."""
    codes, uniques = pd.factorize(text)
    mapped = np.array([lookup.get(value) for value in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=text.index, dtype="str")


def stage_names(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """Each row's canonical stage name, missing where it is blank or unknown.

    The per-row check behind :func:`_map_stages`.

    Examples
    --------
    >>> stage_names(pd.Series(["MQL", "Won", "lost"]), {"Won": "customer"}).tolist()
    ['mql', 'customer', 'lost']
    """
    text = blank_to_missing(values)
    lookup: dict[str, str | None] = {}
    for value in text.dropna().unique():
        if value in mapping:
            lookup[value] = mapping[value]
        elif _canonical_token(value) in STAGES:
            lookup[value] = _canonical_token(value)
    return _map_values(text, lookup)


def _map_stages(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    text = blank_to_missing(values)
    stages = stage_names(values, mapping)
    bad = stages.isna()
    if bad.any():
        missing = text.isna() & bad
        problem = "missing stage names" if missing.all() else "unknown stage names"
        raise SchemaError(
            "stages",
            "stage",
            problem,
            values=text[bad & text.notna()],
            count=int(bad.sum()),
            hint=f"Expected one of {list(STAGES)}; map your own names in the [stages] "
            "section of the configuration",
        )
    return stages


def _map_activity_types(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    text = blank_to_missing(values)
    missing = text.isna()
    if missing.any():
        raise SchemaError(
            "activities",
            "activity_type",
            "missing activity types",
            count=int(missing.sum()),
            values=[f"row {i}" for i in np.flatnonzero(missing.to_numpy())[:5]],
        )
    if not mapping:
        return text
    return _map_values(text, {value: mapping.get(value, value) for value in text.unique()})


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each value in ``keys`` (-1 where absent), for text identifiers.

    Uses Arrow's hash look-up, many times faster than ``Index.get_indexer`` on text.

    Examples
    --------
    >>> positions(pd.Series(["b", "x", "a"]), pd.Series(["a", "b"])).tolist()
    [1, -1, 0]
    """
    found = pc.index_in(pa.array(values, type=pa.large_string()),
                        value_set=pa.array(keys, type=pa.large_string()))  # fmt: skip
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def _rename(frame: pd.DataFrame, table: str, config: DataConfig) -> pd.DataFrame:
    mapping = dict(config.columns.get(table, {}))
    absent = {canonical: source for canonical, source in mapping.items() if source not in frame}
    required = _SPECS[table].required
    for canonical, source in absent.items():
        if canonical in required:
            raise SchemaError(
                table,
                source,
                f"missing column (mapped to {canonical!r} by the configuration)",
                hint=f"Columns present: {list(frame.columns)[:20]}",
            )
    renames = {source: canonical for canonical, source in mapping.items() if source in frame}
    clashes = [c for c in renames.values() if c in frame and c not in renames]
    if clashes:
        raise SchemaError(
            table, clashes[0], "both the column and a column mapped onto it are present"
        )
    return frame.rename(columns=renames)


def _normalise_table(frame: Any, table: str, config: DataConfig) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(table, None, f"expected a pandas DataFrame, got {type(frame).__name__}")
    spec = _SPECS[table]
    frame = _rename(frame, table, config)
    if frame.columns.duplicated().any():
        dupes = frame.columns[frame.columns.duplicated()]
        raise SchemaError(table, str(dupes[0]), "duplicate column names", values=dupes)
    missing = [c for c in spec.required if c not in frame]
    if missing:
        raise SchemaError(
            table,
            missing[0],
            "missing required column",
            hint=f"Required: {list(spec.required)}; present: {list(frame.columns)[:20]}",
        )
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        values = frame[name].reset_index(drop=True)
        name = str(name)
        if name in spec.ids or name in spec.nullable_ids:
            columns[name] = as_ids(values, table, name, nullable=name in spec.nullable_ids)
        elif name in spec.times:
            columns[name] = as_times(values, table, name)
        elif name in spec.numbers:
            columns[name] = _as_numbers(values, table, name)
        elif table == "stages" and name == "stage":
            columns[name] = _map_stages(values, config.stages)
        elif table == "activities" and name == "activity_type":
            columns[name] = _map_activity_types(values, config.activity_types)
        elif isinstance(values.dtype, pd.StringDtype):
            columns[name] = blank_to_missing(values)
        elif pd.api.types.is_object_dtype(values):
            non_missing = values.dropna()
            if non_missing.map(lambda v: isinstance(v, str)).all():
                columns[name] = blank_to_missing(values)
            else:
                kinds = sorted({type(v).__name__ for v in non_missing})
                raise SchemaError(
                    table,
                    name,
                    f"wrong type: mixed value types {kinds}",
                    values=non_missing[~non_missing.map(lambda v: isinstance(v, str))],
                )
        else:
            columns[name] = values
    for name in (*spec.nullable_ids, *spec.optional_text):
        if name not in columns:
            columns[name] = pd.Series(np.nan, index=range(len(frame)), dtype="str")
    if spec.key is not None:
        _check_unique(columns[spec.key], table, spec.key)
    ordered = [*spec.required, *(c for c in columns if c not in spec.required)]
    return pd.DataFrame({name: columns[name] for name in ordered}, index=pd.RangeIndex(len(frame)))


def _warn_future(times: pd.Series, table: str, column: str) -> None:
    """Say how many times lie in the future (a clock or export error, e.g. 2031)."""
    now = pd.Timestamp.now(tz="UTC")
    future = times > now
    if future.any():
        warnings.warn(
            f"{table}.{column}: {int(future.sum())} rows are in the future (after "
            f"{now:%Y-%m-%d %H:%M} UTC), e.g. {format_values(times[future].astype('str'))}; "
            "a feature build as of an earlier date ignores them (it uses rows before as_of only)",
            DataWarning,
            stacklevel=4,
        )


def _read_schema(path: Path) -> dict[str, dict[str, str]]:
    """The ``{table: {column: dtype}}`` of a ``schema.json`` (empty when there is none)."""
    if not path.exists():
        return {}
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"not readable JSON ({exc})"
    else:
        if isinstance(schema, dict) and all(
            isinstance(types, dict) and all(isinstance(t, str) for t in types.values())
            for types in schema.values()
        ):
            return schema
        problem = "expected {table: {column: dtype}}"
    raise SchemaError(
        SCHEMA_FILE, None, f"{path}: {problem}",
        hint="Fix the file or delete it (column types are then inferred)",
    )  # fmt: skip


def _read_table(
    path: Path, table: str, dtypes: dict[str, str] | None, text_columns: tuple[str, ...]
) -> pd.DataFrame:
    """A table file, with the column types of ``schema.json``; a value that does not have its
    column's type is named with its table and column (not pandas' bare message)."""
    try:
        return read_frame(path, table=table, dtypes=dtypes, text_columns=text_columns)
    except SchemaError:
        if not dtypes:
            raise
        text = read_frame(path, table=table, dtypes=dict.fromkeys(dtypes, "str"))
        for column, dtype in dtypes.items():
            if column in text and dtype != "str":
                _check_schema_type(text[column], table, column, dtype)
        raise


def _check_schema_type(text: pd.Series, table: str, column: str, dtype: str) -> None:
    if dtype.startswith("datetime64"):
        as_times(text, table, column, nullable=True)
        return
    present = text.dropna()
    try:
        numeric = pd.api.types.is_numeric_dtype(pd.api.types.pandas_dtype(dtype))
        bad = present[pd.to_numeric(present, errors="coerce").isna()] if numeric else present[:0]
        if len(bad):
            raise SchemaError(
                table, column, f"values do not have the type {dtype} of {SCHEMA_FILE}",
                values=bad, count=len(bad),
                hint=f"Fix the values, or the column's type in {SCHEMA_FILE}",
            )  # fmt: skip
        text.astype(pd.api.types.pandas_dtype(dtype))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, SchemaError):
            raise
        raise SchemaError(
            table, column, f"values do not have the type {dtype} of {SCHEMA_FILE}: {exc}"
        ) from exc


def _drop_unknown_contacts(frame: pd.DataFrame, table: str, known: pd.Series) -> pd.DataFrame:
    unknown = positions(frame["contact_id"], known) < 0
    if not unknown.any():
        return frame
    warnings.warn(
        f"{table}.contact_id: {int(unknown.sum())} rows refer to contacts that are not in the "
        f"contacts table, e.g. {format_values(frame.loc[unknown, 'contact_id'])};"
        " they were dropped",
        DataWarning,
        stacklevel=4,
    )
    return frame.loc[~unknown].reset_index(drop=True)


def _warn_unknown_accounts(contacts: pd.DataFrame, accounts: pd.DataFrame) -> None:
    account_ids = contacts["account_id"]
    unknown = account_ids.notna() & ~account_ids.isin(accounts["account_id"])
    if unknown.any():
        warnings.warn(
            f"contacts.account_id: {int(unknown.sum())} contacts refer to accounts that are not in "
            f"the accounts table, e.g. {format_values(account_ids[unknown])}; they are kept without"
            " account attributes",
            DataWarning,
            stacklevel=4,
        )


def _data_config(config: Config | DataConfig | None) -> DataConfig:
    if config is None:
        return DataConfig()
    if isinstance(config, Config):
        return config.data
    if isinstance(config, DataConfig):
        return config
    raise ConfigError(f"expected a leadscore Config or DataConfig, got {type(config).__name__}")


def read_tables(
    path: str | Path, *, config: Config | DataConfig | None = None
) -> dict[str, pd.DataFrame | None]:
    """The tables of a CRM folder as read, before validation (``None`` for an absent optional one).

    :meth:`CRMData.read` validates them; batch scoring first sets bad rows aside
    (:mod:`leadscore.triage`). A configuration with ``[sources]`` builds the tables from a raw
    export (:mod:`leadscore.sources`), in canonical column names.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataNotFoundError(f"{folder}: no such data folder")
    if isinstance(config, Config) and config.sources is not None:
        from leadscore.sources import build_tables  # sources builds on this module

        built = build_tables(folder, config)
        return {
            "contacts": built.contacts,
            "activities": built.activities,
            "stages": built.stages,
            "accounts": built.accounts,
            "truth": None,
        }
    data_config = _data_config(config)
    schema = _read_schema(folder / SCHEMA_FILE)
    frames: dict[str, pd.DataFrame | None] = {}
    for table in (*TABLES, "truth"):
        candidates = [
            folder / f"{table}.{suffix}"
            for suffix in ("parquet", "pq", "csv", "csv.gz")
            if (folder / f"{table}.{suffix}").exists()
        ]
        if len(candidates) > 1:
            raise SchemaError(
                table,
                None,
                f"more than one file in {folder}",
                values=[c.name for c in candidates],
            )
        if not candidates:
            if table in ("contacts", "activities", "stages"):
                raise DataNotFoundError(f"{table}: no {table}.parquet or {table}.csv in {folder}")
            frames[table] = None
            continue
        spec = _SPECS[table]
        mapped = data_config.columns.get(table, {})
        text_columns = tuple(mapped.get(c, c) for c in (*spec.ids, *spec.nullable_ids))
        frames[table] = _read_table(candidates[0], table, schema.get(table), text_columns)
    return frames


class CRMData:
    """The tables of a CRM: contacts, accounts (optional), activities and the stage history.

    Building a CRMData validates every table against the data contract (DESIGN section 3) and
    keeps canonical copies; the frames passed in are never modified.

    Parameters
    ----------
    contacts : DataFrame
        ``contact_id`` (unique), ``created_at``, optional ``account_id`` and attribute columns.
    activities : DataFrame
        ``contact_id``, ``timestamp``, ``activity_type``, optional ``detail``.
    stages : DataFrame
        ``contact_id``, ``timestamp``, ``stage``.
    accounts : DataFrame, optional
        ``account_id`` (unique) and attribute columns.
    truth : DataFrame, optional
        Known per-criterion effects per contact (synthetic data only, see :func:`make_crm`).
    config : Config or DataConfig, optional
        Maps the caller's column, stage and activity type names onto the canonical ones.

    Raises
    ------
    SchemaError
        When a table breaks the contract: the message names the table, the column, the problem,
        the number of rows and up to five offending values.

    Warns
    -----
    DataWarning
        Activities and stage rows of contacts missing from ``contacts`` are dropped; contacts
        whose account is missing from ``accounts`` are kept without account attributes.

    Examples
    --------
    >>> import pandas as pd
    >>> crm = CRMData(
    ...     contacts=pd.DataFrame({"contact_id": [1, 2],
    ...                            "created_at": ["2025-01-01", "2025-01-03"]}),
    ...     activities=pd.DataFrame({"contact_id": [1], "timestamp": ["2025-01-02T09:00Z"],
    ...                              "activity_type": ["email_open"]}),
    ...     stages=pd.DataFrame({"contact_id": [1], "timestamp": ["2025-01-05"], "stage": ["MQL"]}),
    ... )
    >>> crm.contacts["contact_id"].tolist(), crm.stages["stage"].tolist()
    (['1', '2'], ['mql'])
    """

    def __init__(
        self,
        contacts: pd.DataFrame,
        activities: pd.DataFrame,
        stages: pd.DataFrame,
        accounts: pd.DataFrame | None = None,
        *,
        truth: pd.DataFrame | None = None,
        config: Config | DataConfig | None = None,
    ) -> None:
        data_config = _data_config(config)
        self.contacts = _normalise_table(contacts, "contacts", data_config)
        if self.contacts.empty:
            raise SchemaError(
                "contacts", None, "no rows: the export holds no contacts",
                hint="Export at least one contact (a header alone is not enough)",
            )  # fmt: skip
        self.accounts = (
            None if accounts is None else _normalise_table(accounts, "accounts", data_config)
        )
        known = self.contacts["contact_id"]
        activities = _normalise_table(activities, "activities", data_config)
        self.activities = _drop_unknown_contacts(activities, "activities", known)
        self.stages = _drop_unknown_contacts(
            _normalise_table(stages, "stages", data_config), "stages", known
        )
        if self.accounts is not None:
            _warn_unknown_accounts(self.contacts, self.accounts)
        for table, frame in (("activities", self.activities), ("stages", self.stages)):
            _warn_future(frame["timestamp"], table, "timestamp")
        self.truth = None
        if truth is not None:
            self.truth = _normalise_table(truth, "truth", DataConfig())
            unknown = ~self.truth["contact_id"].isin(known)
            if unknown.any():
                raise SchemaError(
                    "truth",
                    "contact_id",
                    "contacts not in the contacts table",
                    values=self.truth.loc[unknown, "contact_id"],
                    count=int(unknown.sum()),
                )

    # ----------------------------------------------------------------------------------------

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by name (``truth`` included when known)."""
        tables = {
            "contacts": self.contacts,
            "accounts": self.accounts,
            "activities": self.activities,
            "stages": self.stages,
            "truth": self.truth,
        }
        return {name: frame for name, frame in tables.items() if frame is not None}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(frame):,}" for name, frame in self.tables.items())
        return f"CRMData({sizes})"

    def time_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last timestamp over contacts, activities and stages."""
        times = [
            self.contacts["created_at"],
            self.activities["timestamp"],
            self.stages["timestamp"],
        ]
        present = [t for t in times if len(t)]
        return min(t.min() for t in present), max(t.max() for t in present)

    def summary(self) -> pd.DataFrame:
        """Sizes and funnel base rates, one row per measure (``measure``, ``value``, ``unit``).

        ``unit`` is ``count``, ``time``, ``activities`` or ``share``. ``reached <stage>``
        counts contacts that ever reached a stage. The year-cohort rates use the contacts
        created at least a year before the last timestamp: the share that reached sql or later
        within a year of creation, and the share of those that became customers.
        """
        first, last = self.time_span()
        per_contact = self.activities.groupby("contact_id").size()
        activity_counts = per_contact.reindex(self.contacts["contact_id"], fill_value=0)
        first_reached = self.stages.pivot_table(
            index="contact_id", columns="stage", values="timestamp", aggfunc="min"
        ).reindex(self.contacts["contact_id"])
        n = len(self.contacts)
        rows: list[tuple[str, Any, str]] = [
            ("contacts", n, "count"),
            ("accounts", 0 if self.accounts is None else len(self.accounts), "count"),
            ("activities", len(self.activities), "count"),
            ("stage rows", len(self.stages), "count"),
            ("first timestamp", first.isoformat(), "time"),
            ("last timestamp", last.isoformat(), "time"),
            ("activities per contact, median", float(activity_counts.median()), "activities"),
            ("activities per contact, mean", float(activity_counts.mean()), "activities"),
            (
                "activities per contact, 99th percentile",
                float(activity_counts.quantile(0.99)),
                "activities",
            ),
            ("contacts without activity", float((activity_counts == 0).mean()), "share"),
        ]
        for stage in STAGES[1:]:
            reached = first_reached[stage].notna() if stage in first_reached else pd.Series(False)
            rows.append((f"reached {stage}", float(reached.sum() / n), "share"))
        created = self.contacts.set_index("contact_id")["created_at"]
        cohort = created[created <= last - pd.Timedelta(days=365)]
        prospect_columns = [s for s in TARGET_STAGES["prospect"] if s in first_reached]
        prospect_at = (
            first_reached.loc[cohort.index, prospect_columns].min(axis=1)
            if prospect_columns
            else pd.Series(pd.NaT, index=cohort.index, dtype=TIME_DTYPE)
        )
        prospect_in_year = (prospect_at - cohort) < pd.Timedelta(days=365)
        customer = (
            first_reached.loc[prospect_in_year[prospect_in_year].index, "customer"].notna()
            if "customer" in first_reached
            else pd.Series(dtype=bool)
        )
        rows += [
            ("year cohort: contacts", len(cohort), "count"),
            ("year cohort: reached sql within a year", float(prospect_in_year.mean()), "share"),
            (
                "year cohort: customers among those",
                float(customer.mean()) if len(customer) else np.nan,
                "share",
            ),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    # ----------------------------------------------------------------------------------------

    @classmethod
    def read(cls, path: str | Path, *, config: Config | DataConfig | None = None) -> CRMData:
        """Read a folder of ``contacts``, ``accounts`` (optional), ``activities`` and ``stages``.

        Each table is a file named after it with the suffix ``.parquet`` or ``.csv``. Column,
        stage and activity names are mapped by ``config``. When ``config`` has a ``[sources]``
        section, the folder holds a raw export instead and the tables are built from its files
        by :func:`leadscore.sources.build_tables`. A ``schema.json`` written by
        :meth:`write` restores exact CSV column types; without it types are inferred, and
        identifier columns are always read as text.

        Examples
        --------
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> from leadscore import make_crm
        >>> crm = make_crm(200, seed=1)
        >>> _ = crm.write(folder, format="csv")
        >>> CRMData.read(folder).contacts.equals(crm.contacts)
        True
        """
        frames = read_tables(path, config=config)
        if isinstance(config, Config) and config.sources is not None:
            # the tables are built in canonical columns; stage and type names still map
            data_config = DataConfig(
                stages=config.data.stages, activity_types=config.data.activity_types
            )
        else:
            data_config = _data_config(config)
        return cls(
            contacts=frames["contacts"],  # type: ignore[arg-type]
            activities=frames["activities"],  # type: ignore[arg-type]
            stages=frames["stages"],  # type: ignore[arg-type]
            accounts=frames["accounts"],
            truth=frames["truth"],
            config=data_config,
        )

    def write(self, path: str | Path, *, format: Literal["parquet", "csv"] = "parquet") -> Path:
        """Write every table to ``path/<table>.<format>``, each file atomically.

        CSV output comes with a ``schema.json`` of column types so that :meth:`read` gives back
        exactly the same frames. Files of the other format for the same tables are removed, so
        the folder always holds one version of each table.
        """
        if format not in FORMATS:
            raise ConfigError(f"unknown format {format!r}; expected one of {list(FORMATS)}")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        schema: dict[str, dict[str, str]] = {}
        for table, frame in self.tables.items():
            write_frame(frame, folder / f"{table}.{format}", format=format)
            schema[table] = {str(c): str(t) for c, t in frame.dtypes.items()}
            for other in ("parquet", "pq", "csv", "csv.gz"):
                if other != format:
                    (folder / f"{table}.{other}").unlink(missing_ok=True)
        for table in ("accounts", "truth"):
            if table not in self.tables:
                for suffix in ("parquet", "pq", "csv", "csv.gz"):
                    (folder / f"{table}.{suffix}").unlink(missing_ok=True)
        if format == "csv":
            with atomic_path(folder / SCHEMA_FILE) as tmp:
                tmp.write_text(json.dumps(schema, indent=2, sort_keys=True))
        else:
            (folder / SCHEMA_FILE).unlink(missing_ok=True)
        return folder
