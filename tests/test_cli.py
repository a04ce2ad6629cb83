"""The command line: commands, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import leadscore as ls
from leadscore.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_generate_writes_a_readable_folder(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "crm"
    result = runner.invoke(cli, ["generate", "--contacts", "300", "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    crm = ls.CRMData.read(out)
    assert len(crm.contacts) == 300
    assert crm.activities.equals(ls.make_crm(300, seed=2).activities)


def test_generate_csv(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["generate", "--contacts", "100", "--out", str(tmp_path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "contacts.csv").exists()
    assert (tmp_path / "schema.json").exists()


def test_package_errors_are_one_line_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["generate", "--contacts", "10", "--start", "someday", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: start: not a date: 'someday'"
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["generate", "--contacts", "0", "--out", "x"])
    assert result.exit_code == 2
    assert "--contacts" in result.stderr


def test_demo_summarises_the_data(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["demo", "--workdir", str(tmp_path), "--contacts", "500"])
    assert result.exit_code == 0, result.output
    assert "year cohort: reached sql within a year" in result.stdout
    assert ls.CRMData.read(tmp_path / "data").contacts.shape[0] == 500
