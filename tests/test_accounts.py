"""Accounts: the probability some contact converts, its calibration, grade, coverage, reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.accounts import (
    AccountCalibration,
    account_outcomes,
    account_scores,
    fit_account_calibration,
    independent_probability,
)
from leadscore.domain import CRITERIA
from leadscore.errors import SchemaError
from leadscore.scoring import score_export

CUTOFFS = pd.date_range("2024-02-01", periods=9, freq="MS")
HOLDOUT = pd.date_range("2025-05-01", periods=2, freq="MS")  # after the last label window
AS_OF = "2025-10-01"


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    return ls.make_crm(1500, seed=3)


@pytest.fixture(scope="module")
def scorer(crm: ls.CRMData) -> ls.LeadScorer:
    table = ls.build_training_table(crm, CUTOFFS)
    params = {"n_jobs": 1, "max_rounds": 30, "num_leaves": 15}
    config = ls.Config(targets=("customer",))
    return ls.LeadScorer(random_state=0, config=config, model_params=params).fit(table)


@pytest.fixture(scope="module")
def scored(crm: ls.CRMData, scorer: ls.LeadScorer) -> tuple[pd.DataFrame, pd.DataFrame]:
    X = ls.build_features(crm, AS_OF)
    return scorer.scores(X, AS_OF), X


def test_independent_probability_is_one_minus_the_product() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.5, 50)
    groups = rng.integers(0, 7, 50)
    got, size = independent_probability(p, groups)
    for g in range(7):
        assert got[g] == pytest.approx(1 - np.prod(1 - p[groups == g]), abs=1e-12)
        assert size[g] == (groups == g).sum()


def test_account_table_rolls_up_the_contacts(
    scored: tuple[pd.DataFrame, pd.DataFrame], scorer: ls.LeadScorer
) -> None:
    scores, X = scored
    table = account_scores(scores, X, calibration=scorer.accounts_, config=scorer.config)
    with_account = scores[scores["account_id"].notna()]
    assert set(table["account_id"]) == set(with_account["account_id"].astype(str))
    assert table["contacts"].sum() == len(with_account)
    assert table["p_account"].is_monotonic_decreasing
    # the top contacts are the account's best by p_customer, at most three, scores alike
    row = table.loc[table["contacts"].idxmax()]
    members = with_account[with_account["account_id"].astype(str) == row["account_id"]]
    best = members.sort_values(["p_customer", "contact_id"], ascending=[False, True]).head(3)
    assert row["top_contacts"] == "; ".join(best["contact_id"].astype(str))
    assert row["top_scores"] == "; ".join(best["score"].astype(str))
    # criterion sums add up to the contacts' sums, and reasons name criteria in words
    for criterion in CRITERIA:
        assert row[criterion] == pytest.approx(members[criterion].sum())
    assert table["reasons"].str.contains(r"^[+-] ", regex=True).mean() > 0.9
    assert not table["reasons"].str.contains("log-odds|buying_group").any()
    assert set(table["grade"]) <= set("ABCD")


def test_coverage_reads_the_buying_group(
    scored: tuple[pd.DataFrame, pd.DataFrame], crm: ls.CRMData
) -> None:
    scores, X = scored
    table = account_scores(scores, X).set_index("account_id")
    recent = crm.activities[
        (crm.activities["timestamp"] < AS_OF)
        & (crm.activities["timestamp"] >= pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=90))
    ]
    engaged = set(recent["contact_id"])
    contacts = crm.contacts.dropna(subset=["account_id"])
    dm = contacts[(contacts["role"] == "decision_maker") & contacts["contact_id"].isin(engaged)]
    blockers = contacts[contacts["role"] == "blocker"]
    expected_dm = table.index.isin(dm["account_id"].astype(str))
    expected_blocker = table.index.isin(blockers["account_id"].astype(str))
    # a blocker present is any blocker of the account (created before as_of)
    assert table["blocker_present"].to_numpy(dtype=bool).sum() <= expected_blocker.sum()
    assert (table["decision_maker_engaged"].to_numpy(dtype=bool) == expected_dm).mean() > 0.95
    assert table["decision_maker_engaged"].any()
    assert (~table["decision_maker_engaged"]).any()
    # without the feature table: said as unknown, not as False
    assert account_scores(scores)["decision_maker_engaged"].isna().all()


def test_account_probability_is_calibrated_on_a_holdout(
    crm: ls.CRMData, scorer: ls.LeadScorer
) -> None:
    """Outcome: some contact of the account became a customer within the horizon, at cutoffs
    after every label the scorer learned from. The roll-up must add no bias of its own: the
    account-level observed/expected ratio stays near the contacts' own ratio (make_crm's
    later months convert more than the training months, which both ratios share)."""
    holdout = ls.build_training_table(crm, HOLDOUT)
    holdout = holdout[holdout["y_customer"].notna()]
    assert holdout["cutoff"].min() >= pd.Timestamp(scorer.labels_until_["customer"])
    p = scorer.predict_proba(holdout)["p_customer"].to_numpy()
    y = holdout["y_customer"].astype(int).to_numpy()
    outcomes = account_outcomes(p, holdout["account_id"], holdout["cutoff"], y)
    calibration = scorer.accounts_
    p_account = (
        outcomes["p_independent"].to_numpy()
        if calibration is None
        else calibration.transform(outcomes["p_independent"], outcomes["contacts"])
    )
    assert outcomes["y"].sum() >= 15
    contact_ratio = y.mean() / p.mean()
    account_ratio = outcomes["y"].mean() / p_account.mean()
    assert abs(np.log(account_ratio / contact_ratio)) < np.log(1.5), (contact_ratio, account_ratio)
    # and it ranks accounts: the top fifth holds far more of the converting accounts
    top = p_account >= np.quantile(p_account, 0.8)
    assert outcomes["y"].to_numpy()[top].mean() > 2 * outcomes["y"].mean()


def test_correction_learns_that_colleagues_convert_together() -> None:
    rng = np.random.default_rng(1)
    n_accounts, size = 600, 4
    accounts = pd.Series(np.repeat(np.arange(n_accounts), size).astype(str))
    p = np.repeat(rng.uniform(0.02, 0.25, n_accounts), size)
    deal = np.repeat(rng.random(n_accounts) < p[::size] * 1.5, size)  # one deal per account
    y = (deal & (rng.random(len(p)) < 0.7)).astype(int)
    cutoff = pd.Series(["2025-01-01"] * len(p))
    fitted = fit_account_calibration(p, accounts, cutoff, y)
    assert fitted is not None
    assert fitted.figures["mean_independent"] > 1.5 * fitted.figures["mean_outcome"]
    assert fitted.figures["mean_corrected"] == pytest.approx(
        fitted.figures["mean_outcome"], rel=0.05
    )
    again = AccountCalibration.from_dict(fitted.to_dict())
    assert again == fitted


def test_saved_scorer_keeps_the_correction(scorer: ls.LeadScorer, tmp_path: Path) -> None:
    loaded = ls.LeadScorer.load(scorer.save(tmp_path / "model"))
    assert loaded.accounts_ == scorer.accounts_


def test_bad_scores_are_refused_by_name(scored: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    scores, _ = scored
    with pytest.raises(SchemaError, match=r"scores\.p_customer"):
        account_scores(scores.drop(columns="p_customer"))
    broken = scores.assign(p_customer=scores["p_customer"].where(scores.index != 0, 1.5))
    with pytest.raises(SchemaError, match=r"scores\.p_customer: expected probabilities"):
        account_scores(broken)


@pytest.mark.filterwarnings("ignore::leadscore.errors.DataWarning")  # drift since training
def test_score_writes_the_account_table(
    crm: ls.CRMData, scorer: ls.LeadScorer, tmp_path: Path
) -> None:
    export = crm.write(tmp_path / "export", format="csv")
    model = scorer.save(tmp_path / "model")
    done = score_export(export, model, tmp_path / "scores.parquet", as_of=AS_OF,
                        history=False, accounts=tmp_path / "accounts.csv")  # fmt: skip
    written = pd.read_csv(tmp_path / "accounts.csv", dtype={"account_id": str})
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert written["contacts"].sum() == scores["account_id"].notna().sum()
    assert done.outputs["accounts"] == str(tmp_path / "accounts.csv")
    assert not any(c.startswith("=") for c in written["account_id"])
