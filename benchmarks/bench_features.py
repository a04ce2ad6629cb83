"""Training-table build time and peak memory: leadscore against plain pandas, same process data.

Data: make_crm(100_000) (about 5M activities), 12 monthly cutoffs over 2025.

Reference, measured in the same run: the obvious pandas pipeline, written plainly: for each
cutoff, filter the activities before it, then groupby/unstack per activity type for a 30-day
count, a decayed count and the days since the last one (12 types x 3 + 4 = 40 features), and
merge onto the eligible contacts. leadscore computes ~110 features per row on the same cutoffs.

    python benchmarks/bench_features.py [--contacts 100000] [--cutoffs 12] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from _measure import median_of

DAY = pd.Timedelta(days=1)


def cutoffs(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2025-01-01", periods=n, freq="MS", tz="UTC")


def leadscore_table(data: str, n_cutoffs: int) -> tuple[int, int]:
    import leadscore as ls

    crm = ls.CRMData.read(data)
    table = ls.build_training_table(crm, cutoffs(n_cutoffs))
    return table.shape


def plain_pandas_table(data: str, n_cutoffs: int) -> tuple[int, int]:
    folder = Path(data)
    contacts = pd.read_parquet(folder / "contacts.parquet")
    acts = pd.read_parquet(folder / "activities.parquet")
    stages = pd.read_parquet(folder / "stages.parquet")
    frames = []
    for cutoff in cutoffs(n_cutoffs):
        seen = stages[stages["timestamp"] < cutoff]
        done = seen.loc[seen["stage"].isin(["customer", "lost"]), "contact_id"]
        eligible = contacts[(contacts["created_at"] < cutoff) & ~contacts["contact_id"].isin(done)]
        before = acts[acts["timestamp"] < cutoff]
        age_days = (cutoff - before["timestamp"]) / DAY
        before = before.assign(
            recent=age_days <= 30, weight=np.power(0.5, age_days / 30), age=age_days
        )
        grouped = before.groupby(["contact_id", "activity_type"])
        per_type = pd.concat(
            {
                "n30": grouped["recent"].sum(),
                "decayed": grouped["weight"].sum(),
                "days_since": grouped["age"].min(),
            },
            axis=1,
        ).unstack("activity_type")
        per_type.columns = [f"{a}_{b}" for a, b in per_type.columns]
        totals = before.groupby("contact_id").agg(
            any_30d=("recent", "sum"), any_decayed=("weight", "sum"), days_since_any=("age", "min")
        )
        features = eligible[["contact_id", "account_id"]].merge(
            per_type.join(totals), left_on="contact_id", right_index=True, how="left"
        )
        features["days_since_created"] = (cutoff - eligible["created_at"]) / DAY
        features["cutoff"] = cutoff
        frames.append(features)
    table = pd.concat(frames, ignore_index=True)
    return table.shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--cutoffs", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import leadscore as ls

    with tempfile.TemporaryDirectory() as folder:
        crm = ls.make_crm(args.contacts, seed=0)
        crm.write(folder)
        n_activities = len(crm.activities)
        del crm
        ours = median_of(leadscore_table, folder, args.cutoffs, repeat=args.repeat)
        ref = median_of(plain_pandas_table, folder, args.cutoffs, repeat=args.repeat)

    print(f"{args.contacts:,} contacts, {n_activities:,} activities, {args.cutoffs} cutoffs")
    print(f"(median of {args.repeat} fresh-process runs; each includes reading the Parquet files)")
    print(f"  leadscore     {ours.result[0]:>9,} rows x {ours.result[1]:>3} columns  "
          f"{ours.seconds:6.1f} s  {ours.peak_rss_mb:7,.0f} MB peak RSS")  # fmt: skip
    print(f"  plain pandas  {ref.result[0]:>9,} rows x {ref.result[1]:>3} columns  "
          f"{ref.seconds:6.1f} s  {ref.peak_rss_mb:7,.0f} MB peak RSS")  # fmt: skip
    print(f"  ratio time    {ours.seconds / ref.seconds:.2f}x (leadscore / plain pandas)")
    print(f"  ratio memory  {ours.peak_rss_mb / ref.peak_rss_mb:.2f}x")
    print("  goal: < 30 s and < 4 GB for 12 cutoffs, faster than the reference")


if __name__ == "__main__":
    main()
