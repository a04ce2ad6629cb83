"""Plain tables: one row per lead, an outcome column, no activity log.

Many lead lists come as one table (UCI bank marketing, a lead list with a ``converted`` flag).
This module trains, scores and checks them with the same pieces as a CRM export:

- :func:`table_schema` decides what each column is: the label, the time, the identifier, and
  for every feature column the qualification criterion its reasons count under, set in
  ``[table.criteria]`` or guessed by name (:func:`guess_criterion`, :data:`CRITERION_GUESSES`:
  the first rule whose word the column name holds wins; anything else is ``fit``, the
  criterion of attributes nobody classified, as for CRM attributes). Datetime columns other
  than the time and text columns whose every value differs (identifiers) are left out, and
  said so;
- :func:`train_table` splits (the latest :data:`TEST_FRACTION` of rows by the time column,
  training rows whose outcome window, ``[table] gap_days``, reaches the test period left out;
  stratified random without a time column), checks the rows against the minimums of
  :mod:`leadscore.sufficiency`, fits a :class:`leadscore.LeadModel` and the baselines that
  apply to a table (logistic, LightGBM, naive Bayes; the points baseline needs activity) and
  evaluates them on the test rows with bootstrap intervals;
- :class:`TableModel` scores and explains rows: probability, score 1-99, grade, one column per
  criterion, and reasons that read as the table does (``job: admin.``, ``balance 1,250
  (high)``: a number is high above the training rows' third quartile, low below the first);
  it is saved as LightGBM text and JSON (:func:`leadscore._format.save_table_model`);
- :func:`score_table` is the job behind ``leadscore score --table``: bad rows (a missing or
  repeated id, text in a number column) go to the rejects file, rows in = scored + rejected;
- :func:`check_table` is ``leadscore check --table``: rows, positives, span, the minimums and
  the leak scan of :mod:`leadscore.check`.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from leadscore._conventions import parse_times
from leadscore._io import format_of, read_frame, to_json
from leadscore.config import Config, TableConfig, load_config
from leadscore.criteria import CODE_PREFIX, FeatureSpec, format_value
from leadscore.domain import CRITERIA
from leadscore.errors import (
    ConfigError,
    DataNotFoundError,
    InsufficientDataError,
    SchemaError,
    TooManyRejectsError,
)
from leadscore.sufficiency import MINIMUMS, RECOMMENDED

__all__ = [
    "CRITERION_GUESSES",
    "TEST_FRACTION",
    "TableCheck",
    "TableModel",
    "TableSchema",
    "TableScoring",
    "TableTraining",
    "check_table",
    "guess_criterion",
    "read_table",
    "score_table",
    "table_schema",
    "train_table",
]

#: Share of the rows held out to test on (the latest ones when there is a time column).
TEST_FRACTION = 0.2
#: Label values read as the positive outcome (compared as lower-case text).
POSITIVE_VALUES = ("1", "1.0", "true", "yes", "y", "won", "converted", "positive", "customer")
#: ``(criterion, words)``: a column whose name holds one of the words (a whole word, or any
#: part of the name for words of four letters or more) counts under the criterion. Read top
#: to bottom; the first match wins; no match is ``fit``.
CRITERION_GUESSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("authority", ("job", "title", "role", "seniority", "position", "department", "occupation")),
    ("budget", ("income", "balance", "revenue", "salary", "budget", "loan", "housing",
                "default", "credit", "wealth", "spend", "employees", "turnover")),
    ("engagement", ("contact", "campaign", "previous", "pdays", "poutcome", "duration",
                    "visit", "click", "open", "email", "call", "session", "pageview", "touch")),
    ("source", ("source", "channel", "utm", "referral", "origin", "medium")),
    ("need", ("need", "interest", "intent", "demo", "pricing", "product")),
    ("timing", ("month", "day", "week", "date", "year", "quarter", "recency", "since",
                "euribor", "rate", "idx", "index")),
    ("fit", ("industry", "education", "age", "country", "region", "marital", "size", "sector")),
)  # fmt: skip
DEFAULT_CRITERION = "fit"
TABLE = "table"


# --- reading -----------------------------------------------------------------------------------


def read_table(path: str | Path) -> pd.DataFrame:
    """A plain table from a Parquet or CSV file; a CSV's separator (``,``, ``;``, tab or
    ``|``) is read from its header line.

    Raises
    ------
    DataNotFoundError
        When the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such file (give a .csv or .parquet table)")
    if format_of(path) == "parquet":
        return read_frame(path, table=TABLE)
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    try:
        separator = csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    try:
        return pd.read_csv(path, sep=separator)
    except (OSError, ValueError) as exc:
        raise SchemaError(TABLE, None, f"cannot read {path}: {exc}") from exc


# --- what each column is -----------------------------------------------------------------------


def guess_criterion(name: str) -> str:
    """The criterion a column's name suggests (see :data:`CRITERION_GUESSES`).

    Examples
    --------
    >>> [guess_criterion(c) for c in ("job", "balance", "pdays", "day_of_week", "age", "x1")]
    ['authority', 'budget', 'engagement', 'timing', 'fit', 'fit']
    """
    lower = name.lower()
    words = set(re.split(r"[^a-z0-9]+", lower))
    for criterion, keys in CRITERION_GUESSES:
        if any(key in words or (len(key) >= 4 and key in lower) for key in keys):
            return criterion
    return DEFAULT_CRITERION


def _is_number(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))


@dataclasses.dataclass(frozen=True)
class TableSchema:
    """What each column of a plain table is, learned at training and saved with the model.

    ``features`` are the model's columns in order; ``criteria`` each one's criterion and
    ``guessed`` those not set in the configuration; ``quartiles`` the first and third
    quartile of each number column in the training rows (what "low" and "high" mean in
    reasons); ``excluded`` the columns left out and why; ``positive`` the label value that is
    the positive outcome.
    """

    label: str
    positive: str
    time: str | None
    id: str | None
    features: tuple[str, ...]
    criteria: Mapping[str, str]
    guessed: tuple[str, ...]
    quartiles: Mapping[str, tuple[float, float]]
    excluded: Mapping[str, str]
    gap_days: int = 0

    def lines(self) -> list[str]:
        """The columns by criterion, for a person to check."""
        out = [f"Label: {self.label} (positive: {self.positive!r})"]
        if self.time:
            out.append(f"Time: {self.time}")
        if self.id:
            out.append(f"Id: {self.id}")
        out.append("Criteria of the columns (set them in [table.criteria]; * = guessed by name):")
        for criterion in CRITERIA:
            names = [
                f"{c}{'*' if c in self.guessed else ''}"
                for c in self.features
                if self.criteria[c] == criterion
            ]
            if names:
                out.append(f"  {criterion}: {', '.join(names)}")
        for column, why in self.excluded.items():
            out.append(f"  left out: {column} ({why})")
        return out

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["criteria"] = dict(self.criteria)
        out["quartiles"] = {k: list(v) for k, v in self.quartiles.items()}
        out["excluded"] = dict(self.excluded)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Self:
        return cls(
            label=values["label"],
            positive=values["positive"],
            time=values["time"],
            id=values["id"],
            features=tuple(values["features"]),
            criteria=dict(values["criteria"]),
            guessed=tuple(values["guessed"]),
            quartiles={k: (float(v[0]), float(v[1])) for k, v in values["quartiles"].items()},
            excluded=dict(values["excluded"]),
            gap_days=int(values.get("gap_days", 0)),
        )


def _require(frame: pd.DataFrame, column: str, what: str) -> None:
    if column not in frame:
        raise SchemaError(
            TABLE, column, f"no such column (the {what})",
            hint=f"columns: {', '.join(map(str, frame.columns[:30]))}",
        )  # fmt: skip


def _positive(values: pd.Series, label: str) -> str:
    seen = values.dropna().astype("str").str.strip().unique().tolist()
    if len(seen) != 2:
        raise SchemaError(
            TABLE, label, f"the label needs exactly two values, found {len(seen)}", values=seen
        )
    marked = [v for v in seen if v.lower() in POSITIVE_VALUES]
    return marked[0] if len(marked) == 1 else str(max(seen))


def _table_config(config: Config | TableConfig | None) -> TableConfig:
    if isinstance(config, TableConfig):
        return config
    if isinstance(config, Config):
        return config.table or TableConfig()
    return TableConfig()


def table_schema(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    time: str | None = None,
    id: str | None = None,
    config: Config | TableConfig | None = None,
) -> TableSchema:
    """What each column of ``frame`` is (``label``, ``time`` and ``id`` override the
    configuration's ``[table]`` keys).

    Examples
    --------
    >>> frame = pd.DataFrame({"job": ["admin.", "cook"] * 3, "balance": [1.0, 5.0] * 3,
    ...                       "y": ["no", "yes"] * 3})
    >>> schema = table_schema(frame, label="y")
    >>> dict(schema.criteria), schema.positive
    ({'job': 'authority', 'balance': 'budget'}, 'yes')
    """
    settings = _table_config(config)
    label = label or settings.label
    time = time or settings.time or None
    id = id or settings.id or None
    if not label:
        raise ConfigError("give the label column: --label COLUMN or [table] label")
    _require(frame, label, "label")
    for column, what in ((time, "time"), (id, "id")):
        if column:
            _require(frame, column, what)
    unknown = [c for c in (*settings.exclude, *settings.criteria) if c not in frame]
    if unknown:
        raise ConfigError(f"table: column(s) {unknown} in the configuration are not in the table")
    excluded: dict[str, str] = dict.fromkeys(settings.exclude, "excluded in the configuration")
    features, criteria, guessed, quartiles = [], {}, [], {}
    for name in map(str, frame.columns):
        if name in (label, time, id) or name in excluded:
            continue
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            excluded[name] = "a time: not a feature (give it as --time to split by it)"
            continue
        if not _is_number(values) and len(values) > 50 and values.nunique() == values.count():
            excluded[name] = "every value differs: an identifier, not a feature"
            continue
        features.append(name)
        if name in settings.criteria:
            criteria[name] = settings.criteria[name]
        else:
            criteria[name] = guess_criterion(name)
            guessed.append(name)
        if _is_number(values):
            low, high = np.nanquantile(values.astype("float64"), [0.25, 0.75])
            quartiles[name] = (float(low), float(high))
    if not features:
        raise SchemaError(TABLE, None, "no feature columns left besides the label, time and id")
    return TableSchema(
        label=label,
        positive=_positive(frame[label], label),
        time=time,
        id=id,
        features=tuple(features),
        criteria=criteria,
        guessed=tuple(guessed),
        quartiles=quartiles,
        excluded=excluded,
        gap_days=settings.gap_days,
    )


def _labels(frame: pd.DataFrame, schema: TableSchema) -> pd.Series:
    """1 for the positive value, 0 for the other, missing where there is no label."""
    text = frame[schema.label].astype("str").str.strip()
    y = (text == schema.positive).astype("Int8")
    return y.mask(frame[schema.label].isna())


def _times(frame: pd.DataFrame, column: str) -> pd.Series:
    return parse_times(frame[column], TABLE, column)


# --- the model ---------------------------------------------------------------------------------


def _spec(name: str, criterion: str, number: bool) -> FeatureSpec:
    code = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    template = f"{name} {{value}}" if number else f"{name}: {{value}}"
    return FeatureSpec(
        name, criterion, f"Column {name} of the table", f"{CODE_PREFIX[criterion]}_{code}",
        up=template, down=template, missing=f"{name} unknown", kind="category",
    )  # fmt: skip


def _level(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.where(values > high, " (high)", np.where(values < low, " (low)", ""))


class TableModel:
    """A :class:`leadscore.LeadModel` on a plain table, with what its columns mean.

    ``schema`` is the :class:`TableSchema` learned at training, ``model`` the fitted
    LeadModel, ``baselines`` the fitted baselines (by name) and ``version`` a hash of the
    model's content.
    """

    def __init__(
        self, schema: TableSchema, model: Any, baselines: Mapping[str, Any], version: str = ""
    ) -> None:
        from leadscore._format import content_version

        self.schema = schema
        self.model = model
        self.baselines = dict(baselines)
        self.version = version or content_version({"table": model})

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's columns of ``frame``: numbers as numbers, the rest as text."""
        missing = [c for c in self.schema.features if c not in frame]
        if missing:
            raise SchemaError(
                TABLE, missing[0], "a column the model was trained on is missing",
                values=missing, hint="score a table with the columns it was trained on",
            )  # fmt: skip
        columns: dict[str, pd.Series] = {}
        for name in self.schema.features:
            values = frame[name]
            if name in self.schema.quartiles:
                columns[name] = pd.to_numeric(values, errors="coerce").astype("float64")
            else:
                columns[name] = values.astype("str").where(values.notna())
        return pd.DataFrame(columns, index=frame.index)

    def _display(self, X: pd.DataFrame) -> pd.DataFrame:
        """The values reasons show: numbers formatted with their level, text as it is."""
        columns = {}
        for name in X.columns:
            values = X[name]
            if name not in self.schema.quartiles:
                columns[name] = values
                continue
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            unique, codes = np.unique(numbers, return_inverse=True)
            low, high = self.schema.quartiles[name]
            words = np.array([format_value(float(v), "number") for v in unique], dtype=object)
            text = np.char.add(words[codes].astype(str), _level(numbers, low, high))
            columns[name] = pd.Series(text.astype(object), index=X.index).where(values.notna())
        return pd.DataFrame(columns, index=X.index)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of the positive outcome of each row."""
        return np.asarray(self.model.predict_proba(self.features(frame))[:, 1], dtype=float)

    def scores(self, frame: pd.DataFrame, *, k: int = 3, reasons: bool = True) -> pd.DataFrame:
        """One row per row of ``frame``: id, ``probability``, ``score`` (1-99), ``grade``, one
        column per criterion (log-odds) and ``reasons`` and ``reason_codes``, and the model
        version."""
        from leadscore import _explanation
        from leadscore.scorer import grades_from_scores, scores_from_quantiles

        X = self.features(frame)
        schema = self.schema
        key = schema.id or "row"
        ids = frame[schema.id].to_numpy() if schema.id else np.arange(len(frame))
        out = pd.DataFrame({key: ids})
        if reasons:
            specs = {
                n: _spec(n, schema.criteria[n], n in schema.quartiles) for n in schema.features
            }
            summary = _explanation.summarize(
                self.model, X, k=k, criteria=dict(schema.criteria), deduplicate=True,
                chunk_rows=100_000, specs=specs, display=self._display(X),
            )  # fmt: skip
            p = summary.proba
        else:
            p = self.predict_proba(frame)
        score = scores_from_quantiles(p, self.model.score_quantiles_)
        out["probability"] = p
        out["score"] = score
        out["grade"] = grades_from_scores(score)
        if reasons:
            criteria = summary.criteria.reset_index(drop=True)
            out = pd.concat([out, criteria], axis=1)
            out["reasons"] = pd.array(summary.reasons, dtype="str")
            out["reason_codes"] = pd.array(summary.reason_codes, dtype="str")
        out["model_version"] = self.version
        return out

    def save(self, path: str | Path) -> Path:
        """Write the model folder: the LeadModel (LightGBM text and JSON) and ``table.json``
        (schema, baselines, version). Nothing is pickled."""
        from leadscore._format import save_table_model

        values = {
            "version": self.version,
            "schema": self.schema.to_dict(),
            "baselines": {name: b.to_dict() for name, b in self.baselines.items()},
        }
        return save_table_model(self.model, values, path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """A model written by :meth:`save`: text and JSON only."""
        from leadscore._format import load_table_model
        from leadscore.evaluate import BASELINES
        from leadscore.model import LeadModel

        model, values = load_table_model(LeadModel, path)
        try:
            schema = TableSchema.from_dict(values["schema"])
            baselines = {
                name: BASELINES[name].from_dict(b) for name, b in values["baselines"].items()
            }
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: incomplete saved table model ({exc}); train again") from exc
        return cls(schema, model, baselines, version=str(values["version"]))


# --- training ----------------------------------------------------------------------------------

#: The baselines that apply to a plain table (the points baseline needs CRM activity).
TABLE_BASELINES = ("logistic", "lightgbm", "naive_bayes")


@dataclasses.dataclass(frozen=True)
class TableTraining:
    """What :func:`train_table` did: the model, its evaluation on the test rows against the
    baselines (tidy, as :meth:`leadscore.LeadScorer.evaluate`), the split in words, the row
    counts and notes (rows without a label, the purge, short data)."""

    model: TableModel
    evaluation: pd.DataFrame
    split: str
    train_rows: int
    test_rows: int
    notes: tuple[str, ...]


def _shortfall(y: np.ndarray, what: str) -> tuple[list[str], list[str]]:
    """Problems (below :data:`MINIMUMS`) and cautions (below :data:`RECOMMENDED`)."""
    positives, rows = int(y.sum()), len(y)
    fewest = min(positives, rows - positives)
    problems, cautions = [], []
    counts = f"{rows:,} {what} rows, {positives:,} positive and {rows - positives:,} negative"
    if rows < MINIMUMS.rows or fewest < MINIMUMS.outcome:
        problems.append(
            f"{counts}: too few to train on (needs {MINIMUMS.rows:,} rows and "
            f"{MINIMUMS.outcome} of each outcome, a test part aside). Add rows: more history, "
            "or a label that is reached more often"
        )
    elif rows < RECOMMENDED.rows or fewest < RECOMMENDED.outcome:
        cautions.append(
            f"{counts}: below the recommended {RECOMMENDED.rows:,} rows and "
            f"{RECOMMENDED.outcome} of each outcome; the intervals show how wide the figures are"
        )
    return problems, cautions


def _split(
    frame: pd.DataFrame, y: pd.Series, schema: TableSchema, random_state: int
) -> tuple[np.ndarray, np.ndarray, str, list[str]]:
    """Row positions to train and to test on, the split in words, and notes."""
    labelled = np.flatnonzero(y.notna().to_numpy())
    if schema.time is None:
        from sklearn.model_selection import train_test_split

        train, test = train_test_split(
            labelled, test_size=TEST_FRACTION, random_state=random_state,
            stratify=y.iloc[labelled].astype("int64").to_numpy(),
        )  # fmt: skip
        return np.sort(train), np.sort(test), "stratified random (no time column)", []
    times = _times(frame, schema.time)
    if times.iloc[labelled].isna().any():
        bad = labelled[times.iloc[labelled].isna().to_numpy()]
        raise SchemaError(
            TABLE, schema.time, "missing or unreadable times", values=bad[:5].tolist(),
            count=len(bad), hint="every labelled row needs a time to split by",
        )  # fmt: skip
    at = times.iloc[labelled].reset_index(drop=True)
    start = at.sort_values(kind="stable").iloc[int(len(at) * (1 - TEST_FRACTION))]
    is_test = (at >= start).to_numpy()
    reaches = (at + pd.Timedelta(days=schema.gap_days) > start).to_numpy()
    test = labelled[is_test]
    train = labelled[~is_test & ~reaches]
    purged = int((~is_test & reaches).sum())
    notes = []
    if purged:
        notes.append(
            f"{purged:,} training rows left out: their outcome window ({schema.gap_days} days) "
            f"reaches the test period"
        )
    words = f"by {schema.time}: test from {start.date()} (the latest {TEST_FRACTION:.0%})"
    return train, test, words, notes


def train_table(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    time: str | None = None,
    id: str | None = None,
    config: Config | TableConfig | None = None,
    random_state: int = 0,
    model_params: Mapping[str, Any] | None = None,
    resamples: int | None = None,
) -> TableTraining:
    """Train and evaluate a :class:`TableModel` on a plain table.

    Raises
    ------
    InsufficientDataError
        When the training rows fall below :data:`leadscore.sufficiency.MINIMUMS`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"balance": rng.normal(size=1500),
    ...                       "job": rng.choice(list("ab"), 1500)})
    >>> frame["y"] = (frame["balance"] + rng.normal(size=1500) > 1).astype(int)
    >>> done = train_table(frame, label="y", resamples=0)
    >>> done.test_rows, done.model.schema.criteria["balance"]
    (300, 'budget')
    """
    from leadscore.evaluate import BASELINES, BOOTSTRAP_RESAMPLES, compare_models, evaluation_frame
    from leadscore.model import LeadModel

    schema = table_schema(frame, label=label, time=time, id=id, config=config)
    y = _labels(frame, schema)
    notes = []
    unlabelled = int(y.isna().sum())
    if unlabelled:
        notes.append(f"{unlabelled:,} rows without a label are not used")
    train, test, words, split_notes = _split(frame, y, schema, random_state)
    notes += split_notes
    y_train = y.iloc[train].astype("int64").to_numpy()
    y_test = y.iloc[test].astype("int64").to_numpy()
    problems, cautions = _shortfall(y_train, "training")
    if problems:
        raise InsufficientDataError("; ".join(problems))
    notes += cautions
    shell = TableModel(schema, None, {}, version="-")
    X_train = shell.features(frame.iloc[train])
    X_test = shell.features(frame.iloc[test])
    params = {"random_state": random_state} | dict(model_params or {})
    model = LeadModel(**params)
    if schema.time is None:
        model.fit(X_train, y_train)
    else:
        days = _times(frame, schema.time).iloc[train]
        elapsed = (days - days.min()).dt.total_seconds().to_numpy() / 86_400
        model.fit(X_train, y_train, time=elapsed, gap=float(schema.gap_days) or None)
    baselines = {name: BASELINES[name]().fit(X_train, y_train) for name in TABLE_BASELINES}
    fitted = TableModel(schema, model, baselines)
    predictions = {"leadscore": model.predict_proba(X_test)[:, 1]}
    predictions |= {name: b.predict_proba(X_test) for name, b in baselines.items()}
    evaluation = evaluation_frame(
        {
            schema.label: compare_models(
                y_test, predictions,
                resamples=BOOTSTRAP_RESAMPLES if resamples is None else resamples,
            )
        }
    )  # fmt: skip
    return TableTraining(fitted, evaluation, words, len(train), len(test), tuple(notes))


# --- scoring -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TableScoring:
    """What :func:`score_table` did: ``rows`` = ``scored`` + the sum of ``rejected`` (by
    reason code), the grades, and the files written."""

    rows: int
    scored: int
    rejected: dict[str, int]
    grades: dict[str, int]
    model_version: str
    outputs: dict[str, str]

    def to_json(self) -> str:
        return to_json(dataclasses.asdict(self))

    def lines(self) -> list[str]:
        rejected = ", ".join(f"{code} {n:,}" for code, n in self.rejected.items()) or "none"
        grades = ", ".join(f"{g} {n:,}" for g, n in self.grades.items())
        return [
            f"Model version {self.model_version}",
            f"Rows in the table: {self.rows:,}; scored {self.scored:,}; rejected: {rejected}",
            f"Grades: {grades}",
            "Wrote " + ", ".join(self.outputs.values()),
        ]


def _rejects(frame: pd.DataFrame, model: TableModel) -> pd.DataFrame:
    """One row per bad row: a missing or repeated id, or text in a number column."""
    from leadscore.triage import REJECT_COLUMNS, _Reasons

    reasons = _Reasons(TABLE, len(frame))
    schema = model.schema
    ids = frame[schema.id] if schema.id else pd.Series(np.arange(len(frame)), index=frame.index)
    if schema.id:
        reasons.flag(ids.isna().to_numpy(), "MISSING_VALUE", schema.id, ids)
        repeated = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
        reasons.flag(repeated, "DUPLICATE_ID", schema.id, ids)
    for name in schema.quartiles:
        values = frame[name]
        numbers = pd.to_numeric(values, errors="coerce")
        reasons.flag((numbers.isna() & values.notna()).to_numpy(), "NOT_A_NUMBER", name, values)
    rejects = reasons.frame(ids.reset_index(drop=True))
    if schema.id is None:  # the row number is the identifier
        return rejects.drop(columns="contact_id")
    return rejects.rename(columns={"contact_id": schema.id})[
        [schema.id if c == "contact_id" else c for c in REJECT_COLUMNS]
    ]


def score_table(
    table: str | Path,
    model: str | Path | TableModel,
    out: str | Path,
    *,
    reasons: bool = True,
    max_reject_share: float = 0.01,
    summary: str | Path | None = None,
) -> TableScoring:
    """Score every row of a plain table; the job behind ``leadscore score --table``.

    Writes ``out`` (``.parquet`` or ``.csv``) and ``out``'s rejects file beside it (see
    :func:`leadscore.scoring.output_paths`), each atomically; CSV cells that a spreadsheet
    would run as formulas are neutralised. Nothing is written when more than
    ``max_reject_share`` of the rows are bad (:class:`~leadscore.errors.TooManyRejectsError`).
    """
    from leadscore.scoring import _atomic_files, _grade_counts, _write_table, output_paths

    paths = output_paths(out)
    fitted = model if isinstance(model, TableModel) else TableModel.load(model)
    frame = read_table(table).reset_index(drop=True)
    rejects = _rejects(frame, fitted)
    share = len(rejects) / max(len(frame), 1)
    if share > max_reject_share:
        raise TooManyRejectsError(
            f"{table}: {share:.2%} of rows are bad, more than --max-reject-share "
            f"{max_reject_share:.2%} ({rejects['reason_code'].value_counts().to_dict()}); "
            "nothing written"
        )
    good = np.ones(len(frame), dtype=bool)
    good[rejects["row"].to_numpy(dtype=np.int64)] = False
    scores = fitted.scores(frame.loc[good], reasons=reasons)
    if len(scores) + len(rejects) != len(frame):
        raise ConfigError(
            f"accounting: {len(frame):,} rows in, {len(scores):,} scored and {len(rejects):,} "
            "rejected; nothing written (please report this)"
        )
    written = [paths["scores"], paths["rejects"]]
    outputs = {"scores": str(paths["scores"]), "rejects": str(paths["rejects"])}
    if summary is not None:
        written.append(Path(summary))
        outputs["summary"] = str(summary)
    result = TableScoring(
        rows=len(frame),
        scored=len(scores),
        rejected={str(k): int(v) for k, v in rejects["reason_code"].value_counts().items()},
        grades=_grade_counts(scores, "grade"),
        model_version=fitted.version,
        outputs=outputs,
    )
    csv_out = format_of(paths["scores"]) == "csv"
    with _atomic_files(written) as tmp:
        _write_table(scores, tmp[0], csv_out)
        _write_table(rejects, tmp[1], csv_out)
        if summary is not None:
            tmp[2].write_text(result.to_json())
    return result


# --- checking ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TableCheck:
    """The answer of :func:`check_table`; ``problems`` block training, leaks do not unless
    the check is strict (as :class:`leadscore.check.CheckReport`)."""

    source: str
    rows: int
    labelled: int
    positives: int
    span: tuple[str, str] | None
    split: str
    train_rows: int
    train_positives: int
    schema: TableSchema
    leaks: tuple[Any, ...]
    problems: tuple[str, ...]
    cautions: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def blocking(self, *, strict: bool = False) -> bool:
        return bool(self.problems) or (strict and bool(self.leaks))

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["schema"] = self.schema.to_dict()
        out["ok"] = self.ok
        return out

    def lines(self) -> list[str]:
        from leadscore.check import DOMINANCE_GAP, SEPARATION_AUC, SHIFT_GAP

        out = [
            f"Checked {self.source}: {self.rows:,} rows, {self.labelled:,} with a label, "
            f"{self.positives:,} positive ({self.positives / max(self.labelled, 1):.1%})"
        ]
        if self.span is not None:
            out.append(f"Time span ({self.schema.time}): {self.span[0]} .. {self.span[1]}")
        out.append(
            f"Split: {self.split}; training on {self.train_rows:,} rows "
            f"({self.train_positives:,} positive)"
        )
        out += self.schema.lines()
        shift = (
            f"; or, over time, a distribution distance >= {SHIFT_GAP} between the earlier "
            "and the latest rows"
            if self.schema.time
            else ""
        )
        out.append(
            f"Suspected leaks (one column alone separates the outcomes with ROC AUC >= "
            f"{SEPARATION_AUC}; or leaving it out costs a quick model >= {DOMINANCE_GAP} of "
            f"ROC AUC{shift}):" + ("" if self.leaks else " none")
        )
        out.extend(f"  - {leak.describe()}" for leak in self.leaks)
        if self.leaks:
            names = ", ".join(f'"{c}"' for c in dict.fromkeys(k.column for k in self.leaks))
            out.append(
                "  A field known only after the outcome shows the outcome to the model: leave "
                f"it out with [table] exclude = [{names}]"
            )
        out.extend(f"Caution: {c}" for c in self.cautions)
        if self.problems:
            out.append("Blocking: training would stop:")
            out.extend(f"  - {p}" for p in self.problems)
        else:
            out.append("Ready to train.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def check_table(
    table: str | Path | pd.DataFrame,
    *,
    label: str | None = None,
    time: str | None = None,
    id: str | None = None,
    config: Config | TableConfig | str | Path | None = None,
    random_state: int = 0,
) -> TableCheck:
    """Check a plain table before training: rows, positives, span, the minimums of
    :mod:`leadscore.sufficiency` on the training part, and suspected leaks
    (:func:`leadscore.check.scan_leaks`, :func:`leadscore.check.dominant_columns` and, with a
    time column, :func:`leadscore.check.shifted_columns`).
    """
    from leadscore.check import dominant_columns, scan_leaks, shifted_columns

    cfg = config if isinstance(config, Config | TableConfig) else load_config(config)
    frame = table if isinstance(table, pd.DataFrame) else read_table(table)
    schema = table_schema(frame, label=label, time=time, id=id, config=cfg)
    y = _labels(frame, schema)
    labelled = y.notna().to_numpy()
    train, _, words, notes = _split(frame, y, schema, random_state)
    y_train = y.iloc[train].astype("int64").to_numpy()
    problems, cautions = _shortfall(y_train, "training")
    shell = TableModel(schema, None, {}, version="-")
    X = shell.features(frame)
    rows = np.flatnonzero(labelled)
    y_all = y.iloc[rows].astype("int64").to_numpy()
    leaks = scan_leaks(
        X, known=labelled, labels={schema.label: (pd.Series(rows), y_all)}, unit="lead"
    )
    flagged = {k.column for k in leaks}
    leaks += [
        k for k in dominant_columns(X.iloc[rows], y_all, random_state=random_state)
        if k.column not in flagged
    ]  # fmt: skip
    span = None
    if schema.time is not None:
        times = _times(frame, schema.time)
        span = (str(times.min().date()), str(times.max().date()))
        leaks += shifted_columns(X, times)
    return TableCheck(
        source=str(table) if not isinstance(table, pd.DataFrame) else "DataFrame",
        rows=len(frame),
        labelled=int(labelled.sum()),
        positives=int(y_all.sum()),
        span=span,
        split=words,
        train_rows=len(train),
        train_positives=int(y_train.sum()),
        schema=schema,
        leaks=tuple(leaks),
        problems=tuple(problems),
        cautions=(*notes, *cautions),
    )
