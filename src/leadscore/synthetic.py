"""make_crm: a synthetic CRM with a known data-generating process.

The generator simulates a B2B funnel week by week, vectorised over contacts, and records the true
effect of each qualification criterion on every contact's odds of moving forward
(``CRMData.truth``). Tests and benchmarks use it to check that models find what really drives
conversion and that explanations name it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from leadscore._conventions import to_utc
from leadscore.data import CRMData
from leadscore.errors import ConfigError

__all__ = ["make_crm"]

# --- the population ---------------------------------------------------------------------------

_INDUSTRIES = {  # name: (share, effect on fit)
    "software": (0.16, 0.60),
    "financial_services": (0.12, 0.45),
    "manufacturing": (0.15, 0.25),
    "healthcare": (0.11, 0.10),
    "logistics": (0.08, 0.00),
    "retail": (0.12, -0.20),
    "media": (0.07, -0.30),
    "education": (0.08, -0.50),
    "government": (0.06, -0.60),
    "nonprofit": (0.05, -0.80),
}
_COUNTRIES = {  # ISO code: (share, effect on fit)
    "US": (0.34, 0.30),
    "GB": (0.12, 0.25),
    "DE": (0.11, 0.20),
    "CA": (0.06, 0.15),
    "NL": (0.05, 0.15),
    "FR": (0.08, 0.00),
    "AU": (0.05, 0.00),
    "ES": (0.05, -0.15),
    "IN": (0.08, -0.45),
    "BR": (0.06, -0.50),
}
_CREDIT = {"A": (0.28, 0.35), "B": (0.40, 0.10), "C": (0.21, -0.35), "D": (0.11, -1.10)}
_SENIORITY = {  # level: (share, effect on authority, role shares dm/influencer/user/blocker)
    "C-level": (0.06, 0.30, (0.75, 0.15, 0.02, 0.08)),
    "VP": (0.10, 0.25, (0.55, 0.30, 0.05, 0.10)),
    "Director": (0.17, 0.10, (0.25, 0.50, 0.15, 0.10)),
    "Manager": (0.30, 0.00, (0.08, 0.47, 0.37, 0.08)),
    "Individual Contributor": (0.37, -0.25, (0.01, 0.19, 0.75, 0.05)),
}
_ROLES = {"decision_maker": 0.85, "influencer": 0.35, "user": -0.35, "blocker": -1.10}
_DEPARTMENTS = {  # name: (share, shift of latent need, word used in C-level titles)
    "IT": (0.20, 0.45, "Information"),
    "Engineering": (0.16, 0.30, "Technology"),
    "Operations": (0.16, 0.20, "Operating"),
    "Finance": (0.14, 0.00, "Financial"),
    "Marketing": (0.14, -0.10, "Marketing"),
    "Sales": (0.12, -0.15, "Revenue"),
    "HR": (0.08, -0.45, "People"),
}
_SOURCES = {
    "web": (0.33, 0.15),
    "purchased_list": (0.22, -0.75),
    "outbound": (0.15, -0.25),
    "event": (0.13, 0.25),
    "referral": (0.09, 0.75),
    "partner": (0.08, 0.45),
}
_TITLES = {
    "C-level": "Chief {word} Officer",
    "VP": "VP of {dept}",
    "Director": "Director of {dept}",
    "Manager": "{dept} Manager",
    "Individual Contributor": "{dept} Specialist",
}

# --- the funnel -------------------------------------------------------------------------------

_FUNNEL = ("lead", "mql", "sal", "sql", "opportunity", "customer")
_LOST = -1
_CUSTOMER = 5
#: Weekly log-odds of moving from stage k to k+1, and of being lost, at an average contact.
_ADVANCE_LOGIT = np.array([-4.5, -4.2, -4.8, -5.2, -7.0])
_LOSS_LOGIT = np.array([-6.0, -3.0, -2.8, -3.0, -2.4])
#: How much recent activity drives each step: marketing steps run on it, sales steps less so.
_ACTIVITY_WEIGHT = np.array([1.0, 1.0, 0.6, 0.3, 0.3])
#: How much each criterion weighs in each step (lead->mql .. opportunity->customer): marketing
#: steps lean on engagement, need and source, sales steps on budget, authority and the buying
#: group. The truth holds each criterion's effect at weight 1.
_STEP_WEIGHTS = {
    "fit": (1.0, 1.0, 1.0, 0.9, 0.7),
    "budget": (0.3, 0.5, 0.9, 1.3, 1.9),
    "authority": (0.4, 0.7, 1.0, 1.3, 1.6),
    "need": (1.3, 1.2, 1.0, 0.8, 0.6),
    "engagement": (1.3, 1.1, 1.0, 0.8, 0.7),
    "buying_group": (0.3, 0.5, 0.9, 1.3, 1.8),
    "source": (1.4, 1.1, 0.8, 0.5, 0.3),
}
#: Volume of awareness and of high-intent activity by stage (lead .. customer, then lost).
_STAGE_VOLUME = np.array([1.0, 1.6, 2.0, 2.6, 3.0, 0.6, 0.25])
_STAGE_INTENT = np.array([1.0, 1.6, 2.2, 2.8, 3.0, 0.5, 0.2])

# Each kind of activity: type, pool of details (None: no detail).
_KINDS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("email_open", ("newsletter", "nurture", "release-notes", "event-invite")),
    ("email_click", ("newsletter", "nurture", "release-notes", "event-invite")),
    ("web_visit", ("/blog", "/about", "/careers", "/events")),
    ("newsletter_signup", None),
    ("ebook_download", ("industry-trends", "best-practices", "glossary")),
    ("webinar_attended", ("webinar-trends", "webinar-expert-panel")),
    ("pricing_page_visit", ("/pricing",)),
    ("form_fill", ("contact-sales", "free-trial")),
    ("demo_request", None),
    ("ebook_download", ("buyers-guide", "roi-calculator", "case-study")),
    ("web_visit", ("/product", "/integrations", "/customers")),
    ("meeting", None),
    ("quote_sent", None),
    ("credit_check", None),
)
_CREDIT_CHECK_KIND = 13
#: Mix of kinds by phase of the funnel: awareness activity (driven by interest) and
#: high-intent activity (driven by need): pricing, demo requests, buying content, quotes.
_AWARENESS_MIX = {
    "early": {0: 0.54, 1: 0.12, 2: 0.16, 3: 0.03, 4: 0.06, 5: 0.05, 7: 0.04},  # lead, mql
    "sales": {0: 0.45, 1: 0.12, 2: 0.12, 5: 0.04, 7: 0.05, 11: 0.22},  # sal, sql
    "deal": {0: 0.40, 1: 0.10, 2: 0.10, 11: 0.40},  # opportunity
    "after": {0: 0.60, 1: 0.10, 2: 0.30},  # customer, lost
}
_INTENT_MIX = {
    "early": {6: 0.40, 8: 0.12, 9: 0.22, 10: 0.26},
    "sales": {6: 0.30, 8: 0.35, 9: 0.10, 10: 0.25},
    "deal": {6: 0.20, 8: 0.10, 10: 0.20, 12: 0.50},
    "after": {6: 0.30, 10: 0.70},
}
_INTENT_PHASE = ("early", "early", "sales", "sales", "deal", "after", "after")

WEEK_US = 7 * 86_400 * 1_000_000
DAY_US = 86_400 * 1_000_000


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=float)


def _text_from_codes(codes: np.ndarray, names: list[str]) -> pd.Series:
    """Text column from integer codes into ``names`` (-1: missing)."""
    categorical = pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(names))
    return pd.Series(categorical).astype("str")


def _draw(rng: np.random.Generator, table: Mapping[str, tuple[Any, ...]], n: int) -> np.ndarray:
    names = np.array(list(table), dtype=object)
    shares = np.array([v[0] for v in table.values()])
    return names[rng.choice(len(names), size=n, p=shares / shares.sum())]


def _effect(table: Mapping[str, tuple[Any, ...]], values: np.ndarray, index: int = 1) -> np.ndarray:
    lookup = {name: v[index] for name, v in table.items()}
    return np.array([lookup[v] for v in values], dtype=float) if len(values) else np.zeros(0)


def _hide_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[mask] = None
    return out


def _hide(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """Blank out a random ``share`` of values, as real exports do."""
    return _hide_where(rng.random(len(values)) < share, values)


@dataclasses.dataclass
class _Population:
    accounts: pd.DataFrame
    contacts: pd.DataFrame
    account_index: np.ndarray  # per contact, -1 without account
    created_us: np.ndarray  # per contact, microseconds since the epoch
    role: np.ndarray
    interest: np.ndarray  # latent, standard normal: drives activity volume
    need: np.ndarray  # latent: drives high-intent activity
    truth: pd.DataFrame
    can_sign: np.ndarray  # a decision maker, or an engaged one at the account
    poor_credit: np.ndarray  # the account's credit rating is D


def _make_population(
    rng: np.random.Generator, n_contacts: int, start_us: int, end_us: int
) -> _Population:
    n_accounts = max(1, n_contacts // 4)
    industry = _draw(rng, _INDUSTRIES, n_accounts)
    hq_country = _draw(rng, _COUNTRIES, n_accounts)
    employees = np.clip(np.round(10 ** rng.normal(2.4, 0.8, n_accounts)), 1, 250_000)
    revenue = np.round(employees * 10 ** rng.normal(5.2, 0.3, n_accounts), -3)
    credit = _draw(rng, _CREDIT, n_accounts)
    account_ids = pd.Series(np.arange(1, n_accounts + 1)).map("A{:06d}".format)

    # a skewed number of contacts per account; one contact in ten has no account
    weights = rng.lognormal(0.0, 1.1, n_accounts)
    account_index = rng.choice(n_accounts, size=n_contacts, p=weights / weights.sum())
    account_index[rng.random(n_contacts) < 0.10] = -1
    has_account = account_index >= 0

    seniority = _draw(rng, _SENIORITY, n_contacts)
    role_names = np.array(list(_ROLES), dtype=object)
    role_shares = np.array([_SENIORITY[s][2] for s in seniority])
    role = role_names[(rng.random((n_contacts, 1)) > role_shares.cumsum(axis=1)).sum(axis=1)]
    department = _draw(rng, _DEPARTMENTS, n_contacts)
    source = _draw(rng, _SOURCES, n_contacts)
    country = np.where(
        has_account & (rng.random(n_contacts) < 0.85),
        hq_country[np.maximum(account_index, 0)],
        _draw(rng, _COUNTRIES, n_contacts),
    )
    titles = np.array(
        [
            _TITLES[s].format(dept=d, word=_DEPARTMENTS[d][2])
            for s, d in zip(seniority, department, strict=True)
        ],
        dtype=object,
    )
    span = end_us - start_us
    created_us = start_us + (rng.beta(1.2, 1.0, n_contacts) * span * 0.97).astype(np.int64)
    created_us = created_us // 1_000_000 * 1_000_000  # whole seconds

    interest = rng.normal(0.0, 1.0, n_contacts)
    need = rng.normal(0.0, 1.0, n_contacts) + 0.3 * _effect(_DEPARTMENTS, department)

    truth = _true_effects(
        account_index=account_index,
        industry=industry,
        employees=employees,
        revenue=revenue,
        credit=credit,
        country=country,
        seniority=seniority,
        role=role,
        source=source,
        interest=interest,
        need=need,
        n_accounts=n_accounts,
    )
    contact_ids = pd.Series(np.arange(1, n_contacts + 1)).map("C{:07d}".format)
    truth.insert(0, "contact_id", contact_ids)

    accounts = pd.DataFrame(
        {
            "account_id": account_ids,
            "industry": _hide(rng, industry, 0.07),
            "country": _hide(rng, hq_country, 0.04),
            "employees": pd.array(
                np.where(rng.random(n_accounts) < 0.05, np.nan, employees), dtype="Float64"
            ).astype("Int64"),
            "annual_revenue": np.where(rng.random(n_accounts) < 0.15, np.nan, revenue),
            "credit_rating": _hide(rng, credit, 0.18),
        }
    )
    contacts = pd.DataFrame(
        {
            "contact_id": contact_ids,
            "account_id": _hide_where(
                ~has_account, account_ids.to_numpy()[np.maximum(account_index, 0)]
            ),
            "created_at": pd.to_datetime(created_us, unit="us", utc=True),
            "job_title": _hide(rng, titles, 0.06),
            "seniority": _hide(rng, seniority, 0.10),
            "role": _hide(rng, role, 0.25),
            "department": _hide(rng, department, 0.10),
            "country": _hide(rng, country, 0.05),
            "lead_source": _hide(rng, source, 0.04),
        }
    )
    acc = np.maximum(account_index, 0)
    dm_engaged = (role == "decision_maker") & (interest > 0.0) & has_account
    dm_at_account = np.bincount(acc[has_account], dm_engaged[has_account], n_accounts)[acc] > 0
    can_sign = (role == "decision_maker") | (has_account & dm_at_account)
    poor_credit = has_account & (credit[acc] == "D")
    return _Population(
        accounts, contacts, account_index, created_us, role, interest, need, truth,
        can_sign, poor_credit,
    )  # fmt: skip


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    centred = np.asarray(x - x.mean(), dtype=float)
    return centred / sd if sd > 0 else centred


def _true_effects(
    *,
    account_index: np.ndarray,
    industry: np.ndarray,
    employees: np.ndarray,
    revenue: np.ndarray,
    credit: np.ndarray,
    country: np.ndarray,
    seniority: np.ndarray,
    role: np.ndarray,
    source: np.ndarray,
    interest: np.ndarray,
    need: np.ndarray,
    n_accounts: int,
) -> pd.DataFrame:
    """Each criterion's effect on a contact's log-odds of moving forward, centred on zero."""
    has = account_index >= 0
    acc = np.maximum(account_index, 0)
    size = np.log10(employees)[acc]
    fit = np.where(
        has,
        _effect(_INDUSTRIES, industry)[acc] + np.maximum(0.5 - 0.35 * (size - 2.6) ** 2, -0.8),
        -0.6,
    ) + _effect(_COUNTRIES, country)
    credit_effect = _effect(_CREDIT, credit)[acc]
    revenue_effect = 0.5 * np.tanh(np.log10(revenue)[acc] - 7.3)
    # poor credit wipes out most of what revenue is worth
    budget = np.where(has, np.where(credit[acc] == "D", 0.3, 1.0) * revenue_effect, -0.5)
    budget = budget + np.where(has, credit_effect, 0.0)
    authority = np.array([_ROLES[r] for r in role]) + _effect(_SENIORITY, seniority)
    # interest and need only count for contacts in the target market: students, job seekers
    # and companies far outside it click and read as much as anyone, and never buy
    outside_market = fit < -0.5
    need_effect = 0.65 * need * np.where(outside_market, 0.2, 1.0)
    engagement = 0.55 * interest * np.where(outside_market, 0.2, 1.0)
    source_effect = _effect(_SOURCES, source)

    # the buying group: engaged colleagues help, an engaged blocker at the account hurts
    engaged = (interest > 0.8) & has
    dm_engaged = (role == "decision_maker") & (interest > 0.0) & has
    blocker_engaged = (role == "blocker") & (interest > 0.0) & has
    n_engaged = np.bincount(acc[has], engaged[has], n_accounts)[acc] - engaged
    n_dm = np.bincount(acc[has], dm_engaged[has], n_accounts)[acc] - dm_engaged
    n_blocker = np.bincount(acc[has], blocker_engaged[has], n_accounts)[acc] - blocker_engaged
    buying_group = np.where(
        has, 0.30 * np.log1p(n_engaged) + 0.5 * (n_dm > 0) - 1.0 * (n_blocker > 0), 0.0
    )

    # interactions, split equally between the two criteria (their Shapley split at zero):
    # a need matters more when the contact can sign; a budget matters more for a good fit
    need_x_authority = 0.30 * _standardise(need) * _standardise(authority)
    fit_x_budget = 0.25 * _standardise(fit) * _standardise(budget)
    effects = {
        "fit": fit + fit_x_budget / 2,
        "budget": budget + fit_x_budget / 2,
        "authority": authority + need_x_authority / 2,
        "need": need_effect + need_x_authority / 2,
        "engagement": engagement,
        "buying_group": buying_group,
        "source": source_effect,
    }
    return pd.DataFrame({name: v - v.mean() for name, v in effects.items()})


# --- the weekly simulation -----------------------------------------------------------------------


@dataclasses.dataclass
class _History:
    contact: np.ndarray  # per contact-week with activity
    week: np.ndarray
    n_events: np.ndarray
    n_intent: np.ndarray
    stage: np.ndarray  # stage index 0..5, 6 for lost
    transitions: pd.DataFrame  # contact, week, stage index (6 = lost)


def _time_in_stage_effect(step: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Leads go stale week by week; deals (sql and later) need a few weeks of procurement,
    close most often six to eight weeks in, and go stale after that."""
    stale = -0.03 * weeks
    deal_cycle = 1.4 * np.exp(-(((weeks - 7.0) / 4.0) ** 2)) - 0.7 - 0.02 * weeks
    return np.where(step >= 3, deal_cycle, stale)


def _season(week_starts_us: np.ndarray) -> np.ndarray:
    week_of_year = pd.to_datetime(week_starts_us, unit="us").isocalendar().week.to_numpy()
    factor = np.ones(len(week_starts_us))
    factor[(week_of_year >= 31) & (week_of_year <= 34)] = 0.6  # August
    factor[(week_of_year >= 51) | (week_of_year <= 1)] = 0.4  # the holidays
    return factor


def _simulate(
    rng: np.random.Generator, pop: _Population, week_starts_us: np.ndarray, activity_scale: float
) -> _History:
    n = len(pop.created_us)
    effects = pop.truth[list(_STEP_WEIGHTS)].to_numpy()
    # score by step: contacts x 5, each criterion weighted for that step
    step_score = effects @ np.array(list(_STEP_WEIGHTS.values()))
    score = effects.sum(axis=1)
    fit = pop.truth["fit"].to_numpy()
    created_week = np.searchsorted(week_starts_us, pop.created_us, side="right") - 1
    has = pop.account_index >= 0
    acc = np.maximum(pop.account_index, 0)
    n_accounts = len(pop.accounts)

    base_rate = activity_scale * np.exp(-0.6 + 1.15 * pop.interest + rng.normal(0, 0.35, n))
    fade_weeks = rng.lognormal(np.log(26), 0.5, n)
    burst_chance = _sigmoid(-3.6 + 0.6 * pop.need + 0.4 * pop.interest)
    intent_rate = activity_scale * np.exp(-2.2 + 1.2 * pop.need + rng.normal(0, 0.25, n))
    season = _season(week_starts_us)

    stage = np.zeros(n, dtype=np.int8)  # 0..5 funnel, -1 lost
    weeks_in_stage = np.zeros(n)
    decayed_events = np.zeros(n)
    decayed_intent = np.zeros(n)
    burst = np.zeros(n)
    quiet = np.zeros(n, dtype=bool)
    decay = 0.5 ** (1 / 4)  # four-week half-life of what drives the funnel

    records: list[tuple[np.ndarray, ...]] = []
    moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for week in range(len(week_starts_us)):
        alive = created_week <= week
        # 1. the funnel moves on what happened before this week
        open_ = alive & (created_week < week) & (stage >= 0) & (stage < _CUSTOMER)
        idx = np.flatnonzero(open_)
        if len(idx):
            k = stage[idx]
            colleagues_ahead = np.bincount(acc[has], (stage[has] >= 3), n_accounts)[acc[idx]]
            colleagues_ahead = np.where(has[idx], colleagues_ahead - (k >= 3), 0)
            # thresholds, as CRMs run them: marketing hands a lead over once its recent
            # high-intent activity crosses a bar; sales turns away contacts outside the ideal
            # customer profile (a poor fit) whatever else they show
            handover = (k <= 1) & (decayed_intent[idx] > 1.5)
            rejected = (k >= 1) & (k <= 2) & (fit[idx] < -0.45)
            # gates of qualification: past sal a deal needs someone who can sign, and the
            # credit check before the close fails for poor credit
            unsigned = (k >= 2) & ~pop.can_sign[idx]
            failed_check = (k == 4) & pop.poor_credit[idx]
            drive = (
                step_score[idx, k]
                + 0.9 * handover
                - 1.2 * rejected
                - 1.0 * unsigned
                - 1.5 * failed_check
                + _ACTIVITY_WEIGHT[k]
                * (
                    0.35 * (np.log1p(decayed_events[idx]) - 1.0)
                    + 0.55 * np.log1p(decayed_intent[idx])
                )
                + _time_in_stage_effect(k, weeks_in_stage[idx])
                + 0.6 * (colleagues_ahead > 0)
            )
            p_advance = _sigmoid(_ADVANCE_LOGIT[k] + drive)
            p_loss = _sigmoid(_LOSS_LOGIT[k] - 0.45 * score[idx] + 0.02 * weeks_in_stage[idx])
            u = rng.random(len(idx))
            advance = u < p_advance
            lose = ~advance & (u < p_advance + p_loss)
            moved = idx[advance | lose]
            new_stage = np.where(advance, k + 1, _LOST)[advance | lose].astype(np.int8)
            stage[moved] = new_stage
            weeks_in_stage[moved] = 0
            # moving on brings a burst of activity: meetings, demos
            burst[idx[advance]] += rng.exponential(1.5, int(advance.sum()))
            moves.append((moved, np.full(len(moved), week), new_stage))
        weeks_in_stage[alive] += 1

        # 2. this week's activity
        quiet = np.where(quiet, rng.random(n) > 0.12, rng.random(n) < 0.05)
        burst = burst * 0.55
        start_burst = alive & (rng.random(n) < burst_chance)
        burst[start_burst] += rng.exponential(2.5, int(start_burst.sum()))
        age = week - created_week
        level = np.maximum(np.exp(-np.maximum(age, 0) / fade_weeks), 0.15)
        stage_row = np.where(stage < 0, 6, stage)
        presence = np.where(alive, (level * np.where(quiet, 0.05, 1.0) + burst) * season[week], 0.0)
        n_intent = rng.poisson(intent_rate * presence * _STAGE_INTENT[stage_row])
        n_events = rng.poisson(base_rate * presence * _STAGE_VOLUME[stage_row]) + n_intent
        active = np.flatnonzero(n_events)
        records.append(
            (
                active,
                np.full(len(active), week),
                n_events[active],
                n_intent[active],
                stage_row[active].astype(np.int8),
            )
        )
        decayed_events = decayed_events * decay + n_events
        decayed_intent = decayed_intent * decay + n_intent

    columns = [np.concatenate(parts) for parts in zip(*records, strict=True)]
    contact, week_col, n_events_col, n_intent_col, stage_col = columns
    transitions = pd.DataFrame(
        {
            "contact": np.concatenate([m[0] for m in moves]) if moves else np.zeros(0, int),
            "week": np.concatenate([m[1] for m in moves]) if moves else np.zeros(0, int),
            "stage": np.concatenate([m[2] for m in moves]) if moves else np.zeros(0, np.int8),
        }
    )
    return _History(contact, week_col, n_events_col, n_intent_col, stage_col, transitions)


def _event_times(
    rng: np.random.Generator, week_start_us: np.ndarray, floor_us: np.ndarray
) -> np.ndarray:
    """Times within each event's week, on working days and hours, never before ``floor_us``."""
    n = len(week_start_us)
    day = rng.choice(7, size=n, p=np.array([1, 1, 1, 1, 0.9, 0.2, 0.15]) / 5.25)
    hour = np.clip(rng.normal(13.0, 3.0, n), 0.0, 23.99)
    times = week_start_us + day * DAY_US + (hour * 3_600 * 1_000_000).astype(np.int64)
    early = times < floor_us
    if early.any():
        room = week_start_us[early] + WEEK_US - floor_us[early]
        times[early] = floor_us[early] + (rng.random(int(early.sum())) * room).astype(np.int64)
    return times // 1_000_000 * 1_000_000


def _activities(
    rng: np.random.Generator,
    pop: _Population,
    history: _History,
    stage_frame: pd.DataFrame,
    week_starts_us: np.ndarray,
    end_us: int,
) -> pd.DataFrame:
    counts = history.n_events.astype(np.int64)
    contact = np.repeat(history.contact, counts)
    week = np.repeat(history.week, counts)
    stage = np.repeat(history.stage, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    intent = (np.arange(len(contact)) - first) < np.repeat(history.n_intent, counts)

    kind = np.empty(len(contact), dtype=np.int16)
    u = rng.random(len(contact))
    for stage_index, phase in enumerate(_INTENT_PHASE):
        for is_intent, mix in ((False, _AWARENESS_MIX[phase]), (True, _INTENT_MIX[phase])):
            rows = np.flatnonzero((stage == stage_index) & (intent == is_intent))
            kinds = np.array(list(mix))
            shares = np.array(list(mix.values()))
            cut = np.cumsum(shares / shares.sum())
            kind[rows] = kinds[np.minimum(np.searchsorted(cut, u[rows]), len(kinds) - 1)]
    times = _event_times(rng, week_starts_us[week], pop.created_us[contact])

    # mail clients that open every message on delivery (privacy protection) for one contact in
    # seven: a steady stream of opens that says nothing about interest
    created_week = np.searchsorted(week_starts_us, pop.created_us, side="right") - 1
    robots = np.flatnonzero(rng.random(len(pop.created_us)) < 1 / 7)
    robot_weeks = len(week_starts_us) - created_week[robots]
    robot = np.repeat(robots, robot_weeks)
    robot_week = np.arange(len(robot)) - np.repeat(
        np.cumsum(robot_weeks) - robot_weeks, robot_weeks
    )
    robot_week = robot_week + created_week[robot]
    opens = rng.poisson(2.0, len(robot))
    robot, robot_week = np.repeat(robot, opens), np.repeat(robot_week, opens)
    contact = np.concatenate([contact, robot])
    kind = np.concatenate([kind, np.zeros(len(robot), dtype=np.int16)])
    times = np.concatenate(
        [times, _event_times(rng, week_starts_us[robot_week], pop.created_us[robot])]
    )

    # a credit check shortly before most deals close, and before some that are lost
    closing = stage_frame[stage_frame["stage"].isin(["customer", "lost"])]
    from_opportunity = closing["previous"] == "opportunity"
    checked = closing[
        from_opportunity
        & (rng.random(len(closing)) < np.where(closing["stage"] == "customer", 0.92, 0.35))
    ]
    check_times = checked["time_us"].to_numpy() - (
        rng.uniform(1, 10, len(checked)) * DAY_US
    ).astype(np.int64)
    contact = np.concatenate([contact, checked["contact"].to_numpy()])
    kind = np.concatenate([kind, np.full(len(checked), _CREDIT_CHECK_KIND, dtype=np.int16)])
    times = np.concatenate([times, check_times // 1_000_000 * 1_000_000])

    keep = times < end_us
    contact, kind, times = contact[keep], kind[keep], times[keep]
    order = np.argsort(times, kind="stable")
    contact, kind, times = contact[order], kind[order], times[order]

    type_names = sorted({name for name, _ in _KINDS})
    type_code = np.array([type_names.index(name) for name, _ in _KINDS])[kind]
    detail_names = sorted({detail for _, pool in _KINDS for detail in pool or ()})
    width = max(len(pool or ()) for _, pool in _KINDS)
    pool_codes = np.full((len(_KINDS), width), -1)
    for row, (_, pool) in enumerate(_KINDS):
        pool_codes[row, : len(pool or ())] = [detail_names.index(d) for d in pool or ()]
    size = (pool_codes >= 0).sum(axis=1)[kind]
    pick = (rng.random(len(kind)) * np.maximum(size, 1)).astype(int)
    detail_code = pool_codes[kind, pick]
    return pd.DataFrame(
        {
            "contact_id": pop.contacts["contact_id"].to_numpy()[contact],
            "timestamp": pd.to_datetime(times, unit="us", utc=True),
            "activity_type": _text_from_codes(type_code, type_names),
            "detail": _text_from_codes(detail_code, detail_names),
        }
    )


def _stages(
    rng: np.random.Generator, pop: _Population, history: _History, week_starts_us: np.ndarray
) -> pd.DataFrame:
    moves = history.transitions
    week_start = week_starts_us[moves["week"].to_numpy()]
    times = week_start + (rng.random(len(moves)) * WEEK_US).astype(np.int64)
    names = np.array([*_FUNNEL, "lost"], dtype=object)
    stage_index = np.where(moves["stage"].to_numpy() < 0, 6, moves["stage"].to_numpy())
    frame = pd.DataFrame(
        {
            "contact": np.concatenate([np.arange(len(pop.created_us)), moves["contact"]]),
            "time_us": np.concatenate([pop.created_us, times // 1_000_000 * 1_000_000]),
            "stage": np.concatenate([np.full(len(pop.created_us), "lead"), names[stage_index]]),
        }
    ).sort_values(["contact", "time_us"], kind="stable")
    frame["previous"] = frame.groupby("contact")["stage"].shift()
    return frame


def make_crm(
    n_contacts: int = 20_000,
    *,
    start: str | pd.Timestamp = "2024-01-01",
    months: int = 24,
    seed: int = 0,
    activity_scale: float = 1.0,
) -> CRMData:
    """Generate a synthetic B2B CRM whose drivers of conversion are known.

    The generating process:

    1. **Accounts** (one per four contacts) get an industry, a headquarters country, a
       log-normal number of employees (median about 250), an annual revenue of employees times a
       log-normal revenue per head, and a credit rating A-D. Contacts are spread over accounts
       with log-normal weights, so a few accounts hold many contacts; one contact in ten has no
       account.
    2. **Contacts** get a seniority (C-level .. individual contributor), a role that depends on it
       (decision maker, influencer, user, blocker), a department, a country (mostly the account's),
       a job title built from seniority and department, a lead source, and a ``created_at``
       spread over the span (slightly more in later months). Each contact also has two latent
       traits: *interest* (drives the volume of activity) and *need* (drives high-intent
       activity; higher in IT and engineering). Attributes are blanked at rates of 4-25%, as in
       real exports; the generator still uses the true values.
    3. **True effects** (``crm.truth``), one column per criterion, each centred on zero, on the
       log-odds of a step forward at weight 1 (see step 4):
       ``fit`` (industry, country, an inverted U in company size), ``budget`` (saturating in
       revenue, nearly wiped out by a D credit rating, plus the rating itself), ``authority``
       (role and seniority), ``need`` (latent need) and ``engagement`` (latent interest), both
       cut to a fifth for contacts well outside the target market (fit below -0.5),
       ``buying_group`` (engaged colleagues, an engaged decision maker, minus an engaged blocker
       at the account) and ``source``. Two interactions, need x authority and fit x budget, are
       split equally between their criteria. Their sum is the contact's static score.
    4. **Weekly simulation.** Each week every open contact moves one stage forward with
       probability ``sigmoid(a_stage + step score + recent decayed activity + recent high-intent
       activity - staleness + colleague at sql or later + thresholds)``, or is lost with a
       probability that falls with the score and grows with time in stage. The step score weighs
       the criteria differently at each step (marketing steps lean on engagement, need and
       source; sales steps on budget, authority and the buying group; weights around 1, see
       ``_STEP_WEIGHTS``), so effects interact with the stage. Two thresholds, as CRMs run them:
       marketing hands a lead over once its recent high-intent activity crosses a bar, and sales
       turns away contacts well outside the ideal customer profile. Two gates: past sal a deal
       stalls unless the contact is a decision maker or one at the account is engaged, and the
       credit check before the close fails for a D rating. Activity is Poisson with a contact
       rate that is log-normal in interest, fades with age, switches off in quiet spells, dips in
       August and the holidays, jumps in bursts (more often with need) and after each step
       forward, and grows with the stage. High-intent activity (pricing page, demo requests,
       buyer's guides, product pages, quotes in opportunity) is a second Poisson stream whose
       rate grows with need, not interest, so that the two traits show in different signals;
       meetings follow the sales stages. Most deals get a credit check in the days before they
       close.
    5. Activity timestamps fall on working days and hours; stage changes anywhere in the week.

    Base rates at the defaults: about 15% of leads reach sql within a year, about 30-35% of those
    become customers, and about 50 activities per contact on average with a heavy tail.

    Parameters
    ----------
    n_contacts : int
        Number of contacts.
    start : str or Timestamp
        Start of the simulated span (UTC).
    months : int
        Length of the span; nothing happens at or after ``start + months``.
    seed : int
        Seed of the random generator; the same seed gives the same frames.
    activity_scale : float
        Multiplies every contact's activity rate.

    Returns
    -------
    CRMData
        With ``truth``: one row per contact, one column per criterion the generator uses.

    Examples
    --------
    >>> crm = make_crm(500, seed=1)
    >>> sorted(crm.truth.columns)[:3]
    ['authority', 'budget', 'buying_group']
    >>> len(crm.contacts)
    500
    """
    if not isinstance(n_contacts, int | np.integer) or n_contacts < 1:
        raise ConfigError(f"n_contacts: expected a positive integer, got {n_contacts!r}")
    if months < 1:
        raise ConfigError(f"months: expected a positive number of months, got {months!r}")
    if not activity_scale > 0:
        raise ConfigError(f"activity_scale: expected > 0, got {activity_scale!r}")
    start_ts = to_utc(start, "start")
    end_ts = start_ts + pd.DateOffset(months=months)
    start_us, end_us = int(start_ts.value // 1_000), int(end_ts.value // 1_000)

    rng = np.random.default_rng(seed)
    pop = _make_population(rng, int(n_contacts), start_us, end_us)
    week_starts_us = np.arange(start_us, end_us, WEEK_US, dtype=np.int64)
    history = _simulate(rng, pop, week_starts_us, activity_scale)
    stage_frame = _stages(rng, pop, history, week_starts_us)
    stage_frame = stage_frame[stage_frame["time_us"] < end_us]
    activities = _activities(rng, pop, history, stage_frame, week_starts_us, end_us)
    stages = pd.DataFrame(
        {
            "contact_id": pop.contacts["contact_id"].to_numpy()[stage_frame["contact"].to_numpy()],
            "timestamp": pd.to_datetime(stage_frame["time_us"].to_numpy(), unit="us", utc=True),
            "stage": stage_frame["stage"].to_numpy(),
        }
    )
    return CRMData(
        contacts=pop.contacts,
        accounts=pop.accounts,
        activities=activities,
        stages=stages,
        truth=pop.truth,
    )
