"""Point-in-time features and training tables (DESIGN sections 2 and 4).

Features of a contact *as of* ``t`` use only rows with ``timestamp < t``: activity windows are
``[t - w, t)``, decayed counts weigh an activity at ``s < t`` by ``0.5 ** ((t - s) / half_life)``,
"days since" measures ``t - last`` over activities before ``t``, and the stage is the latest stage
row before ``t``. Contacts created at or after ``t`` are absent. Contact and account attributes
have no history in the data contract: they are used as exported, so fields that a CRM rewrites
on conversion must be excluded (``FeatureConfig.exclude_attributes``).

The work is vectorised over contacts: activities are sorted by time once, then each cutoff
takes slices with ``searchsorted`` and aggregates them with ``bincount``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from leadscore._conventions import US_PER_DAY, times_us, to_us, to_utc
from leadscore.config import Config, FeatureConfig, LabelConfig
from leadscore.criteria import activity_criterion, activity_feature_name
from leadscore.data import CRMData, positions
from leadscore.domain import OPEN_STAGES, STAGE_RANK, TARGETS
from leadscore.errors import ConfigError, SchemaError
from leadscore.labels import StageTimeline, labels_at, resolve_horizons

__all__ = ["KEY_COLUMNS", "build_features", "build_training_table", "feature_columns"]

#: Columns of a feature or training table that are not features.
KEY_COLUMNS: tuple[str, ...] = (
    "contact_id",
    "account_id",
    "cutoff",
    "as_of",
    *(f"y_{t}" for t in TARGETS),
)

_WEEK_US = 7 * US_PER_DAY
_SQL_RANK = STAGE_RANK["sql"]
_CUSTOMER_RANK = STAGE_RANK["customer"]

_TITLE_LEVELS = (  # first match wins
    ("VP", r"\b(?:vp|svp|evp|vice president|head of)\b"),
    ("C-level", r"\b(?:chief|ceo|cfo|cto|cio|coo|cmo|cro|founder|owner|president)\b"),
    ("Director", r"\bdirector\b"),
    ("Manager", r"\b(?:manager|lead|supervisor)\b"),
)
_SIZE_BANDS = ([0, 10, 50, 200, 1_000, 5_000, np.inf],
               ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"])  # fmt: skip
_REVENUE_BANDS = ([0, 1e6, 1e7, 1e8, 1e9, np.inf],
                  ["<$1M", "$1M-10M", "$10M-100M", "$100M-1B", "$1B+"])  # fmt: skip


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The feature columns of a feature or training table (everything but keys and labels).

    Examples
    --------
    >>> feature_columns(pd.DataFrame(columns=["contact_id", "cutoff", "industry", "y_customer"]))
    ['industry']
    """
    return [str(c) for c in table.columns if c not in KEY_COLUMNS]


def _feature_config(config: Config | FeatureConfig | None) -> FeatureConfig:
    if config is None:
        return FeatureConfig()
    if isinstance(config, Config):
        return config.features
    if isinstance(config, FeatureConfig):
        return config
    raise ConfigError(f"expected a leadscore Config or FeatureConfig, got {type(config).__name__}")


# --- static attributes ----------------------------------------------------------------------------


def title_seniority(titles: pd.Series) -> pd.Series:
    """Seniority level read from job titles by keyword (missing where there is no title).

    Examples
    --------
    >>> titles = pd.Series(["VP of Sales", "Chief Financial Officer", "IT Specialist", None])
    >>> title_seniority(titles).tolist()
    ['VP', 'C-level', 'Individual contributor', nan]
    """
    codes, uniques = pd.factorize(titles.astype("str"))
    levels = []
    for title in uniques:
        text = str(title).lower()
        level = next((name for name, p in _TITLE_LEVELS if re.search(p, text)), None)
        levels.append(level or "Individual contributor")
    mapped = np.array([*levels, None], dtype=object)[codes]
    return pd.Series(mapped, index=titles.index, dtype="str")


def _as_feature(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float32")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("str")
    return text.astype(pd.CategoricalDtype(sorted(text.dropna().unique())))


def _attributes(crm: CRMData, config: FeatureConfig) -> pd.DataFrame:
    """Contact and account attributes as features, one row per contact (in contacts order)."""
    contacts = crm.contacts
    skip = {"contact_id", "account_id", "created_at", config.title_column,
            *config.exclude_attributes}  # fmt: skip
    columns: dict[str, pd.Series] = {str(c): contacts[c] for c in contacts.columns if c not in skip}
    if config.title_column in contacts:
        columns["title_seniority"] = title_seniority(contacts[config.title_column])
    if crm.accounts is not None:
        accounts = crm.accounts.set_index("account_id")
        joined = accounts.reindex(contacts["account_id"]).reset_index(drop=True)
        for column in joined.columns:
            if column in skip:
                continue
            name = f"account_{column}" if column in columns else str(column)
            columns[name] = joined[column]
        if "employees" in joined:
            bins, names = _SIZE_BANDS
            columns["company_size_band"] = pd.cut(
                joined["employees"].astype("float64"), bins, labels=names, right=True
            )
        if "annual_revenue" in joined:
            bins, names = _REVENUE_BANDS
            columns["revenue_band"] = pd.cut(
                joined["annual_revenue"].astype("float64"), bins, labels=names, right=False
            )
    return pd.DataFrame({name: _as_feature(v) for name, v in columns.items()})


# --- activity -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Events:
    """One stream of events as arrays sorted by time; ``key`` numbers what is counted.

    ``weight`` holds ``0.5 ** ((time - reference) / half_life)`` once for all cutoffs, so that a
    decayed count at ``t`` is a weighted bincount times ``0.5 ** ((t - reference) / half_life)``.
    """

    times: np.ndarray  # int64 microseconds, ascending
    key: np.ndarray  # int64, in [0, n_keys)
    n_keys: int
    weight: np.ndarray
    reference_us: int
    half_life_us: float

    @classmethod
    def of(
        cls, times: np.ndarray, key: np.ndarray, n_keys: int, half_life_us: float, reference: int,
        weight: np.ndarray | None = None,
    ) -> _Events:  # fmt: skip
        """Events at ``times`` (ascending) of ``key``; ``weight``: their decay weights, when
        already computed for the same times, reference and half-life."""
        if weight is None:
            weight = np.exp2((times - reference) / half_life_us)
        return cls(times, key, n_keys, weight, reference, half_life_us)

    def counts(self, start_us: int, end_us: int) -> np.ndarray:
        """Events per key in ``[start_us, end_us)``."""
        lo, hi = np.searchsorted(self.times, (start_us, end_us), side="left")
        return np.bincount(self.key[lo:hi], minlength=self.n_keys)

    def decayed(self, t: int) -> np.ndarray:
        """Sum over events before ``t`` of ``0.5 ** ((t - time) / half_life)``, per key."""
        hi = int(np.searchsorted(self.times, t, side="left"))
        shift = (self.reference_us - t) / self.half_life_us
        if abs(shift) < 500:  # far from float64's range: reuse the precomputed weights
            totals = np.bincount(self.key[:hi], weights=self.weight[:hi], minlength=self.n_keys)
            return np.asarray(totals * np.exp2(shift))
        weights = np.exp2((self.times[:hi] - t) / self.half_life_us)
        return np.bincount(self.key[:hi], weights=weights, minlength=self.n_keys)

    def last_before(self, t: int) -> np.ndarray:
        """Time of the last event before ``t`` per key (-1 when there is none)."""
        hi = int(np.searchsorted(self.times, t, side="left"))
        last = np.full(self.n_keys, -1, dtype=np.int64)
        np.maximum.at(last, self.key[:hi], self.times[:hi])
        return last


def _need_mask(detail: pd.Series, needles: tuple[str, ...]) -> np.ndarray:
    if not needles:
        return np.zeros(len(detail), dtype=bool)
    codes, uniques = pd.factorize(detail)
    pattern = "|".join(re.escape(n) for n in needles)
    hits = pd.Series(uniques, dtype="str").str.lower().str.contains(pattern, regex=True)
    return np.append(hits.fillna(False).to_numpy(dtype=bool), False)[codes]


@dataclasses.dataclass(frozen=True)
class _Activity:
    every: _Events  # key: contact
    typed: _Events  # key: contact * n_types + type, configured types only
    need: _Events  # key: contact, activities whose detail signals a need
    intent: _Events  # key: contact, need signals by type or by detail
    active: _Events  # key: contact, all but passive activity (such as email opens)
    interest: _Events  # key: contact, active and not intent: engagement without a buying signal
    n_types: int

    @classmethod
    def from_crm(cls, crm: CRMData, config: FeatureConfig, reference_us: int) -> _Activity:
        """Arrays of ``crm``'s activities; ``reference_us`` anchors the decay weights.

        The reference is the latest cutoff, not a property of the data, so that rows after the
        cutoffs cannot change a single bit of the features.
        """
        acts = crm.activities
        n = len(crm.contacts)
        contact = positions(acts["contact_id"], crm.contacts["contact_id"])
        times = times_us(acts["timestamp"])
        order = np.argsort(times, kind="stable")
        times, contact = times[order], contact[order].astype(np.int64)
        type_code = positions(acts["activity_type"], pd.Series(config.activity_types))[order]
        typed = type_code >= 0
        need = _need_mask(acts["detail"], config.need_details)[order]
        need_types = [t for t in config.activity_types if _is_need_type(t)]
        intent = need | np.isin(type_code, [config.activity_types.index(t) for t in need_types])
        passive = positions(acts["activity_type"], pd.Series(config.passive_activity_types))
        active = passive[order] < 0
        n_types = len(config.activity_types)
        half_life_us = config.half_life_days * US_PER_DAY
        typed_key = contact[typed] * n_types + type_code[typed]

        every = _Events.of(times, contact, n, half_life_us, reference_us)

        def stream(mask: np.ndarray, key: np.ndarray | None = None, n_keys: int = n) -> _Events:
            return _Events.of(
                times[mask], contact[mask] if key is None else key, n_keys, half_life_us,
                reference_us, weight=every.weight[mask],
            )  # fmt: skip

        return cls(
            every=every,
            typed=stream(typed, typed_key, n * n_types),
            need=stream(need),
            intent=stream(intent),
            active=stream(active),
            interest=stream(active & ~intent),
            n_types=n_types,
        )


def _is_need_type(activity_type: str) -> bool:
    return activity_criterion(activity_type) == "need"


def _days_since(t: int, last: np.ndarray) -> np.ndarray:
    return np.where(last >= 0, (t - last) / US_PER_DAY, np.nan)


def _activity_features(activity: _Activity, t: int, config: FeatureConfig) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    streams: list[tuple[list[str], _Events, int]] = [
        (["any"], activity.every, 1),
        (list(config.activity_types), activity.typed, activity.n_types),
        (["need_content"], activity.need, 1),
    ]
    for names, events, width in streams:
        per_window = {
            w: events.counts(t - w * US_PER_DAY, t).reshape(-1, width) for w in config.windows_days
        }
        decayed = events.decayed(t).reshape(-1, width)
        days = _days_since(t, events.last_before(t)).reshape(-1, width)
        for j, name in enumerate(names):
            for w, counts in per_window.items():
                out[activity_feature_name(name, "window", w)] = counts[:, j]
            out[activity_feature_name(name, "decayed")] = decayed[:, j]
            out[activity_feature_name(name, "days_since")] = days[:, j]
    recent_days, earlier_days = config.trend_days
    recent = activity.every.counts(t - recent_days * US_PER_DAY, t)
    earlier = activity.every.counts(
        t - (recent_days + earlier_days) * US_PER_DAY, t - recent_days * US_PER_DAY
    )
    out["activity_trend"] = np.log((recent + 1) / recent_days) - np.log(
        (earlier + 1) / earlier_days
    )
    out["active_weeks"] = _active_weeks(activity.every, t, config.active_weeks)
    ever = np.iinfo(np.int64).min
    for name, start in (
        ("intent_share", t - config.intent_days * US_PER_DAY),
        ("intent_share_total", ever),
    ):
        total = activity.every.counts(start, t)
        share = activity.intent.counts(start, t) / np.maximum(total, 1)
        out[name] = np.where(total > 0, share, np.nan)
    out["any_total"] = activity.every.counts(ever, t)
    return out


def _lifetime_rate(events: _Events, t: int, timeline: StageTimeline) -> np.ndarray:
    """Activities per 30 days since the contact was created (at least one month of age)."""
    age_days = np.maximum((t - timeline.created_us) / US_PER_DAY, 30.0)
    total = events.counts(np.iinfo(np.int64).min, t)
    return np.where(timeline.created_us < t, total * 30.0 / age_days, np.nan)


def _active_weeks(events: _Events, t: int, n_weeks: int) -> np.ndarray:
    """Number of the last ``n_weeks`` 7-day periods before ``t`` with any event."""
    lo, hi = np.searchsorted(events.times, (t - n_weeks * _WEEK_US, t), side="left")
    week = (t - events.times[lo:hi] - 1) // _WEEK_US
    busy = np.bincount(events.key[lo:hi] * n_weeks + week, minlength=events.n_keys * n_weeks)
    return np.asarray((busy.reshape(-1, n_weeks) > 0).sum(axis=1))


# --- the buying group -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Accounts:
    code: np.ndarray  # account number per contact, -1 without account
    n_accounts: int
    decision_maker: np.ndarray | None  # bool per contact, None when roles are unknown
    blocker: np.ndarray | None

    @classmethod
    def from_crm(cls, crm: CRMData, config: FeatureConfig) -> _Accounts:
        code, uniques = pd.factorize(crm.contacts["account_id"])
        roles = crm.contacts.get(config.role_column)
        decision_maker = blocker = None
        if roles is not None:
            decision_maker = roles.isin(config.decision_maker_roles).to_numpy()
            blocker = roles.isin(config.blocker_roles).to_numpy()
        return cls(code.astype(np.int64), len(uniques), decision_maker, blocker)

    def others(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over the other contacts at each contact's account (NaN: no account)."""
        has = self.code >= 0
        # at least one bin: a CRM (or a Spark group) may have no contact with an account
        totals = np.bincount(self.code[has], weights=values[has], minlength=max(self.n_accounts, 1))
        return np.where(has, totals[np.maximum(self.code, 0)] - values, np.nan)


def _buying_group(
    accounts: _Accounts,
    activity: _Activity,
    t: int,
    exists: np.ndarray,
    rank: np.ndarray,
    rate: np.ndarray,
    config: FeatureConfig,
) -> dict[str, np.ndarray]:
    """The account around each contact, from its colleagues only.

    Two views of the colleagues' engagement: lately (active in the buying-group window) and
    sustained (their activities per month since they were created, which a quiet quarter does
    not reset).
    """
    window = activity.active.counts(t - config.buying_group_days * US_PER_DAY, t).astype(float)
    exists_f = exists.astype(float)
    engaged = (window >= config.engaged_min_activities).astype(float)
    rate = np.nan_to_num(rate, nan=0.0)
    out = {
        "account_contacts": accounts.others(exists_f) + 1.0,
        "account_engaged_contacts": accounts.others(engaged),
        "account_active_colleagues": accounts.others(
            (rate >= config.active_colleague_rate).astype(float)
        ),
        "account_activity_recent": accounts.others(window),
        "account_contacts_sql_plus": accounts.others(((rank >= _SQL_RANK) & exists).astype(float)),
        "account_customers": accounts.others((rank == _CUSTOMER_RANK).astype(float)),
    }
    if accounts.decision_maker is not None and accounts.blocker is not None:
        dm, blocker = accounts.decision_maker, accounts.blocker
        out["account_decision_maker_engaged"] = np.sign(accounts.others(dm * engaged))
        out["account_blocker_present"] = np.sign(accounts.others((blocker & exists).astype(float)))
        out["account_blocker_engaged"] = np.sign(accounts.others(blocker * engaged))
        out["account_decision_maker_rate"] = accounts.others(dm * rate)
        out["account_blocker_rate"] = accounts.others(blocker * rate)
    return out


# --- assembly -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """Everything about a CRM that does not depend on the cutoff, computed once."""

    crm: CRMData
    config: FeatureConfig
    timeline: StageTimeline
    activity: _Activity
    accounts: _Accounts
    attributes: pd.DataFrame

    @classmethod
    def from_crm(cls, crm: CRMData, config: FeatureConfig, last_cutoff: pd.Timestamp) -> _Prepared:
        attributes = _attributes(crm, config)
        prepared = cls(
            crm=crm,
            config=config,
            timeline=StageTimeline.from_crm(crm),
            activity=_Activity.from_crm(crm, config, to_us(last_cutoff)),
            accounts=_Accounts.from_crm(crm, config),
            attributes=attributes,
        )
        clashes = sorted(set(attributes.columns) & set(prepared.computed_names()))
        if clashes:
            raise SchemaError(
                "contacts", clashes[0], "attribute column has the name of a computed feature",
                values=clashes,
                hint="Rename it, or list it in features.exclude_attributes",
            )  # fmt: skip
        return prepared

    def computed_names(self) -> list[str]:
        """Names of the computed features, in order (cheap: at the epoch every slice is empty)."""
        return ["stage", *self._computed(0)[1]]

    def _computed(self, t: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        rank, since = self.timeline.state_at(pd.Timestamp(t, unit="us", tz="UTC"))
        exists = self.timeline.created_us < t
        numeric = {
            "days_since_created": (t - self.timeline.created_us) / US_PER_DAY,
            "days_in_stage": (t - since) / US_PER_DAY,
        }
        numeric |= _activity_features(self.activity, t, self.config)
        # sustained engagement and sustained intent, apart: each rate tells one criterion
        numeric["engagement_per_month"] = _lifetime_rate(self.activity.interest, t, self.timeline)
        numeric["intent_per_month"] = _lifetime_rate(self.activity.intent, t, self.timeline)
        rate = _lifetime_rate(self.activity.active, t, self.timeline)
        numeric |= _buying_group(self.accounts, self.activity, t, exists, rank, rate, self.config)
        return rank, numeric

    def features_at(self, as_of: pd.Timestamp, rows: np.ndarray | None = None) -> _Block:
        """Features of the contacts eligible at ``as_of`` (or of the given contact ``rows``)."""
        t = to_us(as_of)
        rank, numeric = self._computed(t)
        if rows is None:
            rows = np.flatnonzero(self.timeline.eligible(as_of, "customer", rank))
        block = np.empty((len(numeric), len(rows)), dtype=np.float32)
        for i, values in enumerate(numeric.values()):
            block[i] = values[rows]
        return _Block(rows, rank[rows], list(numeric), block)


@dataclasses.dataclass(frozen=True)
class _Block:
    rows: np.ndarray  # contact positions
    rank: np.ndarray  # stage rank at the cutoff
    names: list[str]
    by_feature: np.ndarray  # float32, names x rows (one contiguous row per feature)


def _assemble(
    prepared: _Prepared, blocks: list[_Block], cutoffs: list[pd.Timestamp] | None
) -> pd.DataFrame:
    rows = np.concatenate([b.rows for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    contacts = prepared.crm.contacts
    columns: dict[str, Any] = {
        "contact_id": contacts["contact_id"].take(rows).reset_index(drop=True),
        "account_id": contacts["account_id"].take(rows).reset_index(drop=True),
    }
    if cutoffs is not None:
        points = pd.DatetimeIndex(cutoffs).as_unit("us")
        which = np.repeat(np.arange(len(points)), [len(b.rows) for b in blocks])
        columns["cutoff"] = pd.Series(points[which])
    attributes = prepared.attributes.take(rows).reset_index(drop=True)
    rank = np.concatenate([b.rank for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    stage = pd.Categorical.from_codes(
        np.clip(rank, 0, len(OPEN_STAGES) - 1), categories=pd.Index(OPEN_STAGES)
    )
    names = blocks[0].names if blocks else prepared.computed_names()[1:]
    by_feature = (
        np.concatenate([b.by_feature for b in blocks], axis=1)
        if blocks
        else np.zeros((len(names), 0), dtype=np.float32)
    )
    # the transpose is column-major: pandas keeps it as one block without copying
    computed = pd.DataFrame(by_feature.T, columns=names, copy=False)
    computed.insert(0, "stage", pd.Series(stage))
    return pd.concat([pd.DataFrame(columns), attributes, computed], axis=1)


def build_features(
    crm: CRMData, as_of: object, *, config: Config | FeatureConfig | None = None
) -> pd.DataFrame:
    """Features of every contact eligible at ``as_of``, from rows strictly before it.

    Eligible: created before ``as_of``, not yet a customer and not lost at ``as_of``.

    Parameters
    ----------
    crm : CRMData
    as_of : date
        The point in time (naive means UTC). Only rows with ``timestamp < as_of`` are used.
    config : Config or FeatureConfig, optional
        Windows, half-life, activity types and attribute handling.

    Returns
    -------
    DataFrame
        ``contact_id``, ``account_id``, then the features: contact and account attributes
        (categorical or numeric), the stage and timing, activity counts per type and window,
        decayed counts, days since the last activity of each type, need signals, and the buying
        group at the account. :func:`leadscore.criteria.describe_feature` says what each means.

    Examples
    --------
    >>> import leadscore as ls
    >>> X = ls.build_features(ls.make_crm(500, seed=0), as_of="2025-06-01")
    >>> list(X.columns[:2]), "demo_request_30d" in X
    (['contact_id', 'account_id'], True)
    """
    feature_config = _feature_config(config)
    when = to_utc(as_of)
    prepared = _Prepared.from_crm(crm, feature_config, when)
    return _assemble(prepared, [prepared.features_at(when)], None)


def build_training_table(
    crm: CRMData,
    cutoffs: Iterable[object],
    *,
    horizons: Mapping[str, int] | LabelConfig | None = None,
    config: Config | FeatureConfig | None = None,
    observed_until: object | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Stack the features of every cutoff with the labels of both targets.

    A row per contact and cutoff at which the contact is eligible for some target. Labels
    ``y_prospect`` and ``y_customer`` (``Int8``) are 1 when the contact first reaches the target
    in ``[cutoff, cutoff + horizon)``, 0 when not, and missing when the contact is not eligible
    for that target at that cutoff or the horizon ends after the observed data (see
    :mod:`leadscore.labels`).

    Parameters
    ----------
    crm : CRMData
    cutoffs : iterable of dates
        Cutoff times (naive means UTC); duplicates are dropped and the table is in cutoff order.
    horizons : mapping or LabelConfig, optional
        Days per target; defaults to the configuration, else 90 (prospect) and 180 (customer).
    config : Config or FeatureConfig, optional
    observed_until : date, optional
        End of the observed data; defaults to the latest timestamp in ``crm``.
    progress : bool
        Show a progress bar over cutoffs.

    Returns
    -------
    DataFrame
        ``contact_id``, ``account_id``, ``cutoff``, the features of :func:`build_features`,
        ``y_prospect``, ``y_customer``.

    Examples
    --------
    >>> import leadscore as ls
    >>> table = ls.build_training_table(ls.make_crm(500, seed=0),
    ...                                 cutoffs=pd.date_range("2025-01-01", periods=3, freq="MS"))
    >>> table["cutoff"].nunique(), str(table["y_customer"].dtype)
    (3, 'Int8')
    """
    feature_config = _feature_config(config)
    if horizons is None and isinstance(config, Config):
        horizons = config.labels
    days = resolve_horizons(horizons)
    until = None if observed_until is None else to_utc(observed_until, "observed_until")
    points = sorted({to_utc(c, "cutoffs") for c in cutoffs})
    if not points:
        raise ConfigError("cutoffs: expected at least one cutoff")
    prepared = _Prepared.from_crm(crm, feature_config, points[-1])
    blocks: list[_Block] = []
    labels: dict[str, list[pd.arrays.IntegerArray]] = {t: [] for t in TARGETS}
    for cutoff in _progress(points, progress):
        rows, cutoff_labels = labels_at(prepared.timeline, cutoff, days, until)
        blocks.append(prepared.features_at(cutoff, rows))
        for target, values in cutoff_labels.items():
            labels[target].append(values)
    table = _assemble(prepared, blocks, points)
    for target in TARGETS:
        table[f"y_{target}"] = pd.concat([pd.Series(v) for v in labels[target]], ignore_index=True)
    return table


def _progress(points: list[pd.Timestamp], show: bool) -> Iterable[pd.Timestamp]:
    if not show:
        yield from points
        return
    from rich.progress import track

    yield from track(points, description="Building features", transient=True)
