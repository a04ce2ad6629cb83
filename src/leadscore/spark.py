"""The scoring job on Spark: the same features and scores as the pandas engine (DESIGN section 10).

Nothing here re-implements leadscore: Spark only moves rows. The export is read by Spark
(:func:`read_crm`), every row is given the *group* its features need, and each group runs
leadscore's own pandas code with ``applyInPandas``: :func:`leadscore.triage.triage` (bad rows
to rejects) and :func:`leadscore.build_features`. A group is a hash bucket of accounts: all the
contacts of an account (its buying group), their activities and stages, and the account itself,
are in one group; contacts without an account are bucketed by a hash of their ``contact_id``.
What must be the same in every group is fixed before: the configuration (activity types, stage
names, windows) travels to every group, and the categories of a text feature are the values of
the text, so no group can give a level another code (the model maps categories by name).

Scores come from the scorer shipped to the workers as its saved files (LightGBM text and JSON,
nothing pickled), loaded once per Python worker, and applied batch by batch with
``mapInPandas`` by :func:`leadscore.scoring.scores_table`: the very code of the pandas engine.
Why not ``mlflow.pyfunc.spark_udf``: see ``docs/spark.md`` (it has not been measured yet).

Install with ``pip install "leadscore[spark]"``; Spark needs Java 17 or later.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leadscore._conventions import to_utc
from leadscore.config import Config, load_config
from leadscore.data import SCHEMA_FILE, TABLES
from leadscore.domain import TARGETS
from leadscore.errors import ConfigError, DataNotFoundError, LeadscoreError, SchemaError
from leadscore.triage import REASONS, REJECT_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from leadscore.scorer import LeadScorer
    from leadscore.scoring import ScoringSummary

__all__ = [
    "DEFAULT_CONTACTS_PER_GROUP",
    "SparkBatch",
    "SparkCRM",
    "build_features",
    "read_crm",
    "score",
    "score_export",
    "session",
    "to_pandas",
    "triage_features",
]

#: Contacts per ``applyInPandas`` group (a hash bucket of accounts): big enough that the
#: per-group cost of pandas is small, small enough that a group fits a worker's memory.
DEFAULT_CONTACTS_PER_GROUP = 20_000

_GROUP = "_group"
_ROW = "_row"
_TABLE = "_table"
_KIND = "_kind"
_SEP = "__"
_OTHER_TABLES = ("activities", "stages", "accounts")
_PLACEHOLDER = "\x00leadscore:placeholder"
_COUNT_FIELDS = ("rows", "used", "rejected", "with_rejected_contact", "after_as_of")


def _spark_modules() -> tuple[Any, Any]:
    try:
        from pyspark.sql import functions, types
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError(
            'the Spark engine needs pyspark: pip install "leadscore[spark]" (and Java 17+)'
        ) from exc
    return functions, types


def session(master: str = "local[*]", *, app_name: str = "leadscore", **conf: str) -> SparkSession:
    """A SparkSession set up for leadscore: UTC session time zone, Arrow transfers.

    An active session (Databricks, ``spark-submit``) is reused; ``master`` applies only when a
    new one is started. ``conf`` adds Spark settings (``spark_sql_shuffle_partitions="4"``
    for ``spark.sql.shuffle.partitions``).

    Examples
    --------
    >>> spark = session("local[2]", spark_ui_enabled="false")  # doctest: +SKIP
    """
    _spark_modules()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",  # read back as UTC
        **{key.replace("_", "."): value for key, value in conf.items()},
    }
    if master.startswith("local"):  # workers run this Python, with leadscore installed
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SparkCRM:
    """The tables of a CRM export as Spark DataFrames, in the export's own column names.

    Each table has ``_row`` (its row in the file, from 0) and ``_group`` (the group whose
    pandas code sees the row); ``accounts`` is ``None`` when the export has none.
    """

    contacts: DataFrame
    activities: DataFrame
    stages: DataFrame
    accounts: DataFrame | None
    config: Config
    n_groups: int


def _as_config(config: Config | str | Path | None) -> Config:
    if isinstance(config, Config):
        return config
    return load_config(config) if config is not None else Config()


def _exists(spark: SparkSession, path: str) -> bool:
    jvm: Any = spark._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark._jsc.hadoopConfiguration())
    return bool(fs.exists(hadoop_path))


def _table_file(spark: SparkSession, folder: str, table: str) -> str | None:
    found = [
        f"{folder}/{table}.{suffix}"
        for suffix in ("parquet", "pq", "csv", "csv.gz")
        if _exists(spark, f"{folder}/{table}.{suffix}")
    ]
    if len(found) > 1:
        raise SchemaError(table, None, f"more than one file in {folder}", values=found)
    return found[0] if found else None


def _spark_type(dtype: str) -> str | None:
    """The Spark type of a ``schema.json`` dtype (``None``: keep the text, parsed later)."""
    if dtype.startswith(("int", "Int", "uint", "UInt")):
        return "bigint"
    if dtype.startswith(("float", "Float")):
        return "double"
    if dtype in ("bool", "boolean"):
        return "boolean"
    return None


def _read_table(
    spark: SparkSession, path: str, dtypes: Mapping[str, str] | None, text_columns: set[str]
) -> DataFrame:
    F, _ = _spark_modules()
    if not path.endswith((".csv", ".csv.gz")):
        return spark.read.parquet(path)
    text = spark.read.csv(path, header=True, inferSchema=False, mode="PERMISSIVE")
    if dtypes:  # the types leadscore wrote beside the CSV files (times stay text: triage parses)
        casts = {c: _spark_type(t) for c, t in dtypes.items() if c in text.columns}
    else:  # inferred like pandas would, identifiers always text
        inferred = spark.read.csv(path, header=True, inferSchema=True).schema
        casts = {f.name: f.dataType.simpleString() for f in inferred.fields}
        casts = {c: t if t in ("int", "bigint", "double", "boolean") else None
                 for c, t in casts.items()}  # fmt: skip
    return text.select(
        *(
            F.col(f"`{c}`").cast(casts[c]).alias(c)
            if casts.get(c) and c not in text_columns
            else F.col(f"`{c}`")
            for c in text.columns
        )
    )


def _with_rows(frame: DataFrame) -> DataFrame:
    """``frame`` with ``_row``: the row's position in the file, from 0, in one pass."""
    F, _ = _spark_modules()
    marked = frame.withColumn("_id", F.monotonically_increasing_id())
    part, local = F.shiftright("_id", 33), F.col("_id").bitwiseAND((1 << 33) - 1)
    sizes = marked.groupBy(part.alias("part")).count().collect()
    offsets, total = {}, 0
    for row in sorted(sizes, key=lambda r: r["part"]):
        offsets[int(row["part"])] = total
        total += int(row["count"])
    start = F.create_map(*(x for k, v in offsets.items() for x in (F.lit(k), F.lit(v))))
    first = F.lit(0) if not offsets else start[part]
    return marked.withColumn(_ROW, (first + local).cast("bigint")).drop("_id")


def _source(config: Config, table: str, column: str) -> str:
    return str(dict(config.data.columns.get(table, {})).get(column, column))


def _id_text(frame: DataFrame, column: str) -> Any:
    """An identifier as the text :func:`leadscore._conventions.as_ids` makes of it."""
    F, T = _spark_modules()
    value = F.col(f"`{column}`")
    kind = frame.schema[column].dataType
    if isinstance(kind, T.FractionalType | T.IntegralType):
        value = value.cast("bigint")
    text = value.cast("string")
    return F.when(F.trim(text) == "", None).otherwise(text)


def _require(frame: DataFrame, table: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            table, missing[0], "missing required column",
            hint=f"Present: {frame.columns[:20]}",
        )  # fmt: skip


def read_crm(
    spark: SparkSession,
    path: str | Path,
    config: Config | str | Path | None = None,
    *,
    contacts_per_group: int = DEFAULT_CONTACTS_PER_GROUP,
) -> SparkCRM:
    """The tables of a CRM export folder as Spark DataFrames, grouped for the pandas code.

    The folder is the one :meth:`leadscore.CRMData.read` reads (``contacts``, ``activities``,
    ``stages`` and optional ``accounts``, each ``.parquet`` or ``.csv``; a ``schema.json``
    gives CSV column types), on any file system Spark reads (local, HDFS, ``s3a://``,
    ``dbfs:/``). ``config`` maps the export's column, stage and activity type names as for the
    pandas engine; bad rows are set aside per row by :func:`triage_features`, as in the
    scoring job. A configuration with ``[sources]`` (a raw export of several files) is not read
    here: build the contract's tables with the pandas engine first.

    Examples
    --------
    >>> crm = read_crm(spark, "s3a://crm/exports/today")  # doctest: +SKIP
    >>> crm.contacts.count()  # doctest: +SKIP
    2000
    """
    F, _ = _spark_modules()
    config = _as_config(config)
    if config.sources is not None:
        raise ConfigError(
            "the Spark engine reads exports in the data contract's tables; this configuration "
            "has [sources] (a raw export): write the tables with `leadscore` first, or drop "
            "--engine spark"
        )
    if contacts_per_group < 1:
        raise ConfigError(
            f"contacts_per_group: expected a positive number, got {contacts_per_group}"
        )
    folder = str(path).rstrip("/")
    if not _exists(spark, folder):
        raise DataNotFoundError(f"{folder}: no such data folder")
    schema: dict[str, dict[str, str]] = {}
    if _exists(spark, f"{folder}/{SCHEMA_FILE}"):
        text = spark.read.text(f"{folder}/{SCHEMA_FILE}", wholetext=True).first()
        schema = json.loads(text[0]) if text else {}
    frames: dict[str, DataFrame | None] = {}
    for table in TABLES:
        file = _table_file(spark, folder, table)
        if file is None:
            if table != "accounts":
                raise DataNotFoundError(f"{table}: no {table}.parquet or {table}.csv in {folder}")
            frames[table] = None
            continue
        ids = {_source(config, table, c) for c in ("contact_id", "account_id")}
        frames[table] = _with_rows(_read_table(spark, file, schema.get(table), ids))

    contacts = frames["contacts"]
    assert contacts is not None
    contact_id = _source(config, "contacts", "contact_id")
    account_id = _source(config, "contacts", "account_id")
    _require(contacts, "contacts", [contact_id, _source(config, "contacts", "created_at")])
    n_groups = max(1, math.ceil(contacts.count() / contacts_per_group))

    def bucket(text: Any) -> Any:
        return F.pmod(F.xxhash64(text), F.lit(n_groups)).cast("int")

    cid = _id_text(contacts, contact_id)
    aid = _id_text(contacts, account_id) if account_id in contacts.columns else F.lit(None)
    duplicated = F.count(F.lit(1)).over(_window_by(cid)) > 1
    by_contact = F.concat(F.lit("c"), cid)
    keyed = contacts.withColumn(
        _GROUP,
        bucket(
            F.when(cid.isNull(), F.concat(F.lit("r"), F.col(_ROW).cast("string")))
            .when(duplicated | aid.isNull(), by_contact)
            .otherwise(F.concat(F.lit("a"), aid))
        ),
    )
    groups = keyed.select(cid.alias("_cid"), F.col(_GROUP).alias("_known")).dropna().distinct()
    tables: dict[str, DataFrame | None] = {"contacts": keyed}
    for table in ("activities", "stages"):
        frame = frames[table]
        assert frame is not None
        _require(frame, table, [_source(config, table, "contact_id")])
        event_cid = _id_text(frame, _source(config, table, "contact_id"))
        joined = frame.withColumn("_cid", event_cid).join(groups, "_cid", "left")
        fallback = F.when(F.col("_cid").isNull(), F.concat(F.lit("r"), F.col(_ROW).cast("string")))
        tables[table] = joined.withColumn(
            _GROUP,
            F.coalesce(F.col("_known"), bucket(fallback.otherwise(F.concat(F.lit("c"), "_cid")))),
        ).drop("_cid", "_known")
    accounts = frames["accounts"]
    if accounts is not None:
        _require(accounts, "accounts", [_source(config, "accounts", "account_id")])
        account_key = F.concat(
            F.lit("a"), _id_text(accounts, _source(config, "accounts", "account_id"))
        )
        accounts = accounts.withColumn(
            _GROUP,
            bucket(F.coalesce(account_key, F.concat(F.lit("r"), F.col(_ROW).cast("string")))),
        )
    return SparkCRM(
        contacts=keyed,
        activities=tables["activities"],  # type: ignore[arg-type]
        stages=tables["stages"],  # type: ignore[arg-type]
        accounts=accounts,
        config=config,
        n_groups=n_groups,
    )


def _window_by(column: Any) -> Any:
    from pyspark.sql import Window

    return Window.partitionBy(column)


# --------------------------------------------------------------------------------------------
# triage and features, per group
# --------------------------------------------------------------------------------------------


def _events(crm: SparkCRM) -> DataFrame:
    """Activities, stages and accounts in one frame (columns prefixed by table), for cogroup."""
    F, _ = _spark_modules()
    parts = []
    for table in _OTHER_TABLES:
        frame = getattr(crm, table)
        if frame is None:
            continue
        parts.append(
            frame.select(
                F.lit(table).alias(_TABLE),
                F.col(_GROUP),
                F.col(_ROW),
                *(
                    F.col(f"`{c}`").alias(f"{table}{_SEP}{c}")
                    for c in frame.columns
                    if c not in (_GROUP, _ROW)
                ),
            )
        )
    events = parts[0]
    for part in parts[1:]:
        events = events.unionByName(part, allowMissingColumns=True)
    result: DataFrame = events
    return result


@dataclasses.dataclass(frozen=True)
class _GroupJob:
    """What every group runs: triage, then features; its output is one frame of three kinds."""

    config: dict[str, Any]
    as_of: pd.Timestamp
    as_of_is_now: bool
    has_accounts: bool
    columns: dict[str, list[str]]  # the export's columns per table (without _row, _group)

    def frames(
        self, contacts: pd.DataFrame, events: pd.DataFrame
    ) -> tuple[dict[str, pd.DataFrame | None], dict[str, np.ndarray]]:
        contacts = contacts.sort_values(_ROW, kind="stable")
        frames: dict[str, pd.DataFrame | None] = {
            "contacts": self.with_placeholder(contacts[self.columns["contacts"]], "contacts")
        }
        rows = {"contacts": np.append(contacts[_ROW].to_numpy(dtype=np.int64), -1)}
        for table in _OTHER_TABLES:
            if table == "accounts" and not self.has_accounts:
                frames[table] = None
                continue
            part = events[events[_TABLE] == table].sort_values(_ROW, kind="stable")
            names = self.columns[table]
            frame = pd.DataFrame(
                {c: part[f"{table}{_SEP}{c}"].to_numpy() for c in names}, columns=names
            )
            rows[table] = part[_ROW].to_numpy(dtype=np.int64)
            if table == "stages":  # the placeholder's one stage row (a CRMData needs stages)
                frame = self.with_placeholder(frame, "stages")
                rows[table] = np.append(rows[table], -1)
            frames[table] = frame
        return frames, rows

    def with_placeholder(self, frame: pd.DataFrame, table: str) -> pd.DataFrame:
        """``frame`` and a row of one made-up contact at the end: created, and a lead, at the
        epoch; no account, no activity.

        A group whose contacts are all bad (or an empty frame, to learn the output schema)
        still makes a CRMData, which refuses an empty table; the placeholder is taken out of
        every output (:meth:`without_placeholder`) and changes no other contact's features.
        """
        config = Config.from_dict(self.config)
        time_column = _source(config, table, "created_at" if table == "contacts" else "timestamp")
        times = frame[time_column]
        epoch: object = "1970-01-01T00:00:00Z"
        if pd.api.types.is_datetime64_any_dtype(times):
            epoch = pd.Timestamp(0, tz=getattr(times.dtype, "tz", None))
        extra = {
            _source(config, table, "contact_id"): [_PLACEHOLDER],
            time_column: pd.Series([epoch], dtype=times.dtype),
        }
        if table == "stages":
            extra[_source(config, table, "stage")] = ["lead"]
        return pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)

    @staticmethod
    def without_placeholder(
        features: pd.DataFrame, rejects: pd.DataFrame, tables: dict[str, dict[str, int]]
    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, int]]]:
        contacts = dict(tables["contacts"])
        contacts["rows"] -= 1
        scored = features["contact_id"].eq(_PLACEHOLDER)
        contacts["used" if scored.any() else "rejected"] -= 1
        stages = dict(tables["stages"])  # its one stage row, used
        stages["rows"] -= 1
        stages["used"] -= 1
        rejected = rejects["contact_id"].eq(_PLACEHOLDER) & rejects["table"].eq("contacts")
        return (
            features.loc[~scored].reset_index(drop=True),
            rejects.loc[~rejected].reset_index(drop=True),
            {**tables, "contacts": contacts, "stages": stages},
        )

    def __call__(self, contacts: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
        from leadscore.features import build_features as pandas_features
        from leadscore.triage import triage

        config = Config.from_dict(self.config)
        frames, rows = self.frames(contacts, events)
        checked = triage(frames, self.as_of, config=config, as_of_is_now=self.as_of_is_now)
        features = pandas_features(checked.crm, self.as_of, config=config)
        features[_ROW] = rows["contacts"][_kept_rows(checked, features)]
        features, rejects, tables = self.without_placeholder(
            features, checked.rejects, checked.tables
        )
        for table, file_rows in rows.items():
            mask = rejects["table"] == table
            rejects.loc[mask, "row"] = file_rows[rejects.loc[mask, "row"].to_numpy(dtype=np.int64)]
        counts = pd.DataFrame(
            [(table, *(n[f] for f in _COUNT_FIELDS)) for table, n in tables.items()],
            columns=["table", *_COUNT_FIELDS],
        )
        return _combine(features, rejects, counts)


def _kept_rows(checked: Any, features: pd.DataFrame) -> np.ndarray:
    """Positions in the group's contacts frame of the contacts of ``features``."""
    from leadscore.data import positions

    kept = checked.crm.contacts["contact_id"]
    found: np.ndarray = _valid_positions(checked)[positions(features["contact_id"], kept)]
    return found


def _valid_positions(checked: Any) -> np.ndarray:
    """Positions in the group's contacts frame of ``checked.crm``'s contacts (bad data out)."""
    bad_kinds = {code for code, reason in REASONS.items() if reason.kind == "bad_data"}
    rejects = checked.rejects
    bad = rejects.loc[(rejects["table"] == "contacts") & rejects["reason_code"].isin(bad_kinds)]
    n = len(checked.crm.contacts) + len(bad)
    return np.setdiff1d(np.arange(n), bad["row"].to_numpy(dtype=np.int64))


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("str")
    return pd.Series(text.astype(object).where(text.notna(), None).to_numpy(), index=values.index)


def _combine(features: pd.DataFrame, rejects: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The group's three outputs stacked in one frame: ``_kind`` says which a row is."""
    columns: dict[str, pd.Series] = {}
    for name in features.columns:
        values = features[name]
        plain = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        columns[str(name)] = _text(values) if plain else values
    parts = [
        pd.DataFrame(columns).assign(**{_KIND: "features"}),
        pd.DataFrame(
            {
                f"reject{_SEP}{c}": _text(rejects[c]) if c != "row" else rejects[c]
                for c in REJECT_COLUMNS
            }
        ).assign(**{_KIND: "rejects"}),
        counts.add_prefix(f"count{_SEP}").assign(**{_KIND: "counts"}),
    ]
    dtypes: dict[str, Any] = {}
    for part in parts:
        for column, dtype in part.dtypes.items():
            name = str(column)
            integer = pd.api.types.is_integer_dtype(dtype)
            text = isinstance(dtype, pd.StringDtype)  # Arrow-backed text: plain objects
            dtypes[str(name)] = "Int64" if integer else object if text else dtype
    stacked = pd.concat([p.astype({c: dtypes[str(c)] for c in p.columns}) for p in parts],
                        ignore_index=True)  # fmt: skip
    return stacked.astype(dtypes)


def _spark_field(name: str, dtype: Any) -> Any:
    _, T = _spark_modules()
    if dtype == np.float32:
        kind = T.FloatType()
    elif pd.api.types.is_float_dtype(dtype):
        kind = T.DoubleType()
    elif pd.api.types.is_integer_dtype(dtype):
        kind = T.LongType()
    elif pd.api.types.is_bool_dtype(dtype):
        kind = T.BooleanType()
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        kind = T.TimestampType()
    else:
        kind = T.StringType()
    return T.StructField(name, kind, True)


def _schema_of(frame: pd.DataFrame) -> Any:
    _, T = _spark_modules()
    return T.StructType([_spark_field(str(c), t) for c, t in frame.dtypes.items()])


@dataclasses.dataclass(frozen=True)
class SparkBatch:
    """The triage and features of an export at ``as_of`` (see :func:`triage_features`)."""

    output: DataFrame  # the groups' stacked output, persisted
    feature_columns: list[str]
    as_of: pd.Timestamp

    @property
    def features(self) -> DataFrame:
        """One row per eligible contact: ``contact_id``, ``account_id``, the features."""
        F, _ = _spark_modules()
        return self.output.filter(F.col(_KIND) == "features").select(
            *(F.col(f"`{c}`") for c in self.feature_columns)
        )

    @property
    def rejects(self) -> DataFrame:
        """One row per row set aside (:data:`leadscore.triage.REJECT_COLUMNS`)."""
        F, _ = _spark_modules()
        return self.output.filter(F.col(_KIND) == "rejects").select(
            *(F.col(f"reject{_SEP}{c}").alias(c) for c in REJECT_COLUMNS)
        )

    def tables(self) -> dict[str, dict[str, int]]:
        """Rows per table and what became of them, summed over the groups."""
        F, _ = _spark_modules()
        sums = (
            self.output.filter(F.col(_KIND) == "counts")
            .groupBy(F.col(f"count{_SEP}table").alias("table"))
            .agg(*(F.sum(f"count{_SEP}{f}").alias(f) for f in _COUNT_FIELDS))
            .collect()
        )
        found = {r["table"]: {f: int(r[f] or 0) for f in _COUNT_FIELDS} for r in sums}
        return {t: found.get(t, dict.fromkeys(_COUNT_FIELDS, 0)) for t in TABLES if t != "accounts"}

    def unpersist(self) -> None:
        """Free the cached output."""
        self.output.unpersist()


def triage_features(
    crm: SparkCRM, as_of: object, *, as_of_is_now: bool = False, config: Config | None = None
) -> SparkBatch:
    """Bad rows set aside and features built, group by group, with the pandas engine's code.

    ``config`` holds the feature settings (the model's, when scoring); ``crm.config`` reads the
    export. Each group runs :func:`leadscore.triage.triage` and
    :func:`leadscore.build_features` on its contacts, their accounts, activities and stages:
    everything a contact's features need, its account's other contacts included.
    """
    when = to_utc(as_of)
    read_config = crm.config
    if config is not None:  # the model's features, the export's names
        read_config = dataclasses.replace(read_config, features=config.features)
    columns = {
        table: [c for c in frame.columns if c not in (_GROUP, _ROW)]
        for table in TABLES
        if (frame := getattr(crm, table)) is not None
    }
    job = _GroupJob(
        config=read_config.to_dict(),
        as_of=when,
        as_of_is_now=as_of_is_now,
        has_accounts=crm.accounts is not None,
        columns=columns,
    )
    events = _events(crm)
    empty = job(crm.contacts.limit(0).toPandas(), events.limit(0).toPandas())
    feature_columns = [c for c in empty.columns if c not in (_KIND,) and _SEP not in c]
    from pyspark import StorageLevel

    output = (
        crm.contacts.groupBy(_GROUP)
        .cogroup(events.groupBy(_GROUP))
        .applyInPandas(lambda contacts, events: job(contacts, events), _schema_of(empty))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    return SparkBatch(output, [c for c in feature_columns if c != _ROW], when)


def build_features(crm: SparkCRM, as_of: object, *, config: Config | None = None) -> DataFrame:
    """The features of :func:`leadscore.build_features`, computed on Spark.

    Rows of the export that the pandas engine would refuse are set aside first, as in the
    scoring job (:func:`triage_features` gives them). Floats are the pandas engine's to the
    bit: each group runs the same code on the same rows in the same order.

    Examples
    --------
    >>> X = build_features(read_crm(spark, "exports/today"), "2026-01-01")  # doctest: +SKIP
    """
    return triage_features(crm, as_of, config=config).features


def to_pandas(features: DataFrame) -> pd.DataFrame:
    """A Spark feature table as the pandas engine's: text features categorical, floats float32.

    The categories of each text column are its sorted values (those the pandas engine gives
    the export's eligible contacts; it may list a few more levels, of contacts not scored).
    """
    frame = features.toPandas()
    for name in frame.columns:
        if name in ("contact_id", "account_id"):
            frame[name] = frame[name].astype("str")
        elif not pd.api.types.is_numeric_dtype(frame[name]):
            text = frame[name].astype("str")
            frame[name] = text.astype(pd.CategoricalDtype(sorted(text.dropna().unique())))
    return frame


# --------------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------------


def _scorer_files(scorer: LeadScorer) -> dict[str, bytes]:
    """The scorer's saved folder as bytes per relative path (LightGBM text and JSON)."""
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "scorer"
        scorer.save(saved)
        return {
            str(p.relative_to(saved)): p.read_bytes()
            for p in sorted(saved.rglob("*"))
            if p.is_file()
        }


_SCORERS: dict[str, LeadScorer] = {}


def _worker_scorer(files: Mapping[str, bytes]) -> LeadScorer:
    """The scorer of ``files``, loaded once per Python worker process."""
    from leadscore.scorer import LeadScorer

    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(name.encode() + b"\0" + content)
    key = digest.hexdigest()
    if key not in _SCORERS:
        with tempfile.TemporaryDirectory() as folder:
            for name, content in files.items():
                target = Path(folder) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            _SCORERS[key] = LeadScorer.load(folder)
    return _SCORERS[key]


def _scores_for_spark(scores: pd.DataFrame) -> pd.DataFrame:
    text = [c for c in scores.columns if not pd.api.types.is_numeric_dtype(scores[c])
            and not pd.api.types.is_datetime64_any_dtype(scores[c])]  # fmt: skip
    return scores.assign(**{c: _text(scores[c]) for c in text})


def score(
    features: DataFrame,
    model: Any,
    *,
    as_of: object | None = None,
    reasons: bool = True,
    tracking_uri: str | None = None,
) -> DataFrame:
    """The scores table (DESIGN section 6) of a Spark feature table, reasons included.

    ``model`` is what :func:`leadscore.scoring.resolve_model` takes: a saved folder,
    ``models:/NAME@ALIAS`` (read from ``tracking_uri`` by the driver), or a LeadScorer. The
    driver ships the scorer's saved files (text and JSON) to the workers; each Python worker
    loads it once and scores its batches with :func:`leadscore.scoring.scores_table`.

    Examples
    --------
    >>> scores = score(build_features(crm, "2026-01-01"), "models:/leadscore@champion",
    ...                as_of="2026-01-01")  # doctest: +SKIP
    """
    from leadscore.scoring import resolve_model, scores_table

    scorer, _, _ = resolve_model(model, tracking_uri)
    files = _scorer_files(scorer)
    when = None if as_of is None else to_utc(as_of)
    blank = to_pandas(features.limit(0)).reindex([0])  # one row of missing values
    blank[["contact_id", "account_id"]] = "-"
    schema = _schema_of(_scores_for_spark(scores_table(scorer, blank, when, reasons=reasons)))

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        worker = _worker_scorer(files)
        for batch in batches:
            yield _scores_for_spark(scores_table(worker, batch, when, reasons=reasons))

    return features.mapInPandas(run, schema)


# --------------------------------------------------------------------------------------------
# the job
# --------------------------------------------------------------------------------------------


def _drift_counts(
    batch: SparkBatch, scores: DataFrame, reference: Mapping[str, Any]
) -> dict[tuple[str, str], np.ndarray]:
    """The drift bins of every scored row, counted per partition and summed."""
    from leadscore.drift import DriftCounter

    F, T = _spark_modules()
    probabilities = [f"p_{t}" for t in TARGETS]
    joined = batch.features.join(scores.select("contact_id", *probabilities), "contact_id")
    schema = T.StructType(
        [T.StructField("kind", T.StringType()), T.StructField("name", T.StringType()),
         T.StructField("bin", T.LongType()), T.StructField("n", T.LongType())]
    )  # fmt: skip

    def count(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        counter = DriftCounter(reference)
        for frame in frames:
            counter.add(frame, frame[probabilities])
        rows = [
            (kind, name, i, int(n))
            for (kind, name), found in counter.counts.items()
            for i, n in enumerate(np.asarray(found))
        ]
        yield pd.DataFrame(rows, columns=["kind", "name", "bin", "n"])

    sums = joined.mapInPandas(count, schema).groupBy("kind", "name", "bin").agg(F.sum("n"))
    counts: dict[tuple[str, str], np.ndarray] = {}
    for kind, name, position, n in sums.collect():
        spec = reference["features" if kind == "feature" else "probabilities"][name]
        found = counts.setdefault((kind, name), np.zeros(len(spec["shares"]), dtype=np.int64))
        found[position] = n
    return counts


def _write_folder(frame: DataFrame, path: Path, csv: bool) -> None:
    """Write ``frame`` as a folder of Parquet (or CSV) parts, atomically: a temporary folder
    beside ``path`` renamed once Spark has written every part."""
    from leadscore._io import atomic_folder

    with atomic_folder(path, marker="_SUCCESS") as tmp:
        writer = frame.write.mode("overwrite")
        if csv:
            writer.option("header", True).csv(str(tmp))
        else:
            writer.option("compression", "zstd").parquet(str(tmp))


def _neutralised(frame: DataFrame) -> DataFrame:
    from leadscore.scoring import neutralise_formulas

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield neutralise_formulas(batch)

    return frame.mapInPandas(run, frame.schema)


def _spark_error(exc: Exception) -> LeadscoreError:
    """A leadscore error raised inside a Spark task, as the one line it says."""
    text = str(exc)
    for line in reversed(text.splitlines()):
        if "leadscore.errors." in line:
            return LeadscoreError(line.split("leadscore.errors.", 1)[1].split(": ", 1)[-1])
    raise exc


def score_export(
    data: str | Path,
    model: Any,
    out: str | Path,
    *,
    as_of: object | None = None,
    config: Config | str | Path | None = None,
    tracking_uri: str | None = None,
    max_reject_share: float = 0.01,
    summary: str | Path | None = None,
    reasons: bool = True,
    master: str = "local[*]",
    spark: SparkSession | None = None,
    contacts_per_group: int = DEFAULT_CONTACTS_PER_GROUP,
) -> ScoringSummary:
    """The job of :func:`leadscore.scoring.score_export` (``leadscore score --engine spark``)
    on Spark: the same scores, rejects and drift, the scores and rejects as folders of parts.

    ``out`` ending in ``.parquet`` gives a folder of Parquet parts of that name (``.csv``: CSV
    parts with a header, formulas neutralised), and the rejects beside it as
    ``NAME.rejects.parquet`` (or ``.csv``); each folder is written to a temporary folder and
    renamed when complete. The drift file is one small CSV. ``spark`` is an active session
    (Databricks, spark-submit); otherwise one is started on ``master``.
    """
    from leadscore._io import atomic_path, format_of
    from leadscore.drift import DriftCounter, summarise
    from leadscore.errors import TooManyRejectsError
    from leadscore.scoring import ScoringSummary, output_paths, resolve_model

    started = time.perf_counter()
    seconds: dict[str, float] = {}
    paths = output_paths(out)
    csv = format_of(paths["scores"]) == "csv"
    if not 0 <= max_reject_share <= 1:
        raise ConfigError(f"max_reject_share: expected a share in [0, 1], got {max_reject_share}")
    when = pd.Timestamp.now(tz="UTC").floor("s") if as_of is None else to_utc(as_of)
    scorer, model_name, from_server = resolve_model(model, tracking_uri)
    read_config = _as_config(config) if config is not None else scorer.config
    spark = spark or session(master)

    tick = time.perf_counter()
    crm = read_crm(spark, data, read_config, contacts_per_group=contacts_per_group)
    try:
        batch = triage_features(crm, when, as_of_is_now=as_of is None, config=scorer.config)
        tables = batch.tables()
    except Exception as exc:
        if "leadscore.errors" not in str(exc):
            raise
        raise _spark_error(exc) from None
    seconds["read_and_features"] = time.perf_counter() - tick

    reject_counts = batch.rejects.groupBy("table", "reason_code").count().collect()
    bad_kinds = {code for code, reason in REASONS.items() if reason.kind == "bad_data"}
    shares = {
        table: sum(r["count"] for r in reject_counts
                   if r["table"] == table and r["reason_code"] in bad_kinds)
        / max(counts["rows"], 1)
        for table, counts in tables.items()
    }  # fmt: skip
    worst = max(shares, key=lambda t: shares[t])
    if shares[worst] > max_reject_share:
        found = {r["reason_code"]: r["count"] for r in reject_counts if r["table"] == worst}
        batch.unpersist()
        raise TooManyRejectsError(
            f"{worst}: {shares[worst]:.2%} of rows are bad, more than --max-reject-share "
            f"{max_reject_share:.2%} ({found}); nothing written"
        )

    tick = time.perf_counter()
    from pyspark import StorageLevel

    scores = score(batch.features, scorer, as_of=when, reasons=reasons).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    grade_rows = scores.groupBy("grade", "prospect_grade").count().collect()
    scored = sum(int(r["count"]) for r in grade_rows)
    grades = {g: sum(int(r["count"]) for r in grade_rows if r["grade"] == g) for g in "ABCD"}
    prospect_grades = {
        g: sum(int(r["count"]) for r in grade_rows if r["prospect_grade"] == g) for g in "ABCD"
    }
    seconds["score_and_explain"] = time.perf_counter() - tick

    contact_rejects = sum(int(r["count"]) for r in reject_counts if r["table"] == "contacts")
    if tables["contacts"]["rows"] != scored + contact_rejects:
        raise LeadscoreError(
            f"accounting: {tables['contacts']['rows']:,} contacts in, but {scored:,} scored and "
            f"{contact_rejects:,} rejected; nothing written (please report this)"
        )

    tick = time.perf_counter()
    reference = getattr(scorer, "drift_reference_", None)
    counter = None
    if reference is not None:
        counter = DriftCounter(reference, _drift_counts(batch, scores, reference))
    drift_summary = summarise(counter)
    drift_table, top, notes = drift_summary.table, drift_summary.top, drift_summary.notes
    seconds["drift"] = time.perf_counter() - tick

    tick = time.perf_counter()
    order = {t: i for i, t in enumerate(TABLES)}
    kind_rank = {code: int(REASONS[code].kind == "not_eligible") for code in REASONS}
    from pyspark.sql import functions as F

    rejects = batch.rejects.orderBy(
        F.create_map(*(x for k, v in order.items() for x in (F.lit(k), F.lit(v))))[F.col("table")],
        F.create_map(*(x for k, v in kind_rank.items() for x in (F.lit(k), F.lit(v))))[
            F.col("reason_code")
        ],
        "row",
    )
    written_scores = _neutralised(scores) if csv else scores
    written_rejects = _neutralised(rejects) if csv else rejects
    _write_folder(written_scores, paths["scores"], csv)
    _write_folder(written_rejects.coalesce(1), paths["rejects"], csv)
    with atomic_path(paths["drift"]) as tmp:
        drift_table.to_csv(tmp, index=False)
    if from_server and reference is not None:
        from leadscore.tracking import log_drift

        log_drift(drift_table, model_uri=model_name, as_of=when, tracking_uri=tracking_uri)
    seconds["write"] = time.perf_counter() - tick
    seconds["total"] = time.perf_counter() - started
    scores.unpersist()
    batch.unpersist()
    not_scored: dict[str, int] = {}
    for counted in reject_counts:
        if counted["table"] == "contacts":
            code = str(counted["reason_code"])
            not_scored[code] = not_scored.get(code, 0) + int(counted["count"])
    outputs = {k: str(p) for k, p in paths.items()}
    if summary is not None:
        outputs["summary"] = str(summary)
    result = ScoringSummary(
        as_of=when.isoformat(),
        as_of_from="now" if as_of is None else "--as-of",
        contacts=tables["contacts"]["rows"],
        scored=scored,
        not_scored=dict(sorted(not_scored.items())),
        grades=grades,
        prospect_grades=prospect_grades,
        tables=tables,
        model=model_name,
        model_version=str(scorer.version_),
        reasons=reasons,
        drift=top,
        notes=notes,
        outputs=outputs,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
    if summary is not None:
        with atomic_path(summary) as tmp:
            tmp.write_text(result.to_json())
    return result
