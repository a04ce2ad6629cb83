"""The scoring job on Spark (``local[2]``) against the pandas engine, on one make_crm export.

A scorer is trained once on make_crm(20_000) seed 0 and saved; the export is make_crm(N) seed 1
written as Parquet (both kept in ``--cache``). Each engine runs the whole job (read, triage,
features, scores with reasons, drift, writes) on the same export, model and ``as_of``; printed per
engine: seconds per stage, total seconds, and contacts per second. The Spark figure includes
its session start (printed apart). With ``--no-reasons`` both score at prediction speed.

With ``--udf``, instead, the two ways of scoring a Spark feature table are timed on the same
persisted features: ``leadscore.spark.score`` (``mapInPandas``, the scorer loaded once per
worker) and ``mlflow.pyfunc.spark_udf`` over the same model saved as a pyfunc folder (struct
result, inputs cast to the signature), each written to Spark's ``noop`` sink.

    python benchmarks/bench_spark.py [--contacts 1000000] [--master local[2]] [--cache DIR] [--udf]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import leadscore as ls
from _exports import export_folder, scorer_folder
from leadscore import spark as lsp
from leadscore.errors import DataWarning
from leadscore.tracking import save_pyfunc

AS_OF = "2025-12-01"


def _line(engine: str, done: ls.scoring.ScoringSummary, seconds: float) -> str:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in done.seconds.items() if k != "total")
    rate = done.contacts / seconds
    return (
        f"{engine:>6}: {seconds:8.1f} s, {rate:10,.0f} contacts/s "
        f"({done.scored:,} scored; {stages})"
    )


def _timed_write(frame: object) -> float:
    tick = time.perf_counter()
    frame.write.format("noop").mode("overwrite").save()  # type: ignore[attr-defined]
    return time.perf_counter() - tick


def udf_against_map(spark: object, data: Path, model: Path, out: Path, reasons: bool) -> None:
    """``mapInPandas`` against ``mlflow.pyfunc.spark_udf`` on the same persisted features."""
    import mlflow
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    scorer = ls.LeadScorer.load(model)
    features = lsp.build_features(lsp.read_crm(spark, str(data)), AS_OF).persist()
    rows = features.count()
    pyfunc = save_pyfunc(scorer, out / "pyfunc", lsp.to_pandas(features.limit(50)))
    by_map = lsp.score(features, scorer, as_of=AS_OF, reasons=reasons)
    numeric = {f.name for f in features.schema.fields if f.dataType.typeName() in
               ("double", "float", "integer", "long", "short", "byte", "boolean")}  # fmt: skip
    inputs = [F.col(c).cast("double").alias(c) if c in numeric else F.col(c)
              for c in features.columns]  # fmt: skip
    # spark_udf returns no timestamps: as_of comes back as text and is cast again
    result = T.StructType([T.StructField(f.name, T.StringType()) if f.name == "as_of" else f
                           for f in by_map.schema.fields])  # fmt: skip
    udf = mlflow.pyfunc.spark_udf(
        spark, str(pyfunc), result_type=result, env_manager="local",
        params={"as_of": AS_OF, "reasons": reasons},
    )  # fmt: skip
    by_udf = features.select(udf(*inputs).alias("scores")).select("scores.*")
    by_udf = by_udf.withColumn("as_of", F.to_timestamp("as_of"))
    map_s, udf_s = _timed_write(by_map), _timed_write(by_udf)
    # per column, the contacts whose value differs (nulls compared as values)
    pair = by_map.alias("m").join(by_udf.alias("u"), "contact_id", "full_outer")
    differ = pair.agg(*[
        F.sum((~F.col(f"m.{c}").eqNullSafe(F.col(f"u.{c}"))).cast("int")).alias(c)
        for c in by_map.columns if c != "contact_id"
    ]).first().asDict()  # fmt: skip
    differ = {c: n for c, n in differ.items() if n}
    print(f"scoring {rows:,} contacts of persisted features: mapInPandas {map_s:.1f} s "
          f"({rows / map_s:,.0f}/s), spark_udf {udf_s:.1f} s ({rows / udf_s:,.0f}/s); "
          f"spark_udf / mapInPandas {udf_s / map_s:.2f}x")  # fmt: skip
    print(f"contacts whose spark_udf value differs, per column: {differ or 'none'}")
    nulls = by_map.filter(F.col("account_id").isNull()).select("contact_id")
    shown = by_udf.join(nulls, "contact_id").select("account_id").distinct().limit(3).collect()
    print(f"spark_udf's account_id where it is null: {[r[0] for r in shown]}")
    features.unpersist()


def _session(master: str) -> tuple[object, float]:
    """The Spark session, quiet, and the seconds it took to start."""
    tick = time.perf_counter()
    spark = lsp.session(master, spark_ui_enabled="false", spark_ui_showConsoleProgress="false")
    spark.sparkContext.setLogLevel("ERROR")
    return spark, time.perf_counter() - tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--contacts-per-group", type=int, default=lsp.DEFAULT_CONTACTS_PER_GROUP)
    parser.add_argument("--no-reasons", action="store_true")
    parser.add_argument(
        "--udf",
        action="store_true",
        help="only time spark_udf against mapInPandas on the same features",
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ls-bench")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DataWarning)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    model, data = scorer_folder(args.cache), export_folder(args.cache, args.contacts)
    out = Path(tempfile.mkdtemp(prefix="ls-bench-spark-"))
    print(f"{args.contacts:,} contacts, as of {AS_OF}, reasons {not args.no_reasons}")

    spark, started = _session(args.master)
    if args.udf:
        udf_against_map(spark, data, model, out, reasons=not args.no_reasons)
        spark.stop()
        return

    tick = time.perf_counter()
    pandas_done = ls.score_export(
        data, model, out / "pandas" / "scores.parquet", as_of=AS_OF, reasons=not args.no_reasons
    )
    print(_line("pandas", pandas_done, time.perf_counter() - tick))

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
