"""The one logistic regression: LeadModel's linear prior and the logistic baseline.

Both are pinned to values computed by the code before they shared one design matrix
(``tests/snapshots/linear.json``): the prior's log-odds feed the pinned model scores, and the
baseline's probabilities give the metrics the champion decision compares.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from conftest import SNAPSHOTS
from leadscore._linear import LinearPrior
from leadscore.evaluate import LogisticBaseline

PINS = SNAPSHOTS / "linear.json"


def _matrix(n: int = 3_000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A LightGBM-style matrix: counts, a heavy tail, negatives, gaps, a constant, codes."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(2.0, n).astype(float)
    tail = rng.lognormal(3.0, 2.0, n)
    signed = rng.normal(0.0, 5.0, n)
    gappy = np.where(rng.random(n) < 0.3, np.nan, rng.exponential(10.0, n))
    constant = np.full(n, 4.0)
    empty = np.full(n, np.nan)
    codes = rng.choice([0.0, 1.0, 2.0, 3.0, np.nan], n, p=[0.5, 0.3, 0.15, 0.045, 0.005])
    rare = rng.choice(np.arange(60.0), n)
    matrix = np.column_stack([counts, tail, signed, gappy, constant, empty, codes, rare])
    z = 0.6 * np.log1p(counts) - 0.3 * np.log1p(tail) + 0.05 * signed + (codes == 1) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    return matrix, y


def _prior(rows: int | None = None) -> tuple[LinearPrior, np.ndarray]:
    matrix, y = _matrix()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    # counts and the heavy tail constrained the wrong way: the tail's coefficient is dropped
    prior = LinearPrior.learn(
        matrix, y, weights, categorical=[6, 7], directions=[1, 1, 0, -1, 0, 0, 0, 0],
        weight=0.5, random_state=0,
    )  # fmt: skip
    probe = _matrix(500, seed=8)[0]
    probe[:5, 1] = [1e9, 0.0, -3.0, np.nan, 1e-3]  # beyond the fitted range
    return prior, probe


def _baseline_frames() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(3)

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "visits_30d": rng.poisson(3.0, n).astype("float64"),
                "revenue": np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(12, 2, n)),
                "trend": rng.normal(0, 1, n),
                "flag": rng.random(n) < 0.3,
                "never": np.full(n, np.nan),
                "industry": pd.Categorical(rng.choice(["software", "retail", "bank", None], n)),
                "country": pd.Series(
                    rng.choice([*(f"c{i}" for i in range(40)), "US"], n), dtype="str"
                ),
            }
        )

    train = frame(2_000)
    z = 0.4 * np.log1p(train["visits_30d"]) + (train["industry"] == "software") - 1.5
    y = (rng.random(len(train)) < 1 / (1 + np.exp(-z.to_numpy()))).astype(int)
    return train, y, frame(400)


def _computed() -> dict[str, list[float]]:
    prior, probe = _prior()
    train, y, test = _baseline_frames()
    baseline = LogisticBaseline().fit(train, y)
    return {
        "prior_log_odds": prior.log_odds(probe).tolist(),
        "prior_contributions": prior.contributions(probe).ravel().tolist(),
        "prior_base": [prior.base],
        "baseline_proba": baseline.predict_proba(test).tolist(),
        "baseline_coef": [*baseline.coef, baseline.intercept],
    }


@pytest.fixture(scope="module")
def computed() -> dict[str, list[float]]:
    values = _computed()
    if os.environ.get("LEADSCORE_UPDATE_SNAPSHOTS") == "1":
        PINS.write_text(json.dumps(values, indent=0) + "\n", encoding="utf-8")
    return values


@pytest.fixture(scope="module")
def pinned() -> dict[str, list[float]]:
    values: dict[str, list[float]] = json.loads(PINS.read_text(encoding="utf-8"))
    return values


@pytest.mark.parametrize("key", ["prior_log_odds", "prior_contributions", "prior_base"])
def test_prior_is_pinned(computed: dict[str, list[float]], pinned: dict[str, list[float]],
                         key: str) -> None:  # fmt: skip
    np.testing.assert_allclose(computed[key], pinned[key], rtol=0, atol=1e-12)


@pytest.mark.parametrize("key", ["baseline_proba", "baseline_coef"])
def test_baseline_is_pinned(computed: dict[str, list[float]], pinned: dict[str, list[float]],
                            key: str) -> None:  # fmt: skip
    np.testing.assert_allclose(computed[key], pinned[key], rtol=0, atol=1e-9)


def test_prior_explains_its_log_odds() -> None:
    prior, probe = _prior()
    total = prior.base + prior.contributions(probe).sum(axis=1)
    np.testing.assert_allclose(total, prior.log_odds(probe), rtol=0, atol=1e-12)


def test_prior_round_trips_through_json() -> None:
    prior, probe = _prior()
    again = LinearPrior.from_dict(json.loads(json.dumps(prior.to_dict())))
    np.testing.assert_array_equal(again.log_odds(probe), prior.log_odds(probe))
