"""The ``leadscore`` command line (DESIGN section 8).

Every command is a thin layer over the Python API. Errors of the package become one line on
stderr and exit code 2; data warnings are printed as one line each.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
import pandas as pd
from rich.console import Console

from leadscore.errors import DataWarning, LeadscoreError, ModelError

__all__ = ["cli", "main"]

EXIT_ERROR = 2
_F = TypeVar("_F", bound=Callable[..., Any])

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    if not issubclass(category, DataWarning):
        return  # other libraries' deprecation notices are not the user's business
    err.print(f"warning: {message}", markup=False, soft_wrap=True)


def _handles_errors(command: _F) -> _F:
    """Run ``command`` with leadscore errors turned into one line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", DataWarning)
            warnings.showwarning = _show_warning
            try:
                return command(*args, **kwargs)
            except LeadscoreError as exc:
                err.print(f"error: {exc}", markup=False, soft_wrap=True)
                sys.exit(getattr(exc, "exit_code", EXIT_ERROR))

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadscore")
def cli() -> None:
    """Predictive lead scoring that says why."""


def _config_option(help_text: str) -> Callable[[_F], _F]:
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


_data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder of contacts, accounts, activities and stages.",
)

_data_or_table_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of contacts, accounts, activities and stages (or give --table).",
)


def _table_options(command: _F) -> _F:
    """``--table``, ``--label``, ``--time`` and ``--id``: a plain table, one row per lead."""
    for option in reversed(
        (
            click.option(
                "--table",
                "table_file",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="A plain table instead of a CRM export: one row per lead (.csv or .parquet).",
            ),
            click.option("--label", default=None, help="With --table: the outcome column."),
            click.option("--time", "time_column", default=None,
                         help="With --table: a time column (time-ordered split)."),
            click.option("--id", "id_column", default=None,
                         help="With --table: the column identifying each row."),
        )
    ):  # fmt: skip
        command = option(command)
    return command


def _one_source(data_dir: Path | None, table_file: Path | None) -> None:
    from leadscore.errors import ConfigError

    if (data_dir is None) == (table_file is None):
        raise ConfigError("give either --data DIR (a CRM export) or --table FILE (a plain table)")


def _train_table(
    table_file: Path, label: str | None, time: str | None, id: str | None,
    config_file: Path | None, out_dir: Path,
) -> None:  # fmt: skip
    from leadscore.config import load_config
    from leadscore.plain import read_table, train_table

    config = load_config(config_file)
    frame = read_table(table_file)
    with err.status(f"Training on {len(frame):,} rows of {table_file}"):
        result = train_table(frame, label=label, time=time, id=id, config=config)
    for line in result.model.schema.lines():
        out.print(line, markup=False)
    for note in result.notes:
        out.print(f"Note: {note}", markup=False)
    _print_evaluation(
        result.evaluation,
        f"Test rows: {result.split} ({result.test_rows:,} rows; trained on {result.train_rows:,})",
    )
    result.model.save(out_dir)
    out.print(f"Saved the model to {out_dir} (LightGBM text and JSON)")


_tracking_option = click.option(
    "--tracking-uri",
    default=None,
    help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
)


@cli.command()
@click.option(
    "--contacts",
    "n_contacts",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="Number of contacts.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--start", default="2024-01-01", show_default=True, help="Start of the span (UTC).")
@click.option(
    "--months",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Length of the span in months.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the tables to.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
)
@_handles_errors
def generate(
    n_contacts: int, seed: int, start: str, months: int, out_dir: Path, file_format: str
) -> None:
    """Generate a synthetic CRM with known drivers of conversion."""
    from leadscore.synthetic import make_crm

    with err.status(f"Generating {n_contacts:,} contacts"):
        crm = make_crm(n_contacts, seed=seed, start=start, months=months)
        crm.write(out_dir, format=file_format)  # type: ignore[arg-type]
    out.print(f"Wrote {crm} to {out_dir}")


@cli.command()
@_data_option
@click.option("--as-of", "as_of", required=True, help="Point in time (UTC); rows before it count.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output file, .parquet or .csv.",
)
@_config_option("TOML configuration (column mapping, feature settings).")
@_handles_errors
def features(data_dir: Path, as_of: str, out_file: Path, config_file: Path | None) -> None:
    """Write the point-in-time features of every eligible contact."""
    from leadscore._io import format_of, write_frame
    from leadscore.config import load_config
    from leadscore.data import CRMData
    from leadscore.features import build_features

    format_of(out_file)  # fail on a bad name before the work
    config = load_config(config_file)
    with err.status("Reading the CRM"):
        crm = CRMData.read(data_dir, config=config)
    with err.status(f"Building features as of {as_of}"):
        table = build_features(crm, as_of, config=config)
    write_frame(table, out_file)
    out.print(f"Wrote {len(table):,} contacts x {table.shape[1] - 2} features to {out_file}")


_SHOWN_METRICS = ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "precision_at_5pct",
                  "lift_decile_1", "rows", "positives")  # fmt: skip


def _print_evaluation(evaluation: Any, title: str) -> None:
    """One table per target: a metric per row, a model per column, each figure over its 95%
    bootstrap interval; a target without labelled rows is said in a line."""
    from rich.table import Table

    out.print(title)
    for target, part in evaluation.groupby("target", sort=False):
        figures = part.set_index(["metric", "model"])
        models = list(dict.fromkeys(part["model"]))
        if (figures.loc["rows", "value"] == 0).all():
            out.print(f"{target}: no labelled rows to evaluate on (not scored)")
            continue
        table = Table(title=f"{target} (95% interval over contacts)")
        table.add_column("metric")
        for model in models:
            table.add_column(model, justify="right")
        for metric in _SHOWN_METRICS:
            if metric not in figures.index.get_level_values("metric"):
                continue
            cells = []
            for model in models:
                value, low, high = figures.loc[(metric, model), ["value", "low", "high"]]
                if metric in ("rows", "positives"):
                    cells.append(f"{value:,.0f}")
                elif np.isfinite(low):
                    cells.append(f"{value:.4f}\n{low:.4f}-{high:.4f}")
                else:
                    cells.append(f"{value:.4f}")
            table.add_row(metric, *cells)
        out.print(table)


def _train_and_log(
    crm: Any, config: Any, out_dir: Path, tracking_uri: str | None, artifact_root: str | None
) -> Any:
    from leadscore.pipeline import train_scorer
    from leadscore.tracking import check_tracking, log_training

    with err.status("Checking MLflow"):
        uri = check_tracking(tracking_uri)  # before training, so that a wrong URI fails at once
    result = train_scorer(crm, config, progress=True)
    _print_evaluation(
        result.evaluation,
        f"Holdout: cutoffs from {result.test_start.date()} "
        f"({len(result.test):,} rows; trained on {len(result.train):,})",
    )
    for target, model in result.scorer.models_.items():
        selection = getattr(model, "selection_", {})
        if selection:
            if selection["reason"].startswith("fixed"):
                out.print(f"{target}: the mix is {selection['reason']}")
            else:
                out.print(f"{target}: LeadModel chose {selection['chosen']}: {selection['reason']}")
    result.scorer.save(out_dir)
    out.print(f"Saved the scorer to {out_dir} (LightGBM text and JSON)")
    with err.status(f"Logging to MLflow at {uri}"):
        run = log_training(
            result.scorer,
            train=result.train,
            test=result.test,
            evaluation=result.evaluation,
            tracking_uri=tracking_uri,
            artifact_root=artifact_root,
        )
    out.print(
        f"MLflow run {run.run_id}: registered {run.registered_name} {run.decision.describe()}"
    )
    return result


@cli.command()
@_data_or_table_option
@_table_options
@_config_option("TOML configuration.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("models/leadscore"),
    show_default=True,
    help="Folder to save the scorer to.",
)
@_tracking_option
@_handles_errors
def train(
    data_dir: Path | None,
    table_file: Path | None,
    label: str | None,
    time_column: str | None,
    id_column: str | None,
    config_file: Path | None,
    out_dir: Path,
    tracking_uri: str | None,
) -> None:
    """Train, evaluate against the baselines, save, log to MLflow and register.

    With --table: train on a plain table (one row per lead), evaluate against the baselines
    that apply and save; MLflow is not used."""
    from leadscore.config import load_config
    from leadscore.data import CRMData

    _one_source(data_dir, table_file)
    if table_file is not None:
        _train_table(table_file, label, time_column, id_column, config_file, out_dir)
        return
    assert data_dir is not None
    config = load_config(config_file)
    with err.status("Reading the CRM"):
        crm = CRMData.read(data_dir, config=config)
    _train_and_log(crm, config, out_dir, tracking_uri, None)


def _load_model(model: str, tracking_uri: str | None) -> Any:
    from leadscore.scoring import resolve_model

    return resolve_model(model, tracking_uri)[0]


@cli.command()
@click.option("--model", "model", required=True, help="Saved scorer folder, or models:/NAME@ALIAS.")
@_data_option
@_config_option("TOML configuration for reading the data (column mapping).")
@_tracking_option
@_handles_errors
def evaluate(
    model: str, data_dir: Path, config_file: Path | None, tracking_uri: str | None
) -> None:
    """Evaluate a scorer on the latest labelled cutoffs of a CRM, against the baselines."""
    from leadscore.config import load_config
    from leadscore.data import CRMData
    from leadscore.evaluate import time_split
    from leadscore.features import build_training_table
    from leadscore.pipeline import default_cutoffs, holdout_start

    scorer = _load_model(model, tracking_uri)
    crm = CRMData.read(data_dir, config=load_config(config_file))
    horizons = scorer.config.labels.horizons
    cutoffs = default_cutoffs(crm)
    start = holdout_start(cutoffs, crm.time_span()[1], horizons)
    # no test label may share a period with a training label (DESIGN section 4)
    trained_until = max(pd.Timestamp(t) for t in scorer.labels_until_.values())
    start = max(start, trained_until)
    test_cutoffs = cutoffs[cutoffs >= start]
    if len(test_cutoffs) == 0:
        raise ModelError(
            f"{data_dir}: no cutoffs with observed labels after the model's training labels "
            f"(which look up to {trained_until.date()})"
        )
    table = build_training_table(crm, test_cutoffs, config=scorer.config, progress=True)
    _, test = time_split(table, horizons=horizons, test_start=start)
    _print_evaluation(
        scorer.evaluate(test), f"{model} on cutoffs from {start.date()} ({len(test):,} rows)"
    )


class _OneLineCommand(click.Command):
    """A command whose argument errors are one line on stderr and exit code 2 (no usage text)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            err.print(f"error: {exc.format_message()}", markup=False, soft_wrap=True)
            raise click.exceptions.Exit(EXIT_ERROR) from exc


_SCORE_EPILOG = """\b
Writes, each file atomically (a temporary file renamed when complete):
  FILE                    the scores of every eligible contact
  FILE.rejects.EXT        every contact (and bad activity/stage row) not scored, with its reason
  FILE.drift.csv          population stability per feature and probability vs training
\b
Exit codes:
  0  done
  2  bad arguments, data folder, configuration or model reference (nothing written)
  3  more bad rows than --max-reject-share in some table (nothing written)
"""


@cli.command(cls=_OneLineCommand, epilog=_SCORE_EPILOG)
@_data_or_table_option
@click.option(
    "--table",
    "table_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A plain table (one row per lead) to score with a model trained by train --table.",
)
@click.option(
    "--model",
    "model",
    required=True,
    help="Saved scorer folder, models:/NAME@ALIAS or models:/NAME/VERSION.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Scores file, .parquet or .csv; rejects and drift files go beside it.",
)
@_config_option("TOML configuration for reading the data (default: the model's).")
@click.option("--as-of", "as_of", default=None, help="Point in time scored (UTC). [default: now]")
@_tracking_option
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=50_000,
    show_default=True,
    help="Contacts scored and explained at a time (memory grows with it).",
)
@click.option(
    "--max-reject-share",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Largest share of bad rows in any table before stopping with exit code 3.",
)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the summary as JSON here (for schedulers).",
)
@click.option(
    "--no-reasons", is_flag=True, help="Probabilities, scores and grades only, at prediction speed."
)
@click.option(
    "--history",
    "history",
    default=None,
    help="Score history: a folder (Parquet, by as_of day) or a SQLAlchemy URL "
    "(sqlite:///h.db, postgresql+psycopg://...). Default: history/ beside --out.",
)
@click.option("--no-history", is_flag=True, help="Keep no score history (no trends).")
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the account table here (.parquet or .csv): P(some contact becomes a "
    "customer), grade, top contacts, buying-group coverage, reasons.",
)
@click.option(
    "--engine",
    type=click.Choice(["pandas", "spark"]),
    default="pandas",
    show_default=True,
    help="spark: the same job on Spark (pip install 'leadscore[spark]'); the scores and "
    "rejects are then folders of parts.",
)
@click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="Spark master URL of --engine spark (an active session, as under spark-submit, wins).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_handles_errors
def score(
    data_dir: Path | None,
    table_file: Path | None,
    model: str,
    out_file: Path,
    config_file: Path | None,
    as_of: str | None,
    tracking_uri: str | None,
    chunk_size: int,
    max_reject_share: float,
    summary_file: Path | None,
    no_reasons: bool,
    history: str | None,
    no_history: bool,
    accounts_file: Path | None,
    engine: str,
    spark_master: str,
    quiet: bool,
) -> None:
    """Score every contact of a CRM export: the nightly batch job (or every row of a plain
    table, with --table)."""
    if history is not None and no_history:
        raise click.UsageError("--history and --no-history exclude each other")
    from leadscore.scoring import score_export

    _one_source(data_dir, table_file)
    if table_file is not None:
        from leadscore.plain import score_table

        done = score_table(
            table_file, model, out_file, reasons=not no_reasons,
            max_reject_share=max_reject_share, summary=summary_file,
        )  # fmt: skip
        for line in done.lines():
            out.print(line, markup=False)
        return
    assert data_dir is not None
    if engine == "spark":
        from leadscore import spark

        if history is not None or accounts_file is not None:
            raise click.UsageError(
                "--history and --accounts run on the pandas engine only (not yet on Spark)"
            )

        on_spark = spark.score_export(
            data_dir,
            model,
            out_file,
            as_of=as_of,
            config=config_file,
            tracking_uri=tracking_uri,
            max_reject_share=max_reject_share,
            summary=summary_file,
            reasons=not no_reasons,
            master=spark_master,
        )
        for line in on_spark.lines():
            out.print(line, markup=False)
        return
    result = score_export(
        data_dir,
        model,
        out_file,
        as_of=as_of,
        config=config_file,
        tracking_uri=tracking_uri,
        chunk_size=chunk_size,
        max_reject_share=max_reject_share,
        summary=summary_file,
        reasons=not no_reasons,
        progress=not quiet,
        history=False if no_history else (history or True),
        accounts=accounts_file,
    )
    for line in result.lines():
        out.print(line, markup=False)


_CHECK_EPILOG = """\b
Says, before any training: per target the labelled rows, positives and cutoffs left after the
time purge, the holdout and the longest horizon the history allows (and what to change when it
is short: train stops with the same message); rows with timestamps in the future; suspected
leaks (a column whose missingness or distribution differs sharply between contacts with a known
outcome and open ones, or that alone separates the outcomes almost perfectly).
\b
Exit codes:
  0  ready to train (leaks and future rows are reported; --strict makes them block)
  1  a blocking problem: training would stop (or, with --strict, a leak or future rows)
  2  bad input: unreadable data, broken data contract, bad configuration or arguments
"""

EXIT_BLOCKING = 1


@cli.command(cls=_OneLineCommand, epilog=_CHECK_EPILOG)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of the CRM export.",
)
@_table_options
@_config_option("TOML configuration (column mapping, [sources], labels) or a preset's name.")
@click.option("--strict", is_flag=True, help="Leaks and future rows block too (exit code 1).")
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON here.",
)
@_handles_errors
def check(
    data_dir: Path | None,
    table_file: Path | None,
    label: str | None,
    time_column: str | None,
    id_column: str | None,
    config_file: Path | None,
    strict: bool,
    json_file: Path | None,
) -> None:
    """Check an export (or a plain table) before training: enough data, future rows,
    suspected leaks."""
    from leadscore._io import atomic_path, to_json
    from leadscore.check import check as run_check
    from leadscore.plain import check_table

    _one_source(data_dir, table_file)
    report: Any
    with err.status("Checking the export"):
        if table_file is not None:
            report = check_table(
                table_file, label=label, time=time_column, id=id_column, config=config_file
            )
        else:
            report = run_check(data_dir, config=config_file)
    for line in report.lines():
        out.print(line, markup=False)
    if json_file is not None:
        with atomic_path(json_file) as tmp:
            tmp.write_text(to_json(report.to_dict()))
    if report.blocking(strict=strict):
        sys.exit(EXIT_BLOCKING)


@cli.command()
@click.option(
    "--scores",
    "scores_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Scores table, .parquet or .csv.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option("--title", default="Lead scores", show_default=True)
@click.option(
    "--max-leads",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Most leads listed (the overview covers all of them).",
)
@click.option(
    "--model",
    "model",
    default=None,
    help="The scorer that wrote the scores (folder or models:/...): the grade legend then "
    "gives each grade's P(customer) cut point.",
)
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The account table of the same run (leadscore score --accounts), .parquet or .csv: "
    "the report then has an accounts view.",
)
@click.option(
    "--history",
    "history_location",
    default=None,
    help="The score history (folder or SQLAlchemy URL, as leadscore score --history): each "
    "lead's card then has a line of its score over the last runs.",
)
@_tracking_option
@_handles_errors
def report(
    scores_file: Path,
    out_file: Path,
    title: str,
    max_leads: int,
    model: str | None,
    accounts_file: Path | None,
    history_location: str | None,
    tracking_uri: str | None,
) -> None:
    """Write the sales-ops HTML report of a scores table: one self-contained file."""
    from leadscore.report import read_accounts, read_scores, write_report

    scores = read_scores(scores_file)
    accounts = None if accounts_file is None else read_accounts(accounts_file)
    history = None
    if history_location is not None:
        from leadscore.history import open_history

        history = open_history(history_location).read()
    cuts = None if model is None else _load_model(model, tracking_uri).grade_cuts()
    write_report(
        scores,
        out_file,
        title=title,
        max_leads=max_leads,
        grade_cuts=cuts,
        accounts=accounts,
        history=history,
    )
    out.print(f"Wrote the report of {len(scores):,} leads to {out_file}")


def _score_and_report(crm: Any, scorer: Any, workdir: Path) -> None:
    from leadscore._io import write_frame
    from leadscore.report import write_report

    as_of = crm.time_span()[1].ceil("D")
    with err.status(f"Scoring every open contact as of {as_of.date()}"):
        scores = scorer.score(crm, as_of)
    stem = workdir / "scores" / f"scores-{as_of.date()}"
    for suffix in ("parquet", "csv"):
        write_frame(scores, stem.with_suffix(f".{suffix}"))
    report_file = workdir / "report.html"
    write_report(
        scores, report_file, title=f"Lead scores as of {as_of.date()}",
        grade_cuts=scorer.grade_cuts(),
    )  # fmt: skip
    grades = scores["grade"].value_counts().reindex(list("ABCD"), fill_value=0)
    out.print(
        f"Scored {len(scores):,} open contacts as of {as_of.date()} "
        f"(grades A {grades['A']:,}, B {grades['B']:,}, C {grades['C']:,}, D {grades['D']:,})"
    )
    out.print(f"Scores: {stem.with_suffix('.parquet')} and {stem.with_suffix('.csv')}")
    out.print(f"Report: {report_file}")


def _print_summary(crm: Any) -> None:
    from rich.table import Table

    table = Table(title="Synthetic CRM", show_header=False)
    formats = {"count": "{:,}", "time": "{}", "activities": "{:,.1f}", "share": "{:.1%}"}
    for measure, value, unit in crm.summary().itertuples(index=False):
        table.add_row(measure, formats[unit].format(value))
    out.print(table)


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Working folder for data, models, scores and the report.",
)
@click.option(
    "--contacts",
    "n_contacts",
    type=click.IntRange(min=100),
    default=20_000,
    show_default=True,
    help="Number of synthetic contacts.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@_handles_errors
def demo(workdir: Path, n_contacts: int, seed: int) -> None:
    """Run the whole job on synthetic data, all local."""
    from leadscore.synthetic import make_crm

    data_dir = workdir / "data"
    with err.status(f"Generating a synthetic CRM of {n_contacts:,} contacts"):
        crm = make_crm(n_contacts, seed=seed)
        crm.write(data_dir)
    out.print(f"Synthetic CRM written to {data_dir}")
    _print_summary(crm)
    tracking_uri = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    result = _train_and_log(
        crm, None, workdir / "models" / "leadscore", tracking_uri, str(workdir / "mlruns")
    )
    _score_and_report(crm, result.scorer, workdir)


def main() -> None:
    """Entry point of the ``leadscore`` script."""
    cli(prog_name="leadscore")


if __name__ == "__main__":  # pragma: no cover
    main()
