"""Fit x engagement: letters and digits from the criteria, cut points learned and saved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.fit_engagement import ENGAGEMENT_CRITERIA, FIT_CRITERIA, grid_columns

CUTOFFS = pd.date_range("2024-02-01", periods=9, freq="MS")
AS_OF = "2025-06-01"


@pytest.fixture(scope="module")
def fitted() -> tuple[ls.LeadScorer, pd.DataFrame, ls.CRMData]:
    crm = ls.make_crm(1200, seed=4)
    table = ls.build_training_table(crm, CUTOFFS)
    params = {"n_jobs": 1, "max_rounds": 30, "num_leaves": 15}
    config = ls.Config(targets=("customer",))
    scorer = ls.LeadScorer(random_state=0, config=config, model_params=params).fit(table)
    return scorer, table, crm


def test_cut_points_are_the_validation_tertiles(
    fitted: tuple[ls.LeadScorer, pd.DataFrame, ls.CRMData],
) -> None:
    scorer, table, _ = fitted
    cuts = scorer.fit_engagement_
    assert cuts is not None
    assert cuts["source"] == "validation"
    rows = scorer.validation_rows(table, "customer")
    assert cuts["rows"] == len(rows)
    sums = scorer.models_["customer"].explain_criteria(rows[scorer.feature_names_])
    grid = grid_columns(sums, cuts)
    shares = grid["fit_letter"].value_counts(normalize=True)
    assert shares.to_dict() == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, abs=0.05)
    fit = sums[list(FIT_CRITERIA)].sum(axis=1)
    engagement = sums[list(ENGAGEMENT_CRITERIA)].sum(axis=1)
    assert fit[grid["fit_letter"] == "A"].min() > fit[grid["fit_letter"] == "C"].max()
    digits = grid["engagement_digit"]
    assert engagement[digits == 1].min() > engagement[digits == 3].max()


def test_scores_table_has_the_grid(
    fitted: tuple[ls.LeadScorer, pd.DataFrame, ls.CRMData],
) -> None:
    scorer, _, crm = fitted
    scores = scorer.score(crm, AS_OF)
    cell = scores["fit_letter"] + scores["engagement_digit"].astype(str)
    assert (cell == scores["fit_engagement"]).all()
    assert set(scores["fit_engagement"]) <= {f"{a}{d}" for a in "ABC" for d in (1, 2, 3)}
    assert scores.attrs["notes"] == []
    # the best cell's customers-to-be: the mean probability falls from A1 to C3
    mean = scores.groupby("fit_engagement")["p_customer"].mean()
    assert mean["A1"] > mean["C3"]


def test_old_model_gets_cut_points_from_today(
    fitted: tuple[ls.LeadScorer, pd.DataFrame, ls.CRMData], tmp_path: Path
) -> None:
    scorer, _, crm = fitted
    folder = scorer.save(tmp_path / "model")
    saved = json.loads((folder / "scorer.json").read_text())
    assert saved["fit_engagement"] == scorer.fit_engagement_
    del saved["fit_engagement"]  # as saved before the grid existed
    (folder / "scorer.json").write_text(json.dumps(saved))
    old = ls.LeadScorer.load(folder)
    assert old.fit_engagement_ is None
    scores = old.score(crm, AS_OF)
    assert "tertiles of the contacts scored today" in scores.attrs["notes"][0]
    shares = scores["fit_letter"].value_counts(normalize=True)
    assert shares.to_dict() == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, abs=0.05)


def test_unexplained_rows_get_no_cell() -> None:
    cuts = {"fit": [0.0, 1.0], "engagement": [0.0, 0.5], "source": "validation", "rows": 3}
    frame = pd.DataFrame({"fit": [np.nan, 2.0], "engagement": [np.nan, -1.0]})
    grid = grid_columns(frame, cuts)
    assert grid["fit_engagement"].isna().tolist() == [True, False]
    assert grid["fit_engagement"].iloc[1] == "A3"
