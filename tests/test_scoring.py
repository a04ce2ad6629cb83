"""The batch scoring job: the scores table, every contact accounted for, safe output, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import leadscore as ls
from leadscore.cli import cli
from leadscore.drift import REFERENCE_FILE
from leadscore.errors import DataNotFoundError, DataWarning, TooManyRejectsError
from leadscore.history import CHANGE_COLUMNS
from leadscore.scoring import neutralise_formulas, output_paths, score_export, scores_table
from leadscore.triage import REASONS

AS_OF = "2025-10-01"
# drift warnings are tested in test_drift.py; here the population is the training one, shifted
pytestmark = pytest.mark.filterwarnings("ignore:drift.:leadscore.errors.DataWarning")


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    return ls.make_crm(1500, seed=3)


@pytest.fixture(scope="module")
def model_dir(crm: ls.CRMData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = ls.build_training_table(crm, pd.date_range("2024-04-01", "2025-06-01", freq="MS"))
    folder = tmp_path_factory.mktemp("model") / "scorer"
    ls.LeadScorer(random_state=0).fit(table).save(folder)
    return folder


@pytest.fixture(scope="module")
def scorer(model_dir: Path) -> ls.LeadScorer:
    return ls.LeadScorer.load(model_dir)


@pytest.fixture(scope="module")
def export(crm: ls.CRMData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crm.write(tmp_path_factory.mktemp("export"), format="csv")


def _raw(export: Path) -> dict[str, pd.DataFrame]:
    tables = ("contacts", "activities", "stages", "accounts")
    return {t: pd.read_csv(export / f"{t}.csv", dtype=str) for t in tables}


def _write_raw(frames: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


# --- the scores table ------------------------------------------------------------------------


def test_scores_table_without_reasons_has_the_same_scores(
    scorer: ls.LeadScorer, crm: ls.CRMData
) -> None:
    X = ls.build_features(crm, AS_OF)
    full = scorer.scores(X, AS_OF)
    fast = scores_table(scorer, X, AS_OF, reasons=False)
    assert list(fast.columns) == [
        "contact_id", "account_id", "as_of", "p_prospect", "p_customer", "score", "grade",
        "prospect_score", "prospect_grade", "model_version",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(fast, full[fast.columns])
    assert {"fit", "reasons", "prospect_reason_codes"} <= set(full.columns)


# --- the job: every contact accounted for ------------------------------------------------------


def test_clean_export_every_contact_scored_or_not_eligible(
    model_dir: Path, export: Path, crm: ls.CRMData, tmp_path: Path
) -> None:
    out = tmp_path / "scores.parquet"
    done = score_export(export, model_dir, out, as_of=AS_OF)
    scores = pd.read_parquet(out)
    rejects = pd.read_parquet(output_paths(out)["rejects"])
    assert done.contacts == len(crm.contacts) == done.scored + sum(done.not_scored.values())
    assert len(scores) == done.scored
    ids = pd.concat([scores["contact_id"], rejects["contact_id"]])
    assert sorted(ids) == sorted(crm.contacts["contact_id"])
    assert set(rejects["reason_code"]) <= {"ALREADY_CUSTOMER", "LOST", "CREATED_AFTER_AS_OF"}
    assert {"ALREADY_CUSTOMER", "LOST", "CREATED_AFTER_AS_OF"} <= set(rejects["reason_code"])
    assert sum(done.grades.values()) == done.scored
    assert done.as_of_from == "--as-of"
    assert done.as_of.startswith(AS_OF)
    expected = ls.LeadScorer.load(model_dir).score(crm, AS_OF)
    # the job keeps a history (leadscore.history): its log-odds and change columns come last
    history_columns = ["logodds", *CHANGE_COLUMNS]
    assert list(scores.columns) == [*expected.columns, *history_columns]
    assert set(scores["trend"]) == {"new"}
    pd.testing.assert_frame_equal(scores[expected.columns], expected, check_dtype=False)


def test_each_kind_of_bad_row_is_set_aside_and_counted(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    raw = _raw(export)
    contacts, activities, stages = raw["contacts"].copy(), raw["activities"].copy(), raw["stages"]
    ids = contacts["contact_id"]
    contacts.loc[0, "contact_id"] = None  # missing id
    contacts.loc[1, "contact_id"] = ids[2]  # duplicate id (rows 1 and 2)
    contacts.loc[3, "created_at"] = "last tuesday"  # unparseable
    contacts.loc[4, "created_at"] = None  # missing
    open_ids = set(ids) - set(stages.loc[stages["stage"].isin(["customer", "lost"]), "contact_id"])
    victim = sorted(open_ids - set(ids[:5]))[0]
    bad_stage = pd.DataFrame(
        {"contact_id": [victim], "timestamp": ["2025-01-01"], "stage": ["Won?"]}
    )
    stages = pd.concat([stages, bad_stage], ignore_index=True)
    created = pd.to_datetime(contacts["created_at"], utc=True, errors="coerce", format="mixed")
    eligible = set(ids[created < pd.Timestamp(AS_OF, tz="UTC")]) & open_ids
    scoreable = sorted(eligible - set(ids[:5]) - {victim})[:2]  # scored despite a bad activity
    extra = pd.DataFrame(
        {
            "contact_id": ["nobody", *scoreable],
            "timestamp": ["2025-01-01", "not a time", "2025-02-01"],
            "activity_type": ["email_open", "email_open", None],
        }
    )
    activities = pd.concat([activities, extra], ignore_index=True)
    folder = _write_raw({**raw, "contacts": contacts, "activities": activities,
                         "stages": stages}, tmp_path / "bad")  # fmt: skip
    out = tmp_path / "scores.csv"
    done = score_export(folder, model_dir, out, as_of=AS_OF, max_reject_share=1.0)
    rejects = pd.read_csv(output_paths(out)["rejects"], dtype=str, keep_default_na=False)
    scores = pd.read_csv(out, dtype={"contact_id": str})
    # rows in = scored + rejected, for contacts
    assert (
        done.contacts == len(contacts) == len(scores) + int((rejects["table"] == "contacts").sum())
    )
    by_code = rejects.groupby(["table", "reason_code"]).size()
    assert by_code["contacts", "MISSING_VALUE"] == 2  # the id and the created_at
    assert by_code["contacts", "DUPLICATE_ID"] == 2
    assert by_code["contacts", "UNPARSEABLE_TIME"] == 1
    assert by_code["contacts", "BAD_STAGE_HISTORY"] == 1
    assert by_code["stages", "UNKNOWN_STAGE"] == 1
    # "nobody", and the rows of the contacts whose id was changed above
    strangers = ~activities["contact_id"].isin(contacts["contact_id"].dropna())
    assert by_code["activities", "UNKNOWN_CONTACT"] == strangers.sum() > 1
    assert (
        by_code["stages", "UNKNOWN_CONTACT"]
        == (~stages["contact_id"].isin(contacts["contact_id"].dropna())).sum()
    )
    assert by_code["activities", "UNPARSEABLE_TIME"] == 1
    assert by_code["activities", "MISSING_VALUE"] == 1
    unparseable = rejects[
        (rejects["table"] == "contacts") & (rejects["reason_code"] == "UNPARSEABLE_TIME")
    ]
    assert unparseable[["row", "column", "value"]].values.tolist() == [
        ["3", "created_at", "last tuesday"]
    ]
    assert set(rejects["reason_code"]) <= set(REASONS)
    # a bad activity row leaves its contact scoreable; a bad stage row does not
    assert scoreable[0] in set(scores["contact_id"])
    assert victim not in set(scores["contact_id"])
    for table in ("activities", "stages"):
        counts = done.tables[table]
        assert (
            counts["rows"] == counts["used"] + counts["rejected"] + counts["with_rejected_contact"]
        )
    assert done.tables["activities"]["rows"] == len(activities)


def test_too_many_bad_rows_stop_with_nothing_written(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    raw = _raw(export)
    contacts = raw["contacts"].copy()
    contacts.loc[: len(contacts) // 20, "created_at"] = "?"
    folder = _write_raw({**raw, "contacts": contacts}, tmp_path / "bad")
    out = tmp_path / "out" / "scores.parquet"
    with pytest.raises(TooManyRejectsError, match=r"contacts: 5\.\d+% of rows are bad"):
        score_export(folder, model_dir, out, as_of=AS_OF)
    assert not out.parent.exists() or not any(out.parent.iterdir())
    result = CliRunner().invoke(
        cli, ["score", "--data", str(folder), "--model", str(model_dir), "--out", str(out),
              "--as-of", AS_OF, "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 3
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_future_rows_are_bad_when_as_of_is_now(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    raw = _raw(export)
    future = pd.DataFrame(
        {"contact_id": [raw["contacts"]["contact_id"][7]], "timestamp": ["2999-01-01"],
         "activity_type": ["email_open"]}
    )  # fmt: skip
    folder = _write_raw(
        {**raw, "activities": pd.concat([raw["activities"], future])}, tmp_path / "data"
    )
    done = score_export(folder, model_dir, tmp_path / "scores.parquet")
    assert done.as_of_from == "now"
    rejects = pd.read_parquet(tmp_path / "scores.rejects.parquet")
    assert rejects.loc[rejects["table"] == "activities", "reason_code"].tolist() == ["AFTER_AS_OF"]
    assert "now" in done.lines()[0]
    # a backfill: rows after an explicit as_of are kept, counted, not rejected
    with pytest.warns(DataWarning, match="in the future"):
        backfill = score_export(folder, model_dir, tmp_path / "old.parquet", as_of=AS_OF)
    assert backfill.tables["activities"]["rejected"] == 0
    assert backfill.tables["activities"]["after_as_of"] > 0


# --- safe output ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_scoring_twice_gives_identical_files(
    model_dir: Path, export: Path, tmp_path: Path, suffix: str
) -> None:
    files = []
    for run, chunk in (("a", 50_000), ("b", 50_000)):
        out = tmp_path / run / f"scores.{suffix}"
        score_export(export, model_dir, out, as_of=AS_OF, chunk_size=chunk)
        files.append(output_paths(out))
    for kind in ("scores", "rejects", "drift"):
        assert files[0][kind].read_bytes() == files[1][kind].read_bytes(), kind


def test_chunk_size_does_not_change_the_scores(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    one = score_export(export, model_dir, tmp_path / "one.parquet", as_of=AS_OF)
    many = score_export(export, model_dir, tmp_path / "many.parquet", as_of=AS_OF, chunk_size=97)
    assert one.grades == many.grades
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "many.parquet")
    )
    assert (tmp_path / "one.drift.csv").read_bytes() == (tmp_path / "many.drift.csv").read_bytes()


def test_neutralise_formulas_leaves_numbers_alone() -> None:
    frame = pd.DataFrame(
        {
            "text": ["=1+2", "+33", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "plain", None],
            "number": [-1.0, 2.0, -3.5, 0.0, 1.0, 2.0, 3.0, 4.0],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist()[:7] == ["'=1+2", "'+33", "'-x", "'@SUM(A1)", "'\tcmd", "'\rcmd",
                                         "plain"]  # fmt: skip
    assert pd.isna(safe["text"].iloc[7])
    assert safe["number"].equals(frame["number"])
    assert frame["text"].iloc[0] == "=1+2"  # the input is not modified


def test_csv_output_neutralises_a_formula_cell(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    raw = _raw(export)
    scored = pd.read_parquet(
        score_export(export, model_dir, tmp_path / "s.parquet", as_of=AS_OF).outputs["scores"]
    )
    target = scored["contact_id"].iloc[0]
    evil = '=HYPERLINK("http://x","y")'
    renamed = {
        name: frame.assign(contact_id=frame["contact_id"].replace(target, evil))
        if "contact_id" in frame
        else frame
        for name, frame in raw.items()
    }
    folder = _write_raw(renamed, tmp_path / "evil")
    out = tmp_path / "scores.csv"
    score_export(folder, model_dir, out, as_of=AS_OF)
    lines = out.read_text().splitlines()
    cells = [line for line in lines if "HYPERLINK" in line]
    assert len(cells) == 1
    assert cells[0].startswith("\"'=HYPERLINK(")
    back = pd.read_csv(out, dtype={"contact_id": str})
    # numbers stay numbers: negative contributions are not quoted
    assert back["fit"].dtype == np.float64
    assert (back["fit"] < 0).any()
    assert (back["reasons"].dropna().str[0] == "'").all()


def _score_command(data: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "leadscore.cli", "score", "--data", str(data), "--model",
            str(model), "--out", str(out), "--as-of", AS_OF, "--quiet", *extra]  # fmt: skip


def test_a_killed_job_leaves_the_previous_file_or_none(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scores.csv"
    # the previous night's files, and the complete files of tonight's run
    subprocess.run(_score_command(export, model_dir, out, "--no-reasons"), check=True)
    previous = {k: p.read_bytes() for k, p in output_paths(out).items()}
    complete_dir = tmp_path / "complete"
    start = time.perf_counter()
    subprocess.run(_score_command(export, model_dir, complete_dir / "scores.csv", "--chunk-size",
                                  "50"), check=True)  # fmt: skip
    full_run = time.perf_counter() - start
    complete = {k: p.read_bytes() for k, p in output_paths(complete_dir / "scores.csv").items()}
    assert previous["scores"] != complete["scores"]
    fresh = tmp_path / "fresh" / "scores.csv"
    for fraction in (0.3, 0.7, 0.95):
        for target in (out, fresh):
            job = subprocess.Popen(_score_command(export, model_dir, target, "--chunk-size", "50"))
            time.sleep(full_run * fraction)
            os.kill(job.pid, signal.SIGKILL)
            job.wait()
            for kind, path in output_paths(target).items():
                allowed = [complete[kind]] + ([previous[kind]] if target == out else [])
                if path.exists():
                    assert path.read_bytes() in allowed, (fraction, kind)
                else:
                    assert target == fresh, (fraction, kind)


# --- drift reference, old models ------------------------------------------------------------


def test_a_model_saved_without_a_drift_reference_scores_with_a_note(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    import shutil

    old = tmp_path / "old_model"
    shutil.copytree(model_dir, old)
    (old / REFERENCE_FILE).unlink()
    done = score_export(export, old, tmp_path / "scores.parquet", as_of=AS_OF)
    assert done.scored > 0
    assert any("without a drift reference" in note for note in done.notes)
    assert pd.read_csv(tmp_path / "scores.drift.csv").empty


def test_drift_of_the_same_population_is_small(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    done = score_export(export, model_dir, tmp_path / "scores.parquet", as_of=AS_OF)
    drift = pd.read_csv(tmp_path / "scores.drift.csv")
    assert {"p_customer", "p_prospect"} <= set(drift.loc[drift["kind"] == "probability", "name"])
    assert drift["psi"].is_monotonic_decreasing
    assert len(done.drift) == 5
    assert done.drift[0]["name"] == drift["name"].iloc[0]
    assert drift["psi"].median() < 0.1


# --- the command line ------------------------------------------------------------------------


def test_score_command_prints_and_writes_the_summary(
    model_dir: Path, export: Path, tmp_path: Path
) -> None:
    out, summary = tmp_path / "scores.parquet", tmp_path / "summary.json"
    result = CliRunner().invoke(
        cli, ["score", "--data", str(export), "--model", str(model_dir), "--out", str(out),
              "--as-of", AS_OF, "--summary", str(summary), "--no-reasons"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    values = json.loads(summary.read_text())
    assert values["contacts"] == values["scored"] + sum(values["not_scored"].values())
    assert values["reasons"] is False
    assert set(values["seconds"]) == {"read", "features", "score_and_explain", "write", "total"}
    assert f"Contacts in the export: {values['contacts']:,}" in result.output
    assert "reasons" not in pd.read_parquet(out)


def test_score_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["score", "--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output
    assert "3  more bad rows" in result.output


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"--model": "no/such/model"}, "no/such/model"),
        ({"--model": "models:/nothing@champion"}, "models:/nothing@champion"),
        ({"--data": "no/such/data"}, "no/such/data"),
        ({"--out": "scores.xlsx"}, "scores.xlsx"),
        ({"--as-of": "someday"}, "as_of"),
        ({"--chunk-size": "0"}, "--chunk-size"),
        ({"--max-reject-share": "2"}, "--max-reject-share"),
        ({"--config": "no/such.toml"}, "no/such.toml"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    model_dir: Path, export: Path, tmp_path: Path, change: dict[str, str], named: str
) -> None:
    out = tmp_path / "out" / "scores.parquet"
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    options = {"--data": str(export), "--model": str(model_dir), "--out": str(out),
               "--as-of": AS_OF, "--tracking-uri": tracking}  # fmt: skip
    options |= {k: (str(tmp_path / v) if k == "--out" else v) for k, v in change.items()}
    args = ["score", "--quiet", *(x for pair in options.items() for x in pair)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert named in lines[0]
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_missing_model_is_a_clear_error(export: Path, tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="no saved scorer"):
        score_export(export, tmp_path, tmp_path / "scores.parquet", as_of=AS_OF)
