"""The command line: commands, exit codes, one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import leadscore as ls
from leadscore.cli import cli

PINNED_SCORER = Path(__file__).resolve().parent / "data" / "pinned_scorer"


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
    assert result.stderr.strip() == "error: start: not a date or time: 'someday'"
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
    # The demo's report and `leadscore report --model` state each grade's P(customer) cut point.
    scorer = ls.LeadScorer.load(tmp_path / "models" / "leadscore")
    cut_a = f"P(customer) ≥ {scorer.grade_cuts()['A']:.1%}, the top 10% of validation leads"
    assert cut_a in (tmp_path / "report.html").read_text(encoding="utf-8")
    (scores,) = (tmp_path / "scores").glob("scores-*.parquet")
    out = tmp_path / "again.html"
    again = runner.invoke(
        cli, ["report", "--scores", str(scores), "--out", str(out),
              "--model", str(tmp_path / "models" / "leadscore")],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert cut_a in out.read_text(encoding="utf-8")


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


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _broken_sample(tmp_path: Path, breakage: str) -> Path:
    """A copy of the shipped sample (with its schema.json), broken one way."""
    folder = tmp_path / "crm"
    shutil.copytree(SAMPLE, folder)
    (folder / "truth.csv").unlink()
    if breakage == "header only":
        lines = (folder / "contacts.csv").read_text(encoding="utf-8").splitlines()
        (folder / "contacts.csv").write_text(lines[0] + "\n", encoding="utf-8")
    elif breakage == "corrupt schema":
        (folder / "schema.json").write_text("{", encoding="utf-8")
    elif breakage == "bad value":
        accounts = pd.read_csv(folder / "accounts.csv", dtype="str")
        accounts.loc[1, "employees"] = "many"
        accounts.to_csv(folder / "accounts.csv", index=False)
    elif breakage == "unknown criterion":
        (folder / "config.toml").write_text(
            '[features.attribute_criteria]\ndepartment = "vibes"\n', encoding="utf-8"
        )
    return folder


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("header only", "error: contacts: no rows: the export holds no contacts"),
        ("corrupt schema", "error: schema.json: "),
        ("bad value", "error: accounts.employees: values do not have the type Int64 of "
         "schema.json (1 row), e.g. 'many'"),
        ("unknown criterion", "error: features.attribute_criteria: unknown criteria "
         "{'department': 'vibes'}"),
    ],
)  # fmt: skip
def test_broken_exports_are_one_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, breakage: str, message: str
) -> None:
    folder = _broken_sample(tmp_path, breakage)
    args = ["features", "--data", str(folder), "--as-of", "2025-06-01",
            "--out", str(tmp_path / "features.csv")]  # fmt: skip
    if breakage == "unknown criterion":
        args += ["--config", str(folder / "config.toml")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_future_activity_is_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    folder = _broken_sample(tmp_path, "")
    activities = pd.read_csv(folder / "activities.csv", dtype="str")
    activities.loc[[3, 4], "timestamp"] = "2031-01-16 12:12:32+00:00"
    activities.to_csv(folder / "activities.csv", index=False)
    result = runner.invoke(cli, ["features", "--data", str(folder), "--as-of", "2025-06-01",
                                 "--out", str(tmp_path / "features.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: activities.timestamp: 2 rows are in the future" in result.stderr


def test_a_truncated_model_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # in a process of its own: LightGBM aborted the whole process on this (exit 134, with its
    # fatal message and 26 tracebacks)
    model = tmp_path / "model"
    shutil.copytree(PINNED_SCORER, model)
    booster = model / "customer" / "booster.txt"
    text = booster.read_text()
    booster.write_text(text[: text.index("end of trees") - 500])
    result = subprocess.run(
        [sys.executable, "-m", "leadscore.cli", "evaluate", "--model", str(model),
         "--data", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {booster}: not a whole LightGBM model")
