"""The sales-ops report: the scores table (DESIGN section 6) as one self-contained HTML page.

The page holds everything inline: CSS, a little vanilla JavaScript and one JSON data block.
Nothing is loaded from the network, so the file can be mailed, archived or opened offline.

Python computes what the page shows (counts, bar lengths, formatted numbers, the compact
lead data); the jinja2 template lays it out with autoescaping on, so user data (ids, reasons,
the title) reaches the page escaped, and the data block is JSON with ``<``, ``>`` and ``&``
escaped, so no text in it can close its ``<script>`` element.

The page has three parts:

- an overview of *all* rows: headline numbers, leads by grade with what each grade means, the
  score distribution and the criteria importance (mean absolute contribution of each
  qualification criterion), drawn here as HTML bars;
- the ranked lead table (highest ``score`` first, then ``p_customer``) of at most
  ``max_leads`` rows, sortable and filterable, drawn by the script from the data block a page
  of rows at a time;
- a lead's card (probabilities, all reasons and a diverging bar per criterion for each
  explained target), drawn by the script when the lead is opened.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from leadscore._io import atomic_path
from leadscore.errors import ConfigError
from leadscore.report._accounts import account_block, validate_accounts
from leadscore.report._cards import criteria_scale, explained_targets, lead_block, table_columns
from leadscore.report._charts import (
    MISSING_TEXT,
    fit_engagement_grid,
    grade_bands,
    grade_chart,
    importance_chart,
    score_histogram,
)
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


def _script_json(value: Any) -> markupsafe.Markup:
    """Compact JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return markupsafe.Markup(escaped)


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
    scores: pd.DataFrame,
    *,
    title: str = "Lead scores",
    max_leads: int = 1000,
    grade_cuts: Mapping[str, float] | None = None,
    accounts: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
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
    grade_cuts : mapping, optional
        The lowest ``p_customer`` of each grade, from the model that scored the table
        (:meth:`leadscore.LeadScorer.grade_cuts`): the grade legend then states each grade as
        a probability. Without it, each grade is stated by its score range.
    accounts : DataFrame, optional
        The account table of the same run (:func:`leadscore.accounts.account_scores`, or
        ``leadscore score --accounts``): the page then has an accounts view, best account
        first, of at most ``max_leads`` accounts.
    history : DataFrame, optional
        The score history (``leadscore.history.open_history(...).read()``): each lead's
        card then has a line of its score over the last runs.

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
        When ``max_leads`` is not a positive integer, or ``grade_cuts`` lacks a grade or is
        not a probability decreasing from A to D.

    Examples
    --------
    >>> scores = pd.DataFrame({
    ...     "contact_id": ["c1", "c2"], "p_prospect": [0.8, 0.3], "p_customer": [0.4, 0.05],
    ...     "score": [95, 35], "grade": ["A", "D"],
    ...     "reasons": ["+ Requested a demo 3 days ago", "- No email open in 62 days"]})
    >>> html = render_report(scores, title="Weekly leads")
    >>> "<title>Weekly leads</title>" in html, '"+Requested a demo 3 days ago"' in html
    (True, True)
    """
    if isinstance(max_leads, bool) or not isinstance(max_leads, int) or max_leads < 1:
        raise ConfigError(f"max_leads must be a positive integer, got {max_leads!r}")
    _check_cuts(grade_cuts)
    table = validate_scores(scores)
    account_table = None if accounts is None else validate_accounts(accounts)
    ranked = rank_leads(table)
    shown = ranked.head(max_leads)
    scale = criteria_scale(shown)
    total = len(ranked)
    bands = grade_bands(table, grade_cuts)
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
        "grade_a": f"{bands[0].count:,}",
        "grade_a_share": bands[0].share,
        "expected_customers": f"{table['p_customer'].sum():,.1f}",
        "expected_prospects": f"{table['p_prospect'].sum():,.1f}",
        "columns": table_columns(table),
        "grade_letters": GRADE_LETTERS,
        "grade_bands": bands,
        "grade_cuts_known": grade_cuts is not None,
        "grade_chart": grade_chart(bands),
        "score_chart": score_histogram(table),
        "importance": importance,
        "grid": fit_engagement_grid(table),
        "scale_text": f"{scale:.2f}",
        "data": _script_json(lead_block(shown, scale, history)),
        "accounts": None if account_table is None else _accounts_context(account_table, max_leads),
    }
    return _environment().get_template("report.html.j2").render(context)


def _accounts_context(accounts: pd.DataFrame, max_accounts: int) -> dict[str, Any]:
    total = len(accounts)
    return {
        "total": total,
        "total_text": f"{total:,}",
        "shown_text": f"{min(total, max_accounts):,}",
        "capped": total > max_accounts,
        "coverage": any(c in accounts for c in ("decision_maker_engaged", "blocker_present")),
        "data": _script_json(account_block(accounts, max_accounts)),
    }


def _check_cuts(cuts: Mapping[str, float] | None) -> None:
    if cuts is None:
        return
    missing = [g for g in GRADE_LETTERS if g not in cuts]
    if missing:
        raise ConfigError(f"grade_cuts lacks the grades {missing}; expected one per grade A-D")
    values = [float(cuts[g]) for g in GRADE_LETTERS]
    if not all(0.0 <= v <= 1.0 for v in values) or values != sorted(values, reverse=True):
        raise ConfigError(
            f"grade_cuts must be probabilities decreasing from A to D, got {dict(cuts)}"
        )


def write_report(
    scores: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Lead scores",
    max_leads: int = 1000,
    grade_cuts: Mapping[str, float] | None = None,
    accounts: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
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
    html = render_report(
        scores,
        title=title,
        max_leads=max_leads,
        grade_cuts=grade_cuts,
        accounts=accounts,
        history=history,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path
