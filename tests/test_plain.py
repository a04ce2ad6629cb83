"""Plain tables: train, score, explain and check one-row-per-lead data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from leadscore.cli import cli
from leadscore.config import Config, TableConfig
from leadscore.plain import (
    TableModel,
    check_table,
    guess_criterion,
    read_table,
    score_table,
    table_schema,
    train_table,
)

BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-marketing"
JOBS = ("admin.", "blue-collar", "management", "student")


def make_table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Leads whose outcome depends on balance and job only (age and month are noise)."""
    rng = np.random.default_rng(seed)
    balance = rng.lognormal(7, 1, n).round(0)
    job = rng.choice(JOBS, n)
    logit = -2.0 + 1.2 * (np.log(balance) - 7) + np.where(job == "management", 1.5, 0.0)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "signed_up": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) // 3, "D"),
            "age": rng.integers(20, 70, n),
            "job": job,
            "balance": balance,
            "month": rng.choice(["may", "jun", "jul"], n),
            "y": np.where(y, "yes", "no"),
        }
    )


CONFIG = TableConfig(label="y", id="lead_id", criteria={"balance": "need"})


@pytest.fixture(scope="module")
def trained() -> tuple[pd.DataFrame, object]:
    frame = make_table()
    return frame, train_table(frame, config=CONFIG, resamples=20)


def test_guesses_by_name() -> None:
    assert guess_criterion("job_title") == "authority"
    assert guess_criterion("annual_income") == "budget"
    assert guess_criterion("campaign") == "engagement"
    assert guess_criterion("month") == "timing"
    assert guess_criterion("industry") == "fit"
    assert guess_criterion("stage_notes") == "fit"  # "age" only as a whole word


def test_schema_settings_and_guesses() -> None:
    frame = make_table(200)
    schema = table_schema(frame, config=CONFIG, time="signed_up")
    assert schema.features == ("age", "job", "balance", "month")
    assert dict(schema.criteria) == {
        "age": "fit", "job": "authority", "balance": "need", "month": "timing",
    }  # fmt: skip
    assert "balance" not in schema.guessed
    assert "job" in schema.guessed
    assert schema.positive == "yes"
    assert "need: balance" in "\n".join(schema.lines())


def test_schema_errors_name_the_column() -> None:
    frame = make_table(100)
    with pytest.raises(Exception, match=r"table\.outcome: no such column"):
        table_schema(frame, label="outcome")
    with pytest.raises(Exception, match="exactly two values"):
        table_schema(frame.assign(y=["a", "b", "c", "d"] * 25), label="y")
    with pytest.raises(Exception, match="unknown criteria"):
        TableConfig(criteria={"job": "vibes"})


def test_train_learns_the_signal_and_beats_noise(trained: tuple[pd.DataFrame, object]) -> None:
    _, done = trained
    auc = done.evaluation.query("metric == 'roc_auc'").set_index("model")["value"]
    assert set(auc.index) == {"leadscore", "logistic", "lightgbm", "naive_bayes"}
    assert auc["leadscore"] > 0.75
    assert done.split.startswith("stratified random")
    assert done.test_rows == 300
    assert done.train_rows == 1200


def test_reasons_group_by_the_configured_criteria(trained: tuple[pd.DataFrame, object]) -> None:
    frame, done = trained
    scores = done.model.scores(frame.head(300))
    assert len(scores) == 300
    assert scores["lead_id"].tolist() == frame["lead_id"].head(300).tolist()
    # balance was set to need: its contributions land there, budget stays empty
    assert scores["need"].abs().mean() > 0.1
    assert (scores["budget"] == 0).all()
    assert scores["authority"].abs().mean() > 0.05  # job, guessed as authority
    # the signal's direction: richer leads get more from balance
    rich = frame["balance"].head(300) > frame["balance"].quantile(0.75)
    assert scores.loc[rich.to_numpy(), "need"].mean() > scores.loc[~rich.to_numpy(), "need"].mean()
    text = " ".join(scores["reasons"].dropna())
    assert "Job: management" in text  # a reason opens with a capital
    assert "Balance " in text
    assert "(high)" in text
    assert "(low)" in text
    assert "+NEED_BALANCE" in " ".join(scores["reason_codes"].dropna())
    assert scores["score"].between(1, 99).all()
    assert set(scores["grade"]) <= set("ABCD")


def test_save_and_load_score_the_same(trained: tuple[pd.DataFrame, object], tmp_path: Path) -> None:
    frame, done = trained
    done.model.save(tmp_path / "model")
    loaded = TableModel.load(tmp_path / "model")
    assert loaded.version == done.model.version
    assert loaded.schema == done.model.schema
    pd.testing.assert_frame_equal(loaded.scores(frame.head(50)), done.model.scores(frame.head(50)))
    assert not list((tmp_path / "model").rglob("*.pkl"))


def test_time_split_used_when_time_given() -> None:
    frame = make_table(1500)
    done = train_table(frame, config=CONFIG, time="signed_up", resamples=0)
    assert done.split.startswith("by signed_up: test from")
    start = pd.Timestamp(done.split.split("test from ")[1][:10], tz="UTC")
    latest = int((frame["signed_up"].dt.tz_localize("UTC") >= start).sum())
    assert done.test_rows == latest
    assert done.train_rows == len(frame) - latest
    # an outcome window purges the training rows whose window reaches the test period
    gap = train_table(
        frame, config=TableConfig(label="y", id="lead_id", gap_days=30), time="signed_up",
        resamples=0,
    )  # fmt: skip
    # windows [t, t + 30 days) reaching the start: the 29 days before it, 3 rows a day
    assert gap.train_rows == done.train_rows - 87
    assert any("left out" in note for note in gap.notes)


def test_too_few_rows_stops_training() -> None:
    with pytest.raises(Exception, match="too few to train on"):
        train_table(make_table(300), config=CONFIG)


def test_score_table_rejects_bad_rows(trained: tuple[pd.DataFrame, object], tmp_path: Path) -> None:
    frame, done = trained
    done.model.save(tmp_path / "model")
    rows = frame.head(200).drop(columns="y").astype({"balance": "object"})
    rows.loc[3, "lead_id"] = None
    rows.loc[5, "lead_id"] = rows.loc[6, "lead_id"]
    rows.loc[8, "balance"] = "lots"
    rows.loc[9, "lead_id"] = "=HYPERLINK(1)"
    rows.to_csv(tmp_path / "leads.csv", index=False)
    result = score_table(tmp_path / "leads.csv", tmp_path / "model", tmp_path / "scores.csv",
                         max_reject_share=1.0)  # fmt: skip
    assert result.rows == 200 == result.scored + sum(result.rejected.values())
    assert result.rejected == {"DUPLICATE_ID": 2, "MISSING_VALUE": 1, "NOT_A_NUMBER": 1}
    scores = pd.read_csv(tmp_path / "scores.csv")
    rejects = pd.read_csv(tmp_path / "scores.rejects.csv")
    assert len(scores) == 196
    assert sorted(rejects["row"]) == [3, 5, 6, 8]
    assert "'=HYPERLINK(1)" in scores["lead_id"].tolist()  # neutralised for spreadsheets
    with pytest.raises(Exception, match="nothing written"):
        score_table(tmp_path / "leads.csv", tmp_path / "model", tmp_path / "other.csv")
    assert not (tmp_path / "other.csv").exists()


def test_check_flags_a_near_perfect_leak() -> None:
    frame = make_table(1500)
    rng = np.random.default_rng(1)
    won = frame["y"] == "yes"
    frame["closed_reason"] = np.where(won, "signed", "no budget")
    frame.loc[rng.random(len(frame)) < 0.01, "closed_reason"] = "other"
    report = check_table(frame, label="y", id="lead_id")
    leaks = {leak.column: leak.kind for leak in report.leaks}
    assert leaks.get("closed_reason") == "separation"
    assert "balance" not in leaks
    assert "age" not in leaks
    assert report.ok
    assert report.blocking(strict=True)
    text = str(report)
    assert 'exclude = ["closed_reason"]' in text
    assert "1,500 rows" in text


def test_check_names_a_shift_over_time() -> None:
    frame = make_table(1500)
    frame["score_v2"] = np.where(np.arange(len(frame)) < 1200, np.nan, 1.0)
    report = check_table(frame, label="y", time="signed_up", id="lead_id")
    assert report.span == ("2024-01-01", "2025-05-14")
    assert {leak.column for leak in report.leaks if leak.kind == "shift"} == {"score_v2"}


def _table_files(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    make_table(1200).to_csv(path, sep=";", index=False)
    return path


def test_cli_train_score_check(tmp_path: Path) -> None:
    table = _table_files(tmp_path)
    assert read_table(table).shape == (1200, 7)  # the separator is read from the header
    config = tmp_path / "leads.toml"
    config.write_text('[table]\nlabel = "y"\nid = "lead_id"\n[table.criteria]\nbalance = "need"\n')
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "--table", str(table), "--config", str(config),
                                  "--time", "signed_up", "--out", str(tmp_path / "m")])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "need: balance" in trained.output
    assert "authority: job*" in trained.output
    assert "by signed_up" in trained.output
    assert "naive_bayes" in trained.output
    scored = runner.invoke(cli, ["score", "--table", str(table), "--model", str(tmp_path / "m"),
                                 "--out", str(tmp_path / "s.parquet")])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    assert "scored 1,200" in scored.output
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 1200
    checked = runner.invoke(cli, ["check", "--table", str(table), "--label", "y"])
    assert checked.exit_code == 0, checked.output
    assert "Ready to train." in checked.output


def test_cli_exit_codes(tmp_path: Path) -> None:
    table = _table_files(tmp_path)
    runner = CliRunner()
    both = runner.invoke(cli, ["check", "--table", str(table), "--data", str(tmp_path)])
    assert both.exit_code == 2
    assert "either --data" in both.output
    wrong = runner.invoke(cli, ["train", "--table", str(table), "--label", "outcome"])
    assert wrong.exit_code == 2
    assert "table.outcome" in wrong.output
    frame = make_table(1200).assign(after=lambda f: (f["y"] == "yes").astype(int))
    frame.to_csv(tmp_path / "leaky.csv", index=False)
    leaky = runner.invoke(cli, ["check", "--table", str(tmp_path / "leaky.csv"), "--label", "y",
                                "--strict"])  # fmt: skip
    assert leaky.exit_code == 1
    assert "after" in leaky.output
    short = runner.invoke(cli, ["check", "--table", str(tmp_path / "leaky.csv"), "--label", "y",
                                "--config", str(_short_config(tmp_path))])  # fmt: skip
    assert short.exit_code == 0
    missing = runner.invoke(cli, ["score", "--table", str(table), "--model", str(tmp_path / "no"),
                                  "--out", str(tmp_path / "s.csv")])  # fmt: skip
    assert missing.exit_code == 2


def _short_config(tmp_path: Path) -> Path:
    path = tmp_path / "exclude.toml"
    path.write_text('[table]\nexclude = ["after"]\n')
    return path


def test_config_round_trips_the_table_section() -> None:
    config = Config.from_dict({"table": {"label": "y", "exclude": ["x"], "criteria": {"x": "fit"}}})
    assert Config.from_dict(config.to_dict()) == config
    assert Config().to_dict().get("table") is None


@pytest.mark.skipif(
    not (BANK / "bank-additional-full.csv").exists(),
    reason="UCI bank marketing not found in ../shared/data/bank-marketing",
)
def test_bank_marketing_duration_is_named(tmp_path: Path) -> None:
    frame = read_table(BANK / "bank-additional-full.csv")
    sample = frame.sample(4000, random_state=0)
    report = check_table(sample, label="y")
    assert "duration" in {leak.column for leak in report.leaks}
    assert report.schema.criteria["job"] == "authority"
    assert report.schema.criteria["pdays"] == "engagement"
    done = train_table(sample.drop(columns="duration"), label="y", resamples=0)
    auc = done.evaluation.query("metric == 'roc_auc' and model == 'leadscore'")["value"].item()
    assert 0.7 < auc < 0.85  # the published figures without duration: 0.77-0.80
    reasons = " ".join(done.model.scores(sample.head(100))["reasons"].dropna())
    assert "Job: " in reasons
