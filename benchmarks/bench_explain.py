"""Explanations: fidelity to the generator's truth, and the cost of explaining every score.

Fidelity. make_crm(20_000) for a few seeds, the training job of ``leadscore train``, then the
scores of every open contact at the end of the data. For each criterion the generator uses,
the Spearman correlation between the criterion's contribution (log-odds, summed over its
features) and ``crm.truth`` (the criterion's true effect on the contact's log-odds), for both
targets. Goal: at least 0.5. For seed 0 it also prints every criterion's contribution against
every true effect: where the signal the diagonal misses went.

Speed. A model trained on make_crm(20_000) scores ``--rows`` feature rows built from
make_crm(100_000) (24 monthly cutoffs). In separate processes, on the same booster and rows:

- reference: one bare ``booster.predict(matrix, pred_contrib=True)`` call;
- leadscore: ``LeadModel.summarize(X, k=3)``: calibrated probabilities, contributions summed per
  criterion and the top three reasons each way, in chunks of 100k rows, with the exact
  per-tree deduplication of decision patterns;
- leadscore without deduplication (one ``pred_contrib`` per chunk).

TreeSHAP (``--treeshap``). leadscore's compiled TreeSHAP (:mod:`leadscore._treeshap`, in chunks
of 100k rows as ``LeadModel`` runs it) against LightGBM's ``pred_contrib`` on the same rows, for
the customer and the prospect model, in one process and interleaved (the machine's load falls on
both alike): median seconds of ``--repeat`` runs, the ratio and the largest absolute difference
over every row and feature.

    python benchmarks/bench_explain.py [--rows 1000000] [--seeds 3] [--skip-fidelity]
        [--skip-speed] [--skip-no-dedup] [--treeshap] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from scipy.stats import spearmanr

import leadscore as ls
from _measure import measure
from leadscore.domain import CRITERIA
from leadscore.pipeline import train_scorer

TRUE_CRITERIA = ("fit", "budget", "authority", "need", "engagement", "buying_group", "source")


def fidelity(seeds: int) -> None:
    print("== fidelity: Spearman(criterion contribution, crm.truth), open contacts at the end ==")
    rows = []
    for seed in range(seeds):
        crm = ls.make_crm(20_000, seed=seed)
        scorer = train_scorer(crm).scorer
        as_of = crm.time_span()[1].ceil("D")
        scores = scorer.score(crm, as_of).merge(crm.truth, on="contact_id", suffixes=("", "_true"))
        if seed == 0:
            _where_it_goes(scores)
        for target, prefix in (("customer", ""), ("prospect", "prospect_")):
            for criterion in TRUE_CRITERIA:
                pair = scores[[f"{prefix}{criterion}", f"{criterion}_true"]].dropna()
                rho = spearmanr(pair.iloc[:, 0], pair.iloc[:, 1]).statistic
                rows.append((target, criterion, seed, rho, len(pair)))
    table = pd.DataFrame(rows, columns=["target", "criterion", "seed", "spearman", "contacts"])
    wide = table.pivot_table(index="criterion", columns=["target", "seed"], values="spearman")
    wide = wide.reindex(list(TRUE_CRITERIA))
    print(wide.round(3).to_string())
    worst = table.groupby("target")["spearman"].min()
    print("lowest per target: " + ", ".join(f"{t} {v:.3f}" for t, v in worst.items()))


def _where_it_goes(scores: pd.DataFrame) -> None:
    """Spearman of every criterion's contribution with every true effect, seed 0."""
    for target, prefix in (("customer", ""), ("prospect", "prospect_")):
        matrix = pd.DataFrame(
            {
                truth: [
                    spearmanr(
                        scores[f"{prefix}{c}"], scores[f"{truth}_true"], nan_policy="omit"
                    ).statistic
                    for c in CRITERIA
                ]
                for truth in TRUE_CRITERIA
            },
            index=list(CRITERIA),
        )
        print(f"-- seed 0, {target}: contribution (rows) by true effect (columns)")
        print(matrix.round(2).to_string())


def _prepare(folder: Path, n_rows: int) -> None:
    scorer = train_scorer(ls.make_crm(20_000, seed=0)).scorer
    scorer.save(folder / "scorer")
    crm = ls.make_crm(100_000, seed=1)
    table = ls.build_training_table(crm, pd.date_range("2024-02-01", periods=24, freq="MS"))
    table = table.head(n_rows)
    if len(table) < n_rows:
        repeats = -(-n_rows // len(table))
        table = pd.concat([table] * repeats, ignore_index=True).head(n_rows)
    table[scorer.feature_names_].to_parquet(folder / "rows.parquet")


def _load(folder: str) -> tuple[ls.LeadModel, pd.DataFrame]:
    scorer = ls.LeadScorer.load(Path(folder) / "scorer")
    return scorer.models_["customer"], pd.read_parquet(Path(folder) / "rows.parquet")


def bare(folder: str) -> dict[str, float]:
    model, X = _load(folder)
    matrix = model.preprocessor_.transform(X)
    import time

    start = time.perf_counter()
    out = model.booster_.predict(matrix, pred_contrib=True)
    return {"seconds": time.perf_counter() - start, "rows": float(len(out))}


def ours(folder: str, deduplicate: bool) -> dict[str, float]:
    model, X = _load(folder)
    import time

    start = time.perf_counter()
    summary = model.summarize(X, k=3, deduplicate=deduplicate)
    return {
        "seconds": time.perf_counter() - start,
        "rows": float(len(summary.proba)),
        "distinct": summary.distinct_share,
        "with_reasons": float(pd.notna(summary.reasons).mean()),
    }


def speed(n_rows: int, with_no_dedup: bool = True) -> None:
    print(f"\n== speed: {n_rows:,} rows, one booster (the customer model) ==")
    with tempfile.TemporaryDirectory() as folder:
        _prepare(Path(folder), n_rows)
        model, _ = _load(folder)
        print(f"   booster: {model.n_estimators_} trees, {model.n_features_in_} features")
        runs = {
            "bare pred_contrib (reference)": measure(bare, folder),
            "leadscore summarize, deduplicated": measure(ours, folder, True),
        }
        if with_no_dedup:
            runs["leadscore summarize, no deduplication"] = measure(ours, folder, False)
    reference = runs["bare pred_contrib (reference)"]
    for name, run in runs.items():
        seconds = run.result["seconds"]
        extra = ""
        if "distinct" in run.result:
            extra = (f"  distinct patterns {run.result['distinct']:.1%} of rows per tree,"
                     f" rows with reasons {run.result['with_reasons']:.1%}")  # fmt: skip
        print(f"   {name:40s} {seconds:8.1f} s  ({seconds / reference.result['seconds']:.2f}x)"
              f"  peak RSS {run.peak_rss_mb:7,.0f} MB"
              f" ({run.peak_rss_mb / reference.peak_rss_mb:.2f}x){extra}")  # fmt: skip


def treeshap(n_rows: int, repeat: int, cache: Path | None = None) -> None:
    import statistics
    import time

    import numpy as np

    from leadscore._treeshap import compile_booster, tree_shap
    from leadscore.explain import iter_chunks

    print(f"\n== TreeSHAP: {n_rows:,} rows, ours vs pred_contrib, median of {repeat} ==")
    if cache is not None:
        # bench_scoring.py's scorer and 200k export: the open contacts as of its date
        scorer = ls.LeadScorer.load(cache / "model")
        crm = ls.CRMData.read(cache / "crm-200000")
        X = ls.build_features(crm, "2025-12-01", config=scorer.config).iloc[:n_rows]
        print(f"   rows: the first {len(X):,} open contacts of {cache / 'crm-200000'}")
    else:
        with tempfile.TemporaryDirectory() as folder:
            _prepare(Path(folder), n_rows)
            scorer = ls.LeadScorer.load(Path(folder) / "scorer")
            X = pd.read_parquet(Path(folder) / "rows.parquet")
    for target, model in scorer.models_.items():
        booster = model.booster_
        matrix = model.preprocessor_.transform(X)
        start = time.perf_counter()
        compiled = compile_booster(booster)
        compile_seconds = time.perf_counter() - start
        tree_shap(booster, matrix[:10], compiled=compiled)  # numba's cached machine code
        depth = np.diff(compiled.leaf_path_start).max()
        print(f"   {target}: {booster.num_trees()} trees, {matrix.shape[1]} features, "
              f"{int(compiled.node_categorical.sum())} of {len(compiled.node_feature)} splits "
              f"categorical, up to {depth} distinct features per leaf path; "
              f"compiled in {compile_seconds:.1f} s")  # fmt: skip
        theirs_s, ours_s, diff, share = [], [], 0.0, 0.0
        theirs_cpu, ours_cpu = [], []
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            reference = booster.predict(matrix, pred_contrib=True)[:, :-1]
            theirs_s.append(time.perf_counter() - start)
            theirs_cpu.append(time.process_time() - cpu)
            start, cpu = time.perf_counter(), time.process_time()
            values = np.empty_like(reference)
            for rows in iter_chunks(len(matrix)):
                values[rows], share = tree_shap(booster, matrix[rows], compiled=compiled)
            ours_s.append(time.perf_counter() - start)
            ours_cpu.append(time.process_time() - cpu)
            diff = max(diff, float(np.abs(values - reference).max()))
            del reference, values
        theirs, ours = statistics.median(theirs_s), statistics.median(ours_s)
        print(f"   {target}: pred_contrib {theirs:8.1f} s, leadscore {ours:6.1f} s, "
              f"{theirs / ours:5.1f}x faster; max |difference| {diff:.1e}; "
              f"patterns computed for {share:.2%} of (row, leaf) pairs")  # fmt: skip
        theirs, ours = statistics.median(theirs_cpu), statistics.median(ours_cpu)
        per = len(matrix) * booster.num_trees() / 1e6
        print(f"   {target}: CPU time (both threads) pred_contrib {theirs:8.1f} s, leadscore "
              f"{ours:6.1f} s, {theirs / ours:5.1f}x; {ours / per:.2f} us per row and tree "
              f"against {theirs / per:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-fidelity", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-no-dedup", action="store_true",
                        help="time the bare call and the default only")  # fmt: skip
    parser.add_argument("--treeshap", action="store_true",
                        help="only time leadscore's TreeSHAP against pred_contrib")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None,
                        help="with --treeshap: bench_scoring.py's --cache (its scorer and 200k "
                             "export) instead of training one")  # fmt: skip
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.treeshap:
        treeshap(args.rows, args.repeat, args.cache)
        return
    if not args.skip_fidelity:
        fidelity(args.seeds)
    if not args.skip_speed:
        speed(args.rows, with_no_dedup=not args.skip_no_dedup)


if __name__ == "__main__":
    main()
