"""Stage history -> funnel state at a point in time, eligibility and labels (DESIGN section 4).

Edges, for a cutoff ``t`` and a horizon ``h``:

- the stage of a contact at ``t`` is its latest stage row with ``timestamp < t`` (``lead`` when
  it has none yet); rows at the same time are ordered along the funnel, ``lost`` last;
- a contact is *eligible* for target T at ``t`` when it was created before ``t``
  (``created_at < t``), has not reached T's stage before ``t``, and is not lost at ``t`` (its
  stage at ``t`` is not ``lost``; a lost contact that re-entered the funnel is eligible again);
- its label is 1 when it first reaches T's stage in ``[t, t + h)``, else 0, and missing when it is
  not eligible or when ``t + h`` lies after the end of the observed data (the outcome is not known
  yet).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from leadscore._conventions import US_PER_DAY, times_us, to_us, to_utc
from leadscore.config import LabelConfig
from leadscore.data import CRMData, positions
from leadscore.domain import STAGE_RANK, STAGES, TARGET_STAGES, TARGETS
from leadscore.errors import ConfigError

__all__ = ["StageTimeline", "make_labels", "resolve_horizons"]

NEVER = np.iinfo(np.int64).max
LOST = STAGE_RANK["lost"]


def resolve_horizons(
    horizons: Mapping[str, int] | LabelConfig | None,
) -> dict[str, int]:
    """Horizon in days per target, from a mapping, a LabelConfig or the defaults."""
    if horizons is None:
        return LabelConfig().horizons
    if isinstance(horizons, LabelConfig):
        return horizons.horizons
    unknown = sorted(set(horizons) - set(TARGETS))
    if unknown:
        raise ConfigError(f"horizons: unknown target(s) {unknown}; expected {list(TARGETS)}")
    values = LabelConfig().horizons | dict(horizons)
    return LabelConfig(**{f"{t}_days": int(d) for t, d in values.items()}).horizons


@dataclasses.dataclass(frozen=True)
class StageTimeline:
    """The stage history of every contact as sorted arrays, for fast point-in-time look-ups.

    Contacts are numbered by their position in ``crm.contacts``.

    Examples
    --------
    >>> from leadscore import make_crm
    >>> timeline = StageTimeline.from_crm(make_crm(300, seed=0))
    >>> eligible = timeline.eligible(to_utc("2025-06-01"), "customer")
    >>> eligible.dtype, eligible.shape
    (dtype('bool'), (300,))
    """

    created_us: np.ndarray
    stage_us: np.ndarray  # stage rows sorted by time, then by rank (lost last)
    stage_contact: np.ndarray
    stage_rank: np.ndarray
    reached_us: dict[str, np.ndarray]  # first time a contact reached each target; NEVER if not
    observed_until_us: int

    @classmethod
    def from_crm(cls, crm: CRMData) -> StageTimeline:
        n_contacts = len(crm.contacts)
        stages = crm.stages
        contact = positions(stages["contact_id"], crm.contacts["contact_id"])
        rank = stages["stage"].map(STAGE_RANK).to_numpy(dtype=np.int64)
        times = times_us(stages["timestamp"])
        tie_break = np.where(rank == LOST, len(STAGES), rank)
        order = np.lexsort((tie_break, times))
        reached: dict[str, np.ndarray] = {}
        for target, target_stages in TARGET_STAGES.items():
            first = np.full(n_contacts, NEVER, dtype=np.int64)
            hits = stages["stage"].isin(target_stages).to_numpy()
            np.minimum.at(first, contact[hits], times[hits])
            reached[target] = first
        _, last = crm.time_span()
        return cls(
            created_us=times_us(crm.contacts["created_at"]),
            stage_us=times[order],
            stage_contact=contact[order],
            stage_rank=rank[order],
            reached_us=reached,
            observed_until_us=to_us(last),
        )

    @property
    def n_contacts(self) -> int:
        return len(self.created_us)

    def state_at(self, as_of: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        """Stage rank (``lost`` = -1) and the time it was entered, per contact, at ``as_of``.

        Uses stage rows with ``timestamp < as_of``; a contact without one is a ``lead`` since
        its creation.
        """
        t = to_us(as_of)
        before = int(np.searchsorted(self.stage_us, t, side="left"))
        last_row = np.full(self.n_contacts, -1, dtype=np.int64)
        np.maximum.at(last_row, self.stage_contact[:before], np.arange(before))
        has = last_row >= 0
        rank = np.where(has, self.stage_rank[np.maximum(last_row, 0)], STAGE_RANK["lead"])
        since = np.where(has, self.stage_us[np.maximum(last_row, 0)], self.created_us)
        return rank, since

    def eligible(
        self, as_of: pd.Timestamp, target: str, rank: np.ndarray | None = None
    ) -> np.ndarray:
        """Contacts eligible for ``target`` at ``as_of`` (see the module docstring)."""
        t = to_us(as_of)
        if rank is None:
            rank, _ = self.state_at(as_of)
        eligible = (self.created_us < t) & (self.reached_us[target] >= t) & (rank != LOST)
        return np.asarray(eligible, dtype=bool)

    def labels(
        self,
        as_of: pd.Timestamp,
        target: str,
        horizon_days: int,
        eligible: np.ndarray,
        observed_until: pd.Timestamp | None = None,
    ) -> pd.arrays.IntegerArray:
        """Label per contact: reached ``target`` in ``[as_of, as_of + horizon)``; NA if unknown."""
        t = to_us(as_of)
        end = t + horizon_days * US_PER_DAY
        until = self.observed_until_us if observed_until is None else to_us(observed_until)
        hit = (self.reached_us[target] >= t) & (self.reached_us[target] < end)
        values = pd.array(hit.astype(np.int8), dtype="Int8")
        known = eligible & (end <= until)
        values[~known] = pd.NA
        return values


def make_labels(
    crm: CRMData,
    cutoffs: Iterable[object],
    *,
    horizons: Mapping[str, int] | LabelConfig | None = None,
    observed_until: object | None = None,
) -> pd.DataFrame:
    """Labels of every contact eligible for some target at each cutoff.

    Parameters
    ----------
    crm : CRMData
    cutoffs : iterable of dates
        Cutoff times ``t`` (naive means UTC).
    horizons : mapping or LabelConfig, optional
        Days per target; defaults to 90 for ``prospect`` and 180 for ``customer``.
    observed_until : date, optional
        End of the observed data; labels whose horizon ends after it are missing. Defaults to
        the latest timestamp in ``crm``.

    Returns
    -------
    DataFrame
        ``contact_id``, ``cutoff``, then ``y_<target>`` (``Int8``, missing where the contact is
        not eligible for that target or the outcome is not observed yet); one row per contact
        and cutoff at which the contact is eligible for ``customer`` (which every contact
        eligible for ``prospect`` is too).

    Examples
    --------
    >>> from leadscore import make_crm
    >>> labels = make_labels(make_crm(300, seed=0), ["2025-01-01", "2025-04-01"])
    >>> list(labels.columns)
    ['contact_id', 'cutoff', 'y_prospect', 'y_customer']
    """
    timeline = StageTimeline.from_crm(crm)
    days = resolve_horizons(horizons)
    until = None if observed_until is None else to_utc(observed_until, "observed_until")
    points = sorted({to_utc(c, "cutoffs") for c in cutoffs})
    if not points:
        raise ConfigError("cutoffs: expected at least one cutoff")
    frames = []
    for cutoff in points:
        rows, labels = labels_at(timeline, cutoff, days, until)
        frames.append(
            pd.DataFrame(
                {"contact_id": crm.contacts["contact_id"].to_numpy()[rows], "cutoff": cutoff}
                | {f"y_{t}": v for t, v in labels.items()}
            )
        )
    return pd.concat(frames, ignore_index=True)


def labels_at(
    timeline: StageTimeline,
    cutoff: pd.Timestamp,
    horizons: Mapping[str, int],
    observed_until: pd.Timestamp | None = None,
) -> tuple[np.ndarray, dict[str, pd.arrays.IntegerArray]]:
    """Rows (contact positions) eligible at ``cutoff`` and their label per target."""
    rank, _ = timeline.state_at(cutoff)
    eligible = {t: timeline.eligible(cutoff, t, rank) for t in TARGETS}
    # every contact eligible for prospect is eligible for customer: customer is a prospect stage
    rows = np.flatnonzero(eligible["customer"])
    labels = {
        t: timeline.labels(cutoff, t, horizons[t], eligible[t], observed_until)[rows]
        for t in TARGETS
    }
    return rows, labels
