"""make_crm: determinism, realism and a ground truth that means something."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.domain import ACTIVITY_TYPES, STAGE_RANK
from leadscore.errors import ConfigError


def _summary(crm: ls.CRMData) -> pd.Series:
    return crm.summary().set_index("measure")["value"]


def test_same_seed_same_frames() -> None:
    first, second = ls.make_crm(800, seed=3), ls.make_crm(800, seed=3)
    for name, frame in first.tables.items():
        pd.testing.assert_frame_equal(frame, second.tables[name], check_exact=True)
    other = ls.make_crm(800, seed=4)
    assert not other.activities.equals(first.activities)


def test_shapes_and_span(small_crm: ls.CRMData) -> None:
    assert len(small_crm.contacts) == 2_000
    assert small_crm.truth is not None
    assert small_crm.truth["contact_id"].tolist() == small_crm.contacts["contact_id"].tolist()
    start, end = pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2026-01-01", tz="UTC")
    for times in (
        small_crm.contacts["created_at"],
        small_crm.activities["timestamp"],
        small_crm.stages["timestamp"],
    ):
        assert times.min() >= start
        assert times.max() < end
    assert set(small_crm.activities["activity_type"]) == set(ACTIVITY_TYPES)


def test_stage_histories_follow_the_funnel(small_crm: ls.CRMData) -> None:
    stages = small_crm.stages.sort_values(["contact_id", "timestamp"], kind="stable")
    rank = stages["stage"].map(STAGE_RANK)
    step = rank.groupby(stages["contact_id"]).diff().dropna()
    previous_rank = rank.groupby(stages["contact_id"]).shift().dropna()
    # every move is one stage forward, or lost from an open stage; nothing after lost or customer
    assert ((step == 1) | (rank.loc[step.index] == -1)).all()
    assert (previous_rank >= 0).all()
    assert (previous_rank < STAGE_RANK["customer"]).all()
    first = stages.groupby("contact_id").first()
    created = small_crm.contacts.set_index("contact_id")["created_at"]
    assert (first["stage"] == "lead").all()
    assert (first["timestamp"] == created.loc[first.index]).all()
    assert stages["timestamp"].groupby(stages["contact_id"]).is_monotonic_increasing.all()


def test_activity_is_heavy_tailed_and_bursty(small_crm: ls.CRMData) -> None:
    summary = _summary(small_crm)
    assert summary["activities per contact, mean"] > 1.8 * summary["activities per contact, median"]
    assert (
        summary["activities per contact, 99th percentile"]
        > 10 * summary["activities per contact, median"]
    )
    assert 0.01 < summary["contacts without activity"] < 0.2
    # bursts: the busiest week of an active contact holds far more than an average week
    acts = small_crm.activities
    weekly = acts.groupby(
        [acts["contact_id"], acts["timestamp"].dt.tz_localize(None).dt.to_period("W")]
    ).size()
    per_contact = weekly.groupby(level=0).agg(["max", "mean", "size"])
    active = per_contact[per_contact["size"] >= 10]
    assert (active["max"] / active["mean"]).median() > 2.5


def test_quiet_months(small_crm: ls.CRMData) -> None:
    # contacts active in a month, per contact created by then: August and December dip
    acts = small_crm.activities
    month = acts["timestamp"].dt.tz_localize(None).dt.to_period("M")
    active = acts.assign(month=month).drop_duplicates(["contact_id", "month"])
    per_month = active.groupby("month").size()
    created = small_crm.contacts["created_at"].dt.tz_localize(None).dt.to_period("M")
    alive = created.value_counts().sort_index().cumsum().reindex(per_month.index).ffill()
    rate = per_month / alive
    for year in (2024, 2025):

        def at(m: int, y: int = year) -> float:
            return float(rate[pd.Period(f"{y}-{m:02d}", "M")])

        assert at(8) < (at(7) + at(9)) / 2
        assert at(12) < (at(10) + at(11)) / 2


def test_attributes_look_like_an_export(small_crm: ls.CRMData) -> None:
    contacts, accounts = small_crm.contacts, small_crm.accounts
    assert accounts is not None
    for column in ("job_title", "seniority", "role", "department", "country", "lead_source"):
        assert 0.02 < contacts[column].isna().mean() < 0.35, column
    for column in ("industry", "employees", "annual_revenue", "credit_rating"):
        assert 0.02 < accounts[column].isna().mean() < 0.35, column
    assert set(contacts["role"].dropna()) == {"decision_maker", "influencer", "user", "blocker"}
    per_account = contacts["account_id"].value_counts()
    assert per_account.max() > 4 * per_account.median()
    assert 0.05 < contacts["account_id"].isna().mean() < 0.15


def test_activity_reflects_the_stage(small_crm: ls.CRMData) -> None:
    stages, acts = small_crm.stages, small_crm.activities
    sql_at = stages[stages["stage"] == "sql"].set_index("contact_id")["timestamp"]
    quotes = acts[acts["activity_type"] == "quote_sent"]
    after_sql = quotes["timestamp"] > quotes["contact_id"].map(sql_at)
    assert after_sql.mean() > 0.9
    customers = stages[stages["stage"] == "customer"].set_index("contact_id")["timestamp"]
    checks = acts[acts["activity_type"] == "credit_check"]
    last_check = checks.groupby("contact_id")["timestamp"].max()
    checked_before = (last_check.reindex(customers.index) < customers).mean()
    assert checked_before > 0.8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_base_rates(seed: int) -> None:
    summary = _summary(ls.make_crm(3_000, seed=seed))
    assert 0.10 <= summary["year cohort: reached sql within a year"] <= 0.25
    assert 0.20 <= summary["year cohort: customers among those"] <= 0.40


def test_truth_drives_conversion(small_crm: ls.CRMData) -> None:
    truth = small_crm.truth
    assert truth is not None
    assert set(truth.columns) == {
        "contact_id",
        "fit",
        "budget",
        "authority",
        "need",
        "engagement",
        "buying_group",
        "source",
    }
    effects = truth.drop(columns="contact_id")
    assert np.allclose(effects.mean(), 0.0)
    prospects = small_crm.stages.loc[
        small_crm.stages["stage"].isin(["sql", "opportunity", "customer"]), "contact_id"
    ]
    converted = truth["contact_id"].isin(prospects).to_numpy()
    total = effects.sum(axis=1).to_numpy()
    low, high = np.quantile(total, [0.25, 0.75])
    assert converted[total >= high].mean() > 4 * converted[total <= low].mean()
    for criterion, effect in effects.items():
        low, high = np.quantile(effect, [1 / 3, 2 / 3])
        assert converted[effect >= high].mean() > 1.4 * converted[effect <= low].mean(), criterion


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="n_contacts"):
        ls.make_crm(0)
    with pytest.raises(ConfigError, match="start: not a date"):
        ls.make_crm(10, start="someday")
    with pytest.raises(ConfigError, match="months"):
        ls.make_crm(10, months=0)
