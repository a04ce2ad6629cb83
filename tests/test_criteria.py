"""The feature registry: criteria, reason codes and reason wording."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re

import numpy as np
import pytest

from conftest import check_snapshot
from leadscore.criteria import (
    ACTIVITY_FAMILIES,
    MEASURES,
    SIGNALS,
    FeatureSpec,
    activity_feature_name,
    criteria_of,
    describe_feature,
    feature_table,
    format_value,
    monotone_constraints,
    render_counts,
    render_reason,
    window_features,
)
from leadscore.domain import ACTIVITY_TYPES, CRITERIA
from leadscore.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "criterion"),
    [
        ("industry", "fit"),
        ("company_size_band", "fit"),
        ("annual_revenue", "budget"),
        ("credit_rating", "budget"),
        ("title_seniority", "authority"),
        ("role", "authority"),
        ("pricing_page_visit_30d", "need"),
        ("demo_request_decayed", "need"),
        ("days_since_demo_request", "timing"),
        ("days_since_email_click", "timing"),
        ("need_content_decayed", "need"),
        ("email_open_7d", "engagement"),
        ("webinar_attended_decayed", "engagement"),
        ("days_since_any", "timing"),
        ("activity_trend", "timing"),
        ("stage", "timing"),
        ("account_blocker_engaged", "buying_group"),
        ("lead_source", "source"),
        ("some_custom_field", "fit"),
    ],
)
def test_criteria(name: str, criterion: str) -> None:
    assert describe_feature(name).criterion == criterion


def test_every_activity_feature_is_registered() -> None:
    for activity_type in ACTIVITY_TYPES:
        for name in (f"{activity_type}_30d", f"{activity_type}_decayed",
                     f"days_since_{activity_type}"):  # fmt: skip
            spec = describe_feature(name)
            assert spec.criterion in CRITERIA
            for template in (spec.up, spec.down, spec.missing):
                assert "_" not in template


def test_overrides() -> None:
    spec = describe_feature("partner_tier", criteria={"partner_tier": "source"})
    assert (spec.criterion, spec.reason_code) == ("source", "SRC_PARTNER_TIER")
    assert describe_feature("industry", criteria={"industry": "budget"}).reason_code == (
        "BUD_INDUSTRY"
    )
    with pytest.raises(ValueError, match="unknown criterion"):
        describe_feature("industry", criteria={"industry": "vibes"})


def test_reason_codes_of_activity() -> None:
    # the code names the criterion it is reported under, and the activity whole
    assert describe_feature("need_content_30d").reason_code == "NEED_CONTENT_30D"
    assert describe_feature("days_since_need_content").reason_code == "TIME_NEED_CONTENT_RECENT"
    assert describe_feature("webinar_attended_decayed").reason_code == "ENG_WEBINAR_ATTENDED_TREND"


def test_monotone_directions() -> None:
    names = ["industry", "demo_request_30d", "account_engaged_contacts", "account_blocker_rate",
             "account_blocker_present", "account_contacts"]  # fmt: skip
    assert monotone_constraints(names) == {
        "account_engaged_contacts": 1, "account_blocker_rate": -1
    }  # fmt: skip
    # an override of the criterion keeps the direction
    spec = describe_feature("account_customers", criteria={"account_customers": "fit"})
    assert (spec.criterion, spec.monotone) == ("fit", 1)


def test_table_and_mapping() -> None:
    names = ["industry", "demo_request_30d", "days_since_any"]
    assert criteria_of(names) == {
        "industry": "fit", "demo_request_30d": "need", "days_since_any": "timing"
    }  # fmt: skip
    table = feature_table(names)
    assert list(table.columns) == ["feature", "criterion", "description", "reason_code"]
    assert table["reason_code"].tolist() == ["FIT_INDUSTRY", "NEED_DEMO_REQUEST_30D",
                                             "TIME_ANY_RECENT"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "direction", "text"),
    [
        ("days_since_demo_request", 3.0, "up", "Requested a demo 3 days ago"),
        ("days_since_demo_request", 0.2, "up", "Requested a demo today"),
        ("days_since_demo_request", math.nan, "down", "No demo request on record"),
        ("days_since_email_open", 62.0, "down", "No email open in 62 days"),
        ("title_seniority", "VP", "up", "VP title: likely decision maker"),
        ("title_seniority", "C-level", "up", "C-level title: likely decision maker"),
        ("account_blocker_engaged", 1.0, "down", "An engaged blocker at the account"),
        ("email_click_30d", 0.0, "down", "No email clicks in the last 30 days"),
        ("email_click_30d", 5.0, "up", "5 email clicks in the last 30 days"),
        ("annual_revenue", 12_500_000.0, "up", "Annual revenue of $12.5M: the means to buy"),
        ("industry", "financial_services", "up", "Industry financial services: a good fit"),
        ("days_in_stage", 200.0, "down", "In this stage for 6 months"),
        ("partner_tier", "gold", "up", "Partner tier: gold"),
    ],
)
def test_reasons_in_words(name: str, value: object, direction: str, text: str) -> None:
    assert render_reason(describe_feature(name), value, direction) == text  # type: ignore[arg-type]


def test_reasons_never_show_raw_names() -> None:
    for name in ("days_since_pricing_page_visit", "webinar_attended_90d", "need_content_30d",
                 "account_contacts_sql_plus", "credit_rating"):  # fmt: skip
        spec = describe_feature(name)
        for direction in ("up", "down"):
            assert name not in render_reason(spec, 4.0, direction)  # type: ignore[arg-type]
            assert "_" not in render_reason(spec, 4.0, direction)  # type: ignore[arg-type]


def test_format_value() -> None:
    assert format_value(1.0, "days") == "1 day ago"
    assert format_value(400.0, "days") == "13 months ago"
    assert format_value(950.0, "money") == "$950"
    assert format_value(2.345, "weighted") == "2.3"
    assert format_value(12.0, "number") == "12"


def _registry_rows() -> list[dict[str, object]]:
    """Every feature build_features makes on a make_crm export, the activity families of the
    domain, a few unregistered names and an override: what the registry says of each."""
    import leadscore as ls
    from leadscore.features import build_features, feature_columns

    crm = ls.make_crm(300, seed=0)
    built = feature_columns(build_features(crm, as_of="2025-06-01"))
    families = [
        name
        for activity_type in ("other_type", *ACTIVITY_TYPES)
        for name in (f"{activity_type}_7d", f"{activity_type}_decayed",
                     f"days_since_{activity_type}")
    ]  # fmt: skip
    unknown = ["partner_tier", "NPS score (2024)", "days_since_", "_30d", "x_0d"]
    rows = []
    for name in dict.fromkeys([*built, *families, *unknown]):
        rows.append({"source": "built" if name in built else "registry",
                     **dataclasses.asdict(describe_feature(name))})  # fmt: skip
    override = describe_feature("employees", criteria={"employees": "fit", "x": "need"})
    rows.append({"source": "override", **dataclasses.asdict(override)})
    return rows


def test_registry_snapshot() -> None:
    """The whole registry as a CSV: any change to a criterion, direction, template or code
    shows up as a diff of tests/snapshots/criteria.csv."""
    rows = _registry_rows()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    check_snapshot("criteria.csv", out.getvalue())


@pytest.mark.parametrize(
    ("criteria", "default"), [({"partner_tier": "vibes"}, "fit"), (None, "vibes")]
)
def test_unknown_criterion_is_a_config_error(criteria: dict[str, str] | None, default: str) -> None:
    with pytest.raises(ConfigError, match=r"partner_tier: unknown criterion 'vibes'; expected"):
        describe_feature("partner_tier", criteria=criteria, default=default)


def test_built_features_are_records_of_the_registry() -> None:
    """Every feature build_features names is a record of the tables (none falls back to the
    generic wording of an unknown attribute), and names built from the records resolve to them."""
    rows = [r for r in _registry_rows() if r["source"] == "built"]
    generic = [r["name"] for r in rows if r["description"] == str(r["name"]).replace("_", " ")
               .strip().capitalize()]  # fmt: skip
    assert not generic
    for family in ACTIVITY_FAMILIES:
        for measure in MEASURES:
            name = activity_feature_name(family.activity_type, measure, 30)
            spec = describe_feature(name)
            assert (spec.name, spec.family) == (name, family.activity_type)


def test_windows_and_types_outside_the_lookup() -> None:
    spec = describe_feature("demo_request_14d")
    assert (spec.criterion, spec.reason_code, spec.zero) == (
        "need", "NEED_DEMO_REQUEST_14D", "No demo requests in the last 14 days"
    )  # fmt: skip
    assert describe_feature("days_since_chat").reason_code == "TIME_CHAT_RECENT"
    assert describe_feature("chat_decayed").criterion == "engagement"
    assert describe_feature("revenue_2024").reason_code == "FIT_REVENUE_2024"


#: Words of the model, not of a sales rep: none may appear in a reason.
JARGON = ("log-odds", "logodds", "log odds", "shap", "recency-weighted", "weighted", "decayed",
          "feature", "contribution", "_", "{", "}")  # fmt: skip
#: Values that leaked unformatted (matched case-sensitively: "none in the last 30" is fine).
RAW = ("None", "nan", "NaN", "<NA>", "NaT", "inf", "null")
#: Values of each kind a template is rendered with: zero, one, typical, large, fractional.
SAMPLES: dict[str, list[object]] = {
    "count": [0.0, 1.0, 8.0, 12_345.0],
    "flag": [0.0, 1.0],
    "weighted": [0.0, 0.4, 2.5, 31.7],
    "days": [0.2, 1.0, 3.0, 62.0, 400.0],
    "number": [0.0, 12.0, 2.345, 1_234_567.0],
    "money": [950.0, 12_500_000.0, 3.2e9],
    "ratio": [0.0, 0.37, 4.25],
    "percent": [0.0, 0.425, 1.0],
    "year": [1995.0, 2024.0],
    "category": ["financial_services", "VP", "C-level"],
}


def _every_spec() -> list[FeatureSpec]:
    """Every record of the registry, every measure of every activity family (and of a type
    the registry does not know), and attributes nobody classified."""
    specs = list(SIGNALS)
    for activity_type in [family.activity_type for family in ACTIVITY_FAMILIES] + ["chat"]:
        for measure in MEASURES:
            specs.append(describe_feature(activity_feature_name(activity_type, measure, 30)))
    for name in ("year_established", "Founded", "NPS score (2024)", "partner_tier"):
        specs.append(describe_feature(name))
    return specs


def _check_words(text: str, spec: FeatureSpec) -> None:
    assert text, spec.name
    assert text[0] == text[0].upper(), (spec.name, text)
    words = set(re.findall(r"[a-z_\-{}]+", text.lower()))
    jargon = [j for j in JARGON if j in words or (not j.isalpha() and j in text.lower())]
    raw = [r for r in RAW if r in re.findall(r"[<>A-Za-z]+", text)]
    assert not jargon, f"{spec.name}: {text!r} says {jargon}"
    assert not raw, f"{spec.name}: {text!r} shows {raw}"
    assert not re.search(r"\d\.\d{2,}", text), f"{spec.name}: {text!r} shows too many decimals"
    assert not re.search(r"\d{5,}", text), f"{spec.name}: {text!r} has no thousands separators"
    if spec.kind == "year" and text != spec.missing:
        assert re.search(r"\b(1995|2024)\b", text), f"{spec.name}: {text!r} is not a year"


@pytest.mark.parametrize("spec", _every_spec(), ids=lambda spec: spec.name)
def test_every_template_reads_as_a_rep_would(spec: FeatureSpec) -> None:
    """Every template of the registry, rendered both ways with the values of its kind (and
    missing): plain words, no model jargon, numbers formatted for people, years as years."""
    for direction in ("up", "down"):
        for value in [*SAMPLES[spec.kind], math.nan]:
            _check_words(render_reason(spec, value, direction), spec)  # type: ignore[arg-type]
    if spec.kind == "weighted":
        counts = {7: [0, 0, 1, 3], 30: [0, 1, 1, 5], 90: [0, 2, 1, 8], 365: [4, 9, 1, 8]}
        for text in render_counts(spec, counts):
            _check_words(str(text), spec)


def test_years_are_not_quantities() -> None:
    spec = describe_feature("year_established")
    assert spec.kind == "year"
    assert render_reason(spec, 1995.0, "up") == "Year established: 1995"
    assert describe_feature("employees_2024").kind == "number"


def test_decayed_counts_are_worded_from_the_windows() -> None:
    spec = describe_feature("pricing_page_visit_decayed")
    assert window_features("pricing_page_visit", ["pricing_page_visit_90d", "x_7d"]) == {
        90: "pricing_page_visit_90d"
    }
    texts = render_counts(spec, {7: [0, 1, 0], 30: [6, 1, 0], 90: [8, 1, 0]}).tolist()
    assert texts == [
        "8 pricing page visits in the last 90 days, mostly in the last 30",
        "1 pricing page visit in the last 7 days",
        "No pricing page visits in the last 90 days",
    ]
    assert render_counts(spec, {30: np.array([], dtype=float)}).tolist() == []
