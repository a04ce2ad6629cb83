"""LeadModel: scikit-learn compatibility, calibration, categories, persistence, time splits."""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from leadscore import _training
from leadscore._training import auto_learning_rate, validation_split
from leadscore.errors import (
    ConfigError,
    DataNotFoundError,
    DataWarning,
    ModelError,
    NotFittedError,
)
from leadscore.model import LeadModel

#: Checks of scikit-learn's suite that do not apply, and why.
SKIPPED_CHECKS = {
    "check_classifiers_classes": (
        "decision_function returns raw log-odds, on which explanations are additive, while "
        "predict thresholds calibrated probabilities at 0.5; calibration moves that threshold, "
        "so the signs of the two need not agree"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "the validation slice is the latest share of the rows, so repeating rows moves it: on "
        "15 rows, weights and repetitions validate (and stop early, and calibrate) on different "
        "rows"
    ),
}


@parametrize_with_checks(
    [LeadModel(random_state=0, n_jobs=1)], expected_failed_checks=lambda _: SKIPPED_CHECKS
)
def test_scikit_learn_checks(estimator: Any, check: Any) -> None:
    check(estimator)


def _true_logit(X: pd.DataFrame) -> np.ndarray:
    visits = X["visits"].fillna(1.0).to_numpy()
    return np.asarray(
        -2 + 0.4 * visits + 1.2 * (X["industry"] == "software").to_numpy() + X["vip"].to_numpy()
    )


def _leads(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    industry = rng.choice(["software", "retail", "finance", "public"], n, p=[0.4, 0.3, 0.2, 0.1])
    visits = rng.poisson(3, n).astype(float)
    visits[rng.random(n) < 0.1] = np.nan
    vip = rng.random(n) < 0.2
    logit = -2 + 0.4 * np.nan_to_num(visits, nan=1.0) + 1.2 * (industry == "software") + vip
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {
            "industry": pd.Series(industry, dtype="str"),
            "segment": pd.Categorical(rng.choice(["smb", "ent"], n)),
            "visits": visits,
            "vip": vip,
        }
    )
    return X, y


@pytest.fixture(scope="module")
def fitted() -> tuple[LeadModel, pd.DataFrame, np.ndarray]:
    X, y = _leads()
    return LeadModel(random_state=0).fit(X, y), X, y


def test_learns_and_calibrates(fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]) -> None:
    model, _, _ = fitted
    X, y = _leads(seed=1)
    p = model.predict_proba(X)[:, 1]
    best = roc_auc_score(y, _true_logit(X))  # what knowing the true model would give
    assert roc_auc_score(y, p) > best - 0.02
    assert abs(p.mean() - y.mean()) < 0.03
    assert model.calibrator_.kind in ("platt", "isotonic")
    assert set(model.validation_scores_) >= {"roc_auc", "log_loss"}
    assert len(model.score_quantiles_) == 99
    assert np.all(np.diff(model.score_quantiles_) >= 0)


def test_calibration_keeps_the_raw_order(
    fitted: tuple[LeadModel, pd.DataFrame, np.ndarray],
) -> None:
    model, X, _ = fitted
    raw = model.decision_function(X)
    p = model.predict_proba(X)[:, 1]
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(p[order]) >= 0)
    assert np.all(np.diff(p[order])[np.diff(raw[order]) > 0] > 0)


def test_raw_scores_are_the_trees_plus_the_linear_prior(
    fitted: tuple[LeadModel, pd.DataFrame, np.ndarray],
) -> None:
    model, X, y = fitted
    matrix = model.preprocessor_.transform(X)
    trees = model.booster_.predict(matrix, raw_score=True)
    assert model.linear_ is not None
    linear = model.linear_.log_odds(matrix)
    np.testing.assert_allclose(model.decision_function(X), trees + linear)
    # the prior is a logistic regression: its log-odds rank like the truth, and alone they are
    # a fair model; the contributions of its terms add up to its log-odds
    assert roc_auc_score(y, linear) > 0.97 * roc_auc_score(y, _true_logit(X))
    np.testing.assert_allclose(
        model.linear_.base + model.linear_.contributions(matrix).sum(axis=1), linear
    )
    plain = LeadModel(random_state=0, linear_prior=0).fit(X, y)
    assert plain.linear_ is None
    np.testing.assert_allclose(
        plain.decision_function(X), plain.booster_.predict(matrix, raw_score=True)
    )


def test_the_linear_prior_does_not_extrapolate(
    fitted: tuple[LeadModel, pd.DataFrame, np.ndarray],
) -> None:
    model, X, _ = fitted
    assert model.linear_ is not None
    column = model.preprocessor_.names.index("visits")
    matrix = model.preprocessor_.transform(X.head(3))
    top = np.nanmax(model.preprocessor_.transform(X)[:, column])
    matrix[:, column] = [top, top * 10, top * 1000]  # far beyond what was seen at fit
    terms = model.linear_.contributions(matrix)[:, column]
    assert terms[0] > 0
    np.testing.assert_allclose(terms, terms[0])


def test_the_linear_prior_keeps_the_monotone_signs() -> None:
    X, y = _leads(3000)
    X = X.assign(visits_down=-X["visits"])  # negatively related: forced up, its term is dropped
    model = LeadModel(random_state=0, monotonic_cst={"visits": 1, "visits_down": 1}).fit(X, y)
    assert model.linear_ is not None
    coefs = {model.preprocessor_.names[t.column]: t.coef for t in model.linear_.numbers}
    assert coefs["visits"] > 0
    assert coefs["visits_down"] == 0.0


def test_unseen_and_missing_categories(fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]) -> None:
    model, X, _ = fitted
    new = X.head(4).assign(industry=["aerospace", None, "software", "retail"])
    p = model.predict_proba(new)[:, 1]
    assert np.all((p > 0) & (p < 1))
    # an unseen category is coded like the rare ones, a missing one as missing
    codes = model.preprocessor_.transform(new)[:, list(model.feature_names_in_).index("industry")]
    assert codes[0] == len(model.preprocessor_.columns[0].categories)
    assert np.isnan(codes[1])


def test_column_order_and_extra_columns(fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]) -> None:
    model, X, _ = fitted
    shuffled = X[X.columns[::-1]].assign(contact_id="c")
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(X))
    with pytest.raises(ModelError, match=r"1 feature column.*missing, e.g. 'visits'"):
        model.predict_proba(X.drop(columns="visits"))
    with pytest.raises(ModelError, match=r"X.visits: expected numbers"):
        model.predict_proba(X.assign(visits="many"))


def test_deterministic() -> None:
    X, y = _leads(1500)
    first = LeadModel(random_state=3).fit(X, y).predict_proba(X)
    second = LeadModel(random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_save_and_load_identical(
    tmp_path: Path, fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]
) -> None:
    model, X, _ = fitted
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["booster.txt", "leadmodel.json"]
    json.loads((tmp_path / "leadmodel.json").read_text())  # plain JSON
    loaded = LeadModel.load(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert loaded.get_params() == model.get_params()
    assert loaded.learning_rate_ == model.learning_rate_


def test_load_errors(tmp_path: Path, fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]) -> None:
    with pytest.raises(DataNotFoundError, match=r"no leadmodel\.json"):
        LeadModel.load(tmp_path)
    fitted[0].save(tmp_path)
    booster = tmp_path / "booster.txt"
    text = booster.read_text()
    booster.write_text("garbage")
    with pytest.raises(ModelError, match=r"booster\.txt: not a whole LightGBM model"):
        LeadModel.load(tmp_path)
    # a truncated file is one ModelError naming it, wherever it was cut (LightGBM itself aborts
    # the process on some of these)
    trees_end = text.index("end of trees")
    for cut in (len(text) // 2, trees_end - 200, trees_end, len(text) - 30):
        booster.write_text(text[:cut])
        with pytest.raises(ModelError, match=r"booster\.txt: not a whole LightGBM model"):
            LeadModel.load(tmp_path)
    # a tree taken out, the markers left in place
    second, third = text.index("\nTree=1\n"), text.index("\nTree=2\n")
    booster.write_text(text[:second] + text[third:])
    with pytest.raises(ModelError, match=r"booster\.txt: damaged LightGBM model \(\d+ trees where"):
        LeadModel.load(tmp_path)
    booster.write_text(text)
    (tmp_path / "leadmodel.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"unreadable model files"):
        LeadModel.load(tmp_path)


def test_save_replaces_a_model_folder_whole(
    tmp_path: Path,
    fitted: tuple[LeadModel, pd.DataFrame, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, X, y = fitted
    folder = tmp_path / "model"
    model.save(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # a write that fails half-way leaves the saved model as it was, and no temporary files
    other = LeadModel(random_state=np.int64(1), max_rounds=3).fit(X, y)  # NumPy params save too

    def broken(self: LeadModel, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(type(other.booster_), "save_model", broken)
        with pytest.raises(OSError, match="disk full"):
            other.save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    other.save(folder)
    assert LeadModel.load(folder).get_params()["random_state"] == 1
    # a folder that is not a saved model is not replaced
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(ConfigError, match=r"notes: exists and holds no leadmodel\.json"):
        model.save(tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LeadModel().predict_proba(pd.DataFrame({"a": [1.0]}))


def test_time_split_holds_out_the_latest_rows() -> None:
    time = np.sort(np.array([5, 1, 4, 2, 3, 5, 1, 2, 3, 4]))
    train, val, overlap = validation_split(10, time, 0.2, None)
    assert set(time[val]) == {5}
    assert set(time[train]) == {1, 2, 3, 4}
    assert overlap == 0
    times = np.repeat(np.arange(10), 100)
    purged_train, _, overlap = validation_split(1000, times, 0.2, 2)
    assert times[purged_train].max() == 5
    assert overlap == 0
    train, val, _ = validation_split(10, None, 0.3, None)
    assert np.arange(10)[val].tolist() == [7, 8, 9]
    train, val, _ = validation_split(10, np.zeros(10), 0.3, None)  # one time: by row order
    assert np.arange(10)[val].tolist() == [7, 8, 9]


def test_a_history_shorter_than_the_gap_is_not_purged_but_said() -> None:
    times = np.repeat(np.arange(10), 100)
    # a gap of 7 would leave time 0 only (100 rows), under a quarter of the 800 earlier rows
    train, val, overlap = validation_split(1000, times, 0.2, 7)
    assert (times[train].max(), times[val].min()) == (7, 8)
    assert overlap == 700  # times 1-7: their labels reach into the validation slice
    X, y = _leads(2000)
    time = np.repeat(np.arange(10), 200)
    with pytest.warns(DataWarning, match="1,400 of the 1,600 earlier rows have labels that"):
        model = LeadModel(random_state=0).fit(X, y, time=time, gap=7)
    assert model.validation_scores_["label_overlap"] == pytest.approx(0.875)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        purged = LeadModel(random_state=0).fit(X, y, time=time, gap=2)
    assert purged.validation_scores_["label_overlap"] == 0.0


def test_fit_does_not_copy_the_matrix_for_its_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _leads(2000)
    seen: list[np.ndarray] = []
    original = _training._Learner.dataset

    def spy(self: _training._Learner, matrix: np.ndarray, *args: object) -> object:
        seen.append(matrix)
        return original(self, matrix, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_training._Learner, "dataset", spy)
    fixed_mix = LeadModel(random_state=0, max_rounds=20, linear_prior=0.5)
    fixed_mix.fit(X, y, time=np.arange(len(y))[::-1])
    assert [m.dtype for m in seen] == [np.float32] * 3
    assert seen[0].base is seen[2]  # the training slice is a view of the whole matrix
    assert seen[1].base is seen[2]  # and so is the validation slice


def test_learning_rate_grows_with_the_rows() -> None:
    rates = [auto_learning_rate(n) for n in (10, 100_000, 400_000, 1_000_000, 10**7, 10**9)]
    assert rates[:2] == [0.03, 0.03]
    assert rates[2] == pytest.approx(0.06)
    assert np.all(np.diff(rates) >= 0)
    assert rates[-2:] == [0.2, 0.2]
    X, y = _leads(2000)
    assert LeadModel(random_state=0, max_rounds=5).fit(X, y).learning_rate_ == 0.03
    fixed = LeadModel(random_state=0, max_rounds=5, learning_rate=0.1).fit(X, y)
    assert fixed.learning_rate_ == 0.1
    assert fixed.booster_.params["learning_rate"] == 0.1
    with pytest.raises(ModelError, match="learning_rate: expected a positive number or 'auto'"):
        LeadModel(learning_rate="fast").fit(X, y)  # type: ignore[arg-type]


def test_time_changes_the_validation_rows() -> None:
    X, y = _leads(2000)
    time = np.arange(len(y))[::-1]  # the first rows are the latest
    by_order = LeadModel(random_state=0).fit(X, y)
    by_time = LeadModel(random_state=0).fit(X, y, time=time)
    assert by_order.validation_scores_ != by_time.validation_scores_
    times = pd.Series(pd.date_range("2025-01-01", periods=len(y), freq="h")).astype(object)
    times[[5, 9]] = pd.NaT  # a row without a time would land in the validation slice
    with pytest.raises(ModelError, match=r"time: 2 missing value\(s\), at row\(s\) 5, 9;"):
        LeadModel(random_state=0).fit(X, y, time=times)


def test_too_few_positives_fall_back_to_a_plain_model() -> None:
    X, y = _leads(400)
    y = np.zeros_like(y)
    y[:3] = 1  # all positives in the training part: none to validate on
    model = LeadModel(random_state=0).fit(X, y)
    assert model.calibrator_.kind == "identity"
    assert model.predict_proba(X).shape == (400, 2)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.zeros(50), "got one class"),
        (np.arange(50) % 3, "Only binary classification is supported"),
        (np.linspace(0, 1, 50), "Unknown label type"),
    ],
)
def test_bad_targets(y: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LeadModel().fit(pd.DataFrame({"a": np.arange(50.0)}), y)


def test_datetime_columns_are_refused() -> None:
    X = pd.DataFrame({"when": pd.date_range("2025-01-01", periods=50)})
    with pytest.raises(ModelError, match=r"X\.when: datetime64"):
        LeadModel().fit(X, np.arange(50) % 2)


def _raw_along(model: LeadModel, X: pd.DataFrame, column: str, grid: np.ndarray) -> np.ndarray:
    """Raw log-odds of every row of ``X`` with ``column`` set to each value of ``grid``."""
    return np.column_stack([model.decision_function(X.assign(**{column: value})) for value in grid])


def test_monotone_constraints_hold_and_survive_save(tmp_path: Path) -> None:
    X, _ = _leads(4000, seed=5)
    rng = np.random.default_rng(5)
    visits = X["visits"].fillna(0).to_numpy()
    # the true effect of visits rises then falls: free trees learn the fall, constrained ones not
    logit = -1 + 1.2 * visits - 0.25 * visits**2 + 1.0 * X["vip"].to_numpy()
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    grid = np.arange(0.0, 11.0)
    sample = X.head(300)

    free = LeadModel(random_state=0).fit(X, y)
    assert (np.diff(_raw_along(free, sample, "visits", grid), axis=1) < -1e-9).any()

    model = LeadModel(random_state=0, monotonic_cst={"visits": 1, "vip": -1}).fit(X, y)
    assert (np.diff(_raw_along(model, sample, "visits", grid), axis=1) >= -1e-9).all()
    assert (np.diff(_raw_along(model, sample, "vip", np.array([0.0, 1.0])), axis=1) <= 1e-9).all()
    # the same constraints by position
    by_position = LeadModel(random_state=0, monotonic_cst=[0, 0, 1, -1]).fit(X, y)
    np.testing.assert_array_equal(by_position.decision_function(X), model.decision_function(X))

    loaded = LeadModel.load(model.save(tmp_path))
    assert loaded.get_params()["monotonic_cst"] == {"visits": 1, "vip": -1}
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        ({"vistis": 1}, r"monotonic_cst: no such column in X: 'vistis'"),
        ({"industry": 1}, r"categorical column\(s\) have no order to constrain: 'industry'"),
        ({"visits": 2}, r"directions are -1, 0 or 1, got 'visits=2'"),
        ([1, 0], r"expected 4 directions \(one per column of X\), got 2"),
    ],
)
def test_bad_monotone_constraints(constraints: Any, message: str) -> None:
    X, y = _leads(500)
    with pytest.raises(ModelError, match=message):
        LeadModel(monotonic_cst=constraints).fit(X, y)


def test_no_private_scikit_learn_function_is_imported() -> None:
    # private functions (such as _check_sample_weight) change without notice between releases
    source = Path(__file__).resolve().parents[1] / "src" / "leadscore"
    private = []
    for path in source.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


def test_sample_weight_is_checked(fitted: tuple[LeadModel, pd.DataFrame, np.ndarray]) -> None:
    _, X, y = fitted
    with pytest.raises(ModelError, match=r"sample_weight: expected \d+ values"):
        LeadModel(max_rounds=2).fit(X, y, sample_weight=np.ones(3))
