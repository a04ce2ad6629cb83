"""Metrics, lift, calibration error, time splits and the two baselines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from leadscore.evaluate import (
    LogisticBaseline,
    PointsBaseline,
    binary_metrics,
    expected_calibration_error,
    lift_table,
    reliability_curve,
    time_split,
)


def _outcomes(n: int = 5000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 8, n)
    y = (rng.random(n) < p).astype(int)
    return y, p


def test_metrics_agree_with_scikit_learn() -> None:
    y, p = _outcomes()
    metrics = binary_metrics(y, p)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert metrics["pr_auc"] == pytest.approx(average_precision_score(y, p))
    assert metrics["brier"] == pytest.approx(brier_score_loss(y, p))
    assert metrics["log_loss"] == pytest.approx(log_loss(y, p))
    assert metrics["rows"] == len(y)
    assert metrics["base_rate"] == pytest.approx(y.mean())
    top = np.argsort(-p)[: round(0.05 * len(y))]
    assert metrics["precision_at_5pct"] == pytest.approx(y[top].mean())


def test_calibration_error() -> None:
    y, p = _outcomes(20_000)
    assert expected_calibration_error(y, p) < 0.01  # p is the true probability
    assert expected_calibration_error(y, np.clip(p * 2, 0, 1)) > 0.05
    curve = reliability_curve(y, p)
    assert len(curve) == 10
    assert curve["rows"].sum() == len(y)
    assert (curve["rows"] == len(y) // 10).all()


def test_lift_and_gain() -> None:
    y, p = _outcomes()
    table = lift_table(y, p)
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["rows"].sum() == len(y)
    assert table["positives"].sum() == y.sum()
    assert table["cumulative_gain"].iloc[-1] == pytest.approx(1.0)
    assert table["lift"].iloc[0] > 2 > table["lift"].iloc[-1]
    assert (table["lift"] * table["rows"]).sum() / len(y) == pytest.approx(1.0)


def test_time_split_purges_labels_that_look_ahead() -> None:
    cutoffs = pd.date_range("2025-01-01", periods=8, freq="MS", tz="UTC")
    table = pd.DataFrame(
        {
            "cutoff": np.repeat(cutoffs, 2),
            "y_prospect": pd.array(np.tile([0, 1], 8), dtype="Int8"),
            "y_customer": pd.array(np.tile([1, 0], 8), dtype="Int8"),
        }
    )
    horizons = {"prospect": 90, "customer": 180}
    train, test = time_split(table, horizons=horizons, test_start="2025-07-01")
    assert test["cutoff"].min() == pd.Timestamp("2025-07-01", tz="UTC")
    assert train["cutoff"].max() < test["cutoff"].min()
    for target, days in horizons.items():
        known = train[train[f"y_{target}"].notna()]
        assert (known["cutoff"] + pd.Timedelta(days=days) <= test["cutoff"].min()).all()
    assert train[["y_prospect", "y_customer"]].notna().any(axis=1).all()
    _, default_test = time_split(table, horizons=horizons)
    assert default_test["cutoff"].nunique() == 2


def _features(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "demo_request_90d": rng.poisson(0.3, n).astype(float),
            "email_open_90d": rng.poisson(4, n).astype(float),
            "days_since_any": np.where(rng.random(n) < 0.2, np.nan, rng.exponential(40, n)),
            "title_seniority": pd.Series(rng.choice(["VP", "Manager", None], n), dtype="str"),
            "lead_source": pd.Categorical(rng.choice(["referral", "purchased_list", "web"], n)),
        }
    )
    logit = -2.5 + 1.5 * X["demo_request_90d"] + 0.8 * (X["title_seniority"] == "VP")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)
    return X, y


def test_points_follow_the_documented_rules() -> None:
    X = pd.DataFrame(
        {
            "demo_request_90d": [1.0, 0.0, 3.0],
            "email_open_90d": [30.0, 2.0, 0.0],
            "days_since_any": [2.0, 45.0, np.nan],
            "title_seniority": ["VP", "Manager", None],
            "seniority": ["C-level", "C-level", "C-level"],  # ignored: title seniority wins
            "lead_source": ["referral", "purchased_list", "web"],
        }
    )
    # 25 + 10 (capped opens) + 12 + 10; 2 + 5 - 5 - 10; 25 (capped) + 5 - 20
    assert PointsBaseline.points(X).tolist() == [57.0, -8.0, 10.0]


@pytest.mark.parametrize("baseline", [PointsBaseline, LogisticBaseline])
def test_baselines_learn_and_round_trip(baseline: type) -> None:
    X, y = _features()
    fitted = baseline().fit(X, y)
    fresh_X, fresh_y = _features(seed=1)
    p = fitted.predict_proba(fresh_X)
    assert roc_auc_score(fresh_y, p) > 0.65
    assert abs(p.mean() - fresh_y.mean()) < 0.05
    again = baseline.from_dict(json.loads(json.dumps(fitted.to_dict())))
    np.testing.assert_array_equal(again.predict_proba(fresh_X), p)
