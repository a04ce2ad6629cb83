"""One view per lead shown: its row of the lead table and its card (probabilities, reasons
and the criteria bars of each target the table explains).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from leadscore.domain import CRITERIA
from leadscore.report._charts import Chart, criteria_chart
from leadscore.report._scores import TARGET_PREFIXES, Reason, parse_reasons

__all__ = [
    "MISSING_TEXT",
    "LeadView",
    "TargetView",
    "criteria_scale",
    "explained_targets",
    "format_percent",
    "lead_views",
]


#: How many reasons the lead table shows per lead (the cards show them all).
TOP_REASONS: Final = 3


MISSING_TEXT: Final = "—"


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


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _criterion_columns(scores: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in CRITERIA if prefix + c in scores.columns]


def criteria_scale(shown: pd.DataFrame) -> float:
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


def explained_targets(scores: pd.DataFrame) -> list[str]:
    """The targets a table explains: the customer always, the prospect when it has its columns."""
    prospect = ("prospect_score", "prospect_reasons", *(f"prospect_{c}" for c in CRITERIA))
    has_prospect = any(c in scores.columns for c in prospect)
    return ["customer", "prospect"] if has_prospect else ["customer"]


def lead_views(shown: pd.DataFrame, scale: float) -> list[LeadView]:
    """A view per shown lead, in rank order (one loop over at most ``max_leads`` rows)."""
    targets = explained_targets(shown)
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
