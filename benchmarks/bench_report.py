"""The HTML report of 1k, 10k (and 50k) leads: its size, and how long Chromium takes to open it.

A scorer is trained once on make_crm(4_000) seed 0 (LeadScorer defaults, 12 monthly cutoffs)
and scores make_crm(CONTACTS) seed 2 as of 2025-12-01 (both kept in ``--cache``). A size
larger than the rows scored repeats them with new contact ids, which the output says (their
reasons then repeat too, so such a report is a little smaller than a real one).

Printed per size: the file size, the time to render it in Python (median of ``--repeat``
fresh-process runs), and the time headless Chromium takes to open it: ``ready`` is the
page's own clock (navigation start to the lead table drawn, ``data-ready-ms``), ``wall`` the
whole ``chromium --dump-dom`` run less that of an empty page (medians of ``--repeat``).

    python benchmarks/bench_report.py [--sizes 1000 10000 50000] [--contacts 20000]
        [--repeat 3] [--cache DIR] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

import leadscore as ls
from _measure import measure
from leadscore.report import render_report

AS_OF = "2025-12-01"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars")


def _scores(cache: Path, contacts: int) -> tuple[pd.DataFrame, dict[str, float]]:
    model = cache / "model"
    if not (model / "scorer.json").exists():
        crm = ls.make_crm(4_000, seed=0)
        cutoffs = pd.date_range("2024-03-01", periods=12, freq="MS", tz="UTC")
        ls.LeadScorer(random_state=0).fit(ls.build_training_table(crm, cutoffs)).save(model)
    scorer = ls.LeadScorer.load(model)
    path = cache / f"scores-{contacts}.parquet"
    if not path.exists():
        scorer.score(ls.make_crm(contacts, seed=2), AS_OF).to_parquet(path)
    return pd.read_parquet(path), scorer.grade_cuts()


def _leads(scores: pd.DataFrame, size: int) -> pd.DataFrame:
    """``size`` rows: the best-ranked scored leads, repeated with new ids when there are fewer."""
    copies = -(-size // len(scores))
    parts = [scores.assign(contact_id=scores["contact_id"] + f"-{i}") for i in range(1, copies)]
    return pd.concat([scores, *parts], ignore_index=True).head(size)


def _render(scores: pd.DataFrame, cuts: dict[str, float], size: int, out: Path) -> int:
    html = render_report(scores, max_leads=size, grade_cuts=cuts)
    out.write_text(html, encoding="utf-8")
    return len(html.encode("utf-8"))


def _open(chromium: str, url: str, profile: Path) -> tuple[float, float | None]:
    """Wall seconds of ``chromium --dump-dom url`` and the page's ``data-ready-ms``."""
    start = time.perf_counter()
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    ready = re.search(r'data-ready-ms="(\d+)"', done.stdout)
    return seconds, (int(ready.group(1)) / 1000 if ready else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "ls-bench-report"
    )
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    scores, cuts = _scores(args.cache, args.contacts)
    print(f"{len(scores):,} leads scored from make_crm({args.contacts:,}) seed 2", flush=True)
    blank = args.cache / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    profile = args.cache / "chromium-profile"
    empty = statistics.median(
        _open(args.chromium, blank.as_uri(), profile)[0] for _ in range(args.repeat)
    )
    rows = []
    for size in args.sizes:
        leads = _leads(scores, size)
        out = args.cache / f"report-{size}.html"
        renders = [measure(_render, leads, cuts, size, out) for _ in range(args.repeat)]
        opens = [_open(args.chromium, out.as_uri(), profile) for _ in range(args.repeat)]
        ready = [r for _, r in opens if r is not None]
        rows.append(
            {
                "leads": f"{size:,}" + (" (repeated)" if size > len(scores) else ""),
                "file MB": f"{renders[0].result / 1e6:.2f}",
                "bytes/lead": f"{renders[0].result / size:,.0f}",
                "render s": f"{statistics.median(r.seconds for r in renders):.2f}",
                "ready s": f"{statistics.median(ready):.2f}" if ready else "n/a",
                "wall s (less empty page)": (
                    f"{statistics.median(s for s, _ in opens) - empty:.2f}"
                ),
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print(f"\nempty page: {empty:.2f} s of chromium --dump-dom\n")
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")


if __name__ == "__main__":
    main()
