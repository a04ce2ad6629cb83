"""LeadModel's measured mix (``linear_prior="auto"``): the choice, its record, its calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore import _training
from leadscore._training import CANDIDATES
from leadscore.evaluate import expected_calibration_error
from leadscore.model import LeadModel


def _linear_leads(
    n: int, seed: int = 0, shift: float = 0.0, from_row: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows whose log-odds are a sum of weak terms; from row ``from_row`` on, ``shift`` raises
    the base rate and moves the first feature with it (a change of regime)."""
    rng = np.random.default_rng(seed)
    drift = np.where(np.arange(n) >= from_row, shift, 0.0)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"signal_{i}" for i in range(6)])
    X["signal_0"] += drift
    logit = X.to_numpy() @ np.array([0.8, -0.6, 0.5, 0.4, 0.3, 0.2]) - 1.5 + drift
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def test_the_linear_candidate_wins_on_additive_data(tmp_path: object) -> None:
    X, y = _linear_leads(3000)
    model = LeadModel(random_state=0, linear_prior="auto").fit(X, y)
    selection = model.selection_
    assert selection["chosen"] == "linear"
    assert list(selection["candidates"]) == [c.name for c in CANDIDATES]
    assert model.n_estimators_ == 0
    assert model.linear_ is not None
    # the trees add nothing: the raw score is the regression's log-odds
    matrix = model.preprocessor_.transform(X)
    np.testing.assert_allclose(model.decision_function(X), model.linear_.log_odds(matrix))
    explanation = model.explain(X.iloc[:5])
    np.testing.assert_allclose(
        explanation.base_values + explanation.values.sum(1), model.decision_function(X.iloc[:5])
    )
    figures = selection["candidates"]
    assert figures["linear"]["log_loss"] <= min(f["log_loss"] for f in figures.values()) + (
        figures["linear"]["gap_se"] + 1e-12
    )
    assert "log loss" in selection["reason"]


def test_trees_win_on_make_crm() -> None:
    crm = ls.make_crm(1500, seed=1)
    cutoffs = pd.date_range("2024-03-01", periods=12, freq="MS", tz="UTC")
    table = ls.build_training_table(crm, cutoffs)
    table = table[table["y_prospect"].notna()]
    model = LeadModel(random_state=0, linear_prior="auto").fit(
        table[ls.feature_columns(table)],
        table["y_prospect"].astype(int),
        time=table["cutoff"],
        gap=pd.Timedelta(days=90),
    )
    assert model.selection_["chosen"] != "linear", model.selection_
    assert model.n_estimators_ > 0


def test_the_choice_is_saved_and_loaded(tmp_path: object) -> None:
    X, y = _linear_leads(1500, seed=2)
    model = LeadModel(random_state=0, linear_prior="auto").fit(X, y)
    loaded = LeadModel.load(model.save(f"{tmp_path}/model"))
    assert loaded.selection_ == model.selection_
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_a_fixed_mix_is_kept_and_recorded() -> None:
    X, y = _linear_leads(1500, seed=3)
    model = LeadModel(random_state=0, linear_prior=0.5, max_rounds=30).fit(X, y)
    assert list(model.selection_["candidates"]) == ["linear_prior=0.5"]
    assert model.selection_["reason"] == "fixed by linear_prior=0.5"
    assert model.n_estimators_ > 0
    with pytest.raises(ls.errors.ModelError, match="linear_prior: expected 'auto' or a number"):
        LeadModel(linear_prior="sometimes").fit(X, y)  # type: ignore[arg-type]


def test_calibration_follows_the_latest_rows_under_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    # the regime changes at row 3,500: the early-stopping model (rows 0-3,999) barely sees it,
    # the validation slice (4,000-4,999) and the future (5,000-6,999) are all in it
    X, y = _linear_leads(7000, seed=4, shift=1.5, from_row=3500)
    train, future = slice(0, 5000), slice(5000, 7000)
    model = LeadModel(random_state=0, linear_prior="auto").fit(X.iloc[train], y[train])
    assert model.selection_["chosen"] == "linear"
    p = model.predict_proba(X.iloc[future])[:, 1]
    ece = expected_calibration_error(y[future], p)
    assert ece < 0.05
    assert abs(p.mean() - y[future].mean()) < 0.03
    # the validated model's calibrator, carried over, corrects the refitted model twice
    monkeypatch.setattr(_training, "_recalibrate", lambda *args: None)
    carried = LeadModel(random_state=0, linear_prior="auto").fit(X.iloc[train], y[train])
    assert expected_calibration_error(y[future], carried.predict_proba(X.iloc[future])[:, 1]) > (
        ece + 0.02
    )
