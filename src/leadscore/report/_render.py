"""The sales-ops report: the scores table (DESIGN section 6) as one self-contained HTML page.

The page holds everything inline: CSS, a little vanilla JavaScript (sorting and filtering the
lead table) and SVG charts drawn here, server-side. Nothing is loaded from the network, so the
file can be mailed, archived or opened offline.

Python computes what the page shows (counts, bins, bar geometry, formatted numbers) as plain
view objects; the jinja2 template only lays them out, with autoescaping on, so user data (ids,
reasons, the title) always reaches the page escaped.

The page has three parts:

- an overview of *all* rows: headline numbers, grade counts, the score distribution and the
  criteria importance (mean absolute contribution of each qualification criterion);
- the ranked lead table (highest ``score`` first, then ``p_customer``), at most ``max_leads``
  rows, sortable and filterable;
- one card per lead in the table: probabilities, all reasons and a diverging bar per criterion
  for the customer target, and for the prospect target when the table has its columns.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import jinja2
import numpy as np
import pandas as pd

from leadscore._conventions import as_ids, as_times, blank_to_missing
from leadscore._io import atomic_path, format_of, read_frame
from leadscore.domain import CRITERIA
from leadscore.errors import ConfigError, DataNotFoundError, SchemaError

__all__ = [
    "criteria_importance",
    "read_scores",
    "render_report",
    "validate_scores",
    "write_report",
]

TABLE: Final = "scores"
#: Columns a scores table must have; every other column is optional.
REQUIRED_COLUMNS: Final = ("contact_id", "p_prospect", "p_customer", "score", "grade", "reasons")
GRADE_LETTERS: Final = ("A", "B", "C", "D")
#: The two targets and the prefix of their columns in the scores table.
TARGET_PREFIXES: Final = {"customer": "", "prospect": "prospect_"}
#: Columns read as text from CSV whatever they look like (ids keep their leading zeros).
TEXT_COLUMNS: Final = (
    "contact_id",
    "account_id",
    "grade",
    "prospect_grade",
    "reasons",
    "prospect_reasons",
    "reason_codes",
    "prospect_reason_codes",
    "model_version",
)
#: How many reasons the lead table shows per lead (the cards show them all).
TOP_REASONS: Final = 3

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


# --------------------------------------------------------------------------------------------
# Reading and validating the scores table
# --------------------------------------------------------------------------------------------


def _rows(mask: pd.Series) -> list[str]:
    return [f"row {i}" for i in np.flatnonzero(mask.to_numpy())[:5]]


def _numbers(
    values: pd.Series,
    column: str,
    *,
    nullable: bool,
    low: float | None = None,
    high: float | None = None,
) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise SchemaError(TABLE, column, "wrong type: expected numbers, got booleans")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
    else:
        text = blank_to_missing(values)
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = numbers.isna() & text.notna()
        if bad.any():
            raise SchemaError(
                TABLE, column, f"wrong type: expected numbers, got {values.dtype}",
                values=text[bad], count=int(bad.sum()),
            )  # fmt: skip
    missing = numbers.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            TABLE, column, "missing values", values=_rows(missing), count=int(missing.sum())
        )
    outside = numbers.notna() & ~np.isfinite(numbers)
    if low is not None:
        outside |= numbers < low
    if high is not None:
        outside |= numbers > high
    if outside.any():
        bounded = low is not None and high is not None
        problem = f"values outside [{low:g}, {high:g}]" if bounded else "values not finite"
        raise SchemaError(TABLE, column, problem, values=numbers[outside], count=int(outside.sum()))
    return numbers


def _integers(values: pd.Series, column: str, *, nullable: bool) -> pd.Series:
    numbers = _numbers(values, column, nullable=nullable, low=1, high=99)
    fractional = numbers.notna() & (numbers != np.floor(numbers))
    if fractional.any():
        raise SchemaError(
            TABLE, column, "wrong type: expected whole scores 1-99",
            values=numbers[fractional], count=int(fractional.sum()),
        )  # fmt: skip
    return numbers.astype("Int64" if nullable else "int64")


def _grades(values: pd.Series, column: str, *, nullable: bool) -> pd.Series:
    grades = _text(values, column)
    missing = grades.isna()
    if missing.any() and not nullable:
        raise SchemaError(
            TABLE, column, "missing grades", values=_rows(missing), count=int(missing.sum())
        )
    unknown = grades.notna() & ~grades.isin(GRADE_LETTERS)
    if unknown.any():
        raise SchemaError(
            TABLE, column, f"unknown grades; expected one of {', '.join(GRADE_LETTERS)}",
            values=grades[unknown], count=int(unknown.sum()),
        )  # fmt: skip
    return grades


def _text(values: pd.Series, column: str) -> pd.Series:
    if (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
    ) and not values.isna().all():
        raise SchemaError(
            TABLE, column, f"wrong type: expected text, got {values.dtype}", values=values.head(5)
        )
    return blank_to_missing(values)


def _times(values: pd.Series, column: str) -> pd.Series:
    return as_times(values, TABLE, column, nullable=True)


def _converter(column: str) -> Callable[[pd.Series, str], pd.Series] | None:
    """How a column of the scores table is checked and converted (None: kept as it is)."""
    base = column.removeprefix("prospect_")
    if base in CRITERIA:
        return functools.partial(_numbers, nullable=True)
    if column.startswith("prospect_"):
        optional: dict[str, Callable[[pd.Series, str], pd.Series]] = {
            "score": functools.partial(_integers, nullable=True),
            "grade": functools.partial(_grades, nullable=True),
            "reasons": _text,
            "reason_codes": _text,
        }
        return optional.get(base)
    converters: dict[str, Callable[[pd.Series, str], pd.Series]] = {
        "contact_id": lambda values, column: as_ids(values, TABLE, column, nullable=False),
        "account_id": lambda values, column: as_ids(values, TABLE, column, nullable=True),
        "as_of": _times,
        "p_prospect": functools.partial(_numbers, nullable=False, low=0.0, high=1.0),
        "p_customer": functools.partial(_numbers, nullable=False, low=0.0, high=1.0),
        "score": functools.partial(_integers, nullable=False),
        "grade": functools.partial(_grades, nullable=False),
        "reasons": _text,
        "reason_codes": _text,
        "model_version": _text,
    }
    return converters.get(column)


def validate_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Check a scores table and return a copy with canonical column types.

    Ids and texts become ``str`` (missing stays missing), probabilities and criterion
    contributions ``float64``, ``score`` ``int64`` (``prospect_score`` nullable ``Int64``) and
    ``as_of`` ``datetime64[us, UTC]``. Unknown columns are kept unchanged; the input is never
    modified.

    Raises
    ------
    SchemaError
        When a required column is missing, or a column has the wrong type or impossible
        values (probabilities outside [0, 1], scores outside 1-99, grades other than A-D).

    Examples
    --------
    >>> validate_scores(pd.DataFrame({"contact_id": ["c1"]}))
    Traceback (most recent call last):
    ...
    leadscore.errors.SchemaError: scores.p_prospect: missing required column...
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(scores).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise SchemaError(
            TABLE, missing[0], "missing required column",
            hint=f"A scores table needs the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"missing: {', '.join(missing)}",
        )  # fmt: skip
    out = scores.reset_index(drop=True)  # a new frame: assigning to it leaves `scores` alone
    for column in out.columns:
        convert = _converter(str(column))
        if convert is not None:
            out[column] = convert(out[column], str(column))
    return out


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read a scores table from a ``.parquet`` or ``.csv`` file and validate it.

    Parameters
    ----------
    path : str or Path
        A file written by batch scoring (DESIGN section 6).

    Returns
    -------
    DataFrame
        The scores table with canonical column types (see :func:`validate_scores`).

    Raises
    ------
    DataNotFoundError
        When the file does not exist.
    SchemaError
        When a required column is missing or a column has the wrong type; the message names
        the table (``scores``), the column and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "scores.csv"
    >>> _ = path.write_text("contact_id,p_prospect,p_customer,score,grade,reasons\\n"
    ...                     "007,0.4,0.1,55,C,+ Requested a demo\\n")
    >>> read_scores(path)[["contact_id", "score", "grade"]]
      contact_id  score grade
    0        007     55     C
    """
    path = Path(path)
    format_of(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such scores file")
    return validate_scores(read_frame(path, table=TABLE, text_columns=TEXT_COLUMNS))


# --------------------------------------------------------------------------------------------
# Summaries of all rows
# --------------------------------------------------------------------------------------------


def _prefix(target: str) -> str:
    if target not in TARGET_PREFIXES:
        raise ConfigError(f"unknown target {target!r}; expected one of {list(TARGET_PREFIXES)}")
    return TARGET_PREFIXES[target]


def criteria_importance(scores: pd.DataFrame, *, target: str = "customer") -> pd.DataFrame:
    """Mean absolute and mean signed contribution of each criterion over all rows.

    Parameters
    ----------
    scores : DataFrame
        A scores table; only its criterion columns are used (``fit``, ``budget``... for the
        customer target, ``prospect_fit``... for the prospect target).
    target : {"customer", "prospect"}
        Which target's contributions to summarise.

    Returns
    -------
    DataFrame
        Indexed by ``criterion`` (criteria without a column are left out), with ``mean_abs``
        (mean absolute log-odds contribution), ``mean`` (mean signed contribution) and
        ``rows`` (rows with a value; missing values are skipped), largest ``mean_abs`` first.

    Examples
    --------
    >>> scores = pd.DataFrame({"fit": [0.5, -1.5], "need": [1.0, float("nan")]})
    >>> importance = criteria_importance(scores)
    >>> importance.index.tolist(), importance["mean_abs"].tolist(), importance["mean"].tolist()
    (['fit', 'need'], [1.0, 1.0], [-0.5, 1.0])
    >>> importance["rows"].tolist()
    [2, 1]
    """
    prefix = _prefix(target)
    columns = [prefix + c for c in CRITERIA if prefix + c in scores.columns]
    values = scores[columns].apply(pd.to_numeric).astype("float64")
    importance = pd.DataFrame(
        {
            "mean_abs": values.abs().mean().to_numpy(),
            "mean": values.mean().to_numpy(),
            "rows": values.notna().sum().to_numpy().astype("int64"),
        },
        index=pd.Index([c.removeprefix(prefix) for c in columns], name="criterion", dtype="str"),
    )
    return importance.sort_values("mean_abs", ascending=False, kind="stable", na_position="last")


def rank_leads(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows in report order: highest ``score`` first, then ``p_customer``, then id.

    Examples
    --------
    >>> frame = pd.DataFrame({"contact_id": ["a", "b", "c"], "score": [50, 90, 50],
    ...                       "p_customer": [0.1, 0.5, 0.2]})
    >>> rank_leads(frame)["contact_id"].tolist()
    ['b', 'c', 'a']
    """
    return scores.sort_values(
        ["score", "p_customer", "contact_id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# View objects: what the template draws
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reason:
    """One entry of a ``reasons`` text: ``kind`` is ``helped``, ``hurt`` or ``neutral``."""

    kind: str
    text: str


_REASON_SPLIT = re.compile(r"\s*;\s+")
_SIGNS = {"+": "helped", "-": "hurt", "−": "hurt"}


def parse_reasons(text: object) -> list[Reason]:
    """Split a ``reasons`` text into entries marked helped (``+ ``) or hurt (``- ``).

    Examples
    --------
    >>> reasons = parse_reasons("+ Requested a demo; - No email open in 62 days; Other")
    >>> [(reason.kind, reason.text) for reason in reasons]
    [('helped', 'Requested a demo'), ('hurt', 'No email open in 62 days'), ('neutral', 'Other')]
    >>> parse_reasons(float("nan"))
    []
    """
    if not isinstance(text, str):
        return []
    reasons: list[Reason] = []
    for entry in _REASON_SPLIT.split(text.strip().rstrip(";")):
        if not entry:
            continue
        sign, rest = entry[0], entry[1:]
        if sign in _SIGNS and (not rest or rest[0] == " "):
            if rest.strip():
                reasons.append(Reason(_SIGNS[sign], rest.strip()))
        else:
            reasons.append(Reason("neutral", entry))
    return reasons


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


@dataclasses.dataclass(frozen=True)
class TargetView:
    """One target's part of a lead card."""

    name: str
    score: str
    grade: str | None
    reasons: list[Reason]
    chart: Chart | None


@dataclasses.dataclass(frozen=True)
class LeadView:
    """One lead: a table row and its card."""

    rank: int
    contact: str
    account: str | None
    grade: str
    score: int
    p_customer: float
    p_prospect: float
    p_customer_text: str
    p_prospect_text: str
    top_reasons: list[Reason]
    more_reasons: int
    search: str
    targets: list[TargetView]


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


def _format_time(time: pd.Timestamp) -> str:
    if time == time.normalize():
        return time.strftime("%Y-%m-%d")
    return time.strftime("%Y-%m-%d %H:%M UTC")


def _as_of_text(scores: pd.DataFrame) -> str:
    if "as_of" not in scores.columns or scores["as_of"].isna().all():
        return MISSING_TEXT
    first, last = scores["as_of"].min(), scores["as_of"].max()
    if first == last:
        return _format_time(first)
    return f"{_format_time(first)} to {_format_time(last)}"


def _versions_text(scores: pd.DataFrame) -> str:
    if "model_version" not in scores.columns:
        return MISSING_TEXT
    versions = sorted(scores["model_version"].dropna().astype("str").unique())
    if not versions:
        return MISSING_TEXT
    if len(versions) > 3:
        return f"{', '.join(versions[:3])} and {len(versions) - 3} more"
    return ", ".join(versions)


def _leads(count: int) -> str:
    """``1 lead``, ``1,234 leads``."""
    return f"{count:,} lead{'' if count == 1 else 's'}"


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


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


def _criterion_columns(scores: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in CRITERIA if prefix + c in scores.columns]


def _criteria_scale(shown: pd.DataFrame) -> float:
    columns = [
        prefix + c for prefix in TARGET_PREFIXES.values() for c in _criterion_columns(shown, prefix)
    ]
    if not columns or shown.empty:
        return 1.0
    biggest = float(np.nanmax(np.abs(shown[columns].to_numpy(dtype="float64")), initial=0.0))
    return biggest if math.isfinite(biggest) and biggest > 0 else 1.0


def _target_view(
    row: Mapping[Any, Any], target: str, criteria: Sequence[str], scale: float
) -> TargetView:
    prefix = TARGET_PREFIXES[target]
    score = row.get(f"{prefix}score")
    chart = None
    if criteria:
        values = {c: float(row[prefix + c]) for c in criteria}
        chart = criteria_chart(
            values, scale, chart_id=f"lead-{row['_rank']}-{target}", target=target
        )
    return TargetView(
        name=target.capitalize(),
        score=str(int(score)) if score is not None and not pd.isna(score) else MISSING_TEXT,
        grade=_text_or_none(row.get(f"{prefix}grade")),
        reasons=parse_reasons(row.get(f"{prefix}reasons")),
        chart=chart,
    )


def _targets(scores: pd.DataFrame) -> list[str]:
    """The targets a table explains: the customer always, the prospect when it has its columns."""
    prospect = ("prospect_score", "prospect_reasons", *(f"prospect_{c}" for c in CRITERIA))
    has_prospect = any(c in scores.columns for c in prospect)
    return ["customer", "prospect"] if has_prospect else ["customer"]


def lead_views(shown: pd.DataFrame, scale: float) -> list[LeadView]:
    """A view per shown lead, in rank order (one loop over at most ``max_leads`` rows)."""
    targets = _targets(shown)
    criteria = {t: _criterion_columns(shown, TARGET_PREFIXES[t]) for t in targets}
    views = []
    records = shown.assign(_rank=np.arange(1, len(shown) + 1)).to_dict("records")
    for row in records:
        reasons = parse_reasons(row["reasons"])
        account = _text_or_none(row.get("account_id"))
        searchable = [row["contact_id"], account or "", row["reasons"], row.get("prospect_reasons")]
        views.append(
            LeadView(
                rank=int(row["_rank"]), contact=str(row["contact_id"]), account=account,
                grade=str(row["grade"]), score=int(row["score"]),
                p_customer=float(row["p_customer"]), p_prospect=float(row["p_prospect"]),
                p_customer_text=format_percent(float(row["p_customer"])),
                p_prospect_text=format_percent(float(row["p_prospect"])),
                top_reasons=reasons[:TOP_REASONS], more_reasons=max(len(reasons) - TOP_REASONS, 0),
                search=" ".join(s for s in searchable if isinstance(s, str)).lower(),
                targets=[_target_view(row, t, criteria[t], scale) for t in targets],
            )
        )  # fmt: skip
    return views


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("leadscore.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report(
    scores: pd.DataFrame, *, title: str = "Lead scores", max_leads: int = 1000
) -> str:
    """Render a scores table as one self-contained HTML page for sales ops.

    Parameters
    ----------
    scores : DataFrame
        The scores table of DESIGN section 6. Required columns: ``contact_id``,
        ``p_prospect``, ``p_customer``, ``score``, ``grade``, ``reasons``; the page leaves out
        what optional columns (``account_id``, ``as_of``, criteria, ``prospect_*``,
        ``model_version``) are absent.
    title : str
        The page title.
    max_leads : int
        How many leads, best first, the table and the cards show. The overview (counts,
        distributions, criteria importance) always covers every row.

    Returns
    -------
    str
        The HTML page: inline CSS, JavaScript and SVG, nothing loaded from the network, all
        user data escaped.

    Raises
    ------
    SchemaError
        When ``scores`` is not a valid scores table.
    ConfigError
        When ``max_leads`` is not a positive integer.

    Examples
    --------
    >>> scores = pd.DataFrame({
    ...     "contact_id": ["c1", "c2"], "p_prospect": [0.8, 0.3], "p_customer": [0.4, 0.05],
    ...     "score": [95, 35], "grade": ["A", "D"],
    ...     "reasons": ["+ Requested a demo 3 days ago", "- No email open in 62 days"]})
    >>> html = render_report(scores, title="Weekly leads")
    >>> "<title>Weekly leads</title>" in html, "Requested a demo 3 days ago" in html
    (True, True)
    """
    if isinstance(max_leads, bool) or not isinstance(max_leads, int) or max_leads < 1:
        raise ConfigError(f"max_leads must be a positive integer, got {max_leads!r}")
    table = validate_scores(scores)
    ranked = rank_leads(table)
    shown = ranked.head(max_leads)
    scale = _criteria_scale(shown)
    total = len(ranked)
    grades = table["grade"].value_counts()
    importance = [
        chart
        for target in _targets(table)
        if (chart := importance_chart(table, target)) is not None
    ]
    context = {
        "title": title,
        "total": total,
        "shown": len(shown),
        "total_text": f"{total:,}",
        "shown_text": f"{len(shown):,}",
        "capped": len(shown) < total,
        "max_leads": max_leads,
        "as_of": _as_of_text(table),
        "model_version": _versions_text(table),
        "grade_a": f"{int(grades.get('A', 0)):,}",
        "grade_a_share": f"{int(grades.get('A', 0)) / max(total, 1):.0%}",
        "expected_customers": f"{table['p_customer'].sum():,.1f}",
        "expected_prospects": f"{table['p_prospect'].sum():,.1f}",
        "has_account": "account_id" in table.columns,
        "grade_letters": GRADE_LETTERS,
        "grade_chart": grade_chart(table),
        "score_chart": score_histogram(table),
        "importance": importance,
        "scale_text": f"{scale:.2f}",
        "leads": lead_views(shown, scale),
    }
    return _environment().get_template("report.html.j2").render(context)


def write_report(
    scores: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Lead scores",
    max_leads: int = 1000,
) -> Path:
    """Render the report (see :func:`render_report`) and write it to ``path`` atomically.

    The file appears under its name only once complete (a failed render or write leaves any
    old report untouched).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> scores = pd.DataFrame({"contact_id": ["c1"], "p_prospect": [0.8], "p_customer": [0.4],
    ...                        "score": [95], "grade": ["A"], "reasons": ["+ Met with sales"]})
    >>> path = write_report(scores, pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    html = render_report(scores, title=title, max_leads=max_leads)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path
