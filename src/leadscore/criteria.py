"""Which qualification criterion each feature belongs to, and how to say it in words.

Every feature belongs to exactly one criterion of DESIGN section 2. The registry is two tables
of records, read top to bottom:

- :data:`SIGNALS`: one :class:`FeatureSpec` per contact, account or computed feature (``industry``,
  ``intent_share``, ``account_customers``): its criterion, reason code, wording and direction;
- :data:`ACTIVITY_FAMILIES`: one :class:`ActivityFamily` per activity type, measured three ways
  (:data:`MEASURES`, ``T`` an activity type, ``W`` a window in days):

  ========================  ==========================================================
  ``T_Wd``                  number of ``T`` activities in the ``W`` days before as_of
  ``T_decayed``             exponentially decayed count of ``T`` (half-life in the config)
  ``days_since_T``          days since the last ``T`` (missing: never); always ``timing``
  ========================  ==========================================================

  ``any`` is every activity, ``need_content`` the activity whose detail signals a need.

Feature names are built from the records (:func:`activity_feature_name`, which
:mod:`leadscore.features` names its columns with) and looked up in one table built once from them.
:func:`describe_feature` resolves any name to a :class:`FeatureSpec`: names of the tables from
the lookup, activity measures of types or windows outside it (a configuration's own) from the
measure patterns, and any other column as an attribute of the ``default`` criterion. The registry
works from names alone, so a saved model, a training table and an explanation all agree on it
without extra state.
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
from leadscore.errors import ConfigError

__all__ = [
    "ACTIVITY_FAMILIES",
    "CRITERIA",
    "MEASURES",
    "SIGNALS",
    "ActivityFamily",
    "FeatureSpec",
    "Measure",
    "activity_criterion",
    "activity_feature_name",
    "criteria_of",
    "describe_feature",
    "feature_table",
    "monotone_constraints",
    "render_counts",
    "render_reason",
    "render_values",
    "window_features",
]

Direction = Literal["up", "down"]

#: The prefix of each criterion's reason codes.
CODE_PREFIX = {
    "fit": "FIT",
    "budget": "BUD",
    "authority": "AUTH",
    "need": "NEED",
    "engagement": "ENG",
    "timing": "TIME",
    "buying_group": "GRP",
    "source": "SRC",
}


def _check_criterion(criterion: str, what: str) -> str:
    if criterion not in CODE_PREFIX:
        raise ConfigError(
            f"{what}: unknown criterion {criterion!r}; expected one of {', '.join(CRITERIA)}"
        )
    return criterion


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
        ``percent``, ``year`` or ``category``: how ``{value}`` is formatted. A ``weighted``
        count (decayed) is never shown as a number: reasons word it from the family's window
        counts (:func:`render_counts`).
    family : str
        The signal the feature measures (an activity type, or an attribute): reasons name each
        family once, however many windows and measures of it moved the score. Defaults to
        ``name``.
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
            object.__setattr__(self, "family", self.name)


# --- contact, account and computed features -------------------------------------------------------


#: Every feature of a fixed name. ``family`` groups attributes that measure the same thing (told
#: once in reasons); ``zero`` and ``one`` word counts of zero and one; ``monotone`` is the
#: direction the domain fixes: colleagues who engage, progress or already buy never make a sale
#: less likely, an engaged blocker never makes it more likely. Whether a blocker is merely
#: known, or how many contacts an account has, is left to the data.
SIGNALS: tuple[FeatureSpec, ...] = (
    # fit
    FeatureSpec(
        "industry",
        "fit",
        reason_code="FIT_INDUSTRY",
        description="Industry of the account",
        up="Industry {value}: a good fit",
        down="Industry {value}: a weaker fit",
        missing="Industry unknown",
        kind="category",
    ),
    FeatureSpec(
        "country",
        "fit",
        reason_code="FIT_COUNTRY",
        description="Country of the contact",
        up="Based in {value}: a core market",
        down="Based in {value}: outside the core markets",
        missing="Country unknown",
        kind="category",
    ),
    FeatureSpec(
        "account_country",
        "fit",
        reason_code="FIT_ACCOUNT_COUNTRY",
        description="Country of the account's headquarters",
        up="Company based in {value}: a core market",
        down="Company based in {value}: outside the core markets",
        missing="Company country unknown",
        kind="category",
        family="country",
    ),
    FeatureSpec(
        "company_size_band",
        "fit",
        reason_code="FIT_SIZE_BAND",
        description="Company size band by employees",
        up="Company size {value} employees: a good fit",
        down="Company size {value} employees: a weaker fit",
        missing="Company size unknown",
        kind="category",
        family="company_size",
    ),
    # budget (DESIGN section 2: the head count measures the means to buy; the size band is fit)
    FeatureSpec(
        "employees",
        "budget",
        reason_code="BUD_EMPLOYEES",
        description="Number of employees at the account",
        up="Company of {value} employees: the means to buy",
        down="Company of {value} employees: a small budget is likely",
        missing="Company size unknown",
        kind="number",
        family="company_size",
    ),
    FeatureSpec(
        "annual_revenue",
        "budget",
        reason_code="BUD_REVENUE",
        description="Annual revenue of the account",
        up="Annual revenue of {value}: the means to buy",
        down="Annual revenue of {value}: a tight budget is likely",
        missing="Revenue unknown",
        kind="money",
        family="revenue",
    ),
    FeatureSpec(
        "revenue_band",
        "budget",
        reason_code="BUD_REVENUE_BAND",
        description="Annual revenue band",
        up="Revenue band {value}: the means to buy",
        down="Revenue band {value}: a tight budget is likely",
        missing="Revenue unknown",
        kind="category",
        family="revenue",
    ),
    FeatureSpec(
        "credit_rating",
        "budget",
        reason_code="BUD_CREDIT",
        description="Credit rating of the account",
        up="Credit rating {value}: can pay",
        down="Credit rating {value}: a payment risk",
        missing="No credit rating on file",
        kind="category",
    ),
    # authority
    FeatureSpec(
        "seniority",
        "authority",
        reason_code="AUTH_SENIORITY",
        description="Seniority of the contact",
        up="{value}: senior enough to sign",
        down="{value}: unlikely to sign alone",
        missing="Seniority unknown",
        kind="category",
    ),
    FeatureSpec(
        "title_seniority",
        "authority",
        reason_code="AUTH_TITLE",
        description="Seniority read from the job title",
        up="{value} title: likely decision maker",
        down="{value} title: unlikely to decide alone",
        missing="Job title unknown",
        kind="category",
        family="seniority",
    ),
    FeatureSpec(
        "role",
        "authority",
        reason_code="AUTH_ROLE",
        description="Role in the buying decision",
        up="Role {value}: can drive the purchase",
        down="Role {value}: not the one who decides",
        missing="Buying role unknown",
        kind="category",
    ),
    FeatureSpec(
        "department",
        "authority",
        reason_code="AUTH_DEPARTMENT",
        description="Department of the contact",
        up="Works in {value}: close to the buying decision",
        down="Works in {value}: far from the buying decision",
        missing="Department unknown",
        kind="category",
    ),
    # source
    FeatureSpec(
        "lead_source",
        "source",
        reason_code="SRC_LEAD_SOURCE",
        description="How the lead came in",
        up="Came in through {value}: a strong source",
        down="Came in through {value}: a weak source",
        missing="Lead source unknown",
        kind="category",
    ),
    # need
    FeatureSpec(
        "intent_share",
        "need",
        reason_code="NEED_INTENT_SHARE",
        description=(
            "Share of recent activity that shows buying intent (pricing, demo requests, "
            "quotes, buying content), 90 days by default"
        ),
        up="{value} of recent activity shows buying intent",
        down="Only {value} of recent activity shows buying intent",
        missing="No recent activity",
        kind="percent",
    ),
    FeatureSpec(
        "intent_share_total",
        "need",
        reason_code="NEED_INTENT_SHARE_TOTAL",
        description="Share of all activity so far that showed buying intent",
        up="{value} of all activity so far showed buying intent",
        down="Only {value} of all activity so far showed buying intent",
        missing="No activity on record",
        kind="percent",
    ),
    FeatureSpec(
        "intent_per_month",
        "need",
        reason_code="NEED_RATE",
        description=(
            "Buying-intent activities (pricing, demo requests, quotes, buying content) "
            "per month since the contact was created"
        ),
        up="{value} buying-intent activities a month on average",
        down="Only {value} buying-intent activities a month on average",
        missing="No activity on record",
        kind="ratio",
    ),
    # engagement
    FeatureSpec(
        "any_total",
        "engagement",
        reason_code="ENG_ANY_TOTAL",
        description="Activities of every kind so far",
        up="{value} activities so far",
        down="{value} activities so far",
        missing="No activity on record",
        kind="count",
        zero="No activity on record",
        one="1 activity so far",
    ),
    FeatureSpec(
        "engagement_per_month",
        "engagement",
        reason_code="ENG_RATE",
        description=(
            "Activities per month since the contact was created, buying-intent activity "
            "and email opens aside"
        ),
        up="{value} activities a month on average",
        down="Only {value} activities a month on average",
        missing="No activity on record",
        kind="ratio",
    ),
    # timing
    FeatureSpec(
        "days_since_created",
        "timing",
        reason_code="TIME_AGE",
        description="Days since the contact was created",
        up="Created {value}: still fresh",
        down="Created {value}: going stale",
        missing="Creation date unknown",
        kind="days",
    ),
    FeatureSpec(
        "stage",
        "timing",
        reason_code="TIME_STAGE",
        description="Funnel stage at as_of",
        up="Already at stage {value}",
        down="Still at stage {value}",
        missing="Stage unknown",
        kind="category",
    ),
    FeatureSpec(
        "days_in_stage",
        "timing",
        reason_code="TIME_IN_STAGE",
        description="Days in the current stage",
        up="Moved to this stage {value}",
        down="In this stage for {value}",
        missing="Time in stage unknown",
        kind="days",
    ),
    FeatureSpec(
        "activity_trend",
        "timing",
        reason_code="TIME_TREND",
        description="Activity of the last 14 days against the 60 before (log ratio of rates)",
        up="Activity is picking up",
        down="Activity is slowing down",
        missing="No activity to compare",
        kind="ratio",
    ),
    FeatureSpec(
        "active_weeks",
        "timing",
        reason_code="TIME_ACTIVE_WEEKS",
        description="Weeks with any activity among the last 13",
        up="Active in {value} of the last 13 weeks",
        down="Active in {value} of the last 13 weeks",
        missing="No recent activity",
        kind="count",
        zero="No activity in the last 13 weeks",
        one="Active in 1 of the last 13 weeks",
    ),
    # buying group
    FeatureSpec(
        "account_contacts",
        "buying_group",
        reason_code="GRP_SIZE",
        description="Contacts known at the account",
        up="{value} contacts known at the account",
        down="{value} contacts known at the account",
        missing="No account on record",
        kind="count",
        zero="No contacts known at the account",
        one="The only contact known at the account",
    ),
    FeatureSpec(
        "account_engaged_contacts",
        "buying_group",
        reason_code="GRP_ENGAGED",
        description=(
            "Other contacts at the account active lately, email opens aside (90 days by default)"
        ),
        up="{value} colleagues engaged at the account",
        down="{value} colleagues engaged at the account",
        missing="No account on record",
        kind="count",
        family="engaged_colleagues",
        zero="No colleagues engaged at the account",
        one="1 colleague engaged at the account",
        monotone=1,
    ),
    FeatureSpec(
        "account_decision_maker_engaged",
        "buying_group",
        reason_code="GRP_DECISION_MAKER",
        description="A decision maker at the account was active lately",
        up="A decision maker at the account is engaged",
        down="No engaged decision maker at the account",
        missing="No account on record",
        kind="flag",
        family="decision_maker",
        monotone=1,
    ),
    FeatureSpec(
        "account_blocker_present",
        "buying_group",
        reason_code="GRP_BLOCKER",
        description="A blocker is known at the account",
        up="No blocker known at the account",
        down="A blocker at the account",
        missing="No account on record",
        kind="flag",
        family="blocker",
    ),
    FeatureSpec(
        "account_blocker_engaged",
        "buying_group",
        reason_code="GRP_BLOCKER_ENGAGED",
        description="A blocker at the account was active lately",
        up="No engaged blocker at the account",
        down="An engaged blocker at the account",
        missing="No account on record",
        kind="flag",
        family="blocker",
        monotone=-1,
    ),
    FeatureSpec(
        "account_active_colleagues",
        "buying_group",
        reason_code="GRP_ACTIVE_COLLEAGUES",
        description=(
            "Other contacts at the account active month after month: at least one "
            "activity a month since they were created, email opens aside (by default)"
        ),
        up="{value} colleagues active month after month",
        down="{value} colleagues active month after month",
        missing="No account on record",
        kind="count",
        family="engaged_colleagues",
        monotone=1,
    ),
    FeatureSpec(
        "account_decision_maker_rate",
        "buying_group",
        reason_code="GRP_DECISION_MAKER_RATE",
        description=(
            "Activities per month of the account's decision makers since they were "
            "created, email opens aside"
        ),
        up="Decision makers at the account average {value} activities a month",
        down="Little activity from decision makers at the account ({value} a month)",
        missing="No account on record",
        kind="ratio",
        family="decision_maker",
        monotone=1,
    ),
    FeatureSpec(
        "account_blocker_rate",
        "buying_group",
        reason_code="GRP_BLOCKER_RATE",
        description=(
            "Activities per month of the account's blockers since they were created, "
            "email opens aside"
        ),
        up="Little blocker activity at the account ({value} a month)",
        down="Blockers at the account average {value} activities a month",
        missing="No account on record",
        kind="ratio",
        family="blocker",
        monotone=-1,
    ),
    FeatureSpec(
        "account_activity_recent",
        "buying_group",
        reason_code="GRP_ACTIVITY",
        description=(
            "Activities of the other contacts at the account, lately (buying-group "
            "window, 90 days by default)"
        ),
        up="{value} recent activities by colleagues",
        down="{value} recent activities by colleagues",
        missing="No account on record",
        kind="count",
        zero="No recent activity by colleagues",
        one="1 recent activity by a colleague",
        monotone=1,
    ),
    FeatureSpec(
        "account_contacts_sql_plus",
        "buying_group",
        reason_code="GRP_IN_PIPELINE",
        description="Other contacts at the account already at sql or later",
        up="{value} colleagues already in the pipeline",
        down="{value} colleagues in the pipeline",
        missing="No account on record",
        kind="count",
        zero="No colleagues in the pipeline yet",
        one="1 colleague already in the pipeline",
        monotone=1,
    ),
    FeatureSpec(
        "account_customers",
        "buying_group",
        reason_code="GRP_CUSTOMER",
        description="Other contacts at the account who are customers",
        up="The account already buys from us",
        down="No customers at the account yet",
        missing="No account on record",
        kind="count",
        zero="No customers at the account yet",
        one="The account already buys from us",
        monotone=1,
    ),
)


# --- activity ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ActivityFamily:
    """An activity type and the words for it: ``noun`` and ``plural`` name one and many,
    ``did`` says what the contact did, in the past tense."""

    activity_type: str
    criterion: str
    noun: str
    plural: str
    did: str

    @classmethod
    def foreign(cls, activity_type: str) -> ActivityFamily:
        """A type the registry does not know (from a configuration): engagement, plain words."""
        noun = activity_type.replace("_", " ")
        return cls(
            activity_type, "engagement", noun, f"{noun} activities", f"Had a {noun} activity"
        )


#: Every activity type the registry words, with its criterion.
ACTIVITY_FAMILIES: tuple[ActivityFamily, ...] = (
    ActivityFamily(
        "email_open", "engagement", noun="email open", plural="email opens", did="Opened an email"
    ),
    ActivityFamily(
        "email_click",
        "engagement",
        noun="email click",
        plural="email clicks",
        did="Clicked a link in an email",
    ),
    ActivityFamily(
        "web_visit",
        "engagement",
        noun="website visit",
        plural="website visits",
        did="Visited the website",
    ),
    ActivityFamily(
        "pricing_page_visit",
        "need",
        noun="pricing page visit",
        plural="pricing page visits",
        did="Looked at the pricing page",
    ),
    ActivityFamily(
        "form_fill",
        "engagement",
        noun="form submission",
        plural="form submissions",
        did="Filled in a form",
    ),
    ActivityFamily(
        "ebook_download",
        "engagement",
        noun="content download",
        plural="content downloads",
        did="Downloaded content",
    ),
    ActivityFamily(
        "newsletter_signup",
        "engagement",
        noun="newsletter sign-up",
        plural="newsletter sign-ups",
        did="Signed up for the newsletter",
    ),
    ActivityFamily(
        "webinar_attended",
        "engagement",
        noun="webinar",
        plural="webinars",
        did="Attended a webinar",
    ),
    ActivityFamily(
        "demo_request", "need", noun="demo request", plural="demo requests", did="Requested a demo"
    ),
    ActivityFamily(
        "meeting", "engagement", noun="meeting", plural="meetings", did="Met with sales"
    ),
    ActivityFamily("quote_sent", "need", noun="quote", plural="quotes", did="Received a quote"),
    ActivityFamily(
        "credit_check",
        "budget",
        noun="credit check",
        plural="credit checks",
        did="Went through a credit check",
    ),
    ActivityFamily("any", "engagement", noun="activity", plural="activities", did="Was active"),
    ActivityFamily(
        "need_content",
        "need",
        noun="visit to buying content",
        plural="visits to buying content",
        did="Read buying content (pricing, product, buyer's guides)",
    ),
)


@dataclasses.dataclass(frozen=True)
class Measure:
    """One way an activity family is measured: the feature name's pattern and the wording.

    Templates take ``{type}``, ``{days}`` (the window), ``{noun}``, ``{plural}`` and ``{did}``;
    the reason templates keep ``{{value}}`` for :func:`render_reason`. ``criterion`` overrides
    the family's (recency is timing, whatever the activity); the reason code is the family's
    code followed by ``code``.
    """

    key: Literal["window", "decayed", "days_since"]
    name: str
    code: str
    description: str
    up: str
    down: str
    missing: str
    kind: str
    zero: str = ""
    one: str = ""
    criterion: str = ""

    def spec(self, family: ActivityFamily, days: int = 0) -> FeatureSpec:
        """The :class:`FeatureSpec` of ``family`` measured this way (over ``days``)."""
        criterion = self.criterion or family.criterion
        prefix = CODE_PREFIX[_check_criterion(criterion, family.activity_type)]
        code = f"{prefix}_{family.activity_type.upper().removeprefix(f'{prefix}_')}"
        words = {"type": family.activity_type, "days": days, "noun": family.noun,
                 "plural": family.plural, "did": family.did}  # fmt: skip
        return FeatureSpec(
            self.name.format(**words), criterion, self.description.format(**words),
            f"{code}_{self.code.format(**words)}", up=self.up.format(**words),
            down=self.down.format(**words), missing=self.missing.format(**words),
            kind=self.kind, family=family.activity_type, zero=self.zero.format(**words),
            one=self.one.format(**words),
        )  # fmt: skip


#: The three measures of every activity family. Recency is timing, whatever the activity
#: (DESIGN section 2: timing is recency, velocity, stage and time in stage; engagement and need
#: count what was done): after months of quiet, how long ago a contact last visited says when
#: it was in the market, not how interested it is.
MEASURES: dict[str, Measure] = {
    "window": Measure(
        "window", "{type}_{days}d", "{days}D", "Number of {plural} in the last {days} days",
        up="{{value}} {plural} in the last {days} days",
        down="{{value}} {plural} in the last {days} days",
        missing="No {plural} on record", kind="count",
        zero="No {plural} in the last {days} days", one="1 {noun} in the last {days} days",
    ),
    "decayed": Measure(
        "decayed", "{type}_decayed", "TREND",
        "Decayed count of {plural}: each one counts half as much after every half-life",
        up="Recent {plural}", down="Few recent {plural}",
        missing="No {plural} on record", kind="weighted", zero="No recent {plural}",
    ),
    "days_since": Measure(
        "days_since", "days_since_{type}", "RECENT", "Days since the last {noun} (missing: never)",
        up="{did} {{value}}", down="No {noun} in {{value}}", missing="No {noun} on record",
        kind="days", criterion="timing",
    ),
}  # fmt: skip

#: The windows the lookup covers (FeatureConfig's default windows); others resolve through
#: the measure patterns all the same.
_LOOKUP_WINDOWS = (7, 30, 90, 365)


def activity_feature_name(activity_type: str, measure: str, days: int = 0) -> str:
    """The name of the feature measuring ``activity_type`` one of the :data:`MEASURES` ways.

    Examples
    --------
    >>> activity_feature_name("demo_request", "window", 30)
    'demo_request_30d'
    >>> activity_feature_name("meeting", "days_since")
    'days_since_meeting'
    """
    return MEASURES[measure].name.format(type=activity_type, days=days)


def activity_criterion(activity_type: str) -> str:
    """The criterion an activity type's counts belong to.

    Examples
    --------
    >>> activity_criterion("pricing_page_visit"), activity_criterion("my_custom_type")
    ('need', 'engagement')
    """
    return _family(activity_type).criterion


_FAMILY_BY_TYPE = {family.activity_type: family for family in ACTIVITY_FAMILIES}


def _family(activity_type: str) -> ActivityFamily:
    return _FAMILY_BY_TYPE.get(activity_type) or ActivityFamily.foreign(activity_type)


def _lookup() -> dict[str, FeatureSpec]:
    """Name -> spec of every feature the tables name, built once at import."""
    specs = [spec for spec in SIGNALS if _check_criterion(spec.criterion, spec.name)]
    for family in ACTIVITY_FAMILIES:
        specs += [MEASURES["window"].spec(family, days) for days in _LOOKUP_WINDOWS]
        specs += [MEASURES["decayed"].spec(family), MEASURES["days_since"].spec(family)]
    table: dict[str, FeatureSpec] = {}
    for spec in specs:
        table.setdefault(spec.name, spec)  # a fixed name wins over an activity pattern
    return table


_BY_NAME = _lookup()


def _is_word(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c == "_" for c in text)


def _foreign_activity(name: str) -> FeatureSpec | None:
    """An activity measure of a type or window outside the lookup (a configuration's own)."""
    if name.startswith("days_since_") and _is_word(rest := name.removeprefix("days_since_")):
        return MEASURES["days_since"].spec(_family(rest))
    if name.endswith("_decayed") and _is_word(rest := name.removesuffix("_decayed")):
        return MEASURES["decayed"].spec(_family(rest))
    rest, _, window = name.rpartition("_")
    if _is_word(rest) and window.endswith("d") and window[:-1].isdecimal():
        return MEASURES["window"].spec(_family(rest), int(window[:-1]))
    return None


def _humanise(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


#: Attribute names that hold a calendar year ("year_established", "founded"): worded as a
#: year (1995), never as a quantity (1,995).
_YEAR_NAME = re.compile(r"(^|[^a-z])(year|yr|founded|established|since)([^a-z]|$)", re.IGNORECASE)


def _generic(name: str, criterion: str) -> FeatureSpec:
    label = _humanise(name)
    code = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    kind = "year" if _YEAR_NAME.search(name.replace("_", " ")) else "number"
    return FeatureSpec(
        name, criterion, label, f"{CODE_PREFIX[_check_criterion(criterion, name)]}_{code}",
        up=f"{label}: {{value}}", down=f"{label}: {{value}}", missing=f"{label} unknown",
        kind=kind,
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

    Raises
    ------
    ConfigError
        When ``criteria`` gives ``name`` (or ``default`` is) a criterion that does not exist.

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
    if override is not None:
        _check_criterion(override, name)
    spec = _BY_NAME.get(name) or _foreign_activity(name) or _generic(name, default)
    if override is not None and override != spec.criterion:
        code = spec.reason_code.split("_", 1)[1]
        spec = dataclasses.replace(
            spec, criterion=override, reason_code=f"{CODE_PREFIX[override]}_{code}"
        )
    return spec


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
    if kind == "year":
        return f"{round(float(value))}" if isinstance(value, int | float) else str(value)
    if kind in ("weighted", "ratio"):
        return f"{float(value):.1f}"
    if kind == "percent":
        return f"{float(value):.0%}"
    if kind == "number" and isinstance(value, int | float):
        number = float(value)
        return f"{number:,.0f}" if number == int(number) or abs(number) >= 100 else f"{number:.1f}"
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
    text = _render(spec, value, direction)
    return text[:1].upper() + text[1:]  # a value opening the sentence ("manager: ...")


def _render(spec: FeatureSpec, value: Any, direction: Direction) -> str:
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


def window_features(family: str, names: list[str] | pd.Index) -> dict[int, str]:
    """``{days: feature}`` of the window counts of activity ``family`` among ``names``.

    Examples
    --------
    >>> window_features("meeting", ["meeting_90d", "meeting_7d", "meeting_decayed", "web_visit_7d"])
    {7: 'meeting_7d', 90: 'meeting_90d'}
    """
    found = {}
    for name in map(str, names):
        rest, _, window = name.rpartition("_")
        if rest == family and window.endswith("d") and window[:-1].isdecimal():
            found[int(window[:-1])] = name
    return dict(sorted(found.items()))


def _count_words(counts: tuple[int, ...], windows: tuple[int, ...], noun: str, plural: str) -> str:
    """One sentence of window counts (``counts[i]`` in the last ``windows[i]`` days)."""
    total, longest = counts[-1], windows[-1]
    if total == 0:
        return f"No {plural} in the last {longest} days"
    within = windows[counts.index(total)]  # the shortest window holding all of them
    said = f"{total} {noun if total == 1 else plural} in the last {within} days"
    shorter = [(w, c) for w, c in zip(windows, counts, strict=True) if w < within]
    if not shorter:
        return said
    recent, n_recent = next(((w, c) for w, c in shorter if w == 30), shorter[-1])
    if n_recent == 0:
        return f"{said}, none in the last {recent}"
    if 2 * n_recent > total:
        return f"{said}, mostly in the last {recent}"
    return f"{said}, {n_recent} in the last {recent}"


def render_counts(spec: FeatureSpec, counts: Mapping[int, Any]) -> np.ndarray:
    """A decayed count (``kind`` ``weighted``) in words, from its family's window counts.

    A recency-weighted count is a model's number, not a sales rep's: the reason says how many
    activities there were and how recent they were instead. ``counts`` maps a window in days
    to each row's count over it (see :func:`window_features`); missing counts read as zero.

    Examples
    --------
    >>> spec = describe_feature("pricing_page_visit_decayed")
    >>> render_counts(spec, {30: [6, 0, 1], 90: [8, 2, 1], 365: [8, 5, 1]}).tolist()
    ['8 pricing page visits in the last 90 days, mostly in the last 30', \
'5 pricing page visits in the last 365 days, none in the last 30', \
'1 pricing page visit in the last 30 days']
    """
    family = _family(spec.family)
    windows = tuple(sorted(counts))
    frame = pd.DataFrame({w: pd.to_numeric(pd.Series(counts[w]), errors="coerce") for w in windows})
    frame = frame.fillna(0).round().astype("int64")
    if frame.empty:
        return np.array([], dtype=object)
    # each distinct combination of counts is worded once (first-seen order on both sides)
    codes = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    uniques = frame.drop_duplicates().itertuples(index=False, name=None)
    worded = np.array(
        [_count_words(tuple(u), windows, family.noun, family.plural) for u in uniques],
        dtype=object,
    )
    return worded[codes]
