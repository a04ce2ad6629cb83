"""Calibrators: monotone, calibrated, chosen on held-out rows, exact JSON round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leadscore.calibration import Calibrator, choose_calibrator
from leadscore.evaluate import expected_calibration_error


def _scores(n: int = 4000, seed: int = 0, bend: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    raw = rng.normal(0, 2, n)
    # a miscalibrated model: the true log-odds are a bent function of the raw score
    true = 0.6 * raw - 1.5 + bend * raw**2 * (raw > 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-true))).astype(int)
    return raw, y


@pytest.mark.parametrize("kind", ["platt", "isotonic"])
def test_strictly_monotone(kind: str) -> None:
    raw, y = _scores()
    calibrator = Calibrator.fit(kind, raw, y)  # type: ignore[arg-type]
    grid = np.linspace(-12, 12, 5001)
    assert np.all(np.diff(calibrator.transform(grid)) > 0)


@pytest.mark.parametrize(("kind", "bend"), [("platt", 0.0), ("isotonic", 0.0), ("isotonic", 0.4)])
def test_calibrates_held_out_rows(kind: str, bend: float) -> None:
    raw, y = _scores(seed=1, bend=bend)
    fresh_raw, fresh_y = _scores(seed=2, bend=bend)
    calibrator = Calibrator.fit(kind, raw, y)  # type: ignore[arg-type]
    before = expected_calibration_error(fresh_y, 1 / (1 + np.exp(-fresh_raw)))
    after = expected_calibration_error(fresh_y, calibrator.transform(fresh_raw))
    assert after < 0.03 < before


def test_auto_picks_by_held_out_log_loss() -> None:
    raw, y = _scores()
    calibrator, scores = choose_calibrator(raw, y, random_state=0)
    assert set(scores) == {"platt", "isotonic"}
    assert calibrator.kind == min(scores, key=lambda k: scores[k])
    # a bent curve: isotonic follows it, Platt cannot; a nearly straight one: Platt is enough
    assert calibrator.kind == "isotonic"
    straight, _ = choose_calibrator(*_scores(bend=0.0), random_state=0)
    assert straight.kind == "platt"


def test_degenerate_inputs() -> None:
    calibrator, scores = choose_calibrator(np.zeros(10), np.zeros(10, dtype=int))
    assert calibrator.kind == "identity"
    assert scores == {}
    flat = Calibrator.fit("platt", np.zeros(50), np.r_[np.zeros(25), np.ones(25)])
    assert flat.slope == 1.0


@pytest.mark.parametrize("kind", ["identity", "platt", "isotonic"])
def test_json_round_trip(kind: str) -> None:
    raw, y = _scores()
    calibrator = Calibrator.fit(kind, raw, y)  # type: ignore[arg-type]
    again = Calibrator.from_dict(json.loads(json.dumps(calibrator.to_dict())))
    assert again == calibrator
    np.testing.assert_array_equal(again.transform(raw), calibrator.transform(raw))
