"""Configuration: validation, TOML loading, parameters for tracking."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import leadscore as ls
from leadscore.errors import ConfigError


def test_defaults() -> None:
    config = ls.Config()
    assert config.features.windows_days == (7, 30, 90, 365)
    assert config.features.half_life_days == 30.0
    assert config.labels.horizons == {"prospect": 90, "customer": 180}


def test_frozen() -> None:
    config = ls.Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.labels = ls.LabelConfig()  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.data.stages["x"] = "sql"  # type: ignore[index]


def test_toml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "leadscore.toml"
    path.write_text(
        '[stages]\n"Closed Won" = "customer"\n\n[features]\nwindows_days = [30, 90]\n'
        "half_life_days = 14\n\n[labels]\ncustomer_days = 365\n"
    )
    config = ls.load_config(path)
    assert config.data.stages == {"Closed Won": "customer"}
    assert config.features.windows_days == (30, 90)
    assert config.labels.horizons == {"prospect": 90, "customer": 365}
    assert ls.Config.from_dict(config.to_dict()) == config
    params = config.to_params()
    assert params["features.windows_days"] == "[30, 90]"
    assert params["labels.customer_days"] == "365"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"stagez": {}}, r"unknown section\(s\) \['stagez'\]"),
        ({"stages": {"Won": "winner"}}, r"stages\.'Won': 'winner' is not a stage"),
        ({"columns": {"people": {"contact_id": "Id"}}}, r"columns\.people: unknown table"),
        ({"features": {"windows_days": [0, 7]}}, "features.windows_days: expected positive days"),
        ({"features": {"half_life": 3}}, r"features: unknown setting\(s\) \['half_life'\]"),
        ({"features": {"activity_types": ["email open"]}}, "not usable in feature names"),
        ({"features": {"active_colleague_rate": 0}}, "active_colleague_rate: expected > 0"),
        ({"labels": {"prospect_days": -1}}, "labels.prospect_days: expected a positive integer"),
    ],
)
def test_invalid_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ls.Config.from_dict(values)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        ls.load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[stages\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        ls.load_config(bad)
