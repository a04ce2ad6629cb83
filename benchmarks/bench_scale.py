"""LeadModel's defaults from a thousand to ten million rows: time, memory, trees and quality.

A pool of training rows (customer target) from make_crm(200_000) runs with different seeds, 24
monthly cutoffs each, stored once as Parquet. For each size, a random sample of that many rows,
split by time: rows at the latest fifth of the labelled cutoffs are the test. In separate fresh
processes on the same rows:

- leadscore: ``LeadModel(random_state=0).fit(X, y, time=cutoff)`` with every default (early
  stopping on the latest rows, calibration, refit on all rows);
- reference: LightGBM's own ``LGBMClassifier(random_state=0)`` with its defaults (100 trees,
  no early stopping, no calibration) on the same rows, categories as pandas categoricals.

Printed per size: wall time of ``fit`` and peak RSS of the process (ratios to the reference),
the size of the input frame, the number of trees, test ROC AUC and expected calibration error.

    python benchmarks/bench_scale.py [--sizes 1000 10000 100000 1000000 10000000] [--pool DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import leadscore as ls
from _measure import measure
from leadscore._io import atomic_path
from leadscore.evaluate import LightGBMBaseline, binary_metrics

CONTACTS_PER_RUN = 200_000
CUTOFFS = pd.date_range("2024-02-01", periods=24, freq="MS", tz="UTC")
TEST_SHARE = 0.2


def _pool(folder: Path, rows: int) -> list[tuple[Path, int]]:
    """Parquet files of customer-target rows and their row counts, one per make_crm seed, at
    least ``rows`` in all. Files already in ``folder`` (from an earlier run) are reused."""
    files: list[tuple[Path, int]] = []
    total = 0
    while total < rows:
        seed = len(files)
        path = folder / f"pool-{seed}.parquet"
        if path.exists():
            count = pq.ParquetFile(path).metadata.num_rows
        else:
            crm = ls.make_crm(CONTACTS_PER_RUN, seed=seed)
            table = ls.build_training_table(crm, CUTOFFS)
            table = table[table["y_customer"].notna()].drop(columns=["y_prospect"])
            table["contact_id"] = f"s{seed}-" + table["contact_id"].astype("str")
            with atomic_path(path) as tmp:
                table.to_parquet(tmp)
            count = len(table)
        files.append((path, count))
        total += count
        print(f"   pool: seed {seed}, {count:,} rows ({total:,} in all)", flush=True)
    return files


def _sample(files: list[tuple[Path, int]], n_rows: int, out: Path) -> tuple[int, int]:
    """``n_rows`` random rows of the pool, written as train and test Parquet files."""
    counts = [count for _, count in files]
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(sum(counts), size=n_rows, replace=False))
    parts, start = [], 0
    for f, count in files:
        mine = chosen[(chosen >= start) & (chosen < start + count)] - start
        if len(mine):
            parts.append(pd.read_parquet(f).iloc[mine])
        start += count
    table = pd.concat(parts, ignore_index=True)
    del parts
    labelled = np.sort(table["cutoff"].unique())
    test = table["cutoff"] >= labelled[int(len(labelled) * (1 - TEST_SHARE))]
    table[~test].to_parquet(out / "train.parquet")
    table[test].to_parquet(out / "test.parquet")
    return int((~test).sum()), int(test.sum())


def _read(folder: str, part: str) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    table = pd.read_parquet(Path(folder) / f"{part}.parquet")
    names = ls.feature_columns(table)
    return table[names], table["y_customer"].to_numpy(dtype=int), table["cutoff"]


def _quality(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    metrics = binary_metrics(y, p)
    return {"roc_auc": metrics["roc_auc"], "ece": metrics["ece"]}


def fit_leadscore(folder: str) -> dict[str, float]:
    X, y, cutoff = _read(folder, "train")
    start = time.perf_counter()
    model = ls.LeadModel(random_state=0).fit(X, y, time=cutoff)
    seconds = time.perf_counter() - start
    frame_mb = X.memory_usage(deep=True).sum() / 2**20
    del X
    X_test, y_test, _ = _read(folder, "test")
    p = model.predict_proba(X_test)[:, 1]
    print(f"   LeadModel chose {model.selection_['chosen']} ({model.selection_['reason']}); "
          f"trees per candidate: " + ", ".join(f"{k} {v['trees']:.0f}" for k, v
                                                in model.selection_["candidates"].items()),
          flush=True)  # fmt: skip
    return {"seconds": seconds, "trees": model.n_estimators_, "frame_mb": frame_mb,
            **_quality(y_test, p)}  # fmt: skip


def fit_reference(folder: str) -> dict[str, float]:
    X, y, _ = _read(folder, "train")
    start = time.perf_counter()
    model = LightGBMBaseline().fit(X, y)
    seconds = time.perf_counter() - start
    del X
    X_test, y_test, _ = _read(folder, "test")
    p = model.predict_proba(X_test)
    return {"seconds": seconds, "trees": 100.0, **_quality(y_test, p)}  # no early stopping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000, 10_000, 100_000, 1_000_000])  # fmt: skip
    parser.add_argument("--pool", type=Path, default=None,
                        help="keep the pool of rows here and reuse it in later runs")  # fmt: skip
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        pool_folder = args.pool or Path(scratch)
        pool_folder.mkdir(parents=True, exist_ok=True)
        files = _pool(pool_folder, int(max(args.sizes) * 1.02))
        print("== LeadModel defaults by size (customer target, time-based test: latest fifth) ==")
        print(f"{'rows':>11} {'train':>11} {'test':>10} {'model':>10} {'fit s':>9} "
              f"{'peak RSS MB':>12} {'input MB':>9} {'trees':>6} {'ROC AUC':>8} "
              f"{'ECE':>7}")  # fmt: skip
        for n_rows in sorted(args.sizes):
            with tempfile.TemporaryDirectory() as folder:
                n_train, n_test = _sample(files, n_rows, Path(folder))
                ours = measure(fit_leadscore, folder)
                ref = measure(fit_reference, folder)
            for name, run in (("leadscore", ours), ("LightGBM", ref)):
                r = run.result
                ratio = "" if run is ref else (
                    f"  ({r['seconds'] / ref.result['seconds']:.1f}x time,"
                    f" {run.peak_rss_mb / ref.peak_rss_mb:.2f}x memory of the reference)"
                )  # fmt: skip
                print(f"{n_rows:>11,} {n_train:>11,} {n_test:>10,} {name:>10} {r['seconds']:>9.1f} "
                      f"{run.peak_rss_mb:>12,.0f} {ours.result['frame_mb']:>9,.0f} "
                      f"{r['trees']:>6.0f} {r['roc_auc']:>8.4f} {r['ece']:>7.4f}{ratio}",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
