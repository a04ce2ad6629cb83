"""Model quality against four baselines, with 95% bootstrap intervals, on any data.

Baselines (``leadscore.evaluate.BASELINES``), fitted on the same training rows and scored on
the same test rows as LeadModel: a logistic regression, ``LGBMClassifier()`` with its default
settings, the naive-Bayes scoring of Odoo's CRM, and the rules-based points score. Each metric
gets a 95% bootstrap interval that resamples contacts (a contact's rows at several cutoffs stay
together), and each gap to the logistic regression a paired interval from the same resamples.

1. make_crm(20_000) (two years of history) for a few seeds, the training job of
   ``leadscore train`` (monthly cutoffs, holdout = latest quarter of the fully labelled
   cutoffs, training labels that look into the holdout purged). Next to the holdout figures,
   each model's own validation ROC AUC and the share of its early-stopping rows whose labels
   reach into its validation slice.
2. ``--data DIR [--config FILE]``: the same training job on any CRM export.
3. ../shared/data/bank-marketing/bank-additional-full.csv without ``duration`` (known only after
   the call), on the raw columns: stratified random 80/20 splits (five seeds) and the
   time-ordered split (first 80% of rows train, last 20% test; every row a call of its own).
   The points score needs CRM activity columns and is left out. For the time split it also
   prints LeadModel's own validation estimate and the features whose distribution moved most
   (population stability index).

    python benchmarks/bench_quality.py [--seeds 3] [--first-seed 0] [--months 24]
                                       [--contacts 20000] [--resamples 200]
                                       [--skip-synthetic] [--skip-bank] [--bank-seeds 5]
    python benchmarks/bench_quality.py --data DIR [--config FILE]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

import leadscore as ls
from leadscore.config import load_config
from leadscore.domain import TARGETS
from leadscore.evaluate import (
    BASELINES,
    binary_metrics,
    bootstrap_metrics,
    compare_models,
    population_stability_index,
)
from leadscore.pipeline import TrainResult, train_scorer

BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-marketing"
SHOWN = ("roc_auc", "pr_auc", "brier", "log_loss", "ece")
REFERENCE = "logistic"


def _cell(value: float, low: float, high: float) -> str:
    return f"{value:.4f}" if not np.isfinite(low) else f"{value:.4f} ({low:.4f}-{high:.4f})"


def _table(evaluation: pd.DataFrame, metrics: tuple[str, ...] = SHOWN) -> pd.DataFrame:
    """Models as rows, metrics as columns, each figure with its interval."""
    shown = evaluation[evaluation["metric"].isin(metrics)]
    cells = shown.assign(cell=[_cell(*v) for v in shown[["value", "low", "high"]].to_numpy()])
    wide = cells.pivot(index="model", columns="metric", values="cell")
    return wide.reindex(index=list(dict.fromkeys(shown["model"])), columns=list(metrics))


def _gaps(
    y: np.ndarray, predictions: dict[str, np.ndarray], groups: np.ndarray | None, resamples: int
) -> pd.DataFrame:
    """ROC AUC gap of every model to the logistic regression: paired bootstrap interval."""
    draws = {
        name: bootstrap_metrics(y, p, groups, resamples=resamples, seed=0)["roc_auc"]
        for name, p in predictions.items()
    }
    rows = []
    for name in predictions:
        if name == REFERENCE:
            continue
        gap = draws[name] - draws[REFERENCE]
        point = binary_metrics(y, predictions[name])["roc_auc"]
        point -= binary_metrics(y, predictions[REFERENCE])["roc_auc"]
        low, high = gap.quantile([0.025, 0.975])
        rows.append((name, point, low, high))
    return pd.DataFrame(rows, columns=["model", "ROC AUC - logistic", "95% low", "95% high"])


def _holdout(result: TrainResult, resamples: int) -> None:
    scorer, test = result.scorer, result.test
    print(
        f"-- holdout from {result.test_start.date()}: {len(result.train):,} training rows, "
        f"{len(test):,} holdout rows"
    )
    for target in TARGETS:
        part = result.evaluation[result.evaluation["target"] == target]
        counts = part[part["metric"].isin(["rows", "positives"])].drop_duplicates("metric")
        print(f"{target}: " + ", ".join(f"{m} {v:,.0f}" for m, v in counts[["metric", "value"]]
                                          .itertuples(index=False)))  # fmt: skip
        if part.loc[part["metric"] == "rows", "value"].iloc[0] == 0:
            continue
        print(_table(part).to_string())
        present = test[f"y_{target}"].notna().to_numpy()
        rows = test.loc[present]
        predictions = scorer.predictions(rows, target)
        y = rows[f"y_{target}"].astype(int).to_numpy()
        print(_gaps(y, predictions, rows["contact_id"].to_numpy(), resamples).round(4)
              .to_string(index=False))  # fmt: skip
        own = scorer.models_[target].validation_scores_
        print(f"   LeadModel's own validation ROC AUC {own['roc_auc']:.4f} "
              f"(label overlap {own['label_overlap']:.2f})")  # fmt: skip


def synthetic(seeds: int, months: int, first_seed: int, contacts: int, resamples: int) -> None:
    for seed in range(first_seed, first_seed + seeds):
        print(f"\n== make_crm({contacts:,}, months={months}, seed={seed}): leadscore train's "
              "split ==")  # fmt: skip
        crm = ls.make_crm(contacts, seed=seed, months=months)
        _holdout(train_scorer(crm), resamples)


def export(data: Path, config_file: Path | None, resamples: int) -> None:
    config = load_config(config_file)
    crm = ls.CRMData.read(data, config=config)
    print(f"\n== {data}: {crm} ==")
    _holdout(train_scorer(crm, config), resamples)


def _bank() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(BANK / "bank-additional-full.csv", sep=";")
    y = (frame.pop("y") == "yes").astype(int).to_numpy()
    return frame.drop(columns="duration"), y


def _compare(X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame,
             y_test: np.ndarray) -> tuple[dict[str, np.ndarray], ls.LeadModel]:  # fmt: skip
    leadmodel = ls.LeadModel(random_state=0).fit(X_train, y_train)
    predictions = {"leadscore": leadmodel.predict_proba(X_test)[:, 1]}
    for name, baseline in BASELINES.items():
        if name != "points":  # rules for CRM activity; nothing to score on these columns
            predictions[name] = baseline().fit(X_train, y_train).predict_proba(X_test)
    return predictions, leadmodel


def bank(resamples: int, seeds: int) -> None:
    X, y = _bank()
    print("\n== UCI bank marketing, no duration, raw columns ==")
    frames = []
    for seed in range(seeds):  # 0: the time-ordered split alone
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=seed,
                                                  stratify=y)  # fmt: skip
        predictions, _ = _compare(X_tr, y_tr, X_te, y_te)
        frames.append(compare_models(y_te, predictions, resamples=resamples).assign(seed=seed))
    if frames:
        random = pd.concat(frames)
        print("-- random 80/20 split (stratified), seed 0 with 95% intervals")
        print(_table(random[random["seed"] == 0]).to_string())
        mean = random.groupby(["model", "metric"], sort=False)["value"].mean().unstack()
        print(f"-- the mean of seeds 0-{seeds - 1}")
        print(mean.reindex(columns=list(SHOWN)).round(4).to_string())

    cut = int(len(X) * 0.8)
    predictions, leadmodel = _compare(X.iloc[:cut], y[:cut], X.iloc[cut:], y[cut:])
    print("-- time-ordered split: first 80% of rows train, last 20% test")
    print(_table(compare_models(y[cut:], predictions, resamples=resamples)).to_string())
    print(_gaps(y[cut:], predictions, None, resamples).round(4).to_string(index=False))
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
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--data", type=Path, help="a CRM export folder: run on it alone")
    parser.add_argument("--config", type=Path, help="its TOML configuration")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-bank", action="store_true")
    parser.add_argument(
        "--bank-seeds", type=int, default=5, help="random splits of the bank (0: none)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 250)
    if args.data is not None:
        export(args.data, args.config, args.resamples)
        return
    if not args.skip_synthetic:
        synthetic(args.seeds, args.months, args.first_seed, args.contacts, args.resamples)
    if not args.skip_bank:
        bank(args.resamples, args.bank_seeds)


if __name__ == "__main__":
    main()
