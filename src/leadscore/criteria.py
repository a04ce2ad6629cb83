"""Which qualification criterion each feature belongs to, and how to say it in words.

Every feature belongs to exactly one criterion of DESIGN section 2. :func:`describe_feature`
resolves a feature name to a :class:`FeatureSpec`: its criterion, a one-line description, a
stable reason code for CRM write-back, and reason templates that :func:`render_reason` fills
with the row's value. The registry works from names alone, so a saved model, a training table
and an explanation all agree on it without extra state.

Feature names follow these patterns (``T`` an activity type, ``W`` a window in days):

========================  ==========================================================
``T_Wd``                  number of ``T`` activities in the ``W`` days before as_of
``T_decayed``             exponentially decayed count of ``T`` (half-life in the config)
``days_since_T``          days since the last ``T`` (missing: never); always ``timing``
``any_*``                 the same over all activity
``need_content_*``        the same over activity whose detail signals a need
attribute names           contact and account attributes, e.g. ``industry``, ``seniority``
========================  ==========================================================
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from leadscore.domain import CRITERIA

__all__ = [
    "CRITERIA",
    "FeatureSpec",
    "criteria_of",
    "describe_feature",
    "feature_table",
    "monotone_constraints",
    "render_reason",
    "render_values",
]

Direction = Literal["up", "down"]

_CODE_PREFIX = {
    "fit": "FIT",
    "budget": "BUD",
    "authority": "AUTH",
    "need": "NEED",
    "engagement": "ENG",
    "timing": "TIME",
    "buying_group": "GRP",
    "source": "SRC",
}


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """What a feature means and how to word it in a reason.

    Parameters
    ----------
    name : str
        The feature (column) name.
    criterion : str
        One of :data:`CRITERIA`.
    description : str
        One line for data scientists and the report.
    reason_code : str
        Stable identifier for CRM write-back, e.g. ``NEED_DEMO_REQUEST_DAYS``.
    up, down : str
        Templates for when the feature raised or lowered the score. ``{value}`` is the row's
        value, formatted for its kind.
    missing : str
        Template for a missing value (in either direction).
    kind : str
        ``count``, ``weighted``, ``days``, ``number``, ``money``, ``flag``, ``ratio``,
        ``percent`` or ``category``: how ``{value}`` is formatted.
    family : str
        The signal the feature measures (an activity type, or an attribute): reasons name each
        family once, however many windows and measures of it moved the score.
    zero, one : str
        Templates for a count (or a decayed count) of zero, and of exactly one, when the plural
        wording would read badly ("No meetings in the last 30 days", "1 meeting ...").
    monotone : {-1, 0, 1}
        The direction the domain fixes for the feature's effect, all else equal: 1 if a larger
        value never makes conversion less likely, -1 if it never makes it more likely, 0 if
        the data decides (see :func:`monotone_constraints`).
    """

    name: str
    criterion: str
    description: str
    reason_code: str
    up: str
    down: str
    missing: str
    kind: str = "number"
    family: str = ""
    zero: str = ""
    one: str = ""
    monotone: int = 0

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", _FAMILIES.get(self.name, self.name))


# --- activity types -------------------------------------------------------------------------------

# type: (criterion, noun, plural noun, what the contact did, in the past tense)
_ACTIVITY_WORDS: dict[str, tuple[str, str, str, str]] = {
    "email_open": ("engagement", "email open", "email opens", "Opened an email"),
    "email_click": ("engagement", "email click", "email clicks", "Clicked a link in an email"),
    "web_visit": ("engagement", "website visit", "website visits", "Visited the website"),
    "pricing_page_visit": ("need", "pricing page visit", "pricing page visits",
                           "Looked at the pricing page"),
    "form_fill": ("engagement", "form submission", "form submissions", "Filled in a form"),
    "ebook_download": ("engagement", "content download", "content downloads",
                       "Downloaded content"),
    "newsletter_signup": ("engagement", "newsletter sign-up", "newsletter sign-ups",
                          "Signed up for the newsletter"),
    "webinar_attended": ("engagement", "webinar", "webinars", "Attended a webinar"),
    "demo_request": ("need", "demo request", "demo requests", "Requested a demo"),
    "meeting": ("engagement", "meeting", "meetings", "Met with sales"),
    "quote_sent": ("need", "quote", "quotes", "Received a quote"),
    "credit_check": ("budget", "credit check", "credit checks", "Went through a credit check"),
    "any": ("engagement", "activity", "activities", "Was active"),
    "need_content": ("need", "visit to buying content", "visits to buying content",
                     "Read buying content (pricing, product, buyer's guides)"),
}  # fmt: skip

# Attributes that measure the same thing, told once in reasons.
_FAMILIES = {
    "seniority": "seniority",
    "title_seniority": "seniority",
    "employees": "company_size",
    "company_size_band": "company_size",
    "annual_revenue": "revenue",
    "revenue_band": "revenue",
    "country": "country",
    "account_country": "country",
    "account_blocker_present": "blocker",
    "account_blocker_engaged": "blocker",
    "account_blocker_rate": "blocker",
    "account_decision_maker_engaged": "decision_maker",
    "account_decision_maker_rate": "decision_maker",
    "account_engaged_contacts": "engaged_colleagues",
    "account_active_colleagues": "engaged_colleagues",
}


def _words(activity_type: str) -> tuple[str, str, str, str]:
    if activity_type in _ACTIVITY_WORDS:
        return _ACTIVITY_WORDS[activity_type]
    noun = activity_type.replace("_", " ")
    return ("engagement", noun, f"{noun} activities", f"Had a {noun} activity")


def _activity_spec(activity_type: str, measure: str) -> FeatureSpec:
    criterion, noun, plural, did = _words(activity_type)
    if measure == "days":
        # Recency is timing, whatever the activity (DESIGN section 2: timing is recency,
        # velocity, stage and time in stage; engagement and need count what was done). After
        # months of quiet, how long ago a contact last visited says when it was in the market,
        # not how interested it is.
        criterion = "timing"
    prefix = _CODE_PREFIX[criterion]
    code = f"{prefix}_{activity_type.upper().removeprefix(f'{prefix}_')}"
    if measure == "decayed":
        name = f"{activity_type}_decayed"
        return FeatureSpec(
            name, criterion,
            f"Decayed count of {plural}: each one counts half as much after every half-life",
            f"{code}_TREND",
            up=f"Recent {plural} (recency-weighted count {{value}})",
            down=f"Recent {plural} (recency-weighted count {{value}})",
            missing=f"No {plural} on record", kind="weighted", family=activity_type,
            zero=f"No recent {plural}",
        )  # fmt: skip
    if measure == "days":
        name = f"days_since_{activity_type}"
        return FeatureSpec(
            name, criterion, f"Days since the last {noun} (missing: never)",
            f"{code}_RECENT",
            up=f"{did} {{value}}", down=f"No {noun} in {{value}}",
            missing=f"No {noun} on record", kind="days", family=activity_type,
        )  # fmt: skip
    days = int(measure)
    name = f"{activity_type}_{days}d"
    return FeatureSpec(
        name, criterion, f"Number of {plural} in the last {days} days",
        f"{code}_{days}D",
        up=f"{{value}} {plural} in the last {days} days",
        down=f"{{value}} {plural} in the last {days} days",
        missing=f"No {plural} on record", kind="count", family=activity_type,
        zero=f"No {plural} in the last {days} days", one=f"1 {noun} in the last {days} days",
    )  # fmt: skip


# --- everything else ------------------------------------------------------------------------------

# name: (criterion, description, reason code, up, down, missing, kind)
_KNOWN: dict[str, tuple[str, str, str, str, str, str, str]] = {
    # fit
    "industry": ("fit", "Industry of the account", "FIT_INDUSTRY",
                 "Industry {value}: a good fit", "Industry {value}: a weaker fit",
                 "Industry unknown", "category"),
    "country": ("fit", "Country of the contact", "FIT_COUNTRY",
                "Based in {value}: a core market", "Based in {value}: outside the core markets",
                "Country unknown", "category"),
    "account_country": ("fit", "Country of the account's headquarters", "FIT_ACCOUNT_COUNTRY",
                        "Company based in {value}: a core market",
                        "Company based in {value}: outside the core markets",
                        "Company country unknown", "category"),
    "company_size_band": ("fit", "Company size band by employees", "FIT_SIZE_BAND",
                          "Company size {value} employees: a good fit",
                          "Company size {value} employees: a weaker fit",
                          "Company size unknown", "category"),
    # budget (DESIGN section 2: the head count measures the means to buy; the size band is fit)
    "employees": ("budget", "Number of employees at the account", "BUD_EMPLOYEES",
                  "Company of {value} employees: the means to buy",
                  "Company of {value} employees: a small budget is likely",
                  "Company size unknown", "number"),
    "annual_revenue": ("budget", "Annual revenue of the account", "BUD_REVENUE",
                       "Annual revenue of {value}: the means to buy",
                       "Annual revenue of {value}: a tight budget is likely",
                       "Revenue unknown", "money"),
    "revenue_band": ("budget", "Annual revenue band", "BUD_REVENUE_BAND",
                     "Revenue band {value}: the means to buy",
                     "Revenue band {value}: a tight budget is likely",
                     "Revenue unknown", "category"),
    "credit_rating": ("budget", "Credit rating of the account", "BUD_CREDIT",
                      "Credit rating {value}: can pay", "Credit rating {value}: a payment risk",
                      "No credit rating on file", "category"),
    # authority
    "seniority": ("authority", "Seniority of the contact", "AUTH_SENIORITY",
                  "{value}: senior enough to sign", "{value}: unlikely to sign alone",
                  "Seniority unknown", "category"),
    "title_seniority": ("authority", "Seniority read from the job title", "AUTH_TITLE",
                        "{value} title: likely decision maker",
                        "{value} title: unlikely to decide alone",
                        "Job title unknown", "category"),
    "role": ("authority", "Role in the buying decision", "AUTH_ROLE",
             "Role {value}: can drive the purchase", "Role {value}: not the one who decides",
             "Buying role unknown", "category"),
    "department": ("authority", "Department of the contact", "AUTH_DEPARTMENT",
                   "Works in {value}: close to the buying decision",
                   "Works in {value}: far from the buying decision",
                   "Department unknown", "category"),
    # source
    "lead_source": ("source", "How the lead came in", "SRC_LEAD_SOURCE",
                    "Came in through {value}: a strong source",
                    "Came in through {value}: a weak source", "Lead source unknown",
                    "category"),
    # need
    "intent_share": ("need",
                     "Share of recent activity that shows buying intent (pricing, demo requests, "
                     "quotes, buying content), 90 days by default", "NEED_INTENT_SHARE",
                     "{value} of recent activity shows buying intent",
                     "Only {value} of recent activity shows buying intent",
                     "No recent activity", "percent"),
    "intent_share_total": ("need",
                           "Share of all activity so far that showed buying intent",
                           "NEED_INTENT_SHARE_TOTAL",
                           "{value} of all activity so far showed buying intent",
                           "Only {value} of all activity so far showed buying intent",
                           "No activity on record", "percent"),
    "intent_per_month": ("need",
                         "Buying-intent activities (pricing, demo requests, quotes, buying "
                         "content) per month since the contact was created",
                         "NEED_RATE", "{value} buying-intent activities a month on average",
                         "Only {value} buying-intent activities a month on average",
                         "No activity on record", "ratio"),
    # engagement
    "any_total": ("engagement", "Activities of every kind so far", "ENG_ANY_TOTAL",
                  "{value} activities so far", "{value} activities so far",
                  "No activity on record", "count"),
    "engagement_per_month": ("engagement",
                             "Activities per month since the contact was created, buying-intent "
                             "activity and email opens aside",
                             "ENG_RATE", "{value} activities a month on average",
                             "Only {value} activities a month on average",
                             "No activity on record", "ratio"),
    # timing
    "days_since_created": ("timing", "Days since the contact was created", "TIME_AGE",
                           "Created {value}: still fresh", "Created {value}: going stale",
                           "Creation date unknown", "days"),
    "stage": ("timing", "Funnel stage at as_of", "TIME_STAGE",
              "Already at stage {value}", "Still at stage {value}", "Stage unknown",
              "category"),
    "days_in_stage": ("timing", "Days in the current stage", "TIME_IN_STAGE",
                      "Moved to this stage {value}", "In this stage for {value}",
                      "Time in stage unknown", "days"),
    "activity_trend": ("timing",
                       "Activity of the last 14 days against the 60 before (log ratio of rates)",
                       "TIME_TREND", "Activity is picking up", "Activity is slowing down",
                       "No activity to compare", "ratio"),
    "active_weeks": ("timing", "Weeks with any activity among the last 13", "TIME_ACTIVE_WEEKS",
                     "Active in {value} of the last 13 weeks",
                     "Active in {value} of the last 13 weeks", "No recent activity",
                     "count"),
    # buying group
    "account_contacts": ("buying_group", "Contacts known at the account", "GRP_SIZE",
                         "{value} contacts known at the account",
                         "{value} contacts known at the account", "No account on record",
                         "count"),
    "account_engaged_contacts": ("buying_group",
                                 "Other contacts at the account active lately, email opens "
                                 "aside (90 days by default)",
                                 "GRP_ENGAGED", "{value} colleagues engaged at the account",
                                 "{value} colleagues engaged at the account",
                                 "No account on record", "count"),
    "account_decision_maker_engaged": ("buying_group",
                                       "A decision maker at the account was active lately",
                                       "GRP_DECISION_MAKER",
                                       "A decision maker at the account is engaged",
                                       "No engaged decision maker at the account",
                                       "No account on record", "flag"),
    "account_blocker_present": ("buying_group", "A blocker is known at the account",
                                "GRP_BLOCKER", "No blocker known at the account",
                                "A blocker at the account", "No account on record", "flag"),
    "account_blocker_engaged": ("buying_group", "A blocker at the account was active lately",
                                "GRP_BLOCKER_ENGAGED", "No engaged blocker at the account",
                                "An engaged blocker at the account", "No account on record",
                                "flag"),
    "account_active_colleagues": ("buying_group",
                                  "Other contacts at the account active month after month: "
                                  "at least one activity a month since they were created, "
                                  "email opens aside (by default)",
                                  "GRP_ACTIVE_COLLEAGUES",
                                  "{value} colleagues active month after month",
                                  "{value} colleagues active month after month",
                                  "No account on record", "count"),
    "account_decision_maker_rate": ("buying_group",
                                    "Activities per month of the account's decision makers "
                                    "since they were created, email opens aside",
                                    "GRP_DECISION_MAKER_RATE",
                                    "Decision makers at the account average {value} activities "
                                    "a month",
                                    "Little activity from decision makers at the account "
                                    "({value} a month)",
                                    "No account on record", "ratio"),
    "account_blocker_rate": ("buying_group",
                             "Activities per month of the account's blockers since they were "
                             "created, email opens aside",
                             "GRP_BLOCKER_RATE",
                             "Little blocker activity at the account ({value} a month)",
                             "Blockers at the account average {value} activities a month",
                             "No account on record", "ratio"),
    "account_activity_recent": ("buying_group",
                                "Activities of the other contacts at the account, lately "
                                "(buying-group window, 90 days by default)",
                                "GRP_ACTIVITY", "{value} recent activities by colleagues",
                                "{value} recent activities by colleagues",
                                "No account on record", "count"),
    "account_contacts_sql_plus": ("buying_group",
                                  "Other contacts at the account already at sql or later",
                                  "GRP_IN_PIPELINE", "{value} colleagues already in the pipeline",
                                  "{value} colleagues in the pipeline", "No account on record",
                                  "count"),
    "account_customers": ("buying_group", "Other contacts at the account who are customers",
                          "GRP_CUSTOMER", "The account already buys from us",
                          "No customers at the account yet", "No account on record", "count"),
}  # fmt: skip

_ACTIVITY_NAME = re.compile(
    r"^(?:(?P<days_since>days_since_)(?P<t1>\w+?)|(?P<t2>\w+?)_(?P<m>\d+d|decayed))$"
)


def _humanise(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def _generic(name: str, criterion: str) -> FeatureSpec:
    label = _humanise(name)
    code = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    return FeatureSpec(
        name, criterion, label, f"{_CODE_PREFIX[criterion]}_{code}",
        up=f"{label}: {{value}}", down=f"{label}: {{value}}", missing=f"{label} unknown",
    )  # fmt: skip


def describe_feature(
    name: str, *, criteria: Mapping[str, str] | None = None, default: str = "fit"
) -> FeatureSpec:
    """The :class:`FeatureSpec` of a feature name.

    Parameters
    ----------
    name : str
        A feature name as produced by :func:`leadscore.build_features`, or any column name.
    criteria : mapping, optional
        ``{feature: criterion}`` for attributes the registry does not know (from the
        ``[features.attribute_criteria]`` configuration); it also overrides known ones.
    default : str
        Criterion of attributes nobody has classified.

    Examples
    --------
    >>> spec = describe_feature("demo_request_30d")
    >>> spec.criterion, spec.reason_code
    ('need', 'NEED_DEMO_REQUEST_30D')
    >>> describe_feature("days_since_demo_request").reason_code
    'TIME_DEMO_REQUEST_RECENT'
    >>> describe_feature("email_open_30d").criterion
    'engagement'
    >>> describe_feature("partner_tier", criteria={"partner_tier": "source"}).criterion
    'source'
    """
    override = (criteria or {}).get(name)
    if override is not None and override not in CRITERIA:
        raise ValueError(f"{name}: unknown criterion {override!r}; expected one of {CRITERIA}")
    spec = _describe(name, default)
    if override is not None and override != spec.criterion:
        code = spec.reason_code.split("_", 1)[1]
        spec = dataclasses.replace(
            spec, criterion=override, reason_code=f"{_CODE_PREFIX[override]}_{code}"
        )
    return spec


#: Features whose direction the domain fixes. The buying group: colleagues who engage, progress
#: or already buy never make a sale less likely, an engaged blocker never makes it more likely.
#: Whether a blocker is merely known, or how many contacts an account has, is left to the data.
_MONOTONE = {
    "account_engaged_contacts": 1,
    "account_active_colleagues": 1,
    "account_activity_recent": 1,
    "account_contacts_sql_plus": 1,
    "account_customers": 1,
    "account_decision_maker_engaged": 1,
    "account_decision_maker_rate": 1,
    "account_blocker_engaged": -1,
    "account_blocker_rate": -1,
}

#: Wording of zero and one for the known counts: (zero, one).
_COUNT_WORDS = {
    "account_engaged_contacts": ("No colleagues engaged at the account",
                                 "1 colleague engaged at the account"),
    "account_activity_recent": ("No recent activity by colleagues",
                                "1 recent activity by a colleague"),
    "account_contacts_sql_plus": ("No colleagues in the pipeline yet",
                                  "1 colleague already in the pipeline"),
    "account_customers": ("No customers at the account yet", "The account already buys from us"),
    "account_contacts": ("No contacts known at the account",
                         "The only contact known at the account"),
    "active_weeks": ("No activity in the last 13 weeks", "Active in 1 of the last 13 weeks"),
    "any_total": ("No activity on record", "1 activity so far"),
}  # fmt: skip


def _describe(name: str, default: str) -> FeatureSpec:
    if name in _KNOWN:
        criterion, description, code, up, down, missing, kind = _KNOWN[name]
        zero, one = _COUNT_WORDS.get(name, ("", ""))
        return FeatureSpec(
            name, criterion, description, code, up, down, missing, kind, zero=zero, one=one,
            monotone=_MONOTONE.get(name, 0),
        )  # fmt: skip
    match = _ACTIVITY_NAME.match(name)
    if match:
        if match["days_since"]:
            return _activity_spec(match["t1"], "days")
        measure = match["m"]
        return _activity_spec(match["t2"], "decayed" if measure == "decayed" else measure[:-1])
    return _generic(name, default)


def criteria_of(
    names: list[str] | pd.Index, *, criteria: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``{feature: criterion}`` for ``names``.

    Examples
    --------
    >>> criteria_of(["industry", "meeting_7d"])
    {'industry': 'fit', 'meeting_7d': 'engagement'}
    """
    return {str(n): describe_feature(str(n), criteria=criteria).criterion for n in names}


def monotone_constraints(names: list[str] | pd.Index) -> dict[str, int]:
    """``{feature: direction}`` for the features of ``names`` whose direction the domain fixes.

    What :class:`leadscore.LeadScorer` passes to each :class:`leadscore.LeadModel` as
    ``monotonic_cst``: the buying group's features (see :attr:`FeatureSpec.monotone`). On
    synthetic CRMs they lifted the buying group's contributions towards its true effect on
    every seed measured, the rest within noise. Activity counts are left free on purpose:
    constraining them too cost the engagement criterion its fidelity to the truth (Spearman
    0.44-0.54 down to 0.30-0.45, docs/benchmarks.md).

    Examples
    --------
    >>> monotone_constraints(["industry", "account_customers", "account_blocker_engaged"])
    {'account_customers': 1, 'account_blocker_engaged': -1}
    """
    return {str(n): spec.monotone for n in names if (spec := describe_feature(str(n))).monotone}


def feature_table(
    names: list[str] | pd.Index, *, criteria: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per feature: ``feature``, ``criterion``, ``description``, ``reason_code``."""
    specs = [describe_feature(str(n), criteria=criteria) for n in names]
    return pd.DataFrame(
        {
            "feature": [s.name for s in specs],
            "criterion": [s.criterion for s in specs],
            "description": [s.description for s in specs],
            "reason_code": [s.reason_code for s in specs],
        }
    )


# --- wording --------------------------------------------------------------------------------------


def _format_days(days: float) -> str:
    whole = round(days)
    if whole <= 0:
        return "today"
    if whole == 1:
        return "1 day ago"
    if whole < 120:
        return f"{whole} days ago"
    return f"{whole // 30} months ago"


def _format_duration(days: float) -> str:
    whole = round(days)
    if whole <= 0:
        return "less than a day"
    if whole == 1:
        return "1 day"
    if whole < 120:
        return f"{whole} days"
    return f"{whole // 30} months"


def _format_money(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:.3g}{suffix}"
    return f"${value:,.0f}"


def format_value(value: Any, kind: str) -> str:
    """Format a feature value for a sentence.

    Examples
    --------
    >>> format_value(3.0, "days"), format_value(12_500_000, "money"), format_value(4.0, "count")
    ('3 days ago', '$12.5M', '4')
    """
    if kind == "days":
        return _format_days(float(value))
    if kind == "money":
        return _format_money(float(value))
    if kind in ("count", "flag"):
        return f"{round(float(value)):,}"
    if kind in ("weighted", "ratio"):
        return f"{float(value):.1f}"
    if kind == "percent":
        return f"{float(value):.0%}"
    if kind == "number" and isinstance(value, int | float):
        number = float(value)
        return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    return str(value).replace("_", " ")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def render_values(spec: FeatureSpec, values: Any, direction: Direction) -> np.ndarray:
    """:func:`render_reason` for many values of one feature, wording each distinct value once.

    Examples
    --------
    >>> render_values(describe_feature("meeting_30d"), [2.0, 0.0, 2.0], "up").tolist()[:2]
    ['2 meetings in the last 30 days', 'No meetings in the last 30 days']
    """
    series = pd.Series(values, dtype=object)
    missing = series.isna().to_numpy()
    codes, uniques = pd.factorize(series[~missing], use_na_sentinel=True)
    out = np.empty(len(series), dtype=object)
    out[missing] = spec.missing
    worded = np.array([render_reason(spec, v, direction) for v in uniques], dtype=object)
    out[~missing] = worded[codes] if len(codes) else out[~missing]
    return out


def render_reason(spec: FeatureSpec, value: Any, direction: Direction) -> str:
    """A reason in plain words for one feature of one row.

    Examples
    --------
    >>> render_reason(describe_feature("days_since_demo_request"), 3.0, "up")
    'Requested a demo 3 days ago'
    >>> render_reason(describe_feature("days_since_email_open"), 62.0, "down")
    'No email open in 62 days'
    >>> render_reason(describe_feature("account_blocker_engaged"), 1.0, "down")
    'An engaged blocker at the account'
    >>> render_reason(describe_feature("email_click_30d"), 0.0, "down")
    'No email clicks in the last 30 days'
    """
    if _is_missing(value):
        return spec.missing
    template = spec.up if direction == "up" else spec.down
    if spec.kind in ("count", "weighted") and spec.zero and abs(float(value)) < 0.05:
        return spec.zero
    if spec.kind == "count" and spec.one and round(float(value)) == 1:
        return spec.one
    if spec.kind == "days" and ("in {value}" in template or "for {value}" in template):
        if direction == "down" and template.startswith("No ") and float(value) < 30:
            # a recent event that lowered the score: say when it was, not that it was missing
            return spec.up.format(value=format_value(value, spec.kind))
        return template.format(value=_format_duration(float(value)))
    return template.format(value=format_value(value, spec.kind))
