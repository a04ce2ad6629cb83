"""Accounts: the contact scores rolled up to the companies they work at (issue 20).

HubSpot scores companies as well as contacts; a sales rep plans by account. The account table
has one row per account with at least one scored (open) contact:

- ``p_account``: the probability that at least one of its open contacts becomes a customer
  within the horizon. Each contact's ``p_customer`` is that contact's probability; if the
  contacts converted independently of each other, the account's would be
  ``p_independent = 1 - prod_i (1 - p_i)`` over its open contacts. They do not: colleagues
  share the account's budget, need and timing, and one deal closes for all of them, so the
  independent product over-states the account's chance (measured on ``make_crm``: see
  ``docs/scoring.md``). A scorer fitted with a training table learns a correction on the
  validation rows of its customer model (:func:`fit_account_calibration`): a Platt map of
  ``logit(p_independent)`` and the account's number of open contacts (in log) against the
  real outcome, "some contact of the account became a customer within the horizon", per
  account and cutoff. ``p_account`` is the corrected probability; ``p_independent`` stays in
  the table. Without a correction (a scorer saved before it existed, or too few accounts to
  learn one) ``p_account`` is ``p_independent`` and the table says so (``attrs["notes"]``).
- ``score`` (1-99) and ``grade`` (A-D): the percentile of ``p_account`` among the validation
  accounts, and the grade by the contacts' rule (:data:`leadscore.scorer.GRADES`); without a
  correction, among today's accounts.
- ``contacts`` scored, ``top_contacts`` and ``top_scores`` (the best ``top``, by
  ``p_customer``, ``;``-separated), the buying group's coverage
  (``decision_maker_engaged``, ``blocker_present``; from the feature table, see below),
- one column per criterion, its contributions (log-odds) summed over the account's contacts,
  and ``reasons``: the criteria that lift and hold back the account most, in words.

Coverage comes from the buying-group features (``account_decision_maker_engaged``,
``account_blocker_present``: each contact's colleagues) and each contact's own role and
recent activity, so a lone decision maker counts too; without the feature table the two
columns are empty (``<NA>``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from leadscore.config import Config, FeatureConfig
from leadscore.domain import CRITERIA
from leadscore.errors import SchemaError

__all__ = [
    "ACCOUNT_COLUMNS",
    "AccountCalibration",
    "account_scores",
    "fit_account_calibration",
    "independent_probability",
]

#: The account table's columns, in order (criterion columns follow ``blocker_present``).
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account_id", "as_of", "p_account", "p_independent", "score", "grade", "contacts",
    "top_contacts", "top_scores", "decision_maker_engaged", "blocker_present",
)  # fmt: skip
#: Fewest accounts, and positive accounts, a correction is learned from.
MIN_ACCOUNTS, MIN_POSITIVE_ACCOUNTS = 100, 15
_EPS = 1e-9

#: How the account reasons name each criterion.
CRITERION_WORDS: dict[str, str] = {
    "fit": "the company fits the target market",
    "budget": "the company's means to buy",
    "authority": "who the contacts are (seniority, role)",
    "need": "the need the contacts show",
    "engagement": "how active the contacts are",
    "timing": "recency and stage",
    "buying_group": "the buying group around them",
    "source": "how the contacts came in",
}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.asarray(np.log(p) - np.log1p(-p), dtype=float)


def independent_probability(p: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``1 - prod(1 - p)`` per group and the group's size; ``groups`` are codes ``0..G-1``.

    Summed in log space (``log1p``), so a thousand small probabilities lose nothing.

    Examples
    --------
    >>> p, n = independent_probability(np.array([0.5, 0.5, 0.1]), np.array([0, 0, 1]))
    >>> p.round(3).tolist(), n.tolist()
    ([0.75, 0.1], [2, 1])
    """
    codes = np.asarray(groups, dtype=np.int64)
    size = np.bincount(codes, minlength=int(codes.max()) + 1 if len(codes) else 0)
    none = np.bincount(
        codes, weights=np.log1p(-np.clip(np.asarray(p, dtype=float), 0, 1 - _EPS)),
        minlength=len(size),
    )  # fmt: skip
    return -np.expm1(none), size


@dataclasses.dataclass(frozen=True)
class AccountCalibration:
    """The correction of ``p_independent`` and the account score percentiles, learned on the
    validation rows of the customer model (:func:`fit_account_calibration`).

    ``p_account = sigmoid(slope * logit(p_independent) + size_slope * log(contacts) +
    intercept)``; ``quantiles`` are the 1st..99th percentiles of ``p_account`` over the
    validation accounts. ``figures`` say what was learned from and how well: accounts,
    positives, mean outcome and mean probability before and after.
    """

    slope: float
    size_slope: float
    intercept: float
    quantiles: tuple[float, ...]
    figures: dict[str, float]

    def transform(self, p_independent: np.ndarray, contacts: np.ndarray) -> np.ndarray:
        """The corrected account probability."""
        z = (
            self.slope * _logit(p_independent)
            + self.size_slope * np.log(np.maximum(np.asarray(contacts, dtype=float), 1.0))
            + self.intercept
        )
        return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (saved in ``scorer.json``)."""
        return dataclasses.asdict(self) | {"quantiles": list(self.quantiles)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> AccountCalibration:
        """The calibration of :meth:`to_dict`."""
        return cls(
            slope=float(values["slope"]),
            size_slope=float(values["size_slope"]),
            intercept=float(values["intercept"]),
            quantiles=tuple(float(q) for q in values["quantiles"]),
            figures={str(k): float(v) for k, v in values["figures"].items()},
        )


def account_outcomes(
    p: np.ndarray, account_id: pd.Series, cutoff: pd.Series, y: np.ndarray
) -> pd.DataFrame:
    """Per account and cutoff: ``p_independent``, ``contacts`` and ``y`` (some contact of the
    account reached the target within the horizon). Contacts without an account are left out.
    """
    has = account_id.notna().to_numpy()
    keys = pd.DataFrame({"a": account_id.to_numpy()[has], "t": cutoff.to_numpy()[has]})
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    pairs = pd.MultiIndex.from_tuples(list(uniques), names=["a", "t"]) if len(uniques) else None
    p_ind, size = independent_probability(np.asarray(p, dtype=float)[has], codes)
    positive = np.bincount(codes, weights=np.asarray(y, dtype=float)[has], minlength=len(size))
    return pd.DataFrame(
        {
            "account_id": [] if pairs is None else pairs.get_level_values(0),
            "cutoff": [] if pairs is None else pairs.get_level_values(1),
            "p_independent": p_ind,
            "contacts": size,
            "y": (positive > 0).astype(np.int64),
        }
    )


def fit_account_calibration(
    p: np.ndarray, account_id: pd.Series, cutoff: pd.Series, y: np.ndarray
) -> AccountCalibration | None:
    """Learn the account correction from contact rows (validation rows of a training table):
    their ``p_customer``, account, cutoff and label. None when there are fewer than
    :data:`MIN_ACCOUNTS` account-cutoffs or :data:`MIN_POSITIVE_ACCOUNTS` positive ones (then
    ``p_account`` is the independent product, and said).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> accounts = pd.Series(np.repeat(np.arange(400), 3).astype(str))
    >>> p = np.repeat(rng.uniform(0.05, 0.3, 400), 3)
    >>> shared = np.repeat(rng.random(400) < 1.5 * p[::3], 3)  # one deal for the account
    >>> y = (shared & (rng.random(len(p)) < 0.8)).astype(int)
    >>> fitted = fit_account_calibration(p, accounts, pd.Series(["2025-01-01"] * len(p)), y)
    >>> fitted.figures["mean_independent"] > fitted.figures["mean_outcome"]
    True
    """
    frame = account_outcomes(p, account_id, cutoff, y)
    positives = int(frame["y"].sum())
    if len(frame) < MIN_ACCOUNTS or positives < MIN_POSITIVE_ACCOUNTS:
        return None
    x = np.column_stack(
        [_logit(frame["p_independent"].to_numpy()), np.log(frame["contacts"].to_numpy())]
    )
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e4, max_iter=1000).fit(x, frame["y"].to_numpy())
    slope, size_slope = (float(c) for c in platt.coef_[0])
    if not slope > 0:  # no signal in the contacts' probabilities: keep the product
        return None
    fitted = AccountCalibration(slope, size_slope, float(platt.intercept_[0]), (), {})
    corrected = fitted.transform(frame["p_independent"].to_numpy(), frame["contacts"].to_numpy())
    return dataclasses.replace(
        fitted,
        quantiles=tuple(float(q) for q in np.quantile(corrected, np.arange(1, 100) / 100)),
        figures={
            "accounts": float(len(frame)),
            "positive_accounts": float(positives),
            "mean_outcome": float(frame["y"].mean()),
            "mean_independent": float(frame["p_independent"].mean()),
            "mean_corrected": float(corrected.mean()),
        },
    )


# --------------------------------------------------------------------------------------------
# the account table
# --------------------------------------------------------------------------------------------


def _coverage(
    contacts: pd.DataFrame, features: pd.DataFrame | None, config: FeatureConfig, codes: np.ndarray
) -> tuple[pd.arrays.BooleanArray, pd.arrays.BooleanArray]:
    n = int(codes.max()) + 1 if len(codes) else 0
    missing = pd.array([pd.NA] * n, dtype="boolean")
    needed = ["account_decision_maker_engaged", "account_blocker_present"]
    if features is None or any(c not in features for c in needed):
        return missing, missing.copy()
    by_contact = features.drop_duplicates("contact_id").set_index("contact_id")
    rows = by_contact.index.get_indexer(pd.Index(contacts["contact_id"]))
    if (rows < 0).any():
        unknown = contacts["contact_id"].to_numpy()[rows < 0][:5].tolist()
        raise SchemaError(
            "features", "contact_id", "scored contacts missing from the feature table",
            values=unknown, hint="pass the feature table the scores were made from",
        )  # fmt: skip
    found = by_contact.iloc[rows]
    role = found[config.role_column].astype("str") if config.role_column in found else None
    window = f"any_{config.buying_group_days}d"
    own_engaged = (
        found[window].to_numpy(dtype=float) >= config.engaged_min_activities
        if window in found
        else np.zeros(len(found), dtype=bool)
    )
    own_dm = np.zeros(len(found), dtype=bool)
    own_blocker = np.zeros(len(found), dtype=bool)
    if role is not None:
        own_dm = role.isin(config.decision_maker_roles).to_numpy() & own_engaged
        own_blocker = role.isin(config.blocker_roles).to_numpy()
    dm_seen = np.nan_to_num(found[needed[0]].to_numpy(dtype=float)) > 0
    blocker_seen = np.nan_to_num(found[needed[1]].to_numpy(dtype=float)) > 0
    known = ~np.isnan(found[needed[0]].to_numpy(dtype=float))
    dm = np.bincount(codes, weights=(dm_seen | own_dm).astype(float), minlength=n) > 0
    blocker = np.bincount(codes, weights=(blocker_seen | own_blocker).astype(float), minlength=n)
    any_known = np.bincount(codes, weights=known.astype(float), minlength=n) > 0
    dm_known = pd.array(dm, dtype="boolean")
    blocker_known = pd.array(blocker > 0, dtype="boolean")
    dm_known[~any_known] = pd.NA
    blocker_known[~any_known] = pd.NA
    return dm_known, blocker_known


def _reasons(sums: pd.DataFrame, signs: pd.DataFrame, n: np.ndarray, k: int) -> list[str]:
    """Per account, the criteria that lift and hold back the account most, in words, with how
    many of its contacts each moves that way (``signs``: contacts lifted minus held back are
    not enough, so ``signs`` holds the count of contacts moved in the sum's direction)."""
    values = sums.to_numpy(dtype=float)
    moved = signs.to_numpy(dtype=float)
    names = list(sums.columns)
    out: list[str] = []
    for row in range(len(values)):  # one short string per account: a Python loop over accounts
        order = np.argsort(-np.abs(values[row]), kind="stable")
        parts: list[str] = []
        for j in order:
            total = values[row, j]
            sign = "+" if total > 0 else "-"
            if abs(total) < 0.05 or sum(part[0] == sign for part in parts) >= k:
                continue
            verb = "lifts" if total > 0 else "holds back"
            parts.append(
                f"{sign} {CRITERION_WORDS.get(names[j], names[j]).capitalize()}: {verb} "
                f"{int(moved[row, j])} of {int(n[row])} contact{'s' if n[row] != 1 else ''}"
            )
        out.append("; ".join(parts))
    return out


def account_scores(
    scores: pd.DataFrame,
    features: pd.DataFrame | None = None,
    *,
    calibration: AccountCalibration | None = None,
    config: Config | None = None,
    top: int = 3,
    k: int = 2,
) -> pd.DataFrame:
    """The account table of a scores table (see this module's docstring for the columns).

    Parameters
    ----------
    scores : DataFrame
        The scores table (:func:`leadscore.scoring.scores_table`); rows without an
        ``account_id`` belong to no account and are left out.
    features : DataFrame, optional
        The feature table the scores were made from (:func:`leadscore.build_features`), for
        the buying group's coverage; without it the coverage columns are empty.
    calibration : AccountCalibration, optional
        The scorer's (``scorer.accounts_``); without it ``p_account`` is ``p_independent``.
    config : Config, optional
        The scorer's (roles and engagement window of the buying group); the default otherwise.
    top : int
        Contacts listed per account.
    k : int
        Criteria worded each way in ``reasons``.

    Examples
    --------
    >>> scores = pd.DataFrame({"contact_id": ["a", "b", "c"], "account_id": ["X", "X", "Y"],
    ...     "as_of": pd.Timestamp("2026-01-05", tz="UTC"), "p_customer": [0.5, 0.2, 0.1],
    ...     "score": [95, 70, 40], "authority": [0.8, -0.1, 0.2]})
    >>> table = account_scores(scores)
    >>> table[["account_id", "contacts", "top_contacts"]].to_dict("list")
    {'account_id': ['X', 'Y'], 'contacts': [2, 1], 'top_contacts': ['a; b', 'c']}
    >>> table["p_account"].round(3).tolist()  # 1 - (1 - 0.5) * (1 - 0.2)
    [0.6, 0.1]
    >>> table["reasons"].iloc[0]
    '+ Who the contacts are (seniority, role): lifts 1 of 2 contacts'
    """
    missing = [c for c in ("contact_id", "account_id", "p_customer", "score") if c not in scores]
    if missing:
        raise SchemaError(
            "scores", missing[0], "missing: the account table is built from a scores table",
            values=missing, hint="score with leadscore score or LeadScorer.scores",
        )  # fmt: skip
    if top < 1:
        raise SchemaError("account_scores", "top", "expected at least 1 contact", values=[top])
    config = config or Config()
    has = scores["account_id"].notna().to_numpy()
    contacts = scores.loc[has].reset_index(drop=True)
    p = contacts["p_customer"].to_numpy(dtype=float)
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise SchemaError(
            "scores", "p_customer", "expected probabilities in [0, 1]",
            values=contacts.loc[bad, "contact_id"].head(5).tolist(),
        )  # fmt: skip
    codes, accounts = pd.factorize(contacts["account_id"].astype("str"), sort=True)
    p_ind, size = independent_probability(p, codes)
    notes: list[str] = []
    if calibration is None:
        p_account = p_ind
        quantiles = np.quantile(p_account, np.arange(1, 100) / 100) if len(p_account) else None
        notes.append(
            "p_account is 1 - prod(1 - p_customer) over the account's open contacts, "
            "uncorrected (the scorer has no account calibration), which over-states it when "
            "colleagues convert together; score and grade are percentiles among today's accounts"
        )
    else:
        p_account = calibration.transform(p_ind, size)
        quantiles = np.asarray(calibration.quantiles)
    from leadscore.scorer import grades_from_scores, scores_from_quantiles

    account_score = (
        scores_from_quantiles(p_account, quantiles)
        if quantiles is not None
        else np.zeros(0, dtype=np.int64)
    )
    order = np.lexsort((contacts["contact_id"].astype("str").to_numpy(), -p, codes))
    ranked = contacts.iloc[order]
    rank = ranked.groupby(codes[order], sort=False).cumcount().to_numpy()
    best = ranked[rank < top]
    best_codes = codes[order][rank < top]
    joined = pd.DataFrame(
        {
            "code": best_codes,
            "id": best["contact_id"].astype("str").to_numpy(),
            "score": best["score"].astype("int64").astype("str").to_numpy(),
        }
    ).groupby("code", sort=True)
    as_of = (
        contacts["as_of"].groupby(codes).max().to_numpy()
        if "as_of" in contacts
        else np.full(len(accounts), pd.NaT)
    )
    dm, blocker = _coverage(contacts, features, config.features, codes)
    out = pd.DataFrame(
        {
            "account_id": accounts.to_numpy(dtype=object),
            "as_of": as_of,
            "p_account": p_account,
            "p_independent": p_ind,
            "score": account_score,
            "grade": grades_from_scores(account_score),
            "contacts": size.astype(np.int64),
            "top_contacts": joined["id"].agg("; ".join).to_numpy(),
            "top_scores": joined["score"].agg("; ".join).to_numpy(),
            "decision_maker_engaged": dm,
            "blocker_present": blocker,
        }
    )
    present = [c for c in CRITERIA if c in contacts]
    if present:
        values = contacts[present].astype(float).fillna(0.0)
        sums = values.groupby(codes).sum()
        up = (values > 0).groupby(codes).sum()
        down = (values < 0).groupby(codes).sum()
        with_sum = up.where(sums > 0, down)
        for criterion in present:
            out[criterion] = sums[criterion].to_numpy()
        out["reasons"] = pd.array(_reasons(sums, with_sum, size, k), dtype="str")
    if "model_version" in contacts:
        out["model_version"] = contacts["model_version"].groupby(codes).first().to_numpy()
    out = out.sort_values(["p_account", "account_id"], ascending=[False, True], ignore_index=True)
    out.attrs["notes"] = notes
    return out
