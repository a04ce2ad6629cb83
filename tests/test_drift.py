"""Drift: reference distributions, population stability, the leak of a closing-time column."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.drift import (
    REFERENCE_FILE,
    DriftCounter,
    population_stability,
    reference,
)
from leadscore.errors import DataWarning
from leadscore.scoring import score_export


def test_reference_bins_numbers_categories_and_missing() -> None:
    X = pd.DataFrame(
        {
            "visits": [0.0, 1.0, 2.0, 3.0, np.nan, np.nan, 5.0, 6.0, 7.0, 8.0],
            "country": pd.Categorical(["DE", "DE", "FR", None, "US", "DE", "FR", "DE", "IT", "DE"]),
        }
    )
    ref = reference(X, pd.DataFrame({"p_customer": np.linspace(0, 1, 10)}), max_categories=2)
    visits = ref["features"]["visits"]
    assert visits["shares"][-1] == pytest.approx(0.2)  # the missing bin
    assert sum(visits["shares"]) == pytest.approx(1.0)
    country = ref["features"]["country"]
    assert country["categories"] == ["DE", "FR"]
    # DE, FR, other (US, IT), missing
    assert country["shares"] == pytest.approx([0.5, 0.2, 0.2, 0.1])
    assert json.loads(json.dumps(ref)) == ref  # plain JSON


def test_population_stability_values() -> None:
    same = np.array([0.2, 0.3, 0.5])
    assert population_stability(same, same * 7) == pytest.approx(0.0)
    e, a = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert population_stability(e, a) == pytest.approx(expected)


def test_counts_add_up_over_chunks() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(["a", "b", "c"], 1000)})
    p = pd.DataFrame({"p_customer": rng.uniform(size=1000)})
    ref = reference(X, p)
    whole, chunked = DriftCounter(ref), DriftCounter(ref)
    shifted = X.assign(x=X["x"] + 1)
    whole.add(shifted, p)
    for start in range(0, 1000, 333):
        chunked.add(shifted.iloc[start : start + 333], p.iloc[start : start + 333])
    pd.testing.assert_frame_equal(whole.table(), chunked.table())
    table = whole.table().set_index("name")
    assert table.loc["x", "psi"] > 0.2
    assert table.loc["x", "level"] == "shift"
    assert table.loc["p_customer", "psi"] == pytest.approx(0.0, abs=1e-12)


def test_a_column_missing_for_open_contacts_only_tops_the_drift(tmp_path: Path) -> None:
    """The leak of a real CRM sample: a field filled only once a contact closes."""
    crm = ls.make_crm(1500, seed=5)
    closed = crm.stages.loc[crm.stages["stage"].isin(["customer", "lost"]), "contact_id"]
    contacts = crm.contacts.assign(
        close_reason=np.where(crm.contacts["contact_id"].isin(closed), "budget cut", None)
    )
    leaky = ls.CRMData(contacts, crm.activities, crm.stages, crm.accounts)
    table = ls.build_training_table(leaky, pd.date_range("2024-04-01", "2025-06-01", freq="MS"))
    # the training rows of contacts that will close carry the field
    assert table["close_reason"].notna().mean() > 0.3
    folder = ls.LeadScorer(random_state=0).fit(table).save(tmp_path / "model")
    assert (folder / REFERENCE_FILE).exists()
    leaky.write(tmp_path / "data")
    # the nightly run after the export's last row: every open contact lacks the field
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = score_export(
            tmp_path / "data", folder, tmp_path / "scores.parquet", as_of="2026-01-01"
        )
    shifts = [str(w.message) for w in caught if w.category is DataWarning]
    assert any("close_reason has shifted" in message for message in shifts), shifts
    drift = pd.read_csv(tmp_path / "scores.drift.csv")
    top = drift.iloc[0]
    assert top["name"] == "close_reason"
    assert top["psi"] > 1.0
    assert top["level"] == "shift"
    assert top["scored_missing"] == 1.0
    assert top["reference_missing"] < 0.7
    assert done.drift[0]["name"] == "close_reason"
