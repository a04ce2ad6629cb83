"""Batch scoring: the scores table, and the nightly job that writes it (DESIGN sections 6 and 8).

:func:`scores_table` turns a feature table into the scores table of DESIGN section 6;
:meth:`leadscore.LeadScorer.scores` and the MLflow pyfunc model build it here.
:func:`score_export` is the job behind ``leadscore score``: it reads a CRM export, sets bad rows
and contacts not eligible at ``as_of`` aside (:mod:`leadscore.triage`), scores and explains
chunk by chunk, watches drift (:mod:`leadscore.drift`) and writes, each file atomically:

- ``FILE`` (``.parquet`` or ``.csv``): one row per contact scored;
- ``FILE.rejects.<same format>``: one row per row set aside, with its reason;
- ``FILE.drift.csv``: population stability per feature and probability, largest first;
- the summary JSON, when asked for.

Every contact of the export is in the scores or in the rejects (checked before writing), the
same export and model give byte-identical files, and CSV cells a spreadsheet would run as a
formula are neutralised (:func:`neutralise_formulas`).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from leadscore._conventions import to_utc
from leadscore._io import atomic_path, format_of, to_json
from leadscore.accounts import account_scores
from leadscore.config import Config, load_config
from leadscore.domain import CRITERIA, TARGETS
from leadscore.drift import DriftCounter, summarise
from leadscore.errors import ConfigError, LeadscoreError, TooManyRejectsError
from leadscore.explain import iter_chunks
from leadscore.features import build_features
from leadscore.triage import triage

if TYPE_CHECKING:
    from leadscore.scorer import LeadScorer

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ScoringSummary",
    "neutralise_formulas",
    "output_paths",
    "resolve_model",
    "score_export",
    "scores_table",
]

#: Contacts scored and explained at a time by :func:`score_export`.
DEFAULT_CHUNK_SIZE = 50_000
#: Largest share of bad rows in any table before the job stops (exit code 3).
DEFAULT_MAX_REJECT_SHARE = 0.01
_FORMULA_START = r"^[=+\-@\t\r]"
#: The scores columns the account table is built from.
_ACCOUNT_INPUT = (
    "contact_id", "account_id", "as_of", "p_customer", "score", "model_version", *CRITERIA,
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# the scores table
# --------------------------------------------------------------------------------------------


def scores_table(
    scorer: LeadScorer,
    X: pd.DataFrame,
    as_of: object | None = None,
    *,
    k: int = 3,
    reasons: bool = True,
    history: bool = False,
    previous: tuple[pd.DataFrame, list[str]] | None = None,
) -> pd.DataFrame:
    """The scores table (DESIGN section 6) of a feature table from :func:`build_features`.

    One pass per target computes the calibrated probability and, with ``reasons``, the
    contribution of each qualification criterion (log-odds) and the top ``k`` reasons each
    way. The unprefixed columns are the customer target's, the ``prospect_`` ones the prospect
    target's. Contacts already at sql or opportunity have reached *prospect*: ``p_prospect`` is
    1, their prospect score 99, and their prospect explanation says so. Without ``reasons``
    the table has the probabilities, scores and grades only, at prediction speed.

    With ``history`` (which needs ``reasons``), the table also has what the score history
    keeps (:mod:`leadscore.history`): ``logodds`` (the customer model's raw log-odds) and
    ``signals`` (its contributions per signal family, a JSON array), and the change columns
    against ``previous``, the earlier run (:func:`leadscore.history.previous_run`; ``trend``
    is ``new`` for every contact without one): ``previous_as_of``, ``previous_score``,
    ``score_change``, ``trend``, ``logodds_change``, ``change_reasons``, ``change_codes``.

    Examples
    --------
    >>> import leadscore as ls
    >>> months = pd.date_range("2024-09-01", periods=9, freq="MS")
    >>> scorer = ls.LeadScorer().fit(ls.build_training_table(ls.make_crm(1000, seed=2), months))
    >>> X = ls.build_features(ls.make_crm(1000, seed=2), "2025-07-01")
    >>> fast = scores_table(scorer, X, "2025-07-01", reasons=False)
    >>> list(fast.columns[3:7])
    ['p_prospect', 'p_customer', 'score', 'grade']
    """
    from leadscore.scorer import grades_from_scores, scores_from_quantiles

    scorer._check_fitted()
    features = scorer._features(X)
    already = scorer._already_prospect(X)
    criteria = dict(scorer.config.features.attribute_criteria)
    out = pd.DataFrame(
        {
            "contact_id": X["contact_id"].to_numpy() if "contact_id" in X else X.index,
            "account_id": X["account_id"].to_numpy() if "account_id" in X else None,
        }
    )
    out["as_of"] = pd.Series(
        pd.NaT if as_of is None else to_utc(as_of), index=out.index, dtype="datetime64[us, UTC]"
    )
    for target in scorer.models_:
        out[f"p_{target}"] = np.nan
    parts: dict[str, pd.DataFrame] = {}
    if history and not reasons:
        raise ConfigError("history: keeping a score history needs the reasons (drop no-reasons)")
    changes = None
    for target, prefix in (("customer", ""), ("prospect", "prospect_")):
        if target not in scorer.models_:
            continue  # trained on the other target only (Config.targets)
        model = scorer.models_[target]
        if reasons:
            signals = history and target == "customer"
            summary = model.summarize(features, k=k, criteria=criteria, signals=signals)
            p = summary.proba.copy()
            part = summary.criteria.reset_index(drop=True).add_prefix(prefix)
            texts, codes = summary.reasons.copy(), summary.reason_codes.copy()
        else:
            p = model.predict_proba(features)[:, 1]
            part = pd.DataFrame(index=out.index)
        score = scores_from_quantiles(p, model.score_quantiles_)
        if target == "prospect" and already.any():
            p[already], score[already] = 1.0, 99
            if reasons:
                part.loc[already, :] = np.nan
                stage = X["stage"].astype("str").to_numpy()[already]
                texts[already] = "+ Already a prospect: at stage " + stage.astype(object)
                codes[already] = "+TIME_ALREADY_PROSPECT"
        out[f"p_{target}"] = p
        if history and target == "customer":
            from leadscore.history import change_columns, signals_json

            assert summary.signals is not None
            changes = change_columns(
                summary, features, out["contact_id"].to_numpy(), score,
                model.score_quantiles_, scorer.version_, previous, k=k, criteria=criteria,
            )  # fmt: skip
            changes.insert(0, "logodds", summary.logodds)
            changes.insert(1, "signals", signals_json(summary.signals.to_numpy()).to_pandas())
        part.insert(0, f"{prefix}score", score)
        part.insert(1, f"{prefix}grade", grades_from_scores(score))
        if reasons:
            part[f"{prefix}reasons"] = pd.array(texts, dtype="str")
            part[f"{prefix}reason_codes"] = pd.array(codes, dtype="str")
        parts[target] = part
    out = pd.concat([out, *parts.values()], axis=1)
    if reasons and "customer" in parts:
        from leadscore.fit_engagement import grid_columns

        grid = grid_columns(parts["customer"], getattr(scorer, "fit_engagement_", None))
        out = pd.concat([out, grid.set_axis(out.index)], axis=1)
        out.attrs["notes"] = grid.attrs["notes"]
    out["model_version"] = scorer.version_
    if changes is not None:
        out = pd.concat([out, changes], axis=1)
        out["signals"] = out["signals"].astype("str")
    return out


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    OWASP's rule for CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading single quote. Numbers are left as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "Ann", "-2+3"], "delta": [-1.5, 2.0, 0.0]})
    >>> neutralise_formulas(frame).to_dict("list")
    {'name': ["'=HYPERLINK(1)", 'Ann', "'-2+3"], 'delta': [-1.5, 2.0, 0.0]}
    """
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            columns[name] = values
            continue
        text = values.astype("str")
        risky = text.str.contains(_FORMULA_START, regex=True, na=False)
        columns[name] = text.mask(risky, "'" + text) if risky.any() else values
    return pd.DataFrame(columns, index=frame.index)


def output_paths(out: str | Path) -> dict[str, Path]:
    """Where the job writes: ``scores``, ``rejects`` (same format) and ``drift`` (CSV).

    Examples
    --------
    >>> {k: p.name for k, p in output_paths("out/scores.csv").items()}
    {'scores': 'scores.csv', 'rejects': 'scores.rejects.csv', 'drift': 'scores.drift.csv'}
    """
    path = Path(out)
    fmt = format_of(path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return {
        "scores": path,
        "rejects": path.with_name(f"{stem}.rejects.{'csv' if fmt == 'csv' else 'parquet'}"),
        "drift": path.with_name(f"{stem}.drift.csv"),
    }


def _arrow_schema(frame: pd.DataFrame) -> pa.Schema:
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    fields = [
        pa.field(f.name, pa.large_string()) if pa.types.is_null(f.type) else f for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


class _TableWriter:
    """Appends chunks of one table to an open file (Parquet row groups, or CSV lines)."""

    def __init__(self, path: Path, csv: bool) -> None:
        self.path = path
        self.csv = csv
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._handle: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.csv:
            first = self._handle is None
            if first:
                self._handle = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            neutralise_formulas(frame).to_csv(self._handle, index=False, header=first)
            return
        if self._schema is None:
            self._schema = _arrow_schema(frame)
            self._parquet = pq.ParquetWriter(self.path, self._schema, compression="zstd")
        table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        assert self._parquet is not None
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._parquet.close()


def _write_table(frame: pd.DataFrame, path: Path, csv: bool) -> None:
    writer = _TableWriter(path, csv)
    writer.write(frame)
    writer.close()


# --------------------------------------------------------------------------------------------
# the job
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScoringSummary:
    """What a scoring run did, for people (:meth:`lines`) and schedulers (:meth:`to_json`).

    ``contacts`` = ``scored`` + the sum of ``not_scored`` (by reason code, see
    :data:`leadscore.triage.REASONS`). ``tables`` counts the rows of every table (see
    :mod:`leadscore.triage`). ``seconds`` is the only field that changes between two runs on the
    same export and model.
    """

    as_of: str
    as_of_from: str  # "--as-of" or "now"
    contacts: int
    scored: int
    not_scored: dict[str, int]
    grades: dict[str, int]
    prospect_grades: dict[str, int]
    tables: dict[str, dict[str, int]]
    model: str
    model_version: str
    reasons: bool
    drift: list[dict[str, Any]]
    notes: list[str]
    outputs: dict[str, str]
    seconds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain values."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The summary as indented JSON."""
        return to_json(self.to_dict())

    def lines(self) -> list[str]:
        """The summary in words, one line each."""
        not_scored = ", ".join(f"{code} {n:,}" for code, n in self.not_scored.items()) or "none"
        grades = ", ".join(f"{g} {n:,}" for g, n in self.grades.items())
        lines = [
            f"Model {self.model} (version {self.model_version}), as of {self.as_of}"
            + (" (now: no --as-of given)" if self.as_of_from == "now" else ""),
            f"Contacts in the export: {self.contacts:,}; scored {self.scored:,}; "
            f"not scored: {not_scored}",
            f"Grades (customer): {grades}",
        ]
        for table in ("activities", "stages"):
            counts = self.tables[table]
            lines.append(
                f"{table.capitalize()}: {counts['rows']:,} rows, {counts['used']:,} used, "
                f"{counts['rejected']:,} rejected, {counts['with_rejected_contact']:,} of rejected "
                f"contacts, {counts['after_as_of']:,} after as_of"
            )
        if self.drift:
            shifts = ", ".join(f"{d['name']} {d['psi']:.3f}" for d in self.drift)
            lines.append(f"Largest drift (PSI): {shifts}")
        lines += self.notes
        lines.append("Wrote " + ", ".join(self.outputs.values()))
        seconds = ", ".join(f"{stage} {s:.1f}" for stage, s in self.seconds.items())
        lines.append(f"Seconds: {seconds}")
        return lines


def resolve_model(model: Any, tracking_uri: str | None = None) -> tuple[LeadScorer, str, bool]:
    """The scorer a model reference names, the reference in words, and whether it came from a
    tracking server: a LeadScorer as is, a saved folder, or ``models:/NAME@ALIAS``,
    ``models:/NAME/VERSION``, ``runs:/...`` (:func:`leadscore.tracking.load_scorer`)."""
    from leadscore.scorer import LeadScorer
    from leadscore.tracking import load_scorer

    if isinstance(model, LeadScorer):
        return model, "LeadScorer", False
    reference = str(model)
    if "://" in reference or reference.startswith(("models:/", "runs:/")):
        return load_scorer(reference, tracking_uri=tracking_uri), reference, True
    return LeadScorer.load(reference), reference, False


def _progress(total: int, show: bool) -> contextlib.AbstractContextManager[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not show,
    )


def _grade_counts(scores: pd.DataFrame, column: str) -> dict[str, int]:
    counts = scores[column].value_counts()
    return {g: int(counts.get(g, 0)) for g in "ABCD"}


@contextlib.contextmanager
def _atomic_files(paths: list[Path]) -> Iterator[list[Path]]:
    """Temporary files that replace ``paths`` one by one once all are written."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(atomic_path(p)) for p in paths]


def score_export(
    data: str | Path,
    model: Any,
    out: str | Path,
    *,
    as_of: object | None = None,
    config: Config | str | Path | None = None,
    tracking_uri: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_reject_share: float = DEFAULT_MAX_REJECT_SHARE,
    summary: str | Path | None = None,
    reasons: bool = True,
    progress: bool = False,
    history: str | Path | bool = True,
    accounts: str | Path | None = None,
) -> ScoringSummary:
    """Score every contact of a CRM export; the job behind ``leadscore score``.

    Parameters
    ----------
    data : path
        Folder of contacts, activities, stages and (optional) accounts.
    model : path, model URI or LeadScorer
        A saved scorer folder, ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/...``.
    out : path
        The scores file, ``.parquet`` or ``.csv``; the rejects and drift files go beside it.
    as_of : date, optional
        The point in time scored (naive means UTC); the time of the run by default.
    config : Config or path, optional
        How to read the export (column, stage and activity names); the model's by default.
    tracking_uri : str, optional
        MLflow tracking server of a ``models:/`` model; the drift is logged there too.
    chunk_size : int
        Contacts scored and explained at a time: memory of that part grows with it.
    max_reject_share : float
        Largest share of bad rows in any table; above it nothing is written
        (:class:`~leadscore.errors.TooManyRejectsError`, exit code 3).
    summary : path, optional
        Also write the summary there as JSON.
    reasons : bool
        Explain the scores (criteria columns and reasons); ``False`` scores at prediction speed.
    progress : bool
        Show a progress bar on stderr (only when stderr is a terminal).
    history : path, URL or bool
        Where the run is kept (:mod:`leadscore.history`): a folder, a SQLAlchemy URL, or
        ``True`` for ``history/`` beside ``out``; ``False`` keeps none. With a history, the
        scores gain the change columns against the latest earlier run (``trend``,
        ``change_reasons``, ...). Without ``reasons`` there is none (an explicit location is
        then an error).
    accounts : path, optional
        Also write the account table there (``.parquet`` or ``.csv``, atomically, see
        :func:`leadscore.accounts.account_scores`).

    Returns
    -------
    ScoringSummary

    Examples
    --------
    >>> done = score_export("exports/today", "models:/leadscore@champion",
    ...                     "scores/today.parquet")  # doctest: +SKIP
    >>> done.contacts == done.scored + sum(done.not_scored.values())  # doctest: +SKIP
    True
    """
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    paths = output_paths(out)
    if chunk_size < 1:
        raise ConfigError(f"chunk_size: expected a positive number of contacts, got {chunk_size}")
    if not 0 <= max_reject_share <= 1:
        raise ConfigError(f"max_reject_share: expected a share in [0, 1], got {max_reject_share}")
    as_of_from = "now" if as_of is None else "--as-of"
    when = pd.Timestamp.now(tz="UTC").floor("s") if as_of is None else to_utc(as_of)
    read_config = config if isinstance(config, Config) or config is None else load_config(config)
    scorer, model_name, from_server = resolve_model(model, tracking_uri)
    read_config = read_config or scorer.config

    from leadscore.data import read_tables
    from leadscore.history import (
        default_history,
        history_record,
        open_history,
        previous_run,
        signal_names,
    )

    if history is not True and history is not False and not reasons:
        raise ConfigError("--history: keeping a score history needs the reasons (--no-reasons)")
    keep = reasons and history is not False
    store = None
    if keep:
        store = open_history(default_history(out) if history is True else history)  # type: ignore[arg-type]
        previous = previous_run(store, when)

    tick = time.perf_counter()
    frames = read_tables(data, config=read_config)
    checked = triage(frames, when, config=read_config, as_of_is_now=as_of is None)
    table, share = checked.bad_share()
    if share > max_reject_share:
        counts = checked.rejects.loc[checked.rejects["table"] == table, "reason_code"]
        raise TooManyRejectsError(
            f"{table}: {share:.2%} of rows are bad, more than --max-reject-share "
            f"{max_reject_share:.2%} ({counts.value_counts().to_dict()}); nothing written"
        )
    del frames
    seconds["read"] = time.perf_counter() - tick

    tick = time.perf_counter()
    X = build_features(checked.crm, when, config=scorer.config)
    seconds["features"] = time.perf_counter() - tick

    reference = getattr(scorer, "drift_reference_", None)
    drift = None if reference is None else DriftCounter(reference)
    grades = dict.fromkeys("ABCD", 0)
    prospect_grades = dict.fromkeys("ABCD", 0)
    scored = 0
    writing = 0.0
    records: list[pd.DataFrame] = []
    trends: collections.Counter[str] = collections.Counter()
    tick = time.perf_counter()
    targets = [paths["scores"], paths["rejects"], paths["drift"]]
    if summary is not None:
        targets.append(Path(summary))
    if accounts is not None:
        format_of(accounts)  # a bad suffix is refused before any work
        targets.append(Path(accounts))
    slim: list[pd.DataFrame] = []
    grid_notes: list[str] = []
    with _atomic_files(targets) as tmp:
        csv = format_of(paths["scores"]) == "csv"
        writer = _TableWriter(tmp[0], csv)
        show = progress and sys.stderr.isatty()
        with _progress(len(X), show) as bar:
            task = bar.add_task("Scoring", total=len(X))
            chunks = list(iter_chunks(len(X), chunk_size)) or [slice(0, 0)]
            for rows in chunks:
                chunk = X.iloc[rows]
                scores = scores_table(
                    scorer, chunk, when, reasons=reasons, history=keep,
                    previous=previous if keep else None,
                )  # fmt: skip
                if keep:
                    records.append(history_record(scores))
                    trends.update(scores["trend"].astype(str).tolist())
                    scores = scores.drop(columns="signals")
                grid_notes += [n for n in scores.attrs.get("notes", []) if n not in grid_notes]
                if accounts is not None:
                    slim.append(scores[[c for c in _ACCOUNT_INPUT if c in scores]])
                if drift is not None:
                    drift.add(chunk, scores[[f"p_{t}" for t in TARGETS if t in scorer.models_]])
                for tally, column in ((grades, "grade"), (prospect_grades, "prospect_grade")):
                    if column not in scores:
                        continue
                    for grade, n in _grade_counts(scores, column).items():
                        tally[grade] += n
                scored += len(scores)
                written = time.perf_counter()
                writer.write(scores)
                writing += time.perf_counter() - written
                bar.advance(task, len(scores))
        writer.close()
        seconds["score_and_explain"] = time.perf_counter() - tick - writing

        tick = time.perf_counter()
        rejects = checked.rejects
        contacts = checked.tables["contacts"]
        contact_rejects = int((rejects["table"] == "contacts").sum())
        if contacts["rows"] != scored + contact_rejects:
            raise LeadscoreError(
                f"accounting: {contacts['rows']:,} contacts in, but {scored:,} scored and "
                f"{contact_rejects:,} rejected; nothing written (please report this)"
            )
        for name, table_counts in checked.tables.items():
            total = sum(table_counts[k] for k in ("used", "rejected", "with_rejected_contact"))
            if table_counts["rows"] != total:
                raise LeadscoreError(
                    f"accounting: {name} has {table_counts['rows']:,} rows, but {total:,} "
                    "accounted for; nothing written (please report this)"
                )
        _write_table(rejects, tmp[1], csv)
        drift_summary = summarise(drift)
        drift_table, top = drift_summary.table, drift_summary.top
        notes: list[str] = [*grid_notes, *drift_summary.notes]
        _write_table(drift_table, tmp[2], True)
        if from_server and drift is not None:
            from leadscore.tracking import log_drift

            log_drift(drift_table, model_uri=model_name, as_of=when, tracking_uri=tracking_uri)
        not_scored = rejects.loc[rejects["table"] == "contacts", "reason_code"].value_counts()
        outputs = {k: str(p) for k, p in paths.items()}
        if store is not None:
            where = getattr(store, "path", None) or getattr(store, "url", "")
            outputs["history"] = str(where)
            against = "no earlier run" if previous is None else (
                f"against the run of {previous[0]['as_of'].iloc[0].date().isoformat()}"
                if len(previous[0]) else "no earlier run"
            )  # fmt: skip
            moved = ", ".join(f"{t} {trends.get(t, 0):,}" for t in
                              ("rising", "steady", "falling", "new", "model changed"))  # fmt: skip
            notes.append(f"Trend {against}: {moved}")
        if summary is not None:
            outputs["summary"] = str(summary)
        if accounts is not None:
            tick_accounts = time.perf_counter()
            table_of_accounts = account_scores(
                pd.concat(slim, ignore_index=True), X,
                calibration=getattr(scorer, "accounts_", None), config=scorer.config,
            )  # fmt: skip
            notes += table_of_accounts.attrs.get("notes", [])
            notes.append(f"Accounts: {len(table_of_accounts):,} with a scored contact")
            _write_table(table_of_accounts, tmp[-1], format_of(accounts) == "csv")
            outputs["accounts"] = str(accounts)
            seconds["accounts"] = time.perf_counter() - tick_accounts
        seconds["write"] = writing + time.perf_counter() - tick
        seconds["total"] = time.perf_counter() - started
        result = ScoringSummary(
            as_of=when.isoformat(),
            as_of_from=as_of_from,
            contacts=contacts["rows"],
            scored=scored,
            not_scored={str(k): int(v) for k, v in sorted(not_scored.items())},
            grades=grades,
            prospect_grades=prospect_grades,
            tables=checked.tables,
            model=model_name,
            model_version=str(scorer.version_),
            reasons=reasons,
            drift=top,
            notes=notes,
            outputs=outputs,
            seconds={k: round(v, 3) for k, v in seconds.items()},
        )
        if summary is not None:
            tmp[3].write_text(result.to_json())
    if store is not None:
        record = pd.concat(records, ignore_index=True) if records else None
        store.write(record, when, signal_names(scorer))
    return result
