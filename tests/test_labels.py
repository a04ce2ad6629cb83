"""Labels and eligibility against a direct, row-by-row reading of the stage history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leadscore as ls
from leadscore._conventions import to_utc
from leadscore.domain import STAGE_RANK, TARGET_STAGES, TARGETS
from leadscore.errors import ConfigError
from leadscore.labels import make_labels, resolve_horizons

CRMS = {seed: ls.make_crm(150, seed=seed) for seed in range(3)}
SPAN_START = pd.Timestamp("2024-01-01", tz="UTC")


def _direct_labels(
    crm: ls.CRMData, cutoff: pd.Timestamp, horizons: dict[str, int], until: pd.Timestamp
) -> pd.DataFrame:
    """Plain Python over each contact's own history: slow, obvious, independent."""
    order = {s: (len(STAGE_RANK) if s == "lost" else r) for s, r in STAGE_RANK.items()}
    history = crm.stages.assign(order=crm.stages["stage"].map(order)).sort_values(
        ["timestamp", "order"], kind="stable"
    )
    by_contact = dict(list(history.groupby("contact_id")))
    records = []
    for contact_id, created in zip(
        crm.contacts["contact_id"], crm.contacts["created_at"], strict=True
    ):
        rows = by_contact.get(contact_id, history.iloc[0:0])
        before = rows[rows["timestamp"] < cutoff]
        current = before["stage"].iloc[-1] if len(before) else "lead"
        record: dict[str, object] = {"contact_id": contact_id}
        eligible_any = False
        for target in TARGETS:
            stages = TARGET_STAGES[target]
            reached_before = bool(before["stage"].isin(stages).any())
            eligible = created < cutoff and not reached_before and current != "lost"
            eligible_any |= eligible and target == "customer"
            end = cutoff + pd.Timedelta(days=horizons[target])
            if not eligible or end > until:
                record[f"y_{target}"] = pd.NA
            else:
                later = rows[(rows["timestamp"] >= cutoff) & (rows["timestamp"] < end)]
                record[f"y_{target}"] = int(later["stage"].isin(stages).any())
        if eligible_any:
            records.append(record)
    frame = pd.DataFrame(records, columns=["contact_id", "y_prospect", "y_customer"])
    return frame.astype({"y_prospect": "Int8", "y_customer": "Int8"})


@settings(max_examples=25, deadline=None)
@given(
    seed=st.sampled_from(sorted(CRMS)),
    day=st.integers(min_value=0, max_value=730),
    prospect_days=st.integers(min_value=1, max_value=200),
    customer_days=st.integers(min_value=1, max_value=400),
)
def test_labels_equal_a_direct_computation(
    seed: int, day: int, prospect_days: int, customer_days: int
) -> None:
    crm = CRMS[seed]
    cutoff = SPAN_START + pd.Timedelta(days=day, hours=7)
    horizons = {"prospect": prospect_days, "customer": customer_days}
    got = make_labels(crm, [cutoff], horizons=horizons).drop(columns="cutoff")
    expected = _direct_labels(crm, cutoff, horizons, crm.time_span()[1])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


def test_recycled_and_tied_stage_rows() -> None:
    contacts = pd.DataFrame({"contact_id": ["a", "b", "c"], "created_at": ["2025-01-01"] * 3})
    stages = pd.DataFrame(
        {
            "contact_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": ["2025-01-01", "2025-02-01", "2025-03-01",
                          "2025-02-01", "2025-02-01", "2025-04-10"],
            "stage": ["lead", "lost", "mql", "mql", "lost", "customer"],
        }
    )  # fmt: skip
    acts = pd.DataFrame(columns=["contact_id", "timestamp", "activity_type"])
    crm = ls.CRMData(contacts=contacts, activities=acts, stages=stages)
    labels = make_labels(crm, ["2025-02-15", "2025-04-01"], observed_until="2026-01-01").set_index(
        ["cutoff", "contact_id"]
    )
    feb, apr = to_utc("2025-02-15"), to_utc("2025-04-01")
    # a: lost in February, back in the funnel in March
    assert (feb, "a") not in labels.index
    assert (apr, "a") in labels.index
    # b: mql and lost at the same time: lost wins
    assert (feb, "b") not in labels.index
    # c: becomes a customer within both horizons, straight from lead
    assert labels.loc[(apr, "c"), "y_customer"] == 1
    assert labels.loc[(apr, "c"), "y_prospect"] == 1


def test_unobserved_horizons_are_missing(small_crm: ls.CRMData) -> None:
    labels = make_labels(small_crm, ["2025-06-01", "2025-08-01"])
    by_cutoff = labels.groupby("cutoff")[["y_prospect", "y_customer"]].count()
    assert by_cutoff.loc[to_utc("2025-06-01")].gt(0).all()
    assert by_cutoff.loc[to_utc("2025-08-01"), "y_prospect"] > 0
    assert by_cutoff.loc[to_utc("2025-08-01"), "y_customer"] == 0  # 180 days run past 2025
    earlier = make_labels(small_crm, ["2025-08-01"], observed_until="2026-06-01")
    assert earlier["y_customer"].notna().any()


def test_horizons() -> None:
    assert resolve_horizons(None) == {"prospect": 90, "customer": 180}
    assert resolve_horizons({"customer": 30}) == {"prospect": 90, "customer": 30}
    assert resolve_horizons(ls.LabelConfig(prospect_days=7)) == {"prospect": 7, "customer": 180}
    with pytest.raises(ConfigError, match="unknown target"):
        resolve_horizons({"lead": 30})
    with pytest.raises(ConfigError, match="as_of: not a date"):
        to_utc("soon")


def test_label_dtype(small_crm: ls.CRMData) -> None:
    labels = make_labels(small_crm, ["2025-01-01"])
    assert str(labels["y_prospect"].dtype) == "Int8"
    assert set(labels["y_prospect"].dropna().unique()) <= {0, 1}
    assert np.all(labels["y_prospect"].isna() | labels["y_customer"].notna())


def test_no_cutoffs_is_a_config_error(small_crm: ls.CRMData) -> None:
    with pytest.raises(ConfigError, match=r"^cutoffs: expected at least one cutoff$"):
        make_labels(small_crm, [])
