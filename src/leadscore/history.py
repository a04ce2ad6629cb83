"""Score history: every scoring run kept, and what changed since the last one (issue 20).

Each run of the scoring job appends its scores to a history, one *run* per ``as_of`` day:

- a folder (the default, ``history/`` beside the scores file): a Parquet dataset partitioned
  by day, ``history/as_of=2026-01-05/scores.parquet``, readable by pandas
  (``pd.read_parquet``), DuckDB (``read_parquet('history/*/*.parquet', hive_partitioning=1)``)
  and Spark (``spark.read.parquet``);
- or a database by SQLAlchemy URL (``sqlite:///history.db``, ``postgresql+psycopg://...``):
  the table ``leadscore_history`` (one row per contact and run) and ``leadscore_runs`` (one
  row per run).

Re-running the same ``as_of`` day replaces that day's run, never duplicates it (a file
replaced atomically; a delete and insert in one transaction).

A row keeps the columns of :data:`HISTORY_COLUMNS`: the probabilities, scores and grades, the
customer target's criterion sums, its raw log-odds (``logodds``) and ``signals``, its
contributions per signal family (log-odds, a JSON array in the order of the run's
``signal_names``). That is enough to say exactly why a score moved: for the same model, the
change of log-odds is the sum of the changes of the signals (:func:`change_columns`).

Trend: ``rising`` when the score gained at least :data:`TREND_POINTS` points since the
latest earlier run of the same model, ``falling`` when it lost as many, ``steady`` in
between; ``new`` when the contact was not scored before, ``model changed`` when the earlier
run used another model version (the scores are then not compared).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from leadscore._conventions import to_utc
from leadscore._io import atomic_path
from leadscore.domain import CRITERIA
from leadscore.errors import ConfigError, SchemaError
from leadscore.explain import change_reasons, to_points

if TYPE_CHECKING:
    from leadscore._explanation import Summary

__all__ = [
    "CHANGE_COLUMNS",
    "HISTORY_COLUMNS",
    "TREND_POINTS",
    "ParquetHistory",
    "SQLHistory",
    "change_columns",
    "default_history",
    "history_record",
    "open_history",
    "previous_run",
    "signal_names",
]

#: A score that moved by at least this many points (1-99 scale) is rising or falling.
TREND_POINTS = 5
#: The columns a history row keeps.
HISTORY_COLUMNS: tuple[str, ...] = (
    "as_of", "contact_id", "account_id", "model_version", "p_prospect", "p_customer", "score",
    "grade", "prospect_score", "prospect_grade", *CRITERIA, "logodds", "signals",
)  # fmt: skip
#: The columns :func:`change_columns` adds to the scores table.
CHANGE_COLUMNS: tuple[str, ...] = (
    "previous_as_of", "previous_score", "score_change", "trend", "logodds_change",
    "change_reasons", "change_codes",
)  # fmt: skip
_PARTITION = "as_of"
_FILE = "scores.parquet"
_NAMES_KEY = b"leadscore.signal_names"
_VERSION_KEY = b"leadscore.model_version"


def _day(as_of: object) -> pd.Timestamp:
    return to_utc(as_of).floor("D")


def signals_json(values: np.ndarray) -> pa.Array:
    """Each row of ``values`` as a JSON array of exact floats (17 significant digits)."""
    if values.shape[1] == 0:
        return pa.array(["[]"] * len(values), type=pa.string())
    columns = [pa.array(np.char.mod("%.17g", values[:, j])) for j in range(values.shape[1])]
    joined = pc.binary_join_element_wise(*columns, ",")
    return pc.binary_join_element_wise("[", joined, "]", "")


def parse_signals(texts: pd.Series) -> np.ndarray:
    """The ``signals`` column back as a ``rows x families`` matrix (one JSON parse)."""
    if texts.empty:
        return np.zeros((0, 0))
    parsed = json.loads("[" + ",".join(texts.astype(str)) + "]")
    return np.asarray(parsed, dtype=np.float64)


def history_record(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows a run adds to the history, from a scores table made with ``history=True``.

    Examples
    --------
    >>> history_record(pd.DataFrame({"contact_id": [1]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    leadscore.errors.SchemaError: scores.as_of: missing: ...
    """
    missing = [c for c in HISTORY_COLUMNS if c not in scores]
    if missing:
        raise SchemaError(
            "scores", missing[0], "missing: the history needs the log-odds and signals of an "
            "explained run", values=missing, hint="score with history=True",
        )  # fmt: skip
    record = scores[list(HISTORY_COLUMNS)].copy()
    record["as_of"] = record["as_of"].dt.floor("D").dt.tz_localize(None).dt.date
    for column in ("contact_id", "account_id", "model_version"):
        record[column] = record[column].astype("str").where(record[column].notna(), None)
    return record.reset_index(drop=True)


def _empty_record() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    floats = ["p_prospect", "p_customer", *CRITERIA, "logodds"]
    frame[floats] = frame[floats].astype(float)
    frame[["score", "prospect_score"]] = frame[["score", "prospect_score"]].astype("int64")
    return frame


def _checked(record: pd.DataFrame | None, as_of: object) -> tuple[pd.Timestamp, pd.DataFrame]:
    day = _day(as_of)
    if record is None:
        return day, _empty_record()
    days = pd.to_datetime(record["as_of"].astype(str), utc=True).dt.floor("D")
    other = days[days != day]
    if not other.empty:
        raise ConfigError(
            f"history: a run of {day.date()} holds rows of other days: "
            f"{sorted(other.dt.date.astype(str).unique())[:3]}"
        )
    return day, record.assign(as_of=day.date())


class History(Protocol):
    """Where runs are kept: a folder of Parquet files or a database."""

    def write(
        self, record: pd.DataFrame | None, as_of: object, signal_names: list[str]
    ) -> None: ...

    def runs(self) -> pd.DataFrame: ...

    def read(self, as_of: object | None = None) -> pd.DataFrame: ...


def _previous_day(history: History, as_of: object) -> pd.Timestamp | None:
    runs = history.runs()
    earlier = runs.loc[runs["as_of"] < _day(as_of), "as_of"]
    return None if earlier.empty else pd.Timestamp(earlier.max())


def _from_store(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str), utc=True)
    return frame[[c for c in HISTORY_COLUMNS if c in frame]]


class ParquetHistory:
    """A folder of runs: ``as_of=YYYY-MM-DD/scores.parquet``, one file per day.

    The run's ``signal_names`` and ``model_version`` are in the file's schema metadata.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ConfigError(f"--history {self.path}: is a file; expected a folder or a URL")

    def _file(self, day: pd.Timestamp) -> Path:
        return self.path / f"{_PARTITION}={day.date().isoformat()}" / _FILE

    def write(self, record: pd.DataFrame | None, as_of: object, signal_names: list[str]) -> None:
        """Write the run of the ``as_of`` day (rows of :func:`history_record`, or None for a
        run that scored nobody), replacing that day's run."""
        day, record = _checked(record, as_of)
        table = pa.Table.from_pandas(record.drop(columns="as_of"), preserve_index=False)
        versions = record["model_version"].dropna().unique()
        metadata = {
            **(table.schema.metadata or {}),
            _NAMES_KEY: json.dumps(signal_names).encode(),
            _VERSION_KEY: (str(versions[0]) if len(versions) else "").encode(),
        }
        target = self._file(day)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            pq.write_table(table.replace_schema_metadata(metadata), tmp, compression="zstd")

    def runs(self) -> pd.DataFrame:
        """One row per run: ``as_of``, ``model_version``, ``rows``, ``signal_names``."""
        rows = []
        if self.path.is_dir():
            for folder in sorted(self.path.glob(f"{_PARTITION}=*")):
                file = folder / _FILE
                if not file.exists():
                    continue
                meta = pq.read_metadata(file)
                kv = meta.metadata or {}
                rows.append(
                    {
                        "as_of": pd.Timestamp(folder.name.split("=", 1)[1], tz="UTC"),
                        "model_version": kv.get(_VERSION_KEY, b"").decode(),
                        "rows": meta.num_rows,
                        "signal_names": json.loads(kv.get(_NAMES_KEY, b"[]")),
                    }
                )
        return pd.DataFrame(rows, columns=["as_of", "model_version", "rows", "signal_names"])

    def read(self, as_of: object | None = None) -> pd.DataFrame:
        """Every run (or the run of the ``as_of`` day), ``as_of`` as a UTC timestamp."""
        if as_of is not None:
            file = self._file(_day(as_of))
            if not file.exists():
                return pd.DataFrame(columns=list(HISTORY_COLUMNS))
            frame = pq.read_table(file).to_pandas()
            frame.insert(0, "as_of", _day(as_of).date().isoformat())
            return _from_store(frame)
        if not self.path.is_dir() or not any(self.path.glob(f"{_PARTITION}=*/{_FILE}")):
            return pd.DataFrame(columns=list(HISTORY_COLUMNS))
        partitioning = ds.partitioning(pa.schema([(_PARTITION, pa.string())]), flavor="hive")
        frame = pq.read_table(self.path, partitioning=partitioning).to_pandas()
        return _from_store(frame).sort_values(["as_of", "contact_id"], ignore_index=True)


class SQLHistory:
    """Runs in a database, by SQLAlchemy URL: tables ``leadscore_history`` and
    ``leadscore_runs`` (created when missing)."""

    def __init__(self, url: str, *, table: str = "leadscore_history") -> None:
        import sqlalchemy as sa

        self.url = url
        try:
            self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, ImportError) as error:
            raise ConfigError(f"--history {url}: not a usable database URL ({error})") from error
        meta = sa.MetaData()
        float_columns = ["p_prospect", "p_customer", *CRITERIA, "logodds"]
        self.table = sa.Table(
            table, meta,
            sa.Column("as_of", sa.Date, nullable=False, index=True),
            sa.Column("contact_id", sa.String, nullable=False),
            sa.Column("account_id", sa.String),
            sa.Column("model_version", sa.String),
            *[sa.Column(c, sa.Float(precision=53)) for c in float_columns[:2]],
            sa.Column("score", sa.Integer), sa.Column("grade", sa.String(1)),
            sa.Column("prospect_score", sa.Integer), sa.Column("prospect_grade", sa.String(1)),
            *[sa.Column(c, sa.Float(precision=53)) for c in float_columns[2:]],
            sa.Column("signals", sa.Text),
        )  # fmt: skip
        self.runs_table = sa.Table(
            f"{table.removesuffix('_history')}_runs", meta,
            sa.Column("as_of", sa.Date, primary_key=True),
            sa.Column("model_version", sa.String), sa.Column("rows", sa.Integer),
            sa.Column("signal_names", sa.Text),
        )  # fmt: skip
        self._meta = meta

    def write(self, record: pd.DataFrame | None, as_of: object, signal_names: list[str]) -> None:
        """Write the run of the ``as_of`` day in one transaction, replacing that day's run."""
        stamp, record = _checked(record, as_of)
        day = stamp.date()
        rows = [
            {str(k): v for k, v in row.items()}
            for row in record.astype(object).where(record.notna(), None).to_dict("records")
        ]
        versions = record["model_version"].dropna().unique()
        with self.engine.begin() as connection:
            self._meta.create_all(connection)
            connection.execute(self.table.delete().where(self.table.c.as_of == day))
            connection.execute(self.runs_table.delete().where(self.runs_table.c.as_of == day))
            if rows:
                connection.execute(self.table.insert(), rows)
            connection.execute(
                self.runs_table.insert(),
                [{"as_of": day, "model_version": str(versions[0]) if len(versions) else "",
                  "rows": len(rows), "signal_names": json.dumps(signal_names)}],
            )  # fmt: skip

    def runs(self) -> pd.DataFrame:
        """One row per run: ``as_of``, ``model_version``, ``rows``, ``signal_names``."""
        import sqlalchemy as sa

        columns = ["as_of", "model_version", "rows", "signal_names"]
        if not sa.inspect(self.engine).has_table(self.runs_table.name):
            return pd.DataFrame(columns=columns)
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(self.runs_table).order_by("as_of")).all()
        frame = pd.DataFrame([tuple(r) for r in found], columns=columns)
        frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str), utc=True)
        frame["signal_names"] = frame["signal_names"].map(json.loads)
        return frame

    def read(self, as_of: object | None = None) -> pd.DataFrame:
        """Every run (or the run of the ``as_of`` day), ``as_of`` as a UTC timestamp."""
        import sqlalchemy as sa

        if not sa.inspect(self.engine).has_table(self.table.name):
            return pd.DataFrame(columns=list(HISTORY_COLUMNS))
        query = sa.select(self.table).order_by(self.table.c.as_of, self.table.c.contact_id)
        if as_of is not None:
            query = query.where(self.table.c.as_of == _day(as_of).date())
        with self.engine.connect() as connection:
            found = connection.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in found], columns=list(HISTORY_COLUMNS))
        return _from_store(frame)


def open_history(location: str | Path) -> ParquetHistory | SQLHistory:
    """The history at ``location``: a SQLAlchemy URL (``dialect://...``) or a folder.

    Examples
    --------
    >>> type(open_history("scores/history")).__name__, type(open_history("sqlite://")).__name__
    ('ParquetHistory', 'SQLHistory')
    """
    text = str(location)
    if "://" in text:
        return SQLHistory(text)
    return ParquetHistory(location)


def default_history(out: str | Path) -> Path:
    """Where ``leadscore score --out FILE`` keeps its history by default: ``history/`` beside
    ``FILE`` (so that runs writing a file per day share one history)."""
    return Path(out).parent / "history"


def previous_run(history: History, as_of: object) -> tuple[pd.DataFrame, list[str]] | None:
    """The latest run before the ``as_of`` day and its signal names, or None."""
    day = _previous_day(history, as_of)
    if day is None:
        return None
    runs = history.runs()
    names = runs.loc[runs["as_of"] == day, "signal_names"].iloc[0]
    return history.read(day), list(names)


def change_columns(
    summary: Summary,
    X: pd.DataFrame,
    contact_ids: np.ndarray,
    scores: np.ndarray,
    quantiles: np.ndarray,
    model_version: str,
    previous: tuple[pd.DataFrame, list[str]] | None,
    *,
    k: int = 3,
    criteria: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The columns of :data:`CHANGE_COLUMNS`: each contact against the earlier run.

    For a contact scored by the same model version in ``previous``: ``score_change`` (points),
    ``trend`` (see :data:`TREND_POINTS`), ``logodds_change`` and, per signal family, the
    change of its contribution; these changes add up exactly to ``logodds_change`` (same model,
    same base value), and ``change_reasons`` words the largest, in points of the score shared
    out in proportion to their log-odds (:func:`leadscore.explain.to_points`, on the score
    interpolated between percentiles, so they add up to the change before rounding).
    ``change_codes`` keep the exact log-odds.
    """
    n = len(contact_ids)
    out = pd.DataFrame(
        {
            "previous_as_of": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]"),
            "previous_score": pd.array([pd.NA] * n, dtype="Int64"),
            "score_change": pd.array([pd.NA] * n, dtype="Int64"),
            "trend": np.full(n, "new", dtype=object),
            "logodds_change": np.full(n, np.nan),
            "change_reasons": np.full(n, None, dtype=object),
            "change_codes": np.full(n, None, dtype=object),
        }
    )
    if previous is None or n == 0:
        return _typed(out)
    before, names = previous
    ids = pd.Index(pd.Series(contact_ids).astype("str"))
    before = before.drop_duplicates("contact_id").set_index("contact_id")
    position = before.index.get_indexer(ids)
    known = position >= 0
    out.loc[known, "previous_as_of"] = before["as_of"].array[position[known]]
    out.loc[known, "previous_score"] = before["score"].to_numpy()[position[known]]
    same = known & (before["model_version"].astype(str).to_numpy()[position] == model_version)
    out.loc[known & ~same, "trend"] = "model changed"
    assert summary.signals is not None
    assert summary.logodds is not None
    assert summary.leads is not None
    assert summary.plan is not None
    if not same.any() or names != list(summary.plan.families):
        if same.any():  # same version, other families: a different configuration
            out.loc[same, "trend"] = "model changed"
        return _typed(out)
    rows = np.flatnonzero(same)
    earlier = before.iloc[position[rows]]
    delta = summary.signals.to_numpy()[rows] - parse_signals(earlier["signals"])
    logodds_change = summary.logodds[rows] - earlier["logodds"].to_numpy(dtype=float)
    change = scores[rows] - earlier["score"].to_numpy(dtype=np.int64)
    smooth = _smooth_score(summary.proba[rows], quantiles) - _smooth_score(
        earlier["p_customer"].to_numpy(dtype=float), quantiles
    )
    points = to_points(delta, logodds_change, smooth)
    texts, codes = change_reasons(
        delta, summary.leads[rows], points, X.iloc[rows], summary.plan, k=k, criteria=criteria
    )
    out.loc[rows, "score_change"] = change
    out.loc[rows, "trend"] = np.where(
        change >= TREND_POINTS, "rising", np.where(change <= -TREND_POINTS, "falling", "steady")
    )
    out.loc[rows, "logodds_change"] = logodds_change
    out.loc[rows, "change_reasons"] = texts
    out.loc[rows, "change_codes"] = codes
    return _typed(out)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for column in ("trend", "change_reasons", "change_codes"):
        out[column] = out[column].astype(object).astype("str").where(out[column].notna(), None)
    return out


def _smooth_score(p: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """The score (1-99) interpolated between percentiles: the integer score's continuous twin."""
    q = np.asarray(quantiles, dtype=float)
    grid = np.arange(1, len(q) + 1, dtype=float)
    return np.asarray(np.interp(p, q, grid, left=1.0, right=float(len(q))), dtype=np.float64)


def signal_names(scorer: Any) -> list[str]:
    """The signal families of the scorer's customer model, in the order history keeps them."""
    from leadscore.explain import ReasonPlan

    model = scorer.models_["customer"]
    criteria = dict(scorer.config.features.attribute_criteria)
    return ReasonPlan.of(list(model.feature_names_in_), criteria).families
