"""The report's SVG charts as plain view objects (bar geometry, labels, formatted numbers):
grades and criteria importance (horizontal bars), the score histogram, and a lead's diverging
criteria bars. The template's macros (``templates/_charts.html.j2``) only draw them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from leadscore.report._scores import GRADE_LETTERS, criteria_importance

__all__ = [
    "CRITERION_LABELS",
    "Bar",
    "Chart",
    "criteria_chart",
    "format_signed",
    "grade_chart",
    "importance_chart",
    "score_histogram",
]


#: Display name and one-line meaning of each criterion (DESIGN section 2).
CRITERION_LABELS: Final = {
    "fit": ("Fit", "the company is in the target market"),
    "budget": ("Budget", "the means to buy"),
    "authority": ("Authority", "can authorise or sway the purchase"),
    "need": ("Need", "has a need for what is sold"),
    "engagement": ("Engagement", "shows interest through activity"),
    "timing": ("Timing", "recency, velocity, stage and time in stage"),
    "buying_group": ("Buying group", "the account around the contact"),
    "source": ("Source", "how the lead came in"),
}


@dataclasses.dataclass(frozen=True)
class Bar:
    """One bar of an SVG chart, in user units of the chart's ``viewBox``."""

    label: str
    title: str
    x: float
    y: float
    width: float
    height: float
    value: str
    kind: str
    note: str = ""
    note_kind: str = ""


@dataclasses.dataclass(frozen=True)
class Chart:
    """An SVG chart: its size, accessible title and description, and bars."""

    chart_id: str
    width: int
    height: int
    title: str
    description: str
    bars: tuple[Bar, ...]
    #: Where labels end, where right-aligned notes end, and the zero line: its x for diverging
    #: bars, its y (the baseline) for the histogram.
    label_x: float = 0.0
    note_x: float = 0.0
    axis: float = 0.0
    #: Where the bars of a diverging chart may go, from and to (x).
    area: tuple[float, float] = (0.0, 0.0)


def format_signed(value: float) -> str:
    """A log-odds contribution with its sign, e.g. ``+0.85`` or ``−0.32`` (a true minus)."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{abs(value):.2f}"
    if text == "0.00":
        return text
    return ("+" if value > 0 else "−") + text


def _leads(count: int) -> str:
    """``1 lead``, ``1,234 leads``."""
    return f"{count:,} lead{'' if count == 1 else 's'}"


# Horizontal bar charts (grades, criteria importance).
_H_WIDTH, _H_LABEL, _H_ROW, _H_BAR = 540, 104, 28, 18


_G_ROW, _G_BAR = 44, 26


def grade_chart(scores: pd.DataFrame) -> Chart:
    """Horizontal bars of how many leads have each grade (all rows)."""
    counts = scores["grade"].value_counts().reindex(list(GRADE_LETTERS), fill_value=0)
    total = max(int(counts.sum()), 1)
    biggest = max(int(counts.max()), 1)
    room = _H_WIDTH - _H_LABEL - 96
    bars = []
    for i, (grade, count) in enumerate(counts.items()):
        width = room * int(count) / biggest
        share = f"{int(count) / total:.0%}"
        bars.append(
            Bar(
                label=f"Grade {grade}", title=f"Grade {grade}: {_leads(int(count))} ({share})",
                x=_H_LABEL, y=i * _G_ROW + 8, width=round(width, 1), height=_G_BAR,
                value=f"{count:,} ({share})", kind=f"grade-{grade}",
            )
        )  # fmt: skip
    return Chart(
        chart_id="grade-chart", width=_H_WIDTH, height=len(bars) * _G_ROW + 12,
        title="Leads by grade",
        description=", ".join(f"grade {g}: {c}" for g, c in counts.items()),
        bars=tuple(bars), label_x=_H_LABEL - 10,
    )  # fmt: skip


def importance_chart(scores: pd.DataFrame, target: str) -> Chart | None:
    """Horizontal bars of the mean absolute contribution per criterion, with the mean signed."""
    importance = criteria_importance(scores, target=target)
    if importance.empty:
        return None
    biggest = importance["mean_abs"].max()
    biggest = float(biggest) if math.isfinite(biggest) and biggest > 0 else 1.0
    room = _H_WIDTH - _H_LABEL - 126
    bars = []
    for i, (criterion, row) in enumerate(importance.iterrows()):
        label, meaning = CRITERION_LABELS[str(criterion)]
        mean_abs, mean = float(row["mean_abs"]), float(row["mean"])
        present = math.isfinite(mean_abs)
        bars.append(
            Bar(
                label=label,
                title=(
                    f"{label} ({meaning}): mean |contribution| {mean_abs:.2f}, "
                    f"mean {format_signed(mean)} log-odds over {_leads(int(row['rows']))}"
                    if present else f"{label}: no values"
                ),
                x=_H_LABEL, y=i * _H_ROW + 5,
                width=round(room * mean_abs / biggest, 1) if present else 0.0,
                height=_H_BAR, value=f"{mean_abs:.2f}" if present else "n/a", kind="importance",
                note=f"net {format_signed(mean)}" if present else "",
                note_kind=("helped" if mean > 0 else "hurt" if mean < 0 else "") if present else "",
            )
        )  # fmt: skip
    return Chart(
        chart_id=f"importance-{target}", width=_H_WIDTH, height=len(bars) * _H_ROW + 6,
        title=f"Criteria importance for the {target} score",
        description="; ".join(f"{b.label}: {b.value}" for b in bars),
        bars=tuple(bars), label_x=_H_LABEL - 10, note_x=_H_WIDTH,
    )  # fmt: skip


# Score histogram.
_S_WIDTH, _S_HEIGHT, _S_TOP, _S_BOTTOM, _S_SIDE = 540, 200, 22, 26, 6


def score_histogram(scores: pd.DataFrame) -> Chart:
    """Ten bins of ``score`` (1-9, 10-19, ..., 90-99) over all rows, each bar coloured by the
    grade most leads in it have."""
    bins = np.clip(scores["score"].to_numpy(dtype="int64") // 10, 0, 9)
    counts = np.bincount(bins, minlength=10)
    by_grade = pd.crosstab(bins, scores["grade"].to_numpy()) if len(scores) else pd.DataFrame()
    dominant = by_grade.idxmax(axis=1).to_dict() if not by_grade.empty else {}
    biggest = max(int(counts.max()), 1)
    slot = (_S_WIDTH - 2 * _S_SIDE) / 10
    plot_height = _S_HEIGHT - _S_TOP - _S_BOTTOM
    bars = []
    for i, count in enumerate(counts.tolist()):
        low, high = max(10 * i, 1), 10 * i + 9
        height = plot_height * count / biggest
        bars.append(
            Bar(
                label=f"{low}–{high}", title=f"Score {low}–{high}: {_leads(count)}",
                x=round(_S_SIDE + i * slot + 3, 1), y=round(_S_TOP + plot_height - height, 1),
                width=round(slot - 6, 1), height=round(height, 1), value=f"{count:,}",
                kind=f"grade-{dominant[i]}" if i in dominant else "empty",
            )
        )  # fmt: skip
    return Chart(
        chart_id="score-histogram", width=_S_WIDTH, height=_S_HEIGHT,
        title="Score distribution",
        description="; ".join(f"scores {b.label}: {b.value} leads" for b in bars),
        bars=tuple(bars), axis=_S_TOP + plot_height,
    )  # fmt: skip


# Diverging criteria bars of a card.
_D_WIDTH, _D_LABEL, _D_VALUE, _D_ROW, _D_BAR = 520, 104, 56, 22, 12


def criteria_chart(
    values: Mapping[str, float], scale: float, *, chart_id: str, target: str
) -> Chart:
    """Diverging bars of one lead's criterion contributions: helped to the right (green),
    hurt to the left (red), ``scale`` log-odds being half the bar area."""
    left, right = _D_LABEL + 4, _D_WIDTH - _D_VALUE - 4
    zero, half = (left + right) / 2, (right - left) / 2
    bars = []
    for i, (criterion, value) in enumerate(values.items()):
        label = CRITERION_LABELS[criterion][0]
        present = math.isfinite(value)
        width = min(abs(value) / scale, 1.0) * half if present else 0.0
        kind = "missing" if not present else "helped" if value > 0 else "hurt"
        effect = {"helped": "helped", "hurt": "hurt", "missing": "no value"}[kind]
        bars.append(
            Bar(
                label=label,
                title=f"{label}: {format_signed(value)} log-odds ({effect})",
                x=round(zero if present and value > 0 else zero - width, 1),
                y=i * _D_ROW + 5, width=round(width, 1), height=_D_BAR,
                value=format_signed(value), kind=kind if value != 0 else "zero",
            )
        )  # fmt: skip
    return Chart(
        chart_id=chart_id, width=_D_WIDTH, height=len(bars) * _D_ROW + 8,
        title=f"Criteria contributions to the {target} score",
        description="; ".join(f"{b.label}: {b.value}" for b in bars),
        bars=tuple(bars), label_x=_D_LABEL - 6, axis=round(zero, 1), note_x=_D_WIDTH,
        area=(left, right),
    )  # fmt: skip
