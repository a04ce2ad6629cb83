"""Shared fixtures: small synthetic CRMs and tiny hand-made frames."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import leadscore as ls

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def small_crm() -> ls.CRMData:
    """A 2,000-contact synthetic CRM over two years (2024-2025)."""
    return ls.make_crm(2_000, seed=0)


@pytest.fixture
def tiny_frames() -> dict[str, pd.DataFrame]:
    """Three contacts at two accounts, hand-made, in the caller's own (canonical) names."""
    return {
        "contacts": pd.DataFrame(
            {
                "contact_id": ["c1", "c2", "c3"],
                "account_id": ["a1", "a1", None],
                "created_at": ["2025-01-01", "2025-01-05 10:00", "2025-02-01T08:00:00+01:00"],
                "seniority": ["VP", "Manager", None],
            }
        ),
        "accounts": pd.DataFrame(
            {"account_id": ["a1", "a2"], "industry": ["software", "retail"], "employees": [120, 8]}
        ),
        "activities": pd.DataFrame(
            {
                "contact_id": ["c1", "c1", "c2"],
                "timestamp": ["2025-01-02", "2025-01-03", "2025-01-06"],
                "activity_type": ["email_open", "demo_request", "web_visit"],
                "detail": ["newsletter", None, "/pricing"],
            }
        ),
        "stages": pd.DataFrame(
            {
                "contact_id": ["c1", "c1", "c2"],
                "timestamp": ["2025-01-01", "2025-01-10", "2025-01-05 10:00"],
                "stage": ["lead", "mql", "lead"],
            }
        ),
    }


SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def check_snapshot(name: str, text: str) -> None:
    """Compare ``text`` with the committed file ``tests/snapshots/<name>``.

    ``LEADSCORE_UPDATE_SNAPSHOTS=1 pytest ...`` rewrites the file instead (a deliberate change,
    then reviewed as the file's diff).
    """
    path = SNAPSHOTS / name
    if os.environ.get("LEADSCORE_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as file:
        expected = file.read()
    assert text == expected, f"{name} differs from tests/snapshots/{name}"
