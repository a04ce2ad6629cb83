"""Pinned results: scores, reasons and contributions of a fixed make_crm seed do not drift.

The golden files under ``tests/data/`` were made by the code of the commit that added them:

- ``pinned_scores.parquet``: the scores table (probabilities, scores, grades, criterion sums,
  reasons, reason codes) of the scorer trained here, on the first contacts eligible at AS_OF;
- ``pinned_explain.parquet``: ``explain`` contributions and base values of both targets;
- ``pinned_scorer/``: that scorer as :meth:`LeadScorer.save` wrote it, which must still load
  and score identically (an old saved model keeps working).

Floats are compared to 1e-8 (relative and absolute): an exact TreeSHAP may differ from
LightGBM's ``pred_contrib`` in the last digits. Text (grades, reasons, codes) must be identical.

A deliberate change of results regenerates them (and says why in its commit)::

    .venv/bin/python tests/test_pinned.py --regenerate
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.domain import TARGETS

DATA = Path(__file__).resolve().parent / "data"
SCORES_FILE = DATA / "pinned_scores.parquet"
EXPLAIN_FILE = DATA / "pinned_explain.parquet"
SCORER_DIR = DATA / "pinned_scorer"
AS_OF = "2025-10-01"
ROWS = 300
EXPLAINED_ROWS = 60
#: Small trees, so that the saved scorer stays small; the recipe is the default one.
MODEL_PARAMS = {"n_jobs": 1, "max_rounds": 20, "num_leaves": 15}
TOLERANCE = 1e-8
#: Not pinned: the version names the model, not its results; the fit x engagement cells came
#: after the pin (their cut points are learned at fit, which the pinned scorer predates:
#: tests/test_fit_engagement.py covers them).
UNPINNED = ("model_version", "fit_letter", "engagement_digit", "fit_engagement")


def _crm() -> ls.CRMData:
    return ls.make_crm(2_000, seed=0)


def _train(crm: ls.CRMData) -> ls.LeadScorer:
    cutoffs = pd.date_range("2024-04-01", "2025-09-01", freq="MS")
    table = ls.build_training_table(crm, cutoffs)
    return ls.LeadScorer(random_state=0, model_params=MODEL_PARAMS).fit(table)


def _features(crm: ls.CRMData) -> pd.DataFrame:
    return ls.build_features(crm, AS_OF).head(ROWS).reset_index(drop=True)


def _scores(scorer: ls.LeadScorer, features: pd.DataFrame) -> pd.DataFrame:
    return scorer.scores(features, AS_OF).drop(columns=list(UNPINNED))


def _explanations(scorer: ls.LeadScorer, features: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for target in TARGETS:
        explanation = scorer.models_[target].explain(
            features[scorer.feature_names_].head(EXPLAINED_ROWS)
        )
        part = pd.DataFrame(explanation.values, columns=explanation.feature_names)
        part.insert(0, "base_value", explanation.base_values)
        part.insert(0, "target", target)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def assert_same(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns in the same order, floats within TOLERANCE, everything else identical."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        got, want = actual[column], expected[column]
        if pd.api.types.is_float_dtype(want):
            np.testing.assert_allclose(
                got.to_numpy(dtype=float), want.to_numpy(dtype=float),
                rtol=TOLERANCE, atol=TOLERANCE, err_msg=column,
            )  # fmt: skip
        else:
            assert got.dtype == want.dtype, column
            mismatch = ~((got == want).fillna(False) | (got.isna() & want.isna()))
            assert not mismatch.any(), (column, got[mismatch].head(3), want[mismatch].head(3))


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    return _crm()


@pytest.fixture(scope="module")
def features(crm: ls.CRMData) -> pd.DataFrame:
    return _features(crm)


@pytest.fixture(scope="module")
def scorer(crm: ls.CRMData) -> ls.LeadScorer:
    return _train(crm)


def test_training_gives_the_pinned_scores(scorer: ls.LeadScorer, features: pd.DataFrame) -> None:
    assert_same(_scores(scorer, features), pd.read_parquet(SCORES_FILE))


def test_training_gives_the_pinned_contributions(
    scorer: ls.LeadScorer, features: pd.DataFrame
) -> None:
    assert_same(_explanations(scorer, features), pd.read_parquet(EXPLAIN_FILE))


def test_a_saved_scorer_still_loads_and_scores_identically(
    scorer: ls.LeadScorer, features: pd.DataFrame
) -> None:
    saved = ls.LeadScorer.load(SCORER_DIR)
    # one model, one version: a hash of its content, the same after training and after loading
    # (saved with a date in it, once, so that it changed from one day to the next)
    assert re.fullmatch(r"[0-9a-f]{12}", saved.version_)
    assert saved.version_ == scorer.version_
    assert set(saved.scores(features.head(3), AS_OF)["model_version"]) == {saved.version_}
    assert_same(_scores(saved, features), pd.read_parquet(SCORES_FILE))
    assert_same(_explanations(saved, features), pd.read_parquet(EXPLAIN_FILE))


def _regenerate() -> None:
    crm = _crm()
    scorer, features = _train(crm), _features(crm)
    DATA.mkdir(exist_ok=True)
    _scores(scorer, features).to_parquet(SCORES_FILE, index=False)
    _explanations(scorer, features).to_parquet(EXPLAIN_FILE, index=False)
    shutil.rmtree(SCORER_DIR, ignore_errors=True)
    scorer.save(SCORER_DIR)
    print(f"wrote {SCORES_FILE.name}, {EXPLAIN_FILE.name} and {SCORER_DIR.name}/ in {DATA}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {sys.argv[0]} --regenerate")
    _regenerate()
