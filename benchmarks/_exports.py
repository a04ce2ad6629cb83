"""The scorer and the make_crm exports the scoring benchmarks share, cached in a folder.

A scorer trained once on make_crm(20_000) seed 0 (LeadScorer defaults, 18 monthly cutoffs),
and exports of make_crm(N) seed 1 written as Parquet; both are kept in ``cache`` for later runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import leadscore as ls


def scorer_folder(cache: Path) -> Path:
    folder = cache / "model"
    if not (folder / "scorer.json").exists():
        crm = ls.make_crm(20_000, seed=0)
        table = ls.build_training_table(
            crm, pd.date_range("2024-03-01", periods=18, freq="MS", tz="UTC")
        )
        ls.LeadScorer(random_state=0).fit(table).save(folder)
    return folder


def export_folder(cache: Path, contacts: int) -> Path:
    folder = cache / f"crm-{contacts}"
    if not (folder / "contacts.parquet").exists():
        ls.make_crm(contacts, seed=1).write(folder)
    return folder
