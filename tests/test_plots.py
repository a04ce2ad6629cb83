"""Plots: each returns a figure and saves as a PNG."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore import plots


@pytest.fixture(scope="module")
def explained() -> tuple[ls.LeadModel, pd.DataFrame]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"demo_request_30d": rng.poisson(0.5, 800).astype(float),
                      "industry": rng.choice(["software", "retail"], 800)})  # fmt: skip
    y = (rng.random(800) < 0.1 + 0.3 * (X["demo_request_30d"] > 0)).astype(int)
    return ls.LeadModel(random_state=0, max_rounds=40).fit(X, y), X


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000


def test_model_plots(tmp_path: Path, explained: tuple[ls.LeadModel, pd.DataFrame]) -> None:
    model, X = explained
    explanation = model.explain(X)
    figures = {
        "beeswarm": plots.beeswarm_plot(explanation),
        "waterfall": plots.waterfall_plot(explanation, 3),
        "criteria": plots.criteria_importance_plot(model.explain_criteria(X)),
        "importance": plots.importance_plot(
            list(model.feature_names_in_), model.feature_importances_
        ),
    }
    for name, figure in figures.items():
        assert figure.axes, name
        assert _is_png(plots.save(figure, tmp_path / f"{name}.png")), name
    assert plt.get_fignums() == []  # nothing left open in pyplot


def test_a_feature_missing_everywhere_draws_without_warnings(
    explained: tuple[ls.LeadModel, pd.DataFrame],
) -> None:
    model, X = explained
    explanation = model.explain(X.assign(demo_request_30d=np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # once: "All-NaN slice encountered"
        figure = plots.beeswarm_plot(explanation)
    assert figure.axes


def test_importing_the_plots_leaves_matplotlib_as_it_was() -> None:
    # once, the import switched every caller's backend to Agg
    code = (
        "import matplotlib; matplotlib.use('svg'); import leadscore.plots; "
        "print(matplotlib.get_backend())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "svg"


def test_evaluation_plots(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    p = rng.beta(1, 9, 2000)
    y = (rng.random(2000) < p).astype(int)
    predictions = {"leadscore": p, "logistic": np.clip(p * 1.5, 0, 1)}
    assert _is_png(plots.save(plots.calibration_plot(y, predictions), tmp_path / "cal.png"))
    lift = plots.lift_plot(y, predictions)
    assert len(lift.axes[0].patches) == 20  # ten deciles, two models
    assert _is_png(plots.save(lift, tmp_path / "lift.png"))
