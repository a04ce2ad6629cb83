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
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, TypeVar

from leadscore.domain import ACTIVITY_TYPES, CRITERIA, STAGES, TARGETS
from leadscore.errors import ConfigError

__all__ = ["Config", "DataConfig", "FeatureConfig", "LabelConfig", "load_config"]

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
    """How a CRM export maps onto the data contract (DESIGN section 3).

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
    """Parameters of the point-in-time features (DESIGN section 2 and 4).

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
    """Prediction horizons of the targets (DESIGN section 4).

    A label for target T at cutoff ``t`` is 1 when the contact first reaches T in
    ``[t, t + horizon)``.

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

    def __post_init__(self) -> None:
        sections = {"data": DataConfig, "features": FeatureConfig, "labels": LabelConfig}
        for name, cls in sections.items():
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"{name}: expected a {cls.__name__}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Self:
        """Build from nested mappings, as read from TOML."""
        known = {"columns", "stages", "activity_types", "features", "labels"}
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
        return out

    def to_params(self) -> dict[str, str]:
        """Flat ``section.name -> text`` parameters, as logged to MLflow."""
        params: dict[str, str] = {}
        for section, values in self.to_dict().items():
            for key, value in values.items():
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                params[f"{section}.{key}"] = text
        return params


def load_config(path: str | Path | None) -> Config:
    """Read ``path`` as TOML, or return the defaults when ``path`` is None."""
    return Config() if path is None else Config.from_toml(path)
