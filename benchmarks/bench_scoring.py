"""The nightly job end to end: ``leadscore score`` on make_crm exports of 200k and 1M contacts.

A scorer is trained once on make_crm(20_000) seed 0 (LeadScorer defaults, 18 monthly cutoffs)
and saved; each export is make_crm(N) seed 1 written as Parquet (both kept in ``--cache`` for
later runs). Each size runs the whole command (``score_export``, what ``leadscore score`` calls:
read, triage, features, scoring and explaining chunk by chunk, drift, atomic writes) in a fresh
process. Printed per size: contacts per second, seconds per stage (read, features, score and
explain, write), peak RSS of the process, and the contacts scored and set aside.

Explanations are the cost of scoring: sizes above ``--reasons-up-to`` run with ``--no-reasons``
(probabilities, scores and grades only), which the table says.

    python benchmarks/bench_scoring.py [--sizes 200000 1000000] [--reasons-up-to 200000]
        [--chunk-size 50000] [--cache DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import leadscore as ls
from _exports import export_folder, scorer_folder
from _measure import measure

AS_OF = "2025-12-01"


def _score(data: Path, model: Path, out: Path, chunk_size: int, reasons: bool) -> dict[str, Any]:
    done = ls.score_export(
        data, model, out, as_of=AS_OF, chunk_size=chunk_size, reasons=reasons, progress=False
    )
    return done.to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--reasons-up-to", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "ls-bench-scoring"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    model = scorer_folder(args.cache)
    rows = []
    for size in args.sizes:
        data = export_folder(args.cache, size)
        reasons = size <= args.reasons_up_to
        out = args.cache / f"scores-{size}.parquet"
        run = measure(_score, data, model, out, args.chunk_size, reasons)
        summary = run.result
        stages = summary["seconds"]
        rows.append(
            {
                "contacts": size,
                "reasons": "yes" if reasons else "no (--no-reasons)",
                "contacts/s": f"{size / run.seconds:,.0f}",
                "read s": f"{stages['read']:.1f}",
                "features s": f"{stages['features']:.1f}",
                "score+explain s": f"{stages['score_and_explain']:.1f}",
                "write s": f"{stages['write']:.1f}",
                "total s": f"{run.seconds:.1f}",
                "peak RSS MB": f"{run.peak_rss_mb:,.0f}",
                "scored": f"{summary['scored']:,}",
                "set aside": f"{sum(summary['not_scored'].values()):,}",
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print()
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")


if __name__ == "__main__":
    main()
