"""Metrics, bootstrap intervals, lift, calibration error, time splits and the baselines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from leadscore.evaluate import (
    BASELINES,
    LightGBMBaseline,
    NaiveBayesBaseline,
    PointsBaseline,
    binary_metrics,
    bootstrap_metrics,
    compare_models,
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


@pytest.mark.parametrize("baseline", list(BASELINES.values()))
def test_baselines_learn_and_round_trip(baseline: type) -> None:
    X, y = _features()
    fitted = baseline().fit(X, y)
    fresh_X, fresh_y = _features(seed=1)
    p = fitted.predict_proba(fresh_X)
    assert roc_auc_score(fresh_y, p) > 0.65
    assert abs(p.mean() - fresh_y.mean()) < 0.05
    again = baseline.from_dict(json.loads(json.dumps(fitted.to_dict())))
    np.testing.assert_array_equal(again.predict_proba(fresh_X), p)


def test_bootstrap_metrics_are_the_metrics_of_each_resample() -> None:
    rng = np.random.default_rng(3)
    n = 400
    p = np.round(rng.beta(1, 5, n), 2)  # rounded: many ties, as a calibrated score has
    y = (rng.random(n) < p).astype(int)
    groups = rng.integers(0, 150, n)  # a contact at several cutoffs
    draws = bootstrap_metrics(y, p, groups, resamples=4, seed=7)
    # the same resamples drawn by hand: groups with replacement, every row of a drawn group
    codes, uniques = pd.factorize(groups)
    counts = np.random.default_rng(7).multinomial(
        len(uniques), np.full(len(uniques), 1 / len(uniques)), size=4
    )
    for b in range(4):
        copies = counts[b][codes]
        expected = binary_metrics(np.repeat(y, copies), np.repeat(p, copies))
        for metric in draws.columns:
            assert draws.loc[b, metric] == pytest.approx(expected[metric], abs=1e-12), metric
    assert set(draws.columns) == set(binary_metrics(y, p)) - {"rows", "positives"}


def test_bootstrap_is_paired_seeded_and_covers_the_estimate() -> None:
    y, p = _outcomes(3000)
    groups = np.arange(3000) // 3
    first = bootstrap_metrics(y, p, groups, resamples=60, seed=1)
    pd.testing.assert_frame_equal(first, bootstrap_metrics(y, p, groups, resamples=60, seed=1))
    # the same resamples for another model: the gap to a shifted score is exactly zero in ranks
    shifted = bootstrap_metrics(y, p / 2, groups, resamples=60, seed=1)
    np.testing.assert_allclose(first["roc_auc"], shifted["roc_auc"])
    assert first["roc_auc"].std() > 0
    frame = compare_models(y, {"model": p, "half": p / 2}, groups, resamples=100)
    assert list(frame.columns) == ["model", "metric", "value", "low", "high"]
    shown = frame.set_index(["model", "metric"])
    for metric in ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "precision_at_5pct"):
        low, value, high = shown.loc[("model", metric), ["low", "value", "high"]]
        assert low <= value <= high, metric
    assert shown.loc[("model", "rows"), ["low", "high"]].isna().all()
    # resampling contacts, not rows: a contact repeated at cutoffs widens the interval
    repeated = np.repeat(np.arange(1000), 3)
    y3, p3 = y[repeated], p[repeated]
    by_row = bootstrap_metrics(y3, p3, None, resamples=100)["roc_auc"].std()
    by_contact = bootstrap_metrics(y3, p3, repeated, resamples=100)["roc_auc"].std()
    assert by_contact > 1.3 * by_row


def test_compare_models_without_rows_says_so() -> None:
    frame = compare_models(np.array([], dtype=int), {"a": np.array([]), "b": np.array([])})
    assert frame[["model", "metric", "value"]].values.tolist() == [
        ["a", "rows", 0.0], ["a", "positives", 0.0], ["b", "rows", 0.0], ["b", "positives", 0.0]
    ]  # fmt: skip


def test_naive_bayes_is_odoos_formula() -> None:
    X = pd.DataFrame(
        {
            "country": ["BE", "BE", "FR", "FR", None],
            "stage": ["lead", "sql", "opportunity", "lead", "mql"],
        }
    )
    y = np.array([1, 0, 1, 0, 0])
    model = NaiveBayesBaseline(bins=2).fit(X, y)
    won, lost = 2 + 0.1, 3 + 0.1  # Odoo's team totals: the first stage's counts
    # country: each value's counts + 0.1, over the field's total (the empty value is skipped)
    assert model.counts["country"] == {
        "values": ["BE", "FR"], "won": [1.1, 1.1], "lost": [1.1, 1.1]
    }  # fmt: skip
    # stage, counted cumulatively: a won lead in every stage, a lost one up to its own
    stage = dict(zip(model.counts["stage"]["values"], model.counts["stage"]["lost"], strict=True))
    assert stage == pytest.approx(
        {"lead": 3.1, "mql": 2.1, "sal": 1.1, "sql": 1.1, "opportunity": 0.1, "customer": 0.1}
    )
    assert set(model.counts["stage"]["won"]) == {won}
    row = pd.DataFrame({"country": ["FR"], "stage": ["mql"]})
    s_won = won / (won + lost) * (1.1 / 2.2) * (won / won)
    s_lost = lost / (won + lost) * (1.1 / 2.2) * (2.1 / lost)
    assert model.predict_proba(row)[0] == pytest.approx(s_won / (s_won + s_lost))
    # an unseen value adds nothing: the same as an empty field
    unseen = pd.DataFrame({"country": ["DE"], "stage": ["mql"]})
    empty = pd.DataFrame({"country": [None], "stage": ["mql"]})
    assert model.predict_proba(unseen)[0] == model.predict_proba(empty)[0]


def test_naive_bayes_buckets_numbers() -> None:
    X, y = _features()
    model = NaiveBayesBaseline().fit(X, y)
    assert 0 < len(model.edges["email_open_90d"]) <= 9
    assert "title_seniority" not in model.edges
    # a value of each bucket gets that bucket's ratio; missing numbers add nothing
    values = model.counts["days_since_any"]["values"]
    assert values == sorted(values, key=int)
    empty = dict.fromkeys(["days_since_any", "email_open_90d", "demo_request_90d"], np.nan)
    fresh = X.head(1).assign(**empty, title_seniority=None, lead_source=None)
    assert model.log_odds(fresh)[0] == pytest.approx(np.log(model.won / model.lost))


def test_lightgbm_baseline_is_the_default_classifier() -> None:
    import lightgbm as lgb

    X, y = _features()
    fitted = LightGBMBaseline().fit(X, y)
    frame = X.assign(title_seniority=X["title_seniority"].astype("category"))
    plain = lgb.LGBMClassifier(verbose=-1).fit(frame, y)
    assert plain.booster_.num_trees() == lgb.Booster(model_str=fitted.booster).num_trees() == 100
    assert fitted.categories["lead_source"] == ["purchased_list", "referral", "web"]
    np.testing.assert_allclose(fitted.predict_proba(X), plain.predict_proba(frame)[:, 1])
