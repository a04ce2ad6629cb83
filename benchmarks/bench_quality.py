"""Model quality on a synthetic CRM (time-based holdout) and on UCI bank marketing.

1. make_crm(20_000) (two years of history) for a few seeds, the training job of
   ``leadscore train`` (monthly cutoffs, holdout = latest quarter of the fully labelled
   cutoffs, training labels that look into the holdout purged): ROC AUC, PR AUC, Brier and
   expected calibration error per target for leadscore, the logistic regression and the
   rules-based points score, on the same rows. Each ROC AUC difference to the logistic
   regression comes with a 95% interval from a paired bootstrap that resamples contacts (a
   contact's rows at several cutoffs stay together), so a gap can be told from noise. Next to
   them, each model's own validation ROC AUC and the share of its early-stopping rows whose
   labels reach into its validation slice (the customer horizon is too long to purge them).
2. ../shared/data/bank-marketing/bank-additional-full.csv without ``duration`` (known only after
   the call), on the raw columns: a stratified random 80/20 split (five seeds) and the
   time-ordered split (first 80% of rows train, last 20% test). LeadModel next to a plain
   LightGBM (LGBMClassifier defaults) and a logistic regression (one-hot + standardised numbers).
   For the time split it also prints LeadModel's own validation estimate and the features whose
   distribution moved most between train and test (population stability index).

    python benchmarks/bench_quality.py [--seeds 3] [--first-seed 0] [--months 24]
                                       [--skip-synthetic] [--skip-bank]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import leadscore as ls
from leadscore.domain import TARGETS
from leadscore.evaluate import expected_calibration_error, population_stability_index
from leadscore.pipeline import TrainResult, train_scorer

BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-marketing"
SHOWN = ("roc_auc", "pr_auc", "brier", "ece")
BOOTSTRAP = 500


def auc_gap_interval(
    y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, groups: np.ndarray, seed: int = 0
) -> tuple[float, float]:
    """95% interval of ROC AUC(p_a) - ROC AUC(p_b), paired bootstrap over ``groups``.

    Each resample draws the groups with replacement; a row's weight is how often its group was
    drawn, which is the resample itself for a weighted ROC AUC.
    """
    codes, uniques = pd.factorize(groups)
    rng = np.random.default_rng(seed)
    gaps = np.empty(BOOTSTRAP)
    for i in range(BOOTSTRAP):
        weight = rng.multinomial(len(uniques), np.full(len(uniques), 1 / len(uniques)))[codes]
        gaps[i] = roc_auc_score(y, p_a, sample_weight=weight) - roc_auc_score(
            y, p_b, sample_weight=weight
        )
    low, high = np.quantile(gaps, [0.025, 0.975])
    return float(low), float(high)


def _gap_intervals(result: TrainResult, seed: int) -> list[tuple[str, int, float, float]]:
    scorer, test = result.scorer, result.test
    rows = []
    for target in TARGETS:
        present = test[f"y_{target}"].notna().to_numpy()
        X = test.loc[present, scorer.feature_names_]
        y = test.loc[present, f"y_{target}"].astype(int).to_numpy()
        ours = scorer.models_[target].predict_proba(X)[:, 1]
        logistic = scorer.baselines_[target]["logistic"].predict_proba(X)
        groups = test.loc[present, "contact_id"].to_numpy()
        rows.append((target, seed, *auc_gap_interval(y, ours, logistic, groups)))
    return rows


def synthetic(seeds: int, months: int, first_seed: int = 0) -> None:
    print(f"== make_crm(20_000, months={months}), time-based holdout (leadscore train's split) ==")
    frames, intervals, own = [], [], []
    for seed in range(first_seed, first_seed + seeds):
        result = train_scorer(ls.make_crm(20_000, seed=seed, months=months))
        intervals += _gap_intervals(result, seed)
        for target, model in result.scorer.models_.items():
            scores = model.validation_scores_
            own.append((target, seed, scores["roc_auc"], scores["label_overlap"]))
        evaluation = result.evaluation
        kept = evaluation[evaluation["metric"].isin(SHOWN)].assign(seed=seed)
        frames.append(kept)
        wide = kept.pivot_table(index=["target", "metric"], columns="model", values="value")
        print(
            f"-- seed {seed}: holdout from {result.test_start.date()}, "
            f"{len(result.train):,} training rows, {len(result.test):,} holdout rows"
        )
        print(wide.reindex(columns=["leadscore", "logistic", "points"]).round(4).to_string())
    both = pd.concat(frames)
    auc = both[both["metric"] == "roc_auc"].pivot_table(
        index=["target", "seed"], columns="model", values="value"
    )
    auc["leadscore - logistic"] = auc["leadscore"] - auc["logistic"]
    bounds = pd.DataFrame(intervals, columns=["target", "seed", "95% low", "95% high"])
    auc = auc.join(bounds.set_index(["target", "seed"]))
    # LeadModel's own estimate on its validation slice, and the share of its early-stopping rows
    # whose labels reach into that slice (0: purged; then the estimate is honest)
    columns = ["target", "seed", "validation", "label overlap"]
    auc = auc.join(pd.DataFrame(own, columns=columns).set_index(["target", "seed"]))
    print(f"-- ROC AUC by seed; 95% interval of the gap: paired bootstrap over contacts "
          f"({BOOTSTRAP} resamples)")  # fmt: skip
    print(auc.round(4).to_string())
    ece = both[(both["metric"] == "ece") & (both["model"] == "leadscore")]
    print(f"-- leadscore ECE: max {ece['value'].max():.4f} over targets and seeds (goal <= 0.02)")


def _bank() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(BANK / "bank-additional-full.csv", sep=";")
    y = (frame.pop("y") == "yes").astype(int).to_numpy()
    return frame.drop(columns="duration"), y


def _logistic(X_train: pd.DataFrame, y_train: np.ndarray) -> object:
    text = [c for c in X_train if not pd.api.types.is_numeric_dtype(X_train[c])]
    numbers = [c for c in X_train if c not in text]
    encode = ColumnTransformer(
        [("text", OneHotEncoder(handle_unknown="ignore"), text), ("num", StandardScaler(), numbers)]
    )
    return make_pipeline(encode, LogisticRegression(max_iter=2000)).fit(X_train, y_train)


def plain_lightgbm(X_train: pd.DataFrame, y_train: np.ndarray) -> object:
    """LGBMClassifier with its defaults; text columns become pandas categoricals."""
    categorical = X_train.copy()
    for column in categorical:
        if not pd.api.types.is_numeric_dtype(categorical[column]):
            categorical[column] = categorical[column].astype("category")
    model = lgb.LGBMClassifier(verbose=-1, random_state=0).fit(categorical, y_train)
    categories = {c: categorical[c].cat.categories for c in categorical if
                  isinstance(categorical[c].dtype, pd.CategoricalDtype)}  # fmt: skip

    class Wrapped:
        def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
            X = X.copy()
            for column, cats in categories.items():
                X[column] = pd.Categorical(X[column], categories=cats)
            return np.asarray(model.predict_proba(X))

    return Wrapped()


def _scores(name: str, model: object, X_test: pd.DataFrame, y_test: np.ndarray) -> dict[str, float]:
    p = model.predict_proba(X_test)[:, 1]  # type: ignore[attr-defined]
    return {
        "model": name,
        "roc_auc": roc_auc_score(y_test, p),
        "pr_auc": average_precision_score(y_test, p),
        "ece": expected_calibration_error(y_test, p),
    }


def _compare(X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame,
             y_test: np.ndarray) -> tuple[list[dict[str, float]], ls.LeadModel]:  # fmt: skip
    leadmodel = ls.LeadModel(random_state=0).fit(X_train, y_train)
    rows = [
        _scores("leadscore LeadModel", leadmodel, X_test, y_test),
        _scores("plain LightGBM", plain_lightgbm(X_train, y_train), X_test, y_test),
        _scores("logistic regression", _logistic(X_train, y_train), X_test, y_test),
    ]
    return rows, leadmodel


def bank() -> None:
    X, y = _bank()
    print("\n== UCI bank marketing, no duration, raw columns ==")
    rows = []
    for seed in range(5):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=seed,
                                                  stratify=y)  # fmt: skip
        for row in _compare(X_tr, y_tr, X_te, y_te)[0]:
            rows.append(row | {"seed": seed})
    random = pd.DataFrame(rows)
    print("-- random 80/20 split (stratified), seed 0 and the mean of seeds 0-4")
    seed0 = random[random["seed"] == 0].set_index("model").drop(columns="seed")
    mean = random.groupby("model").mean(numeric_only=True).drop(columns="seed")
    print(pd.concat({"seed 0": seed0, "mean of 5": mean}, axis=1).round(4).to_string())

    cut = int(len(X) * 0.8)
    rows, leadmodel = _compare(X.iloc[:cut], y[:cut], X.iloc[cut:], y[cut:])
    print("-- time-ordered split: first 80% of rows train, last 20% test")
    print(pd.DataFrame(rows).set_index("model").round(4).to_string())
    print(f"   LeadModel's own estimate on its latest validation slice: ROC AUC "
          f"{leadmodel.validation_scores_['roc_auc']:.4f}")  # fmt: skip
    drift = {c: population_stability_index(X[c].iloc[:cut], X[c].iloc[cut:]) for c in X}
    top = sorted(drift.items(), key=lambda kv: -kv[1])[:7]
    print("   largest shifts train -> test (PSI): " + ", ".join(f"{c} {v:.2f}" for c, v in top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-bank", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if not args.skip_synthetic:
        synthetic(args.seeds, args.months, args.first_seed)
    if not args.skip_bank:
        bank()


if __name__ == "__main__":
    main()
