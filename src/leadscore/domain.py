"""The vocabulary of the domain: funnel stages, activity types, targets and criteria.

See DESIGN.md section 1 (the funnel) and section 2 (the qualification criteria).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTIVITY_TYPES",
    "CRITERIA",
    "OPEN_STAGES",
    "STAGES",
    "STAGE_RANK",
    "TARGETS",
    "TARGET_STAGES",
]

#: Funnel stages in order; ``lost`` is an exit reachable from any open stage.
STAGES: Final = ("lead", "mql", "sal", "sql", "opportunity", "customer", "lost")

#: Position of each stage on the way to ``customer``; ``lost`` ranks apart (-1).
STAGE_RANK: Final = {stage: rank for rank, stage in enumerate(STAGES[:-1])} | {"lost": -1}

#: Stages a contact can still move on from.
OPEN_STAGES: Final = ("lead", "mql", "sal", "sql", "opportunity")

#: The activity types leadscore knows by name. Other types in the data are kept and count as
#: activity in general; the feature configuration chooses which types get features of their own.
ACTIVITY_TYPES: Final = (
    "email_open",
    "email_click",
    "web_visit",
    "pricing_page_visit",
    "form_fill",
    "ebook_download",
    "newsletter_signup",
    "webinar_attended",
    "demo_request",
    "meeting",
    "quote_sent",
    "credit_check",
)

#: The two targets and the stages that count as reaching them (DESIGN section 4).
TARGET_STAGES: Final = {
    "prospect": ("sql", "opportunity", "customer"),
    "customer": ("customer",),
}
TARGETS: Final = tuple(TARGET_STAGES)

#: Qualification criteria, the vocabulary of explanations (DESIGN section 2).
CRITERIA: Final = (
    "fit",
    "budget",
    "authority",
    "need",
    "engagement",
    "timing",
    "buying_group",
    "source",
)
