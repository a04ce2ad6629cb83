"""Configuration: frozen dataclasses, validated on creation, loadable from TOML.

A configuration file maps a CRM export onto the data contract and sets the feature, label and
model parameters. Every section is optional::

    [columns.contacts]            # canonical name = "your column"
    contact_id = "Id"
    created_at = "CreatedDate"

    [columns.activities]
    timestamp = "ActivityDate"

    [stages]                      # "your stage" = canonical stage
    "Sales Qualified" = "sql"
    "Closed Won" = "customer"

    [activity_types]              # "your type" = canonical type
    "Email Opened" = "email_open"

    [features]
    windows_days = [7, 30, 90, 365]
    half_life_days = 30

    [labels]
    prospect_days = 90
    customer_days = 180
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, TypeVar

from leadscore.domain import ACTIVITY_TYPES, CRITERIA, STAGES, TARGETS
from leadscore.errors import ConfigError

__all__ = [
    "ActivitySource",
    "Config",
    "DataConfig",
    "FeatureConfig",
    "JoinSource",
    "LabelConfig",
    "LinkSource",
    "RecordSource",
    "SourcesConfig",
    "StageSource",
    "TableConfig",
    "load_config",
    "preset_names",
    "preset_path",
]

#: Canonical columns per table that a configuration may rename.
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("contact_id", "account_id", "created_at"),
    "accounts": ("account_id",),
    "activities": ("contact_id", "timestamp", "activity_type", "detail"),
    "stages": ("contact_id", "timestamp", "stage"),
}


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(
        {k: _frozen_mapping(v) if isinstance(v, Mapping) else v for k, v in value.items()}
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How a CRM export maps onto the data contract (docs/data-contract.md).

    Parameters
    ----------
    columns : mapping
        ``{table: {canonical column: source column}}``.
    stages : mapping
        ``{source stage name: canonical stage}``; canonical names map to themselves.
    activity_types : mapping
        ``{source activity type: canonical type}``; other types are kept as they are.

    Examples
    --------
    >>> cfg = DataConfig(columns={"activities": {"timestamp": "ActivityDate"}},
    ...                  stages={"Sales Qualified": "sql"})
    >>> cfg.stages["Sales Qualified"]
    'sql'
    """

    columns: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    stages: Mapping[str, str] = dataclasses.field(default_factory=dict)
    activity_types: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for table, mapping in self.columns.items():
            if table not in CANONICAL_COLUMNS:
                raise ConfigError(
                    f"columns.{table}: unknown table; expected one of {sorted(CANONICAL_COLUMNS)}"
                )
            if not isinstance(mapping, Mapping):
                raise ConfigError(f"columns.{table}: expected a table of column names")
            for canonical, source in mapping.items():
                if not isinstance(source, str) or not source:
                    raise ConfigError(f"columns.{table}.{canonical}: expected a column name")
            sources = list(mapping.values())
            if len(set(sources)) != len(sources):
                raise ConfigError(f"columns.{table}: one source column mapped twice: {sources}")
        for source, stage in self.stages.items():
            if stage not in STAGES:
                raise ConfigError(
                    f"stages.{source!r}: {stage!r} is not a stage; expected one of {list(STAGES)}"
                )
        for source, activity_type in self.activity_types.items():
            if not isinstance(activity_type, str) or not activity_type:
                raise ConfigError(f"activity_types.{source!r}: expected an activity type name")
        object.__setattr__(self, "columns", _frozen_mapping(self.columns))
        object.__setattr__(self, "stages", _frozen_mapping(self.stages))
        object.__setattr__(self, "activity_types", _frozen_mapping(self.activity_types))


@dataclasses.dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the point-in-time features (docs/reference/features.md).

    Parameters
    ----------
    windows_days : tuple of int
        Look-back windows for activity counts, in days (``as_of - w <= timestamp < as_of``).
    half_life_days : float
        Half-life of the exponentially decayed activity counts.
    activity_types : tuple of str
        Activity types that get features of their own; other types count as activity in general.
    trend_days : (int, int)
        The recent and the earlier window of the activity trend: the last ``trend_days[0]`` days
        against the ``trend_days[1]`` days before them.
    buying_group_days : int
        A contact counts as engaged at its account when active in this many days before ``as_of``.
    need_details : tuple of str
        Substrings of an activity's ``detail`` (page, topic, campaign) that signal a need for the
        product, such as pricing pages or buyer's guides. Matched case-insensitively.
    active_weeks : int
        Number of 7-day periods before ``as_of`` over which active weeks are counted.
    intent_days : int
        Window of ``intent_share``: the share of activity showing buying intent (activity types
        of the need criterion, and activity whose detail signals a need).
    passive_activity_types : tuple of str
        Activity that does not show engagement on its own: email opens are often made by the
        mail client, not the person.
    engaged_min_activities : int
        A colleague counts as engaged at the account with at least this many activities, passive
        ones aside, in the buying-group window.
    active_colleague_rate : float
        A colleague counts as active month after month (``account_active_colleagues``) with at
        least this many activities per 30 days since it was created, passive ones aside.
    title_column : str
        Contact column holding the job title; its seniority is read from keywords
        (``title_seniority``) and the free text itself is not a feature.
    role_column : str
        Contact column holding the buying role.
    decision_maker_roles, blocker_roles : tuple of str
        Values of ``role_column`` that mark decision makers and blockers (buying-group features).
    exclude_attributes : tuple of str
        Contact or account columns that must not become features (free text, identifiers, or
        fields updated on conversion that would leak the label).
    attribute_criteria : mapping
        ``{attribute: criterion}`` for attribute columns leadscore does not know by name;
        unknown attributes count as ``fit``.

    Examples
    --------
    >>> FeatureConfig(windows_days=(30, 90)).windows_days
    (30, 90)
    """

    windows_days: tuple[int, ...] = (7, 30, 90, 365)
    half_life_days: float = 30.0
    activity_types: tuple[str, ...] = ACTIVITY_TYPES
    trend_days: tuple[int, int] = (14, 60)
    buying_group_days: int = 90
    need_details: tuple[str, ...] = (
        "pricing",
        "buyers-guide",
        "roi",
        "case-study",
        "product",
        "integrations",
        "demo",
    )
    active_weeks: int = 13
    intent_days: int = 90
    passive_activity_types: tuple[str, ...] = ("email_open",)
    engaged_min_activities: int = 1
    active_colleague_rate: float = 1.0
    title_column: str = "job_title"
    role_column: str = "role"
    decision_maker_roles: tuple[str, ...] = ("decision_maker",)
    blocker_roles: tuple[str, ...] = ("blocker",)
    exclude_attributes: tuple[str, ...] = ()
    attribute_criteria: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (
            "decision_maker_roles",
            "blocker_roles",
            "exclude_attributes",
            "passive_activity_types",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "attribute_criteria", _frozen_mapping(self.attribute_criteria))
        unknown = {k: v for k, v in self.attribute_criteria.items() if v not in CRITERIA}
        if unknown:
            raise ConfigError(
                f"features.attribute_criteria: unknown criteria {unknown};"
                f" expected {list(CRITERIA)}"
            )
        if self.active_weeks <= 0:
            raise ConfigError(f"features.active_weeks: expected > 0, got {self.active_weeks}")
        if self.engaged_min_activities < 1:
            raise ConfigError(
                "features.engaged_min_activities: expected at least 1, got "
                f"{self.engaged_min_activities}"
            )
        if not self.active_colleague_rate > 0:
            raise ConfigError(
                f"features.active_colleague_rate: expected > 0, got {self.active_colleague_rate}"
            )
        if self.intent_days <= 0:
            raise ConfigError(f"features.intent_days: expected > 0, got {self.intent_days}")
        object.__setattr__(self, "windows_days", tuple(int(w) for w in self.windows_days))
        object.__setattr__(self, "activity_types", tuple(self.activity_types))
        object.__setattr__(self, "trend_days", tuple(int(d) for d in self.trend_days))
        object.__setattr__(self, "need_details", tuple(str(d).lower() for d in self.need_details))
        if not self.windows_days or any(w <= 0 for w in self.windows_days):
            raise ConfigError(
                f"features.windows_days: expected positive days, got {self.windows_days}"
            )
        if len(set(self.windows_days)) != len(self.windows_days):
            raise ConfigError(f"features.windows_days: repeated window in {self.windows_days}")
        if not self.half_life_days > 0:
            raise ConfigError(f"features.half_life_days: expected > 0, got {self.half_life_days}")
        if len(self.trend_days) != 2 or min(self.trend_days) <= 0:
            raise ConfigError(
                f"features.trend_days: expected two positive days, got {self.trend_days}"
            )
        if self.buying_group_days <= 0:
            raise ConfigError(
                f"features.buying_group_days: expected > 0, got {self.buying_group_days}"
            )
        if not self.activity_types or len(set(self.activity_types)) != len(self.activity_types):
            raise ConfigError(
                f"features.activity_types: expected distinct names, got {self.activity_types}"
            )
        bad = [t for t in self.activity_types if not t.isidentifier()]
        if bad:
            raise ConfigError(f"features.activity_types: not usable in feature names: {bad}")


@dataclasses.dataclass(frozen=True)
class LabelConfig:
    """Prediction horizons of the targets.

    A label for target T at cutoff ``t`` is 1 when the contact first reaches T in
    ``[t, t + horizon)``.

    Parameters
    ----------
    prospect_days : int
        Horizon of the prospect target, in days: reaching ``sql``, ``opportunity`` or
        ``customer`` within it is a positive label.
    customer_days : int
        Horizon of the customer target, in days: reaching ``customer`` within it is a positive
        label.

    Examples
    --------
    >>> LabelConfig().horizons
    {'prospect': 90, 'customer': 180}
    """

    prospect_days: int = 90
    customer_days: int = 180

    def __post_init__(self) -> None:
        for target in TARGETS:
            days = getattr(self, f"{target}_days")
            if not isinstance(days, int) or days <= 0:
                raise ConfigError(
                    f"labels.{target}_days: expected a positive integer, got {days!r}"
                )

    @property
    def horizons(self) -> dict[str, int]:
        """Horizon in days per target."""
        return {target: getattr(self, f"{target}_days") for target in TARGETS}


@dataclasses.dataclass(frozen=True)
class TableConfig:
    """A plain table: one row per lead, no activity log (``leadscore train --table``).

    The command line's ``--label``, ``--time`` and ``--id`` take precedence over the keys here.

    Parameters
    ----------
    label : str
        The column holding the outcome (two values; the larger in sort order, ``1``,
        ``True`` or ``"yes"``, is the positive class).
    time : str
        A column with the time of each row (when the lead came in): the latest 20% of rows
        by it are the test set and the model validates on its latest rows. Without it the
        split is stratified random. The time itself is never a feature.
    id : str
        A column identifying each row; scores carry it, and a missing or repeated id is a
        rejected row at scoring. Never a feature.
    exclude : tuple of str
        Columns that are not features (a field filled in after the outcome, say).
    criteria : mapping
        ``{column: criterion}``: the qualification criterion each column's reasons count
        under. Columns not given here are guessed by name and type (see
        :func:`leadscore.plain.guess_criterion`) and the guess is printed at training.
    gap_days : int
        With ``time``: how many days after a row's time its outcome is known (the label
        window). Training rows whose window reaches the test period are left out, and the
        model's early stopping is purged the same way. 0: the outcome is known at once.

    Examples
    --------
    >>> TableConfig(label="y", criteria={"job": "authority"}).criteria["job"]
    'authority'
    """

    label: str = ""
    time: str = ""
    id: str = ""
    exclude: tuple[str, ...] = ()
    criteria: Mapping[str, str] = dataclasses.field(default_factory=dict)
    gap_days: int = 0

    def __post_init__(self) -> None:
        for name in ("label", "time", "id"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"table.{name}: expected a column name")
        object.__setattr__(self, "exclude", _columns(self.exclude, "table.exclude"))
        criteria = _str_mapping(self.criteria, "table.criteria")
        unknown = {k: v for k, v in criteria.items() if v not in CRITERIA}
        if unknown:
            raise ConfigError(
                f"table.criteria: unknown criteria {dict(unknown)}; expected one of "
                f"{list(CRITERIA)}"
            )
        object.__setattr__(self, "criteria", criteria)
        if not isinstance(self.gap_days, int) or self.gap_days < 0:
            raise ConfigError(f"table.gap_days: expected days >= 0, got {self.gap_days!r}")


_Section = TypeVar("_Section")


def _section(cls: type[_Section], values: Any, name: str) -> _Section:
    if isinstance(values, cls):
        return values
    if not isinstance(values, Mapping):
        raise ConfigError(f"{name}: expected a table of settings, got {type(values).__name__}")
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ConfigError(
            f"{name}: unknown setting(s) {unknown}; expected some of {sorted(fields)}"
        )
    coerced = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    try:
        return cls(**coerced)
    except TypeError as exc:
        raise ConfigError(f"{name}: {exc}") from exc


# --------------------------------------------------------------------------------------------
# [sources]: build the contract's tables from a raw export (see leadscore.sources)
# --------------------------------------------------------------------------------------------

#: How a derived stage row without a date is dated (``sources.undated``).
UNDATED_RULES: tuple[str, ...] = ("last_activity", "created", "export_end", "drop")
#: How a contact without a creation date is treated (``sources.missing_created``).
MISSING_CREATED_RULES: tuple[str, ...] = ("drop", "first_activity", "export_end")
#: The scoring unit (``sources.unit``).
UNITS: tuple[str, ...] = ("lead", "person")


def _columns(value: Any, key: str) -> tuple[str, ...]:
    """A column setting: one name, or a list of names read in order (first one present wins)."""
    names = (value,) if isinstance(value, str) else tuple(value)
    if any(not isinstance(name, str) or not name for name in names):
        raise ConfigError(f"{key}: expected a column name or a list of column names")
    return names


def _require_names(section: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(section, name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{name}: expected a non-empty name")


def _str_mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table of names")
    return _frozen_mapping(value)


def _nested(cls: type[_Section], values: Any, key: str) -> _Section:
    """Build a nested source section, naming ``key`` in any error."""
    try:
        return _section(cls, values, key)
    except ConfigError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(key) else f"{key}.{message}") from exc


def _stage_mapping(value: Any, key: str) -> Mapping[str, str]:
    mapping = _str_mapping(value, key)
    for source, stage in mapping.items():
        if stage not in STAGES:
            raise ConfigError(
                f"{key}.{source!r}: {stage!r} is not a stage; expected one of {list(STAGES)}"
            )
    return mapping


@dataclasses.dataclass(frozen=True)
class JoinSource:
    """A lookup file joined onto a record table, many to one (``[[sources.contacts.join]]``).

    Parameters
    ----------
    file : str
        File name in the data folder, with or without its suffix (``.csv``, ``.parquet``).
    on : str
        Column of the record table that holds the look-up key.
    key : str, optional
        Key column of the joined file (unique); defaults to ``on``.
    prefix : str
        Put before the joined columns' names; a column whose name is already taken is skipped.

    Examples
    --------
    >>> JoinSource(file="products", on="product").key
    'product'
    """

    file: str
    on: str
    key: str = ""
    prefix: str = ""

    def __post_init__(self) -> None:
        _require_names(self, ("file", "on"))
        if not self.key:
            object.__setattr__(self, "key", self.on)


@dataclasses.dataclass(frozen=True)
class RecordSource:
    """The file of one record per contact or per account (``[sources.contacts]``).

    Parameters
    ----------
    file : str
        File name in the data folder (suffix optional).
    id : str
        Identifier column (unique): the contact (lead) or account id.
    created_at : str or list of str
        Contacts: creation time; a list is read in order, the first present value wins.
    account_id : str or list of str
        Contacts: the account.
    person_id : str or list of str
        Contacts keyed by lead: the person a lead belongs to (``sources.unit``).
    attributes : list of str, optional
        Columns kept as attributes; all other columns when not given.
    rename : mapping
        ``{source column: attribute name}``, e.g. ``AnnualRevenue = "annual_revenue"``.
    where : mapping
        ``{column: value or list of values}``: only rows that match are read.
    join : list of JoinSource
        Look-up files joined onto the records before attributes are chosen.

    Examples
    --------
    >>> RecordSource(file="Lead", id="Id", created_at="CreatedDate").created_at
    ('CreatedDate',)
    """

    file: str
    id: str
    created_at: tuple[str, ...] = ()
    account_id: tuple[str, ...] = ()
    person_id: tuple[str, ...] = ()
    attributes: tuple[str, ...] | None = None
    rename: Mapping[str, str] = dataclasses.field(default_factory=dict)
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    join: tuple[JoinSource, ...] = ()

    def __post_init__(self) -> None:
        _require_names(self, ("file", "id"))
        for name in ("created_at", "account_id", "person_id"):
            object.__setattr__(self, name, _columns(getattr(self, name), name))
        if self.attributes is not None:
            object.__setattr__(self, "attributes", _columns(self.attributes, "attributes"))
        object.__setattr__(self, "rename", _str_mapping(self.rename, "rename"))
        object.__setattr__(self, "where", _str_mapping(self.where, "where"))
        joins = tuple(_nested(JoinSource, item, f"join[{i}]") for i, item in enumerate(self.join))
        object.__setattr__(self, "join", joins)


@dataclasses.dataclass(frozen=True)
class LinkSource:
    """A file that links a record (a deal, an engagement) to contacts (``link = {...}``).

    Parameters
    ----------
    file : str
        File name in the data folder (suffix optional); may be the contacts file itself
        (Salesforce ``Lead.ConvertedOpportunityId``).
    key : str
        Column holding the record's identifier (``OpportunityContactRole.OpportunityId``).
    contact_id : str
        Column holding the contact's (or person's) identifier.
    optional : bool
        Skip the link, with a note, when its file is not in the export.

    Examples
    --------
    >>> LinkSource(file="OpportunityContactRole", key="OpportunityId",
    ...            contact_id="ContactId").file
    'OpportunityContactRole'
    """

    file: str
    key: str
    contact_id: str
    optional: bool = False

    def __post_init__(self) -> None:
        _require_names(self, ("file", "key", "contact_id"))


def _links(value: Any, key: str) -> tuple[LinkSource, ...]:
    items = [value] if isinstance(value, Mapping | LinkSource) else list(value)
    return tuple(_nested(LinkSource, item, f"{key}[{i}]") for i, item in enumerate(items))


def _check_reference(source: Any) -> None:
    has_contact, has_link = bool(source.contact_id), bool(source.link)
    if has_contact == has_link:
        raise ConfigError("contact_id: give either contact_id or link (with key), not both")
    if has_link and not source.key:
        raise ConfigError("key: the record's identifier column is needed with link")


@dataclasses.dataclass(frozen=True)
class ActivitySource:
    """One activity table of the export (``[[sources.activities]]``).

    Parameters
    ----------
    file : str
        File name in the data folder (suffix optional).
    timestamp : str or list of str
        When the activity happened (a list is read in order, first present value wins).
    contact_id : str or list of str
        The contact (or person: such ids go to each of the person's leads). Or ``key`` + ``link``.
    key : str
        The activity's own identifier, with ``link``.
    link : LinkSource or list of LinkSource
        Files linking the activity to contacts, when the table has no contact column.
    separator : str
        When one cell holds several contact ids (``"1;2;3"``): the activity counts for each.
    type : str
        Column holding the activity type; or ``fixed_type``.
    fixed_type : str
        Every row of the table has this activity type (e.g. ``"web_visit"`` for sessions).
    types : mapping
        ``{source type: canonical type}`` for this table; unmapped types get ``prefix``.
    prefix : str
        Put before unmapped type names, so that tables sharing type names stay apart.
    detail : str or list of str
        Column(s) for ``detail`` (page, topic, campaign).
    value : str
        Numeric column carried as ``value`` (duration, page views, amount): used by features in a
        later change.
    where : mapping
        ``{column: value or list of values}``: only rows that match are read.
    optional : bool
        Skip the table, with a note, when its file is not in the export.

    Examples
    --------
    >>> ActivitySource(file="Task", contact_id="WhoId", timestamp="ActivityDate",
    ...                type="TaskSubtype", prefix="task_").prefix
    'task_'
    """

    file: str
    timestamp: tuple[str, ...]
    contact_id: tuple[str, ...] = ()
    key: str = ""
    link: tuple[LinkSource, ...] = ()
    separator: str = ""
    type: str = ""
    fixed_type: str = ""
    types: Mapping[str, str] = dataclasses.field(default_factory=dict)
    prefix: str = ""
    detail: tuple[str, ...] = ()
    value: str = ""
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    optional: bool = False

    def __post_init__(self) -> None:
        _require_names(self, ("file",))
        for name in ("timestamp", "contact_id", "detail"):
            object.__setattr__(self, name, _columns(getattr(self, name), name))
        if not self.timestamp:
            raise ConfigError("timestamp: expected a column name")
        object.__setattr__(self, "link", _links(self.link, "link"))
        _check_reference(self)
        if bool(self.type) == bool(self.fixed_type):
            raise ConfigError("type: give either a type column or a fixed_type, not both")
        object.__setattr__(self, "types", _str_mapping(self.types, "types"))
        object.__setattr__(self, "where", _str_mapping(self.where, "where"))


@dataclasses.dataclass(frozen=True)
class StageSource:
    """A stage history table, or a record table that stages come from (``[[sources.stages]]``).

    A history table has ``timestamp`` and ``stage``: one stage row per row. A record table (a
    lead, a deal, an opportunity) gives rows from its dates: ``created_at`` reaches
    ``created_stage``, each ``dates`` column its stage, and the outcome, from ``won``/``closed``
    flags or from the current ``stage`` field, is dated at ``closed_at`` (``stage_at`` for an
    open stage). A derived row without a date follows ``sources.undated``.

    Parameters
    ----------
    file : str
        File name in the data folder (suffix optional).
    contact_id : str or list of str
        The contact (or person); or ``key`` + ``link`` (a deal linked to its contacts).
    key, link, separator, where, optional
        As for :class:`ActivitySource`.
    timestamp : str or list of str
        History tables: when the stage was reached.
    stage : str
        History tables: the stage reached; record tables: the current stage.
    stages : mapping
        ``{source stage: canonical stage}`` for this table, before the global ``[stages]``.
    created_at : str or list of str
        Record tables: creation time, reaching ``created_stage``.
    created_stage : str
        The stage a record's creation reaches (``"opportunity"`` for a deal).
    dates : mapping
        ``{date column: canonical stage}``: a record reached the stage at that date (if any).
    closed_at : str or list of str
        When the record was won or lost.
    stage_at : str or list of str
        When the record entered its current (open) stage.
    won, closed, lost : str
        Boolean columns: won -> ``customer``; closed and not won (or lost) -> ``lost``.

    Examples
    --------
    >>> StageSource(file="Opportunity", key="Id", created_at="CreatedDate",
    ...             link={"file": "Lead", "key": "ConvertedOpportunityId", "contact_id": "Id"},
    ...             created_stage="opportunity", won="IsWon", closed="IsClosed",
    ...             closed_at="CloseDate").closed_at
    ('CloseDate',)
    """

    file: str
    contact_id: tuple[str, ...] = ()
    key: str = ""
    link: tuple[LinkSource, ...] = ()
    separator: str = ""
    timestamp: tuple[str, ...] = ()
    stage: str = ""
    stages: Mapping[str, str] = dataclasses.field(default_factory=dict)
    created_at: tuple[str, ...] = ()
    created_stage: str = ""
    dates: Mapping[str, str] = dataclasses.field(default_factory=dict)
    closed_at: tuple[str, ...] = ()
    stage_at: tuple[str, ...] = ()
    won: str = ""
    closed: str = ""
    lost: str = ""
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    optional: bool = False

    def __post_init__(self) -> None:
        _require_names(self, ("file",))
        for name in ("contact_id", "timestamp", "created_at", "closed_at", "stage_at"):
            object.__setattr__(self, name, _columns(getattr(self, name), name))
        object.__setattr__(self, "link", _links(self.link, "link"))
        _check_reference(self)
        object.__setattr__(self, "stages", _stage_mapping(self.stages, "stages"))
        object.__setattr__(self, "dates", _stage_mapping(self.dates, "dates"))
        object.__setattr__(self, "where", _str_mapping(self.where, "where"))
        if self.created_stage and self.created_stage not in STAGES:
            raise ConfigError(
                f"created_stage: {self.created_stage!r} is not a stage; "
                f"expected one of {list(STAGES)}"
            )
        if self.created_at and not self.created_stage:
            raise ConfigError("created_stage: needed with created_at (the stage it reaches)")
        if self.timestamp and not self.stage:
            raise ConfigError("stage: a history table needs the stage column with timestamp")
        derived = (self.created_at, self.dates, self.stage, self.won, self.closed, self.lost)
        if not self.timestamp and not any(derived):
            raise ConfigError(
                "timestamp: give timestamp and stage (a history table), or the dates and "
                "outcome of a record table (created_at, dates, stage, won, closed_at)"
            )
        if (self.won or self.lost or self.closed) and not self.closed_at:
            raise ConfigError("closed_at: needed with won, closed or lost")


@dataclasses.dataclass(frozen=True)
class SourcesConfig:
    """How the contract's tables are built from the files of a raw export (``[sources]``).

    Parameters
    ----------
    contacts : RecordSource
        The contacts (or leads) file.
    accounts : RecordSource, optional
        The accounts (companies) file.
    activities : list of ActivitySource
        The activity tables; none is allowed (activity features are then missing, said once).
    stages : list of StageSource
        The stage history tables and the record tables stages are derived from.
    unit : {"lead", "person"}
        The scoring unit. With ``"person"`` and ``contacts.person_id``, leads are merged into
        one contact per person (its first lead's attributes). With ``"lead"`` each lead is a
        contact and ``person_id`` is kept as a column, so that a person's other leads can be
        told from colleagues; ids of persons in other tables go to each of the person's leads.
    undated : {"last_activity", "created", "export_end", "drop"}
        The date of a derived stage row without one (a lost lead, a deal closed without a
        close date): the contact's last activity before it (else its created date), the
        record's created date, the export's last timestamp, or dropped. Counted and reported.
    missing_created : {"drop", "first_activity", "export_end"}
        A contact without a creation time: dropped with its rows, created at its first
        activity or stage row, or at the export's last timestamp (open records never dated).

    Examples
    --------
    >>> cfg = SourcesConfig.from_dict({
    ...     "contacts": {"file": "leads", "id": "lead_id", "created_at": "created"},
    ...     "stages": [{"file": "leads", "contact_id": "lead_id", "closed_at": "closed",
    ...                 "won": "won", "closed": "is_closed"}]})
    >>> cfg.unit, cfg.stages[0].won
    ('lead', 'won')
    """

    contacts: RecordSource
    accounts: RecordSource | None = None
    activities: tuple[ActivitySource, ...] = ()
    stages: tuple[StageSource, ...] = ()
    unit: str = "lead"
    undated: str = "last_activity"
    missing_created: str = "drop"

    def __post_init__(self) -> None:
        if not isinstance(self.contacts, RecordSource):
            raise ConfigError("sources.contacts: expected a table of settings")
        if not self.contacts.created_at:
            raise ConfigError("sources.contacts.created_at: expected a column name")
        choices = {
            "unit": UNITS,
            "undated": UNDATED_RULES,
            "missing_created": MISSING_CREATED_RULES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(
                    f"sources.{name}: {getattr(self, name)!r}; expected one of {list(allowed)}"
                )
        if not self.stages:
            raise ConfigError("sources.stages: expected at least one stage table")
        object.__setattr__(self, "activities", tuple(self.activities))
        object.__setattr__(self, "stages", tuple(self.stages))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Self:
        """Build from the ``[sources]`` table of a TOML file."""
        if not isinstance(values, Mapping):
            raise ConfigError("sources: expected a table of settings")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ConfigError(f"sources: unknown setting(s) {unknown}; expected {sorted(fields)}")
        if "contacts" not in values:
            raise ConfigError("sources.contacts: missing; name the contacts (or leads) file")
        built: dict[str, Any] = {k: v for k, v in values.items() if isinstance(v, str)}
        built["contacts"] = _nested(RecordSource, values["contacts"], "sources.contacts")
        if values.get("accounts") is not None:
            built["accounts"] = _nested(RecordSource, values["accounts"], "sources.accounts")
        for name, item_cls in (("activities", ActivitySource), ("stages", StageSource)):
            items = values.get(name, ())
            if isinstance(items, Mapping):
                items = [items]
            built[name] = tuple(
                _nested(item_cls, item, f"sources.{name}[{i}]") for i, item in enumerate(items)
            )
        try:
            return cls(**built)
        except TypeError as exc:
            raise ConfigError(f"sources: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """Nested plain values in the layout of the TOML file (round-trips through from_dict)."""
        out: dict[str, Any] = _source_dict(self)
        return out


def _source_dict(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is None or (
                item == () or item == "" or (isinstance(item, Mapping) and not item)
            ):
                continue
            out[field.name] = _source_dict(item)
        return out
    if isinstance(value, tuple):
        return [_source_dict(v) for v in value]
    return _plain(value)


def _targets(value: Any) -> tuple[str, ...]:
    """``targets`` as written in TOML: a list of names, or one name."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple):
        raise ConfigError(f"targets: expected a list of target names, got {value!r}")
    return tuple(value)


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration of a leadscore job.

    Examples
    --------
    >>> cfg = Config.from_dict({"stages": {"Won": "customer"}, "labels": {"prospect_days": 60}})
    >>> cfg.labels.horizons["prospect"], cfg.data.stages["Won"]
    (60, 'customer')
    """

    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    features: FeatureConfig = dataclasses.field(default_factory=FeatureConfig)
    labels: LabelConfig = dataclasses.field(default_factory=LabelConfig)
    sources: SourcesConfig | None = None
    targets: tuple[str, ...] = TARGETS
    table: TableConfig | None = None

    def __post_init__(self) -> None:
        targets = tuple(self.targets)
        unknown = [t for t in targets if t not in TARGETS]
        if unknown or not targets or len(set(targets)) != len(targets):
            raise ConfigError(
                f"targets: {list(targets)}; expected one or both of {list(TARGETS)}, each once"
                + (f" ({unknown} unknown)" if unknown else "")
            )
        # in funnel order, whatever the order written
        object.__setattr__(self, "targets", tuple(t for t in TARGETS if t in targets))
        sections = {"data": DataConfig, "features": FeatureConfig, "labels": LabelConfig}
        for name, cls in sections.items():
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"{name}: expected a {cls.__name__}")
        if self.sources is not None and not isinstance(self.sources, SourcesConfig):
            raise ConfigError("sources: expected a SourcesConfig")
        if self.table is not None and not isinstance(self.table, TableConfig):
            raise ConfigError("table: expected a TableConfig")
        if self.sources is not None and self.sources.contacts.person_id:
            # person_id is an identifier (the person a lead belongs to), never a feature
            excluded = self.features.exclude_attributes
            if "person_id" not in excluded:
                features = dataclasses.replace(
                    self.features, exclude_attributes=(*excluded, "person_id")
                )
                object.__setattr__(self, "features", features)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Self:
        """Build from nested mappings, as read from TOML."""
        known = {"columns", "stages", "activity_types", "features", "labels", "sources",
                 "targets", "table"}  # fmt: skip
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown section(s) {unknown}; expected some of {sorted(known)}")
        data = _section(
            DataConfig,
            {k: values[k] for k in ("columns", "stages", "activity_types") if k in values},
            "data",
        )
        return cls(
            data=data,
            features=_section(FeatureConfig, values.get("features", {}), "features"),
            labels=_section(LabelConfig, values.get("labels", {}), "labels"),
            sources=None if "sources" not in values else SourcesConfig.from_dict(values["sources"]),
            targets=_targets(values.get("targets", TARGETS)),
            table=(
                None if "table" not in values else _section(TableConfig, values["table"], "table")
            ),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> Self:
        """Read a TOML configuration file."""
        path = Path(path)
        try:
            with path.open("rb") as handle:
                values = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: configuration file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_dict(values)

    def to_dict(self) -> dict[str, Any]:
        """Nested plain values in the layout of the TOML file (round-trips through from_dict)."""
        out: dict[str, Any] = {k: _plain(getattr(self.data, k)) for k in ("columns", "stages")}
        out["activity_types"] = _plain(self.data.activity_types)
        for section in ("features", "labels"):
            values = getattr(self, section)
            out[section] = {
                f.name: _plain(getattr(values, f.name)) for f in dataclasses.fields(values)
            }
        if self.sources is not None:
            out["sources"] = self.sources.to_dict()
        out["targets"] = list(self.targets)
        if self.table is not None:
            out["table"] = {
                f.name: _plain(getattr(self.table, f.name)) for f in dataclasses.fields(self.table)
            }
        return out

    @property
    def horizons(self) -> dict[str, int]:
        """Horizon in days of each target trained (``targets``), in funnel order."""
        return {t: d for t, d in self.labels.horizons.items() if t in self.targets}

    def to_params(self) -> dict[str, str]:
        """Flat ``section.name -> text`` parameters, as logged to MLflow."""
        params: dict[str, str] = {}
        for section, values in self.to_dict().items():
            if not isinstance(values, Mapping):
                params[section] = json.dumps(values)
                continue
            for key, value in values.items():
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                params[f"{section}.{key}"] = text
        return params


#: Prefix that names a preset shipped with leadscore instead of a file: ``preset:salesforce``.
PRESET_PREFIX = "preset:"


def preset_names() -> tuple[str, ...]:
    """Names of the configuration presets shipped with leadscore (``presets/<name>.toml``).

    Examples
    --------
    >>> "salesforce" in preset_names()
    True
    """
    folder = resources.files("leadscore") / "presets"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def preset_path(name: str) -> Path:
    """The file of preset ``name``: copy it to edit it (``cp "$(python -c ...)" my.toml``).

    Examples
    --------
    >>> preset_path("hubspot").name
    'hubspot.toml'
    """
    if name not in preset_names():
        raise ConfigError(f"{name!r}: no such preset; expected one of {list(preset_names())}")
    return Path(str(resources.files("leadscore") / "presets" / f"{name}.toml"))


def load_config(path: str | Path | None) -> Config:
    """Read a configuration: a TOML file, a preset's name, or the defaults when None.

    A preset is named ``preset:NAME`` or just ``NAME`` when no file of that name exists
    (``salesforce``, ``hubspot``: see :func:`preset_names`).

    Examples
    --------
    >>> load_config("preset:salesforce").sources.contacts.file
    'Lead'
    >>> load_config(None).labels.prospect_days
    90
    """
    if path is None:
        return Config()
    text = str(path)
    if text.startswith(PRESET_PREFIX):
        return Config.from_toml(preset_path(text[len(PRESET_PREFIX) :]))
    if not Path(path).exists() and text in preset_names():
        return Config.from_toml(preset_path(text))
    return Config.from_toml(path)
