"""Enough data to train? Counts per target after the time purge; one message with the way out."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import leadscore as ls
from leadscore.cli import cli
from leadscore.errors import InsufficientDataError
from leadscore.evaluate import time_split
from leadscore.pipeline import default_cutoffs, holdout_start, train_scorer
from leadscore.sufficiency import MINIMUMS, Minimums, SufficiencyReport, check_sufficiency

HORIZONS = {"prospect": 90, "customer": 180}


@pytest.fixture(scope="module")
def short_crm() -> ls.CRMData:
    """13 months of history: the 180-day customer horizon leaves no training row."""
    return ls.make_crm(2000, seed=0, months=13)


@pytest.fixture(scope="module")
def short_table(short_crm: ls.CRMData) -> tuple[pd.DataFrame, pd.Timestamp]:
    cutoffs = default_cutoffs(short_crm)
    start = holdout_start(cutoffs, short_crm.time_span()[1], HORIZONS)
    return ls.build_training_table(short_crm, cutoffs), start


@pytest.fixture(scope="module")
def report(
    short_crm: ls.CRMData, short_table: tuple[pd.DataFrame, pd.Timestamp]
) -> SufficiencyReport:
    table, start = short_table
    return check_sufficiency(
        table, horizons=HORIZONS, test_start=start, history=short_crm.time_span()
    )


def test_counts_are_what_the_time_split_leaves(
    short_table: tuple[pd.DataFrame, pd.Timestamp], report: SufficiencyReport
) -> None:
    table, start = short_table
    train, test = time_split(table, horizons=HORIZONS, test_start=start)
    for counts in report.targets:
        label = train[f"y_{counts.target}"].dropna()
        assert counts.rows == len(label)
        assert counts.positives == int(label.sum())
        assert counts.cutoffs == train.loc[label.index, "cutoff"].nunique()
        assert counts.test_rows == test[f"y_{counts.target}"].notna().sum()
        before = table[(table["cutoff"] < start) & table[f"y_{counts.target}"].notna()]
        assert counts.purged == len(before) - counts.rows
    customer = report.targets[1]
    assert (customer.rows, customer.positives, customer.cutoffs) == (0, 0, 0)
    assert customer.purged > 0
    assert customer.test_rows > 0
    assert not report.ok
    assert report.history_months == 13
    frame = report.to_frame()
    assert frame["target"].tolist() == ["prospect", "customer"]


def test_the_message_names_the_numbers_and_the_way_out(
    short_crm: ls.CRMData,
    short_table: tuple[pd.DataFrame, pd.Timestamp],
    report: SufficiencyReport,
) -> None:
    table, start = short_table
    customer = report.problems[1]
    purged = report.targets[1].purged
    assert customer == (
        f"customer target: 0 labelled training rows (0 positive) at 0 cutoff(s) remain after "
        f"leaving out {purged:,} whose labels reach into the holdout (from 2024-08-01; horizon "
        "180 days, history 13 months); at least 500 rows, 50 of each outcome and 2 cutoffs are "
        "needed: use a shorter horizon with [labels] customer_days = 90, or export a longer "
        "history (about 20 months)"
    )
    # the prospect target keeps rows but too few positives: more contacts or history, not a
    # shorter horizon (which would find fewer)
    prospect = report.targets[0]
    assert prospect.rows >= MINIMUMS.rows
    assert prospect.positives < MINIMUMS.outcome
    assert report.problems[0].startswith(
        f"prospect target: {prospect.rows:,} labelled training rows ({prospect.positives} "
        "positive) at 2 cutoff(s)"
    )
    assert "export more contacts" in report.problems[0]
    assert "shorter horizon" not in report.problems[0]
    assert report.message == "; ".join(report.problems)
    with pytest.raises(InsufficientDataError) as raised:
        report.raise_if_insufficient()
    assert str(raised.value) == report.message
    # with lower bars the same data passes, with a caution against the recommended ones
    lenient = check_sufficiency(
        table, horizons={"prospect": 90, "customer": 60}, test_start=start,
        history=short_crm.time_span(), minimums=Minimums(rows=100, outcome=5, cutoffs=1),
    )  # fmt: skip
    assert lenient.ok
    assert lenient.message.startswith("enough data to train: prospect")
    assert len(lenient.cautions) == 2
    lenient.raise_if_insufficient()


def test_training_a_short_export_stops_with_one_message(short_crm: ls.CRMData) -> None:
    with pytest.raises(InsufficientDataError, match=r"^prospect target: .*; customer target: 0 "):
        train_scorer(short_crm)


def test_the_cli_says_it_in_one_line(short_crm: ls.CRMData, tmp_path: Path) -> None:
    short_crm.write(tmp_path / "crm")
    result = CliRunner().invoke(
        cli, ["train", "--data", str(tmp_path / "crm"), "--out", str(tmp_path / "model"),
              "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"],
    )  # fmt: skip
    assert result.exit_code == 2
    # one line says it (MLflow's own deprecation warnings may stand before it)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1
    assert re.match(r"error: prospect target: \d[\d,]* labelled training rows", lines[0])
    assert "customer target: 0 labelled training rows" in lines[0]
    assert "[labels] customer_days = 90" in lines[0]
    assert not (tmp_path / "model").exists()
