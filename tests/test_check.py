"""leadscore check: sufficiency per target, future rows, suspected leaks, the command's exit codes.

The Maven Analytics sample is read from ../shared/data when it is there (its licence is not
verified, so it is not copied into the repository).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import leadscore as ls
from conftest import SHARED_DATA
from leadscore.check import SEPARATION_AUC, scan_leaks
from leadscore.cli import cli
from leadscore.errors import InsufficientDataError
from leadscore.pipeline import train_scorer

MAVEN = SHARED_DATA / "crm-sales-opportunities"
MAVEN_CONFIG = Path(__file__).resolve().parent / "configs" / "maven-crm.toml"
NOW = "2026-06-01"


@pytest.fixture(scope="module")
def short_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """13 months of 600 contacts: too short for the 180-day customer horizon."""
    folder = tmp_path_factory.mktemp("short")
    ls.make_crm(600, seed=0, months=13).write(folder)
    return folder


@pytest.fixture(scope="module")
def flawed_export(
    small_crm: ls.CRMData, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ls.CRMData]:
    """The small CRM with a field filled in after the outcome and one activity in 2031."""
    customers = small_crm.stages.loc[small_crm.stages["stage"] == "customer", "contact_id"]
    contacts = small_crm.contacts.assign(
        contract_signed=np.where(small_crm.contacts["contact_id"].isin(customers), "yes", None)
    )
    activities = small_crm.activities.copy()
    activities.loc[activities.index[-1], "timestamp"] = pd.Timestamp("2031-01-01", tz="UTC")
    with pytest.warns(ls.errors.DataWarning, match="in the future"):
        crm = ls.CRMData(contacts, activities, small_crm.stages, small_crm.accounts)
    folder = tmp_path_factory.mktemp("flawed")
    crm.write(folder)
    return folder, crm


@pytest.fixture(scope="module")
def flawed_report(flawed_export: tuple[Path, ls.CRMData]) -> ls.CheckReport:
    report = ls.check(flawed_export[0], now=NOW)
    assert any("in the future" in note for note in report.notes)
    return report


def test_short_history_says_the_way_out_and_train_stops_with_the_same_words(
    short_export: Path,
) -> None:
    report = ls.check(short_export, now=NOW)
    assert not report.ok
    assert report.blocking()
    customer = {t.target: t for t in report.targets}["customer"]
    assert customer.rows == 0
    assert not customer.ok
    assert customer.horizon_days == 180
    assert customer.longest_horizon_days is not None
    assert customer.longest_horizon_days < 180
    text = str(report)
    assert f"[labels] customer_days = {customer.longest_horizon_days} at most" in text
    assert "TOO SHORT" in text
    assert "Blocking: training would stop" in text
    with pytest.raises(InsufficientDataError) as raised:
        train_scorer(ls.CRMData.read(short_export))
    assert str(raised.value) == "; ".join(report.problems)


def test_counts_match_the_training_table(flawed_report: ls.CheckReport) -> None:
    prospect = {t.target: t for t in flawed_report.targets}["prospect"]
    assert prospect.ok
    assert prospect.rows >= 500
    assert 50 <= prospect.positives < prospect.rows
    assert prospect.first_cutoff is not None
    assert prospect.first_cutoff < prospect.last_cutoff
    assert flawed_report.cutoffs["holdout_start"] > prospect.last_cutoff  # type: ignore[operator]
    assert flawed_report.tables["contacts"] == 2_000


def test_future_rows_are_counted(flawed_report: ls.CheckReport) -> None:
    assert flawed_report.future == {
        "contacts.created_at": 0,
        "activities.timestamp": 1,
        "stages.timestamp": 0,
    }
    assert "activities.timestamp 1" in str(flawed_report)


def test_a_field_filled_after_the_outcome_is_flagged(flawed_report: ls.CheckReport) -> None:
    separators = [k for k in flawed_report.leaks if k.kind == "separation"]
    assert {k.column for k in separators} == {"contract_signed"}
    customer = next(k for k in separators if k.target == "customer")
    assert customer.statistic >= SEPARATION_AUC
    assert 'exclude_attributes = ["contract_signed"]' in str(flawed_report)
    # the generator's own attributes are not suspected
    assert {k.column for k in flawed_report.leaks} == {"contract_signed"}


def test_report_round_trips_to_json(flawed_report: ls.CheckReport) -> None:
    values = json.loads(json.dumps(flawed_report.to_dict()))
    assert values["ok"] == flawed_report.ok
    assert values["thresholds"]["separation_auc"] == SEPARATION_AUC
    assert [t["target"] for t in values["targets"]] == ["prospect", "customer"]


def test_scan_leaks_known_vs_open_and_identifiers() -> None:
    rng = np.random.default_rng(0)
    n = 400
    known = np.arange(n) < 200
    frame = pd.DataFrame(
        {
            "region": rng.choice(["north", "south"], n),
            "lost_reason": np.where(known, rng.choice(["price", "timing"], n), None),
            "stage_note": np.where(known, "closed", rng.choice(["call", "demo"], n)),
            "reference": [f"R{i}" for i in range(n)],
            "score": rng.normal(size=n),
        }
    )
    y = rng.integers(0, 2, n)
    frame["won_amount"] = np.where(y == 1, rng.uniform(1, 10, n), np.nan)
    leaks = scan_leaks(frame, known=known, labels={"customer": (pd.Series(range(n)), y)})
    kinds = {(k.column, k.kind) for k in leaks}
    assert ("lost_reason", "missingness") in kinds
    assert ("stage_note", "distribution") in kinds
    assert ("won_amount", "separation") in kinds
    flagged = {k.column for k in leaks}
    assert not flagged & {"region", "reference", "score"}


@pytest.mark.skipif(not MAVEN.is_dir(), reason=f"the Maven sample is not at {MAVEN}")
def test_maven_names_the_account_leak() -> None:
    report = ls.check(MAVEN, config=MAVEN_CONFIG, now=NOW)
    account = next(k for k in report.leaks if k.column == "account_id")
    assert account.kind == "missingness"
    assert account.source == "sales_pipeline.account"
    assert account.statistic > 0.5  # missing far more often for open deals
    assert "industry" in account.detail
    assert "annual_revenue" in account.detail
    assert report.tables["activities"] == 0
    assert any("no activity table" in n for n in report.notes)


def test_cli_exit_codes(short_export: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(cli, ["check", "--data", str(short_export)])
    assert short.exit_code == 1, short.output
    assert "[labels] customer_days" in short.output
    missing = runner.invoke(cli, ["check", "--data", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
    assert "no such data folder" in missing.output
    usage = runner.invoke(cli, ["check"])
    assert usage.exit_code == 2
    helped = runner.invoke(cli, ["check", "--help"])
    assert "1  a blocking problem" in helped.output
    out_json = tmp_path / "check.json"
    written = runner.invoke(cli, ["check", "--data", str(short_export), "--json", str(out_json)])
    assert written.exit_code == 1
    values = json.loads(out_json.read_text())
    assert values["ok"] is False
    assert values["problems"]


def test_targets_are_validated() -> None:
    config = ls.Config.from_dict({"targets": ["customer"], "labels": {"customer_days": 60}})
    assert config.targets == ("customer",)
    assert config.horizons == {"customer": 60}
    assert ls.Config.from_dict(config.to_dict()) == config
    assert config.to_params()["targets"] == '["customer"]'
    with pytest.raises(ls.errors.ConfigError, match="'won'"):
        ls.Config.from_dict({"targets": ["won"]})
    with pytest.raises(ls.errors.ConfigError, match="one or both"):
        ls.Config.from_dict({"targets": []})


def test_one_target_trains_scores_and_round_trips(small_crm: ls.CRMData, tmp_path: Path) -> None:
    config = ls.Config(targets=("customer",))
    cutoffs = pd.date_range("2024-05-01", periods=10, freq="MS", tz="UTC")
    table = ls.build_training_table(small_crm, cutoffs, config=config)
    scorer = ls.LeadScorer(config=config, random_state=0).fit(table.drop(columns="y_prospect"))
    assert list(scorer.models_) == ["customer"]
    features = ls.build_features(small_crm, "2025-06-01", config=config)
    scores = scorer.scores(features.head(50), "2025-06-01")
    assert "p_customer" in scores
    assert not [c for c in scores if "prospect" in c]
    assert scores["grade"].isin(list("ABCD")).all()
    evaluation = scorer.evaluate(table[table["cutoff"] >= "2025-01-01"], resamples=0)
    assert set(evaluation["target"]) == {"customer"}
    loaded = ls.LeadScorer.load(scorer.save(tmp_path / "one"))
    assert list(loaded.models_) == ["customer"]
    pd.testing.assert_frame_equal(loaded.scores(features.head(50), "2025-06-01"), scores)
