"""Time and peak memory of make_crm on 100k contacts (about 5M activities).

Reference, measured in the same run: building a table of the same number of activity rows from
plain random numbers (no dynamics, no stages): the cost of merely materialising frames this size.

    python benchmarks/bench_synthetic.py [--contacts 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _measure import median_of


def generate(n_contacts: int) -> dict[str, float]:
    import leadscore as ls

    crm = ls.make_crm(n_contacts, seed=0)
    summary = crm.summary().set_index("measure")["value"]
    return {
        "activities": float(len(crm.activities)),
        "sql within a year": float(summary["year cohort: reached sql within a year"]),
        "customers among those": float(summary["year cohort: customers among those"]),
    }


def reference(n_contacts: int, n_rows: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    types = np.array(["email_open", "web_visit", "email_click", "meeting"], dtype=object)
    ids = pd.Series(np.arange(n_contacts)).map("C{:07d}".format).to_numpy()
    frame = pd.DataFrame(
        {
            "contact_id": pd.Series(ids[rng.integers(0, n_contacts, n_rows)], dtype="str"),
            "timestamp": pd.to_datetime(
                rng.integers(1_704_067_200, 1_767_225_600, n_rows), unit="s", utc=True
            ),
            "activity_type": pd.Series(types[rng.integers(0, 4, n_rows)], dtype="str"),
        }
    ).sort_values("timestamp")
    return {"activities": float(len(frame))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    made = median_of(generate, args.contacts, repeat=args.repeat)
    ref = median_of(reference, args.contacts, int(made.result["activities"]), repeat=args.repeat)
    print(f"make_crm({args.contacts:,}): median of {args.repeat} runs")
    print(f"  activities            {made.result['activities']:,.0f}")
    print(f"  sql within a year     {made.result['sql within a year']:.1%}")
    print(f"  customers among those {made.result['customers among those']:.1%}")
    print(f"  wall time             {made.seconds:.1f} s   (goal < 60 s)")
    print(f"  peak RSS              {made.peak_rss_mb:,.0f} MB")
    print("reference (random frame of the same size):")
    print(f"  wall time             {ref.seconds:.1f} s")
    print(f"  peak RSS              {ref.peak_rss_mb:,.0f} MB")
    print(f"  ratio time            {made.seconds / ref.seconds:.1f}x")
    print(f"  ratio peak RSS        {made.peak_rss_mb / ref.peak_rss_mb:.1f}x")


if __name__ == "__main__":
    main()
