"""The scoring job on Spark (``local[2]``) against the pandas engine, on one make_crm export.

A scorer is trained once on make_crm(20_000) seed 0 and saved; the export is make_crm(N) seed 1
written as Parquet (both kept in ``--cache``). Each engine runs the whole job (read, triage,
features, scores with reasons, drift, writes) on the same export, model and ``as_of``; printed per
engine: seconds per stage, total seconds, and contacts per second. The Spark figure includes
its session start (printed apart). With ``--no-reasons`` both score at prediction speed.

    python benchmarks/bench_spark.py [--contacts 1000000] [--master local[2]] [--cache DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import leadscore as ls
from _exports import export_folder, scorer_folder
from leadscore import spark as lsp
from leadscore.errors import DataWarning

AS_OF = "2025-12-01"


def _line(engine: str, done: ls.scoring.ScoringSummary, seconds: float) -> str:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in done.seconds.items() if k != "total")
    rate = done.contacts / seconds
    return (
        f"{engine:>6}: {seconds:8.1f} s, {rate:10,.0f} contacts/s "
        f"({done.scored:,} scored; {stages})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--contacts-per-group", type=int, default=lsp.DEFAULT_CONTACTS_PER_GROUP)
    parser.add_argument("--no-reasons", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ls-bench")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DataWarning)
    model, data = scorer_folder(args.cache), export_folder(args.cache, args.contacts)
    out = Path(tempfile.mkdtemp(prefix="ls-bench-spark-"))
    print(f"{args.contacts:,} contacts, as of {AS_OF}, reasons {not args.no_reasons}")

    tick = time.perf_counter()
    pandas_done = ls.score_export(
        data, model, out / "pandas" / "scores.parquet", as_of=AS_OF, reasons=not args.no_reasons
    )
    print(_line("pandas", pandas_done, time.perf_counter() - tick))

    tick = time.perf_counter()
    spark = lsp.session(args.master, spark_ui_enabled="false")
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - tick
    tick = time.perf_counter()
    spark_done = lsp.score_export(
        data, model, out / "spark" / "scores.parquet", as_of=AS_OF,
        reasons=not args.no_reasons, spark=spark, contacts_per_group=args.contacts_per_group,
    )  # fmt: skip
    print(_line("spark", spark_done, time.perf_counter() - tick) + f"; session start {started:.1f}")
    same = (spark_done.scored, spark_done.grades) == (pandas_done.scored, pandas_done.grades)
    print(f"same contacts scored and grades: {same}")
    spark.stop()


if __name__ == "__main__":
    main()
