"""Score history, trends and why a score changed (issue 20 items 1 and 2)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.domain import CRITERIA
from leadscore.history import (
    CHANGE_COLUMNS,
    TREND_POINTS,
    ParquetHistory,
    SQLHistory,
    history_record,
    open_history,
    parse_signals,
    previous_run,
    signal_names,
)
from leadscore.scoring import score_export, scores_table

pytestmark = pytest.mark.filterwarnings("ignore:drift.:leadscore.errors.DataWarning")
EARLIER, LATER = "2025-08-01", "2025-09-01"
POSTGRES = os.environ.get("LEADSCORE_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    return ls.make_crm(800, seed=5)


@pytest.fixture(scope="module")
def scorer(crm: ls.CRMData) -> ls.LeadScorer:
    table = ls.build_training_table(crm, pd.date_range("2024-06-01", "2025-05-01", freq="MS"))
    params = {"n_jobs": 1, "max_rounds": 20, "num_leaves": 15}
    return ls.LeadScorer(random_state=0, model_params=params).fit(table)


@pytest.fixture(scope="module")
def runs(
    crm: ls.CRMData, scorer: ls.LeadScorer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two runs a month apart: the earlier run's history rows, and the later scores."""
    store = ParquetHistory(tmp_path_factory.mktemp("runs") / "history")
    first = scores_table(scorer, ls.build_features(crm, EARLIER), EARLIER, history=True)
    store.write(history_record(first), EARLIER, signal_names(scorer))
    previous = previous_run(store, LATER)
    assert previous is not None
    X = ls.build_features(crm, LATER)
    second = scores_table(scorer, X, LATER, history=True, previous=previous)
    return previous[0], second, X


def _stores(tmp_path: Path) -> list[ParquetHistory | SQLHistory]:
    stores: list[ParquetHistory | SQLHistory] = [
        ParquetHistory(tmp_path / "history"),
        SQLHistory(f"sqlite:///{tmp_path / 'history.db'}"),
    ]
    if POSTGRES:
        schema_free = f"leadscore_history_{os.getpid()}"
        stores.append(SQLHistory(POSTGRES, table=schema_free))
    return stores


def test_change_in_log_odds_is_the_sum_of_the_signal_changes(
    runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], scorer: ls.LeadScorer
) -> None:
    before, after, X = runs
    compared = after[after["trend"].isin(["rising", "steady", "falling"])]
    assert len(compared) > 100
    earlier = before.set_index("contact_id").loc[compared["contact_id"].astype(str)]
    delta = parse_signals(compared["signals"]) - parse_signals(earlier["signals"])
    # exact: the signal changes add up to the change in log-odds (same model, same base)
    np.testing.assert_allclose(delta.sum(axis=1), compared["logodds_change"], atol=1e-9)
    np.testing.assert_allclose(
        compared["logodds"] - earlier["logodds"].to_numpy(), compared["logodds_change"], atol=1e-12
    )
    # the log-odds are the model's, and the signals add up to its criteria sums
    model = scorer.models_["customer"]
    raw = model.decision_function(X[scorer.feature_names_])
    np.testing.assert_allclose(after["logodds"], raw, atol=1e-9)
    criteria = after[list(CRITERIA)].sum(axis=1)
    np.testing.assert_allclose(parse_signals(after["signals"]).sum(axis=1), criteria, atol=1e-9)
    # the codes carry the exact log-odds of the signals they name
    for codes, row in zip(compared["change_codes"], delta, strict=True):
        if codes is None or pd.isna(codes):
            assert np.abs(row).max() < 0.01
            continue
        told = [float(c.split("=")[1]) for c in codes.split(";")]
        assert max(abs(t) for t in told) == pytest.approx(np.abs(row).max(), abs=1e-4)


def test_score_change_and_trend(runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    before, after, _ = runs
    assert list(after.columns[-len(CHANGE_COLUMNS) :]) == list(CHANGE_COLUMNS)
    compared = after[after["score_change"].notna()]
    assert (compared["score_change"] == compared["score"] - compared["previous_score"]).all()
    change = compared["score_change"].astype(int)
    expected = np.where(change >= TREND_POINTS, "rising",
                        np.where(change <= -TREND_POINTS, "falling", "steady"))  # fmt: skip
    assert (compared["trend"].to_numpy() == expected).all()
    assert set(compared["trend"]) == {"rising", "steady", "falling"}
    new = after[~after["contact_id"].astype(str).isin(before["contact_id"])]
    assert (new["trend"] == "new").all()
    assert new["score_change"].isna().all()
    assert (compared["previous_as_of"] == pd.Timestamp(EARLIER, tz="UTC")).all()


def test_change_reasons_in_words(runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    _, after, _ = runs
    moved = after[after["trend"].isin(["rising", "falling"])]
    assert moved["change_reasons"].notna().all()
    for text in moved["change_reasons"]:
        for reason in text.split("; "):
            assert re.fullmatch(r"[+-]\d+(\.\d)?: [A-Z0-9][^_]+", reason), reason
            assert "log-odds" not in reason
    rising = moved[moved["trend"] == "rising"]["change_reasons"]
    # a rising score names first what raised it, with a positive amount
    assert rising.str.startswith("+").all()


def test_a_different_model_is_said_not_compared(
    runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    crm: ls.CRMData,
    scorer: ls.LeadScorer,
) -> None:
    before, _, X = runs
    other = before.assign(model_version="another")
    names = signal_names(scorer)
    after = scores_table(scorer, X.head(50), LATER, history=True, previous=(other, names))
    known = after["contact_id"].astype(str).isin(before["contact_id"])
    assert (after.loc[known, "trend"] == "model changed").all()
    assert after.loc[known, "score_change"].isna().all()
    assert after.loc[known, "change_reasons"].isna().all()


def test_same_as_of_replaces_that_day(
    runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], scorer: ls.LeadScorer, tmp_path: Path
) -> None:
    before, after, _ = runs
    names = signal_names(scorer)
    later = history_record(after)
    for store in _stores(tmp_path):
        store.write(before, EARLIER, names)
        store.write(later, LATER, names)
        store.write(later, LATER, names)  # a re-run of the same day
        runs_table = store.runs()
        assert runs_table["as_of"].dt.date.astype(str).tolist() == [EARLIER, LATER]
        assert runs_table["rows"].tolist() == [len(before), len(later)]
        assert runs_table["signal_names"].iloc[1] == names
        read = store.read()
        assert len(read) == len(before) + len(later)
        day = store.read(LATER).sort_values("contact_id", ignore_index=True)
        want = later.sort_values("contact_id", ignore_index=True)
        np.testing.assert_array_equal(day["logodds"], want["logodds"])  # exact round trip
        assert day["signals"].tolist() == want["signals"].tolist()
        assert (day["as_of"] == pd.Timestamp(LATER, tz="UTC")).all()
        previous = previous_run(store, "2025-09-15")
        assert previous is not None
        assert (previous[0]["as_of"] == pd.Timestamp(LATER, tz="UTC")).all()
        assert previous_run(store, EARLIER) is None


def test_postgres_history_is_tested_where_a_server_is_given() -> None:
    if not POSTGRES:
        pytest.skip("LEADSCORE_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    assert isinstance(open_history(POSTGRES), SQLHistory)


def test_the_parquet_history_is_a_dataset_pandas_reads(
    runs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], scorer: ls.LeadScorer, tmp_path: Path
) -> None:
    before, _, _ = runs
    ParquetHistory(tmp_path / "h").write(before, EARLIER, signal_names(scorer))
    read = pd.read_parquet(tmp_path / "h")
    assert len(read) == len(before)
    assert set(read["as_of"].astype(str)) == {EARLIER}


def test_the_job_keeps_a_history_beside_the_scores(
    crm: ls.CRMData, scorer: ls.LeadScorer, tmp_path: Path
) -> None:
    export = crm.write(tmp_path / "export", format="csv")
    done = {
        as_of: score_export(export, scorer, tmp_path / "out" / f"{as_of}.parquet", as_of=as_of)
        for as_of in (EARLIER, LATER, LATER)  # the later day twice: replaced, not duplicated
    }
    assert done[LATER].outputs["history"] == str(tmp_path / "out" / "history")
    assert any(n.startswith(f"Trend against the run of {EARLIER}:") for n in done[LATER].notes)
    store = ParquetHistory(tmp_path / "out" / "history")
    assert store.runs()["rows"].tolist() == [done[EARLIER].scored, done[LATER].scored]
    scores = pd.read_parquet(tmp_path / "out" / f"{LATER}.parquet")
    assert "signals" not in scores
    assert {"rising", "falling"} <= set(scores["trend"])
    url = f"sqlite:///{tmp_path / 'h.db'}"
    for as_of in (EARLIER, LATER):
        score_export(export, scorer, tmp_path / "sql.parquet", as_of=as_of, history=url)
    same = pd.read_parquet(tmp_path / "sql.parquet")
    pd.testing.assert_series_equal(same["change_reasons"], scores["change_reasons"])
    assert len(SQLHistory(url).read()) == done[EARLIER].scored + done[LATER].scored
