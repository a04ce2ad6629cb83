"""The overview's bar charts as plain view objects (labels, bar lengths, formatted numbers):
leads by grade with the grade legend, the score distribution and criteria importance. The
template's macro (``templates/_charts.html.j2``) only draws them, as HTML rows whose bars are
a percentage of their track: text keeps its CSS size on any screen (an SVG scaled down to a
phone shrinks its labels with it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from leadscore.report._scores import (
    ENGAGEMENT_DIGITS,
    FIT_LETTERS,
    GRADE_LETTERS,
    criteria_importance,
)
from leadscore.scorer import GRADES

__all__ = [
    "CRITERION_LABELS",
    "Bar",
    "Chart",
    "GradeBand",
    "GridCell",
    "fit_engagement_grid",
    "format_percent",
    "format_signed",
    "grade_bands",
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


MISSING_TEXT: Final = "—"


@dataclasses.dataclass(frozen=True)
class Bar:
    """One bar: ``length`` is the share of its track it fills, in percent (0-100)."""

    label: str
    title: str
    length: float
    value: str
    kind: str
    note: str = ""
    note_kind: str = ""


@dataclasses.dataclass(frozen=True)
class Chart:
    """A bar chart: its id, accessible title and description (read out instead of the bars),
    and bars, top to bottom."""

    chart_id: str
    title: str
    description: str
    bars: tuple[Bar, ...]


@dataclasses.dataclass(frozen=True)
class GradeBand:
    """What a grade means and how many leads have it today, in words and numbers.

    ``rule`` says where the grade starts (a probability when the model's cut points are known,
    else a score range); ``validation`` the share of validation leads the cut points give it;
    ``count`` and ``share`` today's leads, the very numbers the grade bars show.
    """

    grade: str
    rule: str
    validation: str
    count: int
    share: str


def format_percent(p: float) -> str:
    """A probability as a percentage with one decimal.

    Examples
    --------
    >>> [format_percent(p) for p in (0.4213, 0.0004, 1.0, float("nan"))]
    ['42.1%', '<0.1%', '100.0%', '—']
    """
    if not math.isfinite(p):
        return MISSING_TEXT
    if 0 < p < 0.0005:
        return "<0.1%"
    if 0.9995 < p < 1:
        return ">99.9%"
    return f"{p:.1%}"


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


def _length(value: float, biggest: float) -> float:
    return round(100 * value / biggest, 1) if biggest > 0 else 0.0


def _score_ranges() -> dict[str, tuple[int, int]]:
    """Lowest and highest score of each grade, from the scorer's :data:`GRADES`."""
    lows = sorted(GRADES.items(), key=lambda item: -item[1])
    highs = [99, *(low - 1 for _, low in lows[:-1])]
    return {grade: (low, high) for (grade, low), high in zip(lows, highs, strict=True)}


def grade_bands(scores: pd.DataFrame, cuts: Mapping[str, float] | None = None) -> list[GradeBand]:
    """The grade legend: per grade its rule, its share of validation leads and today's count.

    Scores are percentiles of the validation leads' probabilities, so a grade's share of the
    *validation* leads is fixed (A the top 10%...), while its share of *today's* leads is
    whatever the population scored today is; the legend states both.

    Parameters
    ----------
    scores : DataFrame
        A validated scores table (its ``grade`` column is counted).
    cuts : mapping, optional
        The lowest ``p_customer`` of each grade (:meth:`leadscore.LeadScorer.grade_cuts`);
        without it each grade is stated by its score range.

    Examples
    --------
    >>> scores = pd.DataFrame({"grade": ["A", "C", "C", "D"]})
    >>> band = grade_bands(scores, {"A": 0.3, "B": 0.12, "C": 0.05, "D": 0.0})[0]
    >>> band.rule, band.validation, band.count, band.share
    ('P(customer) ≥ 30.0%', 'the top 10% of validation leads', 1, '25%')
    >>> grade_bands(scores)[3].rule, grade_bands(scores)[3].validation
    ('score 1–39', 'the bottom 40% of validation leads')
    """
    counts = scores["grade"].value_counts().reindex(list(GRADE_LETTERS), fill_value=0)
    total = max(int(counts.sum()), 1)
    ranges = _score_ranges()
    bands = []
    above = 0
    for grade in GRADE_LETTERS:
        low, high = ranges[grade]
        width = high + 1 - (low if low > 1 else 0)
        if above == 0:
            validation = f"the top {width}%"
        elif high + 1 - width <= 0:
            validation = f"the bottom {width}%"
        else:
            validation = f"the next {width}%"
        above += width
        if cuts is not None and grade in cuts and low > 1:
            rule = f"P(customer) ≥ {format_percent(float(cuts[grade]))}"
        elif cuts is not None and grade in cuts:
            rule = f"P(customer) below {format_percent(float(cuts[GRADE_LETTERS[-2]]))}"
        else:
            rule = f"score {low}–{high}"
        count = int(counts[grade])
        bands.append(
            GradeBand(
                grade=grade, rule=rule, validation=f"{validation} of validation leads",
                count=count, share=f"{count / total:.0%}",
            )
        )  # fmt: skip
    return bands


def grade_chart(bands: list[GradeBand]) -> Chart:
    """Bars of how many leads have each grade today (all rows), from :func:`grade_bands`."""
    biggest = max((band.count for band in bands), default=0)
    bars = tuple(
        Bar(
            label=f"Grade {band.grade}",
            title=f"Grade {band.grade}: {_leads(band.count)} ({band.share})",
            length=_length(band.count, biggest),
            value=f"{band.count:,} ({band.share})",
            kind=f"grade-{band.grade}",
        )
        for band in bands
    )
    return Chart(
        chart_id="grade-chart", title="Leads by grade",
        description=", ".join(f"grade {b.grade}: {_leads(b.count)} ({b.share})" for b in bands),
        bars=bars,
    )  # fmt: skip


def importance_chart(scores: pd.DataFrame, target: str) -> Chart | None:
    """Bars of the mean absolute contribution per criterion, with the mean signed one."""
    importance = criteria_importance(scores, target=target)
    if importance.empty:
        return None
    biggest = importance["mean_abs"].max()
    biggest = float(biggest) if math.isfinite(biggest) and biggest > 0 else 1.0
    bars = []
    for criterion, row in importance.iterrows():
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
                length=_length(mean_abs, biggest) if present else 0.0,
                value=f"{mean_abs:.2f}" if present else "n/a", kind="importance",
                note=f"net {format_signed(mean)}" if present else "",
                note_kind=("helped" if mean > 0 else "hurt" if mean < 0 else "") if present else "",
            )
        )  # fmt: skip
    return Chart(
        chart_id=f"importance-{target}", title=f"Criteria importance for the {target} score",
        description="; ".join(f"{b.label}: {b.value}" for b in bars), bars=tuple(bars),
    )  # fmt: skip


def score_histogram(scores: pd.DataFrame) -> Chart:
    """Ten bands of ``score`` (90-99 at the top, down to 1-9) over all rows, each bar coloured
    by the grade most leads in it have."""
    bins = np.clip(scores["score"].to_numpy(dtype="int64") // 10, 0, 9)
    counts = np.bincount(bins, minlength=10)
    by_grade = pd.crosstab(bins, scores["grade"].to_numpy()) if len(scores) else pd.DataFrame()
    dominant = by_grade.idxmax(axis=1).to_dict() if not by_grade.empty else {}
    biggest = int(counts.max())
    bars = []
    for i in reversed(range(10)):
        count = int(counts[i])
        low, high = max(10 * i, 1), 10 * i + 9
        bars.append(
            Bar(
                label=f"{low}–{high}", title=f"Score {low}–{high}: {_leads(count)}",
                length=_length(count, biggest), value=f"{count:,}",
                kind=f"grade-{dominant[i]}" if i in dominant else "empty",
            )
        )  # fmt: skip
    return Chart(
        chart_id="score-histogram", title="Score distribution",
        description="; ".join(f"scores {b.label}: {b.value} leads" for b in bars),
        bars=tuple(bars),
    )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class GridCell:
    """One cell of the fit x engagement grid: today's leads in it (``count``, ``share`` of
    all leads), their mean ``P(customer)`` (the cell's expected conversion rate) and
    ``level`` 0-4, how dark the cell is drawn (by its share)."""

    cell: str
    count: int
    share: str
    conversion: str
    level: int


def fit_engagement_grid(scores: pd.DataFrame) -> list[list[GridCell]] | None:
    """The fit x engagement grid (:mod:`leadscore.fit_engagement`) of today's leads: one row
    per fit letter (A-C), one cell per engagement digit (1-3); None without the column.

    Examples
    --------
    >>> scores = pd.DataFrame({"fit_engagement": ["A1", "A1", "C3", None],
    ...                        "p_customer": [0.4, 0.2, 0.01, 0.1]})
    >>> a1 = fit_engagement_grid(scores)[0][0]
    >>> a1.cell, a1.count, a1.share, a1.conversion
    ('A1', 2, '50%', '30.0%')
    """
    if "fit_engagement" not in scores.columns:
        return None
    total = max(len(scores), 1)
    groups = scores.groupby("fit_engagement", dropna=True)["p_customer"]
    counts, means = groups.size(), groups.mean()
    largest = max(int(counts.max()) if len(counts) else 0, 1)
    return [
        [
            GridCell(
                cell=cell,
                count=(count := int(counts.get(cell, 0))),
                share=f"{count / total:.0%}",
                conversion=format_percent(float(means[cell])) if count else MISSING_TEXT,
                level=math.ceil(4 * count / largest),
            )
            for cell in (f"{letter}{digit}" for digit in ENGAGEMENT_DIGITS)
        ]
        for letter in FIT_LETTERS
    ]
