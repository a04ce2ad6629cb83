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
from rich.console import Console

from leadscore.errors import DataWarning, LeadscoreError

__all__ = ["cli", "main"]

EXIT_ERROR = 2
_F = TypeVar("_F", bound=Callable[..., Any])

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
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
                sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadscore")
def cli() -> None:
    """Predictive lead scoring that says why."""


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
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder of contacts, accounts, activities and stages.",
)
@click.option("--as-of", "as_of", required=True, help="Point in time (UTC); rows before it count.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output file, .parquet or .csv.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML configuration (column mapping, feature settings).",
)
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


def main() -> None:
    """Entry point of the ``leadscore`` script."""
    cli(prog_name="leadscore")


if __name__ == "__main__":  # pragma: no cover
    main()
