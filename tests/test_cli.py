"""The command line: commands, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    # 2,500 contacts: enough customers in two years to train on (leadscore.sufficiency)
    result = runner.invoke(cli, ["demo", "--workdir", str(tmp_path), "--contacts", "2500"])
    assert result.exit_code == 0, result.output
    assert "year cohort: reached sql within a year" in result.stdout
    assert ls.CRMData.read(tmp_path / "data").contacts.shape[0] == 2500


def test_features_command(runner: CliRunner, tmp_path: Path, small_crm: ls.CRMData) -> None:
    small_crm.write(tmp_path / "crm")
    out = tmp_path / "features.parquet"
    result = runner.invoke(
        cli, ["features", "--data", str(tmp_path / "crm"), "--as-of", "2025-06-01",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out)
    expected = ls.build_features(small_crm, "2025-06-01")
    pd.testing.assert_frame_equal(written, expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2025-06-01", "--out", "x.txt"], "cannot tell the format"),
        (["--as-of", "someday", "--out", "x.csv"], "as_of: not a date or time: 'someday'"),
    ],
)
def test_features_errors(
    runner: CliRunner, tmp_path: Path, small_crm: ls.CRMData, args: list[str], message: str
) -> None:
    small_crm.write(tmp_path)
    result = runner.invoke(cli, ["features", "--data", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_data_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["features", "--data", str(tmp_path / "nope"), "--as-of", "2025-01-01",
              "--out", str(tmp_path / "f.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no such data folder" in result.stderr


def test_train_then_evaluate(runner: CliRunner, tmp_path: Path) -> None:
    ls.make_crm(2500, seed=3).write(tmp_path / "crm")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(
        cli, ["train", "--data", str(tmp_path / "crm"), "--out", str(tmp_path / "model"),
              "--tracking-uri", uri],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.stdout
    for model in ("logistic", "lightgbm", "naive_bayes", "points"):
        assert model in result.stdout
    assert "95% interval over contacts" in result.stdout
    # a 24-month export is too short to purge the customer model's validation: said in a line
    assert "warning: table.y_customer (180-day horizon): validation" in result.stderr
    assert "is the first champion" in result.stdout
    assert (tmp_path / "model" / "scorer.json").exists()
    for model in (str(tmp_path / "model"), "models:/leadscore@champion"):
        evaluated = runner.invoke(
            cli, ["evaluate", "--model", model, "--data", str(tmp_path / "crm"),
                  "--tracking-uri", uri],
        )  # fmt: skip
        assert evaluated.exit_code == 0, evaluated.output
        assert "pr_auc" in evaluated.stdout


def test_evaluate_unknown_model(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["evaluate", "--model", str(tmp_path / "none"), "--data", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "no saved scorer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_train_with_a_wrong_tracking_uri_fails_before_training(
    runner: CliRunner, tmp_path: Path
) -> None:
    ls.make_crm(200, seed=3).write(tmp_path / "crm")
    result = runner.invoke(
        cli, ["train", "--data", str(tmp_path / "crm"), "--out", str(tmp_path / "model"),
              "--tracking-uri", "nosuchscheme://x"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("error: tracking URI nosuchscheme://x: MLflow cannot use it")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "model").exists()


def test_evaluate_a_damaged_model(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "scorer.json").write_text("{not json")
    result = runner.invoke(
        cli, ["evaluate", "--model", str(tmp_path / "model"), "--data", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "scorer.json: not valid JSON" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
