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

import functools
from pathlib import Path

import jinja2
import pandas as pd

from leadscore._io import atomic_path
from leadscore.errors import ConfigError
from leadscore.report._cards import MISSING_TEXT, criteria_scale, explained_targets, lead_views
from leadscore.report._charts import grade_chart, importance_chart, score_histogram
from leadscore.report._scores import GRADE_LETTERS, rank_leads, validate_scores

__all__ = ["render_report", "write_report"]


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
    scale = criteria_scale(shown)
    total = len(ranked)
    grades = table["grade"].value_counts()
    importance = [
        chart
        for target in explained_targets(table)
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
