"""CRMData: validation, canonical types, round trips, mapping by configuration."""

from __future__ import annotations

import csv
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.errors import DataNotFoundError, DataWarning, SchemaError


def _crm(frames: dict[str, pd.DataFrame], **kwargs: object) -> ls.CRMData:
    return ls.CRMData(**frames, **kwargs)  # type: ignore[arg-type]


def _assert_same_tables(left: ls.CRMData, right: ls.CRMData) -> None:
    assert left.tables.keys() == right.tables.keys()
    for name, frame in left.tables.items():
        pd.testing.assert_frame_equal(frame, right.tables[name], check_exact=True, obj=name)


# --- canonical form ---------------------------------------------------------------------------


def test_canonical_types(tiny_frames: dict[str, pd.DataFrame]) -> None:
    crm = _crm(tiny_frames)
    assert crm.contacts["contact_id"].dtype == "str"
    assert str(crm.contacts["created_at"].dtype) == "datetime64[us, UTC]"
    assert str(crm.activities["timestamp"].dtype) == "datetime64[us, UTC]"
    # naive timestamps are UTC; aware ones are converted to UTC
    assert crm.contacts["created_at"].iloc[1] == pd.Timestamp("2025-01-05 10:00", tz="UTC")
    assert crm.contacts["created_at"].iloc[2] == pd.Timestamp("2025-02-01 07:00", tz="UTC")
    assert crm.contacts["account_id"].isna().tolist() == [False, False, True]


def test_integer_ids_become_text(tiny_frames: dict[str, pd.DataFrame]) -> None:
    frames = dict(tiny_frames)
    frames["contacts"] = tiny_frames["contacts"].assign(contact_id=[10, 20, 30])
    frames["activities"] = tiny_frames["activities"].assign(contact_id=[10, 10, 20])
    frames["stages"] = tiny_frames["stages"].assign(contact_id=[10.0, 10.0, 20.0])
    crm = _crm(frames)
    assert crm.contacts["contact_id"].tolist() == ["10", "20", "30"]
    assert crm.stages["contact_id"].tolist() == ["10", "10", "20"]


def test_optional_columns_are_added(tiny_frames: dict[str, pd.DataFrame]) -> None:
    frames = dict(tiny_frames)
    frames["contacts"] = tiny_frames["contacts"].drop(columns="account_id")
    frames["activities"] = tiny_frames["activities"].drop(columns="detail")
    crm = _crm(frames)
    assert crm.contacts["account_id"].isna().all()
    assert crm.activities["detail"].isna().all()


def test_stage_names_are_matched_loosely(tiny_frames: dict[str, pd.DataFrame]) -> None:
    frames = dict(tiny_frames)
    frames["stages"] = tiny_frames["stages"].assign(stage=["Lead", " MQL ", "lead"])
    assert _crm(frames).stages["stage"].tolist() == ["lead", "mql", "lead"]


def test_blank_text_is_missing(tiny_frames: dict[str, pd.DataFrame]) -> None:
    frames = dict(tiny_frames)
    frames["contacts"] = tiny_frames["contacts"].assign(seniority=["VP", "  ", ""])
    assert _crm(frames).contacts["seniority"].isna().tolist() == [False, True, True]


def test_inputs_are_never_modified(tiny_frames: dict[str, pd.DataFrame]) -> None:
    before = {name: frame.copy(deep=True) for name, frame in tiny_frames.items()}
    _crm(tiny_frames, config=ls.DataConfig(stages={"Won": "customer"}))
    broken = dict(tiny_frames)
    broken["stages"] = tiny_frames["stages"].assign(stage=["lead", "Won?", "lead"])
    with pytest.raises(SchemaError):
        _crm(broken)
    for name, frame in tiny_frames.items():
        pd.testing.assert_frame_equal(frame, before[name])


# --- validation: errors -----------------------------------------------------------------------


def _error(frames: dict[str, pd.DataFrame], table: str, **columns: object) -> SchemaError:
    broken = dict(frames)
    broken[table] = frames[table].assign(**columns)
    with pytest.raises(SchemaError) as info:
        _crm(broken)
    return info.value


def test_schema_error_is_a_value_error() -> None:
    assert issubclass(SchemaError, ValueError)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("contacts", "contact_id"),
        ("contacts", "created_at"),
        ("accounts", "account_id"),
        ("activities", "timestamp"),
        ("activities", "activity_type"),
        ("stages", "stage"),
    ],
)
def test_missing_required_column(
    tiny_frames: dict[str, pd.DataFrame], table: str, column: str
) -> None:
    frames = dict(tiny_frames)
    frames[table] = tiny_frames[table].drop(columns=column)
    with pytest.raises(SchemaError, match=rf"^{table}\.{column}: missing required column") as info:
        _crm(frames)
    assert (info.value.table, info.value.column) == (table, column)


def test_unparseable_timestamps(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "activities", timestamp=["2025-01-02", "yesterday", "31/31/2025"])
    assert str(err).startswith("activities.timestamp: unparseable timestamps (2 rows)")
    assert "'yesterday'" in str(err)
    assert "'31/31/2025'" in str(err)


def test_missing_timestamps(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "contacts", created_at=["2025-01-01", None, ""])
    assert str(err).startswith("contacts.created_at: missing timestamps (2 rows)")
    assert "'row 1', 'row 2'" in str(err)


def test_numeric_timestamps_are_refused(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "stages", timestamp=[1_735_689_600, 1_736_467_200, 1_736_071_200])
    assert "stages.timestamp: wrong type: expected timestamps" in str(err)


def test_duplicate_ids(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "contacts", contact_id=["c1", "c2", "c1"])
    assert str(err) == "contacts.contact_id: duplicate identifiers (2 rows), e.g. 'c1'"
    err = _error(tiny_frames, "accounts", account_id=["a1", "a1"])
    assert str(err).startswith("accounts.account_id: duplicate identifiers (2 rows)")


def test_missing_ids(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "contacts", contact_id=["c1", None, "c3"])
    assert str(err).startswith("contacts.contact_id: missing identifiers (1 row)")


def test_unknown_stage_names(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "stages", stage=["lead", "Closed Won", "Closed Won"])
    message = str(err)
    assert message.startswith("stages.stage: unknown stage names (2 rows), e.g. 'Closed Won'")
    assert "[stages]" in message
    assert list(err.values) == ["Closed Won", "Closed Won"]


def test_wrong_types(tiny_frames: dict[str, pd.DataFrame]) -> None:
    err = _error(tiny_frames, "accounts", employees=["120", "about ten"])
    assert str(err) == "accounts.employees: wrong type: expected numbers (1 row), e.g. 'about ten'"
    err = _error(tiny_frames, "contacts", contact_id=[1.0, 2.5, 3.0])
    assert "contacts.contact_id: wrong type: identifiers with a fractional part" in str(err)
    err = _error(tiny_frames, "contacts", seniority=["VP", 3, None])
    assert "contacts.seniority: wrong type: mixed value types ['int', 'str']" in str(err)
    with pytest.raises(SchemaError, match="contacts: expected a pandas DataFrame, got dict"):
        ls.CRMData(
            contacts={"contact_id": [1]},  # type: ignore[arg-type]
            activities=tiny_frames["activities"],
            stages=tiny_frames["stages"],
        )


def test_numeric_text_is_accepted(tiny_frames: dict[str, pd.DataFrame]) -> None:
    frames = dict(tiny_frames)
    frames["accounts"] = tiny_frames["accounts"].assign(employees=["120", ""])
    employees = _crm(frames).accounts["employees"]  # type: ignore[index]
    assert employees.iloc[0] == 120
    assert np.isnan(employees.iloc[1])


def test_truth_must_refer_to_contacts(tiny_frames: dict[str, pd.DataFrame]) -> None:
    truth = pd.DataFrame({"contact_id": ["c1", "zz"], "fit": [0.1, -0.1]})
    with pytest.raises(SchemaError, match=r"truth\.contact_id: contacts not in the contacts table"):
        _crm(tiny_frames, truth=truth)


# --- validation: warnings and drops -------------------------------------------------------------


@pytest.mark.parametrize("table", ["activities", "stages"])
def test_rows_of_unknown_contacts_are_dropped_with_a_warning(
    tiny_frames: dict[str, pd.DataFrame], table: str
) -> None:
    frames = dict(tiny_frames)
    frames[table] = tiny_frames[table].assign(contact_id=["c1", "ghost", "ghost"])
    with pytest.warns(DataWarning, match=rf"{table}\.contact_id: 2 rows refer to contacts") as rec:
        crm = _crm(frames)
    assert "'ghost'" in str(rec[0].message)
    assert "dropped" in str(rec[0].message)
    assert getattr(crm, table)["contact_id"].tolist() == ["c1"]


def test_contacts_of_unknown_accounts_are_kept_with_a_warning(
    tiny_frames: dict[str, pd.DataFrame],
) -> None:
    frames = dict(tiny_frames)
    frames["contacts"] = tiny_frames["contacts"].assign(account_id=["a1", "a9", None])
    with pytest.warns(DataWarning, match=r"contacts\.account_id: 1 contacts refer to accounts"):
        crm = _crm(frames)
    assert crm.contacts["account_id"].tolist()[:2] == ["a1", "a9"]


def test_clean_data_gives_no_warning(tiny_frames: dict[str, pd.DataFrame]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _crm(tiny_frames)


# --- configuration mapping --------------------------------------------------------------------


def test_mapping_from_toml(tmp_path: Path, tiny_frames: dict[str, pd.DataFrame]) -> None:
    config_file = tmp_path / "leadscore.toml"
    config_file.write_text(
        """
[columns.contacts]
contact_id = "Id"
created_at = "CreatedDate"

[columns.activities]
timestamp = "ActivityDate"
activity_type = "Type"

[stages]
"Sales Qualified" = "sql"
"Marketing Qualified" = "mql"

[activity_types]
"Email Opened" = "email_open"
"""
    )
    config = ls.load_config(config_file)
    frames = dict(tiny_frames)
    frames["contacts"] = tiny_frames["contacts"].rename(
        columns={"contact_id": "Id", "created_at": "CreatedDate"}
    )
    frames["activities"] = (
        tiny_frames["activities"]
        .rename(columns={"timestamp": "ActivityDate", "activity_type": "Type"})
        .assign(Type=["Email Opened", "demo_request", "Page View"])
    )
    frames["stages"] = tiny_frames["stages"].assign(
        stage=["lead", "Marketing Qualified", "Sales Qualified"]
    )
    crm = _crm(frames, config=config)
    assert list(crm.contacts.columns[:3]) == ["contact_id", "created_at", "account_id"]
    assert crm.activities["activity_type"].tolist() == ["email_open", "demo_request", "Page View"]
    assert crm.stages["stage"].tolist() == ["lead", "mql", "sql"]


def test_mapped_column_missing(tiny_frames: dict[str, pd.DataFrame]) -> None:
    config = ls.DataConfig(columns={"activities": {"timestamp": "ActivityDate"}})
    with pytest.raises(SchemaError, match=r"activities\.ActivityDate: missing column \(mapped to"):
        _crm(tiny_frames, config=config)


# --- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_round_trip_is_exact(tmp_path: Path, small_crm: ls.CRMData, file_format: str) -> None:
    small_crm.write(tmp_path, format=file_format)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.glob(f"*.{file_format}")) == [
        f"{t}.{file_format}" for t in ("accounts", "activities", "contacts", "stages", "truth")
    ]
    _assert_same_tables(ls.CRMData.read(tmp_path), small_crm)


def test_round_trip_of_hand_made_frames(
    tmp_path: Path, tiny_frames: dict[str, pd.DataFrame]
) -> None:
    crm = _crm(tiny_frames)
    for file_format in ("csv", "parquet", "csv"):
        crm.write(tmp_path, format=file_format)  # type: ignore[arg-type]
        _assert_same_tables(ls.CRMData.read(tmp_path), crm)
    assert not list(tmp_path.glob("*.parquet"))
    assert not list(tmp_path.glob(".*.tmp"))


def test_csv_without_schema_keeps_ids_as_text(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text("contact_id,created_at,score\n007,2025-01-01,1\n")
    (tmp_path / "activities.csv").write_text(
        "contact_id,timestamp,activity_type\n007,2025-01-02,web_visit\n"
    )
    (tmp_path / "stages.csv").write_text("contact_id,timestamp,stage\n007,2025-01-01,lead\n")
    crm = ls.CRMData.read(tmp_path)
    assert crm.contacts["contact_id"].tolist() == ["007"]
    assert crm.activities["contact_id"].tolist() == ["007"]
    assert crm.accounts is None


def test_read_errors(tmp_path: Path, tiny_frames: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(DataNotFoundError, match="no such data folder"):
        ls.CRMData.read(tmp_path / "nowhere")
    _crm(tiny_frames).write(tmp_path)
    (tmp_path / "stages.parquet").unlink()
    with pytest.raises(
        DataNotFoundError, match=re.escape("stages: no stages.parquet or stages.csv")
    ):
        ls.CRMData.read(tmp_path)
    _crm(tiny_frames).write(tmp_path)
    tiny_frames["stages"].to_csv(tmp_path / "stages.csv", index=False)
    with pytest.raises(SchemaError, match="stages: more than one file"):
        ls.CRMData.read(tmp_path)
    (tmp_path / "stages.csv").unlink()
    (tmp_path / "contacts.parquet").write_text("not parquet")
    with pytest.raises(SchemaError, match="contacts: cannot read"):
        ls.CRMData.read(tmp_path)


def test_summary_figures(tiny_frames: dict[str, pd.DataFrame]) -> None:
    summary = _crm(tiny_frames).summary().set_index("measure")["value"]
    assert summary["contacts"] == 3
    assert summary["activities"] == 3
    assert summary["reached mql"] == pytest.approx(1 / 3)
    assert summary["contacts without activity"] == pytest.approx(1 / 3)


def test_shipped_sample_is_what_its_readme_says() -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    _assert_same_tables(ls.CRMData.read(sample), ls.make_crm(200, seed=7))


# --------------------------------------------------------------------------------------------
# Loose ends of issue 21: each of these escaped as a traceback or passed without a word
# --------------------------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_copy(tmp_path: Path) -> Path:
    """The shipped sample (CSV with a schema.json), without its truth table."""
    folder = tmp_path / "crm"
    shutil.copytree(SAMPLE, folder)
    (folder / "truth.csv").unlink()
    return folder


def replace_cells(path: Path, column: str, values: dict[int, str]) -> None:
    """Overwrite cells of a CSV file as text (row numbers count data rows from 0)."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    j = rows[0].index(column)
    for i, value in values.items():
        rows[i + 1][j] = value
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)


def test_contacts_with_a_header_only(tiny_frames: dict[str, pd.DataFrame]) -> None:
    tiny_frames["contacts"] = tiny_frames["contacts"].head(0)
    with pytest.raises(SchemaError, match=r"^contacts: no rows: the export holds no contacts"):
        _crm(tiny_frames)


def test_corrupt_schema_json(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path)
    (folder / "schema.json").write_text('{"contacts": ', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"^schema.json: .*schema.json: not readable JSON"):
        ls.CRMData.read(folder)
    (folder / "schema.json").write_text('{"contacts": ["str"]}', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"expected \{table: \{column: dtype\}\}"):
        ls.CRMData.read(folder)


@pytest.mark.parametrize(
    ("table", "column", "message"),
    [
        ("accounts", "employees", "accounts.employees: values do not have the type Int64 of "
         "schema.json (2 rows), e.g. 'many', 'lots'"),
        ("activities", "timestamp", "activities.timestamp: unparseable timestamps (2 rows), "
         "e.g. 'many', 'lots'"),
    ],
)  # fmt: skip
def test_schema_types_name_the_column_and_values(
    tmp_path: Path, table: str, column: str, message: str
) -> None:
    folder = sample_copy(tmp_path)
    replace_cells(folder / f"{table}.csv", column, {1: "many", 4: "lots"})
    with pytest.raises(SchemaError) as err:
        ls.CRMData.read(folder)
    assert str(err.value).startswith(message)


def test_future_timestamps_are_said(tiny_frames: dict[str, pd.DataFrame]) -> None:
    activities = tiny_frames["activities"].copy()
    activities["timestamp"] = ["2025-01-02", "2031-01-03", "2031-02-01T10:00:00"]
    tiny_frames["activities"] = activities
    with pytest.warns(DataWarning) as caught:
        crm = _crm(tiny_frames)
    (message,) = [str(w.message) for w in caught]
    assert message.startswith("activities.timestamp: 2 rows are in the future (after ")
    assert "e.g. '2031-01-03 00:00:00+00:00', '2031-02-01 10:00:00+00:00'" in message
    assert len(crm.activities) == 3  # kept: a build as of an earlier date ignores them
