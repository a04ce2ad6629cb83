"""Fit x engagement: HubSpot's grid, from the exact contributions (issue 20 item 4).

Each contact gets a **fit letter** (A-C) from the sum of its ``fit``, ``budget`` and
``authority`` contributions (log-odds of the customer model: who the company and the contact
are) and an **engagement digit** (1-3) from the sum of its ``engagement``, ``need`` and
``timing`` contributions (what the contact does and when). ``A1`` is the best cell: a good fit
that is active now; ``C3`` the worst.

Cut points: the tertiles of each sum over the validation rows of the customer model, learned
at fit (:func:`learn_cuts`) and saved with the model: ``A`` (``1``) is the top third of the
validation contacts, ``B`` (``2``) the middle third, ``C`` (``3``) the bottom third. A scorer
saved before the grid existed has none; its cut points are then the tertiles of the rows
scored, and :func:`grid_columns` says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ENGAGEMENT_CRITERIA",
    "FIT_CRITERIA",
    "GRID_COLUMNS",
    "grid_columns",
    "learn_cuts",
]

#: The criteria the fit letter sums, and those the engagement digit sums.
FIT_CRITERIA: tuple[str, ...] = ("fit", "budget", "authority")
ENGAGEMENT_CRITERIA: tuple[str, ...] = ("engagement", "need", "timing")
#: The columns :func:`grid_columns` adds to the scores table.
GRID_COLUMNS: tuple[str, ...] = ("fit_letter", "engagement_digit", "fit_engagement")
_LETTERS, _DIGITS = np.array(["C", "B", "A"]), np.array([3, 2, 1])


def _sums(criteria: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    def total(names: tuple[str, ...]) -> np.ndarray:
        present = [c for c in names if c in criteria]
        if not present:
            return np.zeros(len(criteria))
        return np.asarray(criteria[present].astype(float).fillna(0.0).sum(axis=1), dtype=float)

    return total(FIT_CRITERIA), total(ENGAGEMENT_CRITERIA)


def learn_cuts(criteria: pd.DataFrame, source: str = "validation") -> dict[str, Any]:
    """The cut points of the grid from criterion sums (one row per contact): the 1/3 and 2/3
    quantiles of the fit sum and of the engagement sum (log-odds).

    Examples
    --------
    >>> frame = pd.DataFrame({"fit": [-1.0, 0.0, 1.0], "engagement": [0.3, 0.6, 0.9]})
    >>> cuts = learn_cuts(frame)
    >>> [round(v, 2) for v in cuts["fit"]], [round(v, 2) for v in cuts["engagement"]]
    ([-0.33, 0.33], [0.5, 0.7])
    """
    fit, engagement = _sums(criteria)
    thirds = [1 / 3, 2 / 3]
    return {
        "fit": [float(v) for v in np.quantile(fit, thirds)] if len(fit) else [0.0, 0.0],
        "engagement": (
            [float(v) for v in np.quantile(engagement, thirds)] if len(fit) else [0.0, 0.0]
        ),
        "source": source,
        "rows": len(fit),
    }


def grid_columns(criteria: pd.DataFrame, cuts: dict[str, Any] | None) -> pd.DataFrame:
    """``fit_letter`` (A-C), ``engagement_digit`` (1-3) and ``fit_engagement`` ("A1") of each
    row of the customer criterion sums, with the model's ``cuts`` (:func:`learn_cuts`); None
    learns them from these rows (``attrs["notes"]`` says so). A row whose criteria are all
    missing (not explained) gets none.

    Examples
    --------
    >>> cuts = {"fit": [0.0, 1.0], "engagement": [0.0, 0.5], "source": "validation", "rows": 9}
    >>> frame = pd.DataFrame({"fit": [1.2, 0.2, -1.0], "need": [0.6, -0.2, 0.1]})
    >>> grid_columns(frame, cuts)["fit_engagement"].tolist()
    ['A1', 'B3', 'C2']
    """
    notes: list[str] = []
    if cuts is None:
        cuts = learn_cuts(criteria, source="scored rows")
        notes.append(
            "fit x engagement: this model was saved without its cut points (before the grid "
            "existed); they are the tertiles of the contacts scored today"
        )
    fit, engagement = _sums(criteria)
    letter = _LETTERS[np.searchsorted(np.asarray(cuts["fit"]), fit, side="right")]
    digit = _DIGITS[np.searchsorted(np.asarray(cuts["engagement"]), engagement, side="right")]
    present = [c for c in (*FIT_CRITERIA, *ENGAGEMENT_CRITERIA) if c in criteria]
    explained = (
        criteria[present].notna().any(axis=1).to_numpy()
        if present
        else np.zeros(len(criteria), dtype=bool)
    )
    out = pd.DataFrame(
        {
            "fit_letter": pd.Series(letter, dtype="str").where(explained, None),
            "engagement_digit": pd.Series(digit, dtype="Int64").where(explained, pd.NA),
        }
    )
    out["fit_engagement"] = (out["fit_letter"] + out["engagement_digit"].astype("str")).where(
        explained, None
    )
    out.index = criteria.index
    out.attrs["notes"] = notes
    return out
