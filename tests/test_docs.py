"""The documentation: generated pages up to date, hand-written pages complete, the site builds."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leadscore import _docs
from leadscore.cli import cli
from leadscore.config import FeatureConfig, SourcesConfig
from leadscore.criteria import ACTIVITY_FAMILIES, SIGNALS
from leadscore.data import _SPECS, TABLES
from leadscore.triage import REASONS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_generated_pages_are_up_to_date() -> None:
    stale = _docs.check(DOCS)
    assert not stale, f"stale generated docs {stale}: regenerate with `{_docs.REGENERATE}`"


def test_check_names_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _docs.write(tmp_path)
    assert _docs.main(["--check", str(tmp_path)]) == 0
    page = tmp_path / "reference" / "configuration.md"
    page.write_text(page.read_text().replace("windows_days", "windows"))
    assert _docs.main(["--check", str(tmp_path)]) == 1
    assert "reference/configuration.md" in capsys.readouterr().out


def test_every_configuration_key_is_documented() -> None:
    assert _docs.undocumented_keys() == []
    page = _docs.configuration_page()
    for field in dataclasses.fields(FeatureConfig):
        assert f"| `{field.name}` |" in page
    for field in dataclasses.fields(SourcesConfig):
        assert f"| `{field.name}` |" in page
    assert "| `windows_days` | array of integers | `[7, 30, 90, 365]` |" in page


def test_a_new_key_appears_with_its_help() -> None:
    @dataclasses.dataclass(frozen=True)
    class Section:
        """A section.

        Parameters
        ----------
        names, others : str or list of str
            Columns, ``read`` in order.
        limit : int
            At most this many.
        """

        names: tuple[str, ...] = ()
        others: tuple[str, ...] = ("a",)
        limit: int = 3
        extra: float = 0.5

    keys = {key.name: key for key, _ in _docs._keys(Section, "section")}
    assert keys["names"].kind == "string or array of strings"
    assert keys["others"].default == '`["a"]`'
    assert keys["limit"] == _docs._Key("section", "limit", "integer", "`3`", "At most this many.")
    assert keys["extra"].help == "(undocumented)"


def test_every_feature_and_command_is_in_the_reference() -> None:
    features = _docs.features_page()
    for spec in SIGNALS:
        assert f"`{spec.reason_code}`" in features
    for family in ACTIVITY_FAMILIES:
        assert f"`days_since_{family.activity_type}`" in features
    commands = _docs.cli_page()
    for name, command in cli.commands.items():
        assert f"## {name}" in commands
        for param in command.params:
            assert all(opt in commands for opt in param.opts), (name, param.opts)


def test_the_data_contract_names_every_column_and_reason() -> None:
    page = (DOCS / "data-contract.md").read_text()
    for table in TABLES:
        assert f"### `{table}`" in page
        spec = _SPECS[table]
        for column in (*spec.required, *spec.nullable_ids, *spec.numbers, *spec.optional_text):
            assert f"`{column}`" in page, (table, column)
    for code in REASONS:
        assert f"| `{code}` |" in page


def test_the_site_builds(tmp_path: Path) -> None:
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    command = [mkdocs] if mkdocs else [sys.executable, "-m", "mkdocs"]
    result = subprocess.run(
        [*command, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for page in ("index.html", "reference/configuration/index.html", "metrics/index.html"):
        assert (tmp_path / "site" / page).exists()
