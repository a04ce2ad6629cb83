"""Point-in-time features: hand-computed values, invariance to the future, to row order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leadscore as ls
from leadscore.criteria import describe_feature
from leadscore.domain import ACTIVITY_TYPES, CRITERIA, STAGES
from leadscore.errors import SchemaError
from leadscore.features import build_features, build_training_table, feature_columns

AS_OF = pd.Timestamp("2025-03-01", tz="UTC")
CRMS = {seed: ls.make_crm(120, seed=seed) for seed in range(3)}
SPAN_START = pd.Timestamp("2024-01-01", tz="UTC")


@pytest.fixture
def hand_made() -> ls.CRMData:
    contacts = pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4", "c5"],
            "account_id": ["a1", "a1", None, "a1", "a2"],
            "created_at": ["2025-01-01", "2025-01-05", "2025-02-01", "2025-03-01", "2025-01-01"],
            "job_title": ["VP of Sales", "IT Specialist", None, "CEO", "CFO"],
            "role": ["decision_maker", "blocker", None, "user", "decision_maker"],
            "lead_source": ["web", "event", "referral", "web", "web"],
        }
    )
    accounts = pd.DataFrame(
        {"account_id": ["a1", "a2"], "industry": ["software", "retail"], "employees": [120, 8]}
    )
    activities = pd.DataFrame(
        [
            ("c1", "2025-02-28 12:00", "email_open", "newsletter"),
            ("c1", "2025-02-15", "demo_request", None),
            ("c1", "2025-01-20", "web_visit", "/pricing"),
            ("c1", "2025-03-01", "email_open", "newsletter"),  # at as_of: not before it
            ("c1", "2025-03-05", "meeting", None),  # after as_of
            ("c2", "2025-02-20", "web_visit", "/blog"),
            ("c3", "2025-02-02", "webinar_attended", None),
            ("c4", "2025-03-02", "email_open", None),
        ],
        columns=["contact_id", "timestamp", "activity_type", "detail"],
    )
    stages = pd.DataFrame(
        [
            ("c1", "2025-01-01", "lead"),
            ("c1", "2025-02-16", "mql"),
            ("c1", "2025-03-01", "sal"),  # at as_of: not yet
            ("c2", "2025-01-05", "lead"),
            ("c5", "2025-02-01", "customer"),
        ],
        columns=["contact_id", "timestamp", "stage"],
    )
    return ls.CRMData(contacts=contacts, accounts=accounts, activities=activities, stages=stages)


def test_hand_computed_values(hand_made: ls.CRMData) -> None:
    X = build_features(hand_made, AS_OF).set_index("contact_id")
    # c4 is created at as_of (not before it) and c5 is already a customer
    assert X.index.tolist() == ["c1", "c2", "c3"]
    c1, c2, c3 = X.loc["c1"], X.loc["c2"], X.loc["c3"]
    assert c1["email_open_7d"] == 1
    assert c1["email_open_30d"] == 1
    assert c1["demo_request_7d"] == 0
    assert c1["demo_request_30d"] == 1
    assert c1["web_visit_30d"] == 0
    assert c1["web_visit_90d"] == 1
    assert c1["any_90d"] == 3
    assert c1["meeting_365d"] == 0
    assert c1["need_content_90d"] == 1  # "/pricing"
    assert c2["need_content_90d"] == 0  # "/blog"
    assert c1["days_since_demo_request"] == pytest.approx(14.0)
    assert c1["days_since_email_open"] == pytest.approx(0.5)
    assert math.isnan(c1["days_since_meeting"])
    assert c1["email_open_decayed"] == pytest.approx(0.5 ** (0.5 / 30), rel=1e-6)
    assert c1["any_decayed"] == pytest.approx(
        0.5 ** (0.5 / 30) + 0.5 ** (14 / 30) + 0.5 ** (40 / 30), rel=1e-6
    )
    assert c1["stage"] == "mql"
    assert c1["days_in_stage"] == pytest.approx(13.0)
    assert c1["days_since_created"] == pytest.approx(59.0)
    assert c2["stage"] == "lead"
    assert c2["days_in_stage"] == pytest.approx(55.0)
    # trend: 2 in [t-14d, t) against 1 in the 60 days before
    assert c1["activity_trend"] == pytest.approx(math.log(3 / 14) - math.log(2 / 60), rel=1e-6)
    assert c1["active_weeks"] == 3  # weeks 0, 1 and 5 before as_of
    # the buying group at a1: c1 and c2 exist, c4 does not yet
    assert c1["account_contacts"] == 2
    assert c1["account_activity_recent"] == 1
    assert c2["account_activity_recent"] == 2  # c1's demo request and visit; opens are passive
    # by default one activity, email opens aside, makes a colleague engaged
    assert c1["account_engaged_contacts"] == 1
    assert c1["account_blocker_engaged"] == 1
    assert c2["account_decision_maker_engaged"] == 1
    assert c1["account_blocker_present"] == 1
    # sustained engagement: colleagues' activities per month since created, opens aside
    # (c1: 2 in 59 days, c2: 1 in 55 days; c4 does not exist yet)
    assert c2["account_decision_maker_rate"] == pytest.approx(2 * 30 / 59, rel=1e-6)
    assert c1["account_decision_maker_rate"] == 0
    assert c1["account_blocker_rate"] == pytest.approx(30 / 55, rel=1e-6)
    assert c2["account_blocker_rate"] == 0
    assert c1["account_active_colleagues"] == 0  # c2 is below one a month
    assert c2["account_active_colleagues"] == 1
    assert c2["account_blocker_present"] == 0  # only others count
    # intent: c1's demo request (a need type) and its visit to /pricing (a need detail)
    assert c1["intent_share"] == pytest.approx(2 / 3)
    assert c1["intent_share_total"] == pytest.approx(2 / 3)
    assert c1["any_total"] == 3
    # per month since created (59 days): the demo request and the /pricing visit show intent,
    # the open is passive, so nothing is left for engagement without a buying signal
    assert c1["intent_per_month"] == pytest.approx(2 * 30 / 59)
    assert c1["engagement_per_month"] == 0
    assert c2["engagement_per_month"] == pytest.approx(30 / 55)  # the visit to /blog
    assert c2["intent_per_month"] == 0
    assert c3["intent_share"] == 0.0
    strict = build_features(hand_made, AS_OF, config=ls.FeatureConfig(engaged_min_activities=3))
    strict = strict.set_index("contact_id")
    assert strict.loc["c1", "account_engaged_contacts"] == 0
    assert strict.loc["c1", "account_blocker_engaged"] == 0
    assert strict.loc["c2", "account_decision_maker_engaged"] == 0
    lenient = build_features(hand_made, AS_OF, config=ls.FeatureConfig(active_colleague_rate=0.5))
    assert lenient.set_index("contact_id").loc["c1", "account_active_colleagues"] == 1
    assert math.isnan(c3["account_contacts"])
    # attributes
    assert c1["title_seniority"] == "VP"
    assert c2["title_seniority"] == "Individual contributor"
    assert c1["industry"] == "software"
    assert c1["company_size_band"] == "51-200"
    assert c3["lead_source"] == "referral"
    assert "job_title" not in X


def test_layout_and_registry(small_crm: ls.CRMData) -> None:
    X = build_features(small_crm, "2025-06-01")
    assert list(X.columns[:2]) == ["contact_id", "account_id"]
    features = feature_columns(X)
    assert len(features) == len(set(features)) > 90
    for activity_type in ACTIVITY_TYPES:
        for window in (7, 30, 90, 365):
            assert f"{activity_type}_{window}d" in features
        assert f"{activity_type}_decayed" in features
        assert f"days_since_{activity_type}" in features
    covered = set()
    for name in features:
        spec = describe_feature(name)
        assert spec.criterion in CRITERIA
        assert spec.description
        assert spec.reason_code.isupper()
        covered.add(spec.criterion)
    assert covered == set(CRITERIA)
    codes = [describe_feature(n).reason_code for n in features]
    assert len(set(codes)) == len(codes)
    # no one-hot: categorical attributes stay single categorical columns
    assert isinstance(X["industry"].dtype, pd.CategoricalDtype)
    assert isinstance(X["stage"].dtype, pd.CategoricalDtype)
    assert set(X["stage"].dropna()) <= set(STAGES[:5])


def test_only_eligible_contacts(small_crm: ls.CRMData) -> None:
    as_of = pd.Timestamp("2025-06-01", tz="UTC")
    X = build_features(small_crm, as_of)
    created = small_crm.contacts.set_index("contact_id")["created_at"]
    assert (created.loc[X["contact_id"]] < as_of).all()
    stages = small_crm.stages[small_crm.stages["timestamp"] < as_of]
    done = stages.loc[stages["stage"].isin(["customer"]), "contact_id"]
    assert not X["contact_id"].isin(done).any()
    assert X["contact_id"].is_unique


def _perturb_future(crm: ls.CRMData, cutoff: pd.Timestamp, data: st.DataObject) -> ls.CRMData:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="rng"))
    acts, stages = crm.activities, crm.stages
    future_acts = acts["timestamp"] >= cutoff
    drop = future_acts & (rng.random(len(acts)) < data.draw(st.floats(0, 1), label="drop"))
    kept = acts[~drop]
    n_new = data.draw(st.integers(0, 30), label="new activities")
    new_acts = pd.DataFrame(
        {
            "contact_id": rng.choice(crm.contacts["contact_id"].to_numpy(), n_new),
            "timestamp": cutoff + pd.to_timedelta(rng.integers(0, 10**6, n_new), unit="s"),
            "activity_type": rng.choice(np.array((*ACTIVITY_TYPES, "other")), n_new),
            "detail": rng.choice(np.array(["/pricing", "/blog", None], dtype=object), n_new),
        }
    )
    changed = kept.copy()
    future_kept = changed["timestamp"] >= cutoff
    changed.loc[future_kept, "activity_type"] = "demo_request"
    future_stages = stages["timestamp"] >= cutoff
    n_stage = data.draw(st.integers(0, 10), label="new stages")
    new_stages = pd.DataFrame(
        {
            "contact_id": rng.choice(crm.contacts["contact_id"].to_numpy(), n_stage),
            "timestamp": cutoff + pd.to_timedelta(rng.integers(0, 10**6, n_stage), unit="s"),
            "stage": rng.choice(np.array(STAGES), n_stage),
        }
    )
    kept_stages = stages[~(future_stages & (rng.random(len(stages)) < 0.5))]
    return ls.CRMData(
        contacts=crm.contacts,
        accounts=crm.accounts,
        activities=pd.concat([changed, new_acts], ignore_index=True),
        stages=pd.concat([kept_stages, new_stages], ignore_index=True),
    )


@settings(max_examples=30, deadline=None)
@given(
    seed=st.sampled_from(sorted(CRMS)),
    day=st.integers(min_value=1, max_value=729),
    hour=st.integers(min_value=0, max_value=23),
    data=st.data(),
)
def test_rows_at_or_after_the_cutoff_change_nothing(
    seed: int, day: int, hour: int, data: st.DataObject
) -> None:
    crm = CRMS[seed]
    cutoff = SPAN_START + pd.Timedelta(days=day, hours=hour)
    before = build_features(crm, cutoff)
    after = build_features(_perturb_future(crm, cutoff, data), cutoff)
    pd.testing.assert_frame_equal(before, after, check_exact=True)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.sampled_from(sorted(CRMS)),
    day=st.integers(min_value=30, max_value=729),
    shuffle_seed=st.integers(0, 2**32 - 1),
)
def test_shuffling_rows_changes_nothing(seed: int, day: int, shuffle_seed: int) -> None:
    crm = CRMS[seed]
    cutoff = SPAN_START + pd.Timedelta(days=day)
    shuffled = ls.CRMData(
        **{
            name: frame.sample(frac=1.0, random_state=(shuffle_seed + i) % 2**32)
            for i, (name, frame) in enumerate(crm.tables.items())
            if name != "truth"
        }
    )
    original = build_features(crm, cutoff).sort_values("contact_id", ignore_index=True)
    reordered = build_features(shuffled, cutoff).sort_values("contact_id", ignore_index=True)
    pd.testing.assert_frame_equal(original, reordered, check_exact=True)


def test_training_table_stacks_cutoffs(small_crm: ls.CRMData) -> None:
    cutoffs = pd.date_range("2025-01-01", periods=4, freq="MS", tz="UTC")
    table = build_training_table(small_crm, cutoffs)
    assert list(table.columns[:3]) == ["contact_id", "account_id", "cutoff"]
    assert list(table.columns[-2:]) == ["y_prospect", "y_customer"]
    assert table["cutoff"].drop_duplicates().tolist() == list(cutoffs)
    for cutoff in cutoffs[[0, 3]]:
        single = build_features(small_crm, cutoff).reset_index(drop=True)
        part = table[table["cutoff"] == cutoff].reset_index(drop=True)
        # the same features as a single as_of, apart from decay weights anchored elsewhere
        pd.testing.assert_frame_equal(part[single.columns], single, check_exact=False, rtol=1e-5)
    labels = ls.labels.make_labels(small_crm, cutoffs)
    pd.testing.assert_frame_equal(
        table[["contact_id", "cutoff", "y_prospect", "y_customer"]], labels
    )


def test_training_table_takes_horizons_from_config(small_crm: ls.CRMData) -> None:
    config = ls.Config.from_dict({"labels": {"prospect_days": 7}})
    short = build_training_table(small_crm, ["2025-03-01"], config=config)
    default = build_training_table(small_crm, ["2025-03-01"])
    assert short["y_prospect"].sum() < default["y_prospect"].sum()


def test_configured_windows_and_types(small_crm: ls.CRMData) -> None:
    config = ls.FeatureConfig(
        windows_days=(14,), activity_types=("demo_request",), half_life_days=7
    )
    X = build_features(small_crm, "2025-06-01", config=config)
    assert "demo_request_14d" in X
    assert "email_open_14d" not in X
    assert "demo_request_30d" not in X
    assert "any_14d" in X


def test_attribute_clash_is_reported(hand_made: ls.CRMData) -> None:
    contacts = hand_made.contacts.assign(stage="open")
    crm = ls.CRMData(contacts=contacts, activities=hand_made.activities, stages=hand_made.stages)
    with pytest.raises(SchemaError, match=r"contacts\.stage: attribute column has the name of a"):
        build_features(crm, AS_OF)
    config = ls.FeatureConfig(exclude_attributes=("stage",))
    assert "stage" in build_features(crm, AS_OF, config=config)


def test_inputs_untouched(small_crm: ls.CRMData) -> None:
    before = {name: frame.copy(deep=True) for name, frame in small_crm.tables.items()}
    build_training_table(small_crm, ["2025-02-01", "2025-05-01"])
    for name, frame in small_crm.tables.items():
        pd.testing.assert_frame_equal(frame, before[name])
