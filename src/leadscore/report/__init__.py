"""HTML report of a scores table for sales ops (DESIGN section 6).

:func:`render_report` turns a scores table into one self-contained HTML page (inline CSS,
JavaScript and SVG charts, nothing loaded from the network); :func:`write_report` writes it
atomically; :func:`read_scores` reads and validates a scores file written by batch scoring.

Examples
--------
>>> import pandas as pd
>>> from leadscore.report import render_report
>>> scores = pd.DataFrame({"contact_id": ["c1"], "p_prospect": [0.8], "p_customer": [0.4],
...                        "score": [95], "grade": ["A"], "reasons": ["+ Met with sales"]})
>>> "Met with sales" in render_report(scores)
True

The package's modules, one job each: ``_scores`` (the scores table: validation, reading,
ranking, importance, reasons), ``_charts`` (SVG chart geometry), ``_cards`` (a view per lead
shown), ``_accounts`` (the account table: validation, reading, its data block) and
``_page`` (the page: template, rendering, atomic write).
"""

from leadscore.report._accounts import read_accounts, validate_accounts
from leadscore.report._page import render_report, write_report
from leadscore.report._scores import criteria_importance, read_scores, validate_scores

__all__ = [
    "criteria_importance",
    "read_accounts",
    "read_scores",
    "render_report",
    "validate_accounts",
    "validate_scores",
    "write_report",
]
