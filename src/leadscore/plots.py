"""Plots for data scientists: calibration, lift and feature importance.

Every function draws on a new matplotlib :class:`~matplotlib.figure.Figure` and returns it;
:func:`save` writes it as PNG. The figures are made without pyplot, so they need no display,
work in batch jobs and threads, and leave matplotlib's backend and pyplot's open figures as
they were (importing this module changes nothing). shap's plots draw through pyplot: their
figure is closed in pyplot (taken off its list) before it is returned.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from leadscore._io import atomic_path
from leadscore.evaluate import lift_table, reliability_curve

__all__ = [
    "beeswarm_plot",
    "calibration_plot",
    "criteria_importance_plot",
    "importance_plot",
    "lift_plot",
    "save",
    "waterfall_plot",
]

_COLOURS = {"leadscore": "#1f6feb", "logistic": "#8250df", "points": "#9a6700"}


def calibration_plot(y: Any, predictions: dict[str, Any], *, title: str = "") -> Figure:
    """Reliability curves (ten equal-count bins) of one or more models on the same rows.

    Examples
    --------
    >>> fig = calibration_plot([0, 1, 0, 1], {"leadscore": [0.2, 0.7, 0.3, 0.9]})
    >>> fig.axes[0].get_xlabel()
    'mean predicted probability'
    """
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    top = 0.0
    for name, p in predictions.items():
        curve = reliability_curve(y, p)
        ax.plot(curve["mean_predicted"], curve["observed"], "o-", label=name,
                color=_COLOURS.get(name))  # fmt: skip
        top = max(top, float(curve["mean_predicted"].max()), float(curve["observed"].max()))
    limit = min(1.0, top * 1.05) or 1.0
    ax.plot([0, limit], [0, limit], ":", color="grey", label="perfect")
    ax.set(xlim=(0, limit), ylim=(0, limit), xlabel="mean predicted probability",
           ylabel="observed rate", title=title or "Calibration")  # fmt: skip
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def lift_plot(y: Any, predictions: dict[str, Any], *, title: str = "") -> Figure:
    """Lift by decile of score (decile 1 holds the top 10% of scores)."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    width = 0.8 / max(len(predictions), 1)
    for i, (name, p) in enumerate(predictions.items()):
        table = lift_table(y, p)
        ax.bar(table["decile"] + (i - (len(predictions) - 1) / 2) * width, table["lift"],
               width=width, label=name, color=_COLOURS.get(name))  # fmt: skip
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set(xlabel="decile of score (1 = highest)", ylabel="lift over the base rate",
           title=title or "Lift by decile", xticks=range(1, 11))  # fmt: skip
    ax.legend()
    fig.tight_layout()
    return fig


def importance_plot(names: list[str], importance: Any, *, top: int = 25, title: str = "") -> Figure:
    """Horizontal bars of the ``top`` most important features."""
    series = pd.Series(np.asarray(importance, dtype=float), index=names).sort_values()
    series = series.iloc[-top:]
    fig = Figure(figsize=(7, 0.28 * len(series) + 1.2))
    ax = fig.subplots()
    ax.barh(series.index, series.to_numpy(), color="#1f6feb")
    ax.set(xlabel="total gain", title=title or "Feature importance")
    fig.tight_layout()
    return fig


def beeswarm_plot(explanation: Any, *, max_display: int = 20, title: str = "") -> Figure:
    """shap's beeswarm of contributions: one dot per row and feature, coloured by value.

    ``explanation`` comes from :meth:`leadscore.LeadModel.explain`.
    """
    import matplotlib.pyplot as plt
    import shap

    fig = plt.figure(figsize=(8, 0.32 * max_display + 1.5))
    try:
        with warnings.catch_warnings():
            # shap colours each feature's dots by percentiles of its values; a feature missing
            # in every row (its dots drawn grey) has none, and numpy's "All-NaN slice
            # encountered" reached the user of `leadscore train`
            warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
            shap.plots.beeswarm(explanation, max_display=max_display, show=False, plot_size=None)
    finally:
        plt.close(fig)
    fig.axes[0].set_title(title or "Contributions to the log-odds (TreeSHAP)")
    fig.tight_layout()
    return fig


def waterfall_plot(explanation: Any, row: int = 0, *, max_display: int = 12,
                   title: str = "") -> Figure:  # fmt: skip
    """shap's waterfall for one lead: from the base value to its log-odds, feature by feature."""
    import matplotlib.pyplot as plt
    import shap

    fig = plt.figure(figsize=(8, 0.4 * max_display + 1.5))
    try:
        shap.plots.waterfall(explanation[row], max_display=max_display, show=False)
        drawn = plt.gcf()  # shap's waterfall may open a figure of its own
    finally:
        plt.close(fig)
    if drawn is not fig:
        plt.close(drawn)
        fig = drawn
    fig.axes[0].set_title(title or "One lead, feature by feature (log-odds)")
    fig.tight_layout()
    return fig


def criteria_importance_plot(criteria: pd.DataFrame, *, title: str = "") -> Figure:
    """Mean absolute contribution per qualification criterion, with the mean signed one.

    ``criteria`` holds one column per criterion, as from
    :meth:`leadscore.LeadModel.explain_criteria`.

    Examples
    --------
    >>> frame = pd.DataFrame({"fit": [0.5, -0.1], "need": [1.0, 0.2]})
    >>> criteria_importance_plot(frame).axes[0].get_xlabel()
    'mean |contribution| (log-odds)'
    """
    magnitude = criteria.abs().mean().sort_values()
    signed = criteria.mean().reindex(magnitude.index)
    fig = Figure(figsize=(6.5, 0.38 * len(magnitude) + 1.3))
    ax = fig.subplots()
    ax.barh(magnitude.index.str.replace("_", " "), magnitude.to_numpy(), color="#1f6feb")
    for i, (size, mean) in enumerate(zip(magnitude.to_numpy(), signed.to_numpy(), strict=True)):
        colour = "#1a7f37" if mean >= 0 else "#cf222e"
        ax.text(size, i, f"  net {mean:+.2f}", va="center", color=colour, fontsize=8)
    ax.set(xlabel="mean |contribution| (log-odds)",
           title=title or "What drives the score, by criterion")  # fmt: skip
    ax.set_xlim(0, float(magnitude.max()) * 1.3 if len(magnitude) else 1)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Write ``fig`` as PNG atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path
