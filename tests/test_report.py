"""Tests of leadscore.report: reading scores files, the HTML report, and what a browser shows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import check_snapshot
from leadscore._io import write_frame
from leadscore.accounts import account_scores
from leadscore.domain import CRITERIA
from leadscore.errors import ConfigError, DataNotFoundError, SchemaError
from leadscore.report import (
    criteria_importance,
    read_accounts,
    read_scores,
    render_report,
    validate_scores,
    write_report,
)
from leadscore.report._scores import REQUIRED_COLUMNS, parse_reasons, rank_leads
from leadscore.scorer import grade_cuts, grades_from_scores, scores_from_quantiles

XSS = "<script>alert(1)</script>"
TRICKY_REASON = '+ Asked about the "Enterprise" plan & <b>SSO</b>; - No email open in 62 days'


def make_scores(n: int = 30, *, seed: int = 0) -> pd.DataFrame:
    """A hand-made scores table with every column of DESIGN section 6, varied grades."""
    rng = np.random.default_rng(seed)
    score = rng.permutation(np.linspace(1, 99, n).round().astype("int64"))
    grade = np.select([score >= 90, score >= 70, score >= 40], ["A", "B", "C"], "D")
    frame = pd.DataFrame(
        {
            "contact_id": [f"c{i:03d}" for i in range(n)],
            "account_id": [f"acct-{i % 7}" if i % 5 else None for i in range(n)],
            "as_of": pd.Series(pd.Timestamp("2026-01-01", tz="UTC"), index=range(n)).astype(
                "datetime64[us, UTC]"
            ),
            "p_prospect": np.clip(score / 100 + rng.uniform(-0.05, 0.05, n), 0.0, 1.0),
            "p_customer": score / 250,
            "score": score,
            "grade": grade,
        }
    )
    for criterion in CRITERIA:
        frame[criterion] = rng.normal(0.0, 0.6, n)
    frame["reasons"] = [
        f"+ Requested a demo {i + 1} days ago; + VP title: likely decision maker; "
        f"- No email open in {60 + i} days; - Came in through a purchased list"
        for i in range(n)
    ]
    frame["reason_codes"] = "+TIME_DEMO_REQUEST_RECENT;+AUTH_TITLE;-ENG_EMAIL_OPEN_90D"
    frame["prospect_score"] = np.clip(score + rng.integers(-5, 6, n), 1, 99)
    frame["prospect_grade"] = np.select(
        [
            frame["prospect_score"] >= 90,
            frame["prospect_score"] >= 70,
            frame["prospect_score"] >= 40,
        ],
        ["A", "B", "C"],
        "D",
    )
    for criterion in CRITERIA:
        frame[f"prospect_{criterion}"] = rng.normal(0.1, 0.5, n)
    frame["prospect_reasons"] = (
        "+ Looked at the pricing page 2 days ago; - Few recent website visits"
    )
    frame["prospect_reason_codes"] = "+TIME_PRICING_PAGE_VISIT_RECENT;-ENG_WEB_VISIT_TREND"
    frame["model_version"] = "20260101-abcdef12"
    return frame


def required_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(REQUIRED_COLUMNS)]


def lead_data(html: str) -> dict[str, Any]:
    """The page's JSON data block (what the script draws the table and the cards from)."""
    found = re.search(r'<script type="application/json" id="lead-data">(.*?)</script>', html, re.S)
    assert found, "no data block in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def table_rows(html: str) -> list[str]:
    """The contact ids of the leads of the page, in rank order (from its data block)."""
    return list(lead_data(html)["leads"]["contact"])


def dom_rows(dom: str) -> list[str]:
    """The contact ids of the table rows the script drew, in page order (``data-contact``)."""
    pattern = r'<tr class="lead" id="row-\d+" role="row" data-rank="\d+" data-contact="([^"]*)"'
    return [unescape(row) for row in re.findall(pattern, dom)]


# --------------------------------------------------------------------------------------------
# read_scores and validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_read_scores_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = make_scores(20)
    frame.loc[0, "contact_id"] = "007"  # leading zeros survive CSV
    frame.loc[1, "reasons"] = np.nan
    frame.loc[2, "fit"] = np.nan
    path = write_frame(frame, tmp_path / f"scores.{suffix}")

    scores = read_scores(path)

    pd.testing.assert_frame_equal(scores, validate_scores(frame))
    assert scores.loc[0, "contact_id"] == "007"
    assert scores["reasons"].isna().tolist()[:2] == [False, True]
    assert scores["account_id"].isna().tolist()[:2] == [True, False]
    assert scores["score"].dtype == "int64"
    assert str(scores["as_of"].dtype) == "datetime64[us, UTC]"
    assert scores["fit"].dtype == "float64"


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_read_scores_names_missing_required_column(tmp_path: Path, column: str) -> None:
    path = write_frame(make_scores(5).drop(columns=column), tmp_path / "scores.csv")

    with pytest.raises(SchemaError, match=rf"^scores\.{column}: missing required column") as info:
        read_scores(path)

    assert info.value.table == "scores"
    assert info.value.column == column


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("p_customer", "high", "wrong type: expected numbers"),
        ("p_customer", 1.5, r"values outside \[0, 1\]"),
        ("p_prospect", None, "missing values"),
        ("score", 150, r"values outside \[1, 99\]"),
        ("score", 50.5, "wrong type: expected whole scores"),
        ("grade", "E", "unknown grades"),
        ("prospect_grade", "Z", "unknown grades"),
        ("contact_id", None, "missing identifiers"),
        ("as_of", "yesterday", "unparseable timestamps"),
        ("fit", "strong", "wrong type: expected numbers"),
    ],
)
def test_read_scores_rejects_wrong_types(
    tmp_path: Path, column: str, value: Any, problem: str
) -> None:
    frame = make_scores(5).astype({column: "object"})
    frame.loc[3, column] = value
    path = write_frame(frame, tmp_path / "scores.csv")

    with pytest.raises(SchemaError, match=rf"^scores\.{column}: {problem}") as info:
        read_scores(path)

    assert (info.value.table, info.value.column) == ("scores", column)


def test_validate_scores_rejects_text_where_reasons_belong() -> None:
    frame = make_scores(5).assign(reasons=[1.0, 2.0, 3.0, 4.0, 5.0])

    with pytest.raises(SchemaError, match=r"^scores\.reasons: wrong type: expected text"):
        validate_scores(frame)


def test_read_scores_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="no such scores file"):
        read_scores(tmp_path / "nowhere.parquet")
    with pytest.raises(ConfigError, match="cannot tell the format"):
        read_scores(tmp_path / "scores.xlsx")


def test_validate_scores_leaves_input_alone() -> None:
    frame = make_scores(10).astype({"score": "float64"})
    before = frame.copy()

    validate_scores(frame)
    render_report(frame)

    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def already_prospect_scores(n: int = 20) -> pd.DataFrame:
    """make_scores with row 2 at opportunity, as batch scoring writes such a contact."""
    frame = make_scores(n)
    frame.loc[2, "p_prospect"] = 1.0
    frame.loc[2, "prospect_score"] = 99
    frame.loc[2, "prospect_grade"] = "A"
    frame.loc[2, [f"prospect_{c}" for c in CRITERIA]] = np.nan
    frame.loc[2, "prospect_reasons"] = "+ Already a prospect: at stage opportunity"
    return frame


CUTS = {"A": 0.31, "B": 0.12, "C": 0.05, "D": 0.0}


def with_history(frame: pd.DataFrame) -> pd.DataFrame:
    """A scores table with the trend columns of a second run (leadscore.history): one lead of
    each trend, the others rising or falling by their row number."""
    frame = frame.copy()
    n = len(frame)
    change = np.array([(i % 9) - 4 for i in range(n)]) * 3
    previous = np.clip(frame["score"].to_numpy() - change, 1, 99)
    frame["score_change"] = pd.array(frame["score"].to_numpy() - previous, dtype="Int64")
    frame["previous_score"] = pd.array(previous, dtype="Int64")
    frame["previous_as_of"] = pd.Timestamp("2025-12-25", tz="UTC")
    moved = frame["score_change"].to_numpy(dtype="float64")
    frame["trend"] = np.where(moved >= 5, "rising", np.where(moved <= -5, "falling", "steady"))
    frame["change_reasons"] = [
        f"+{abs(c) + 2}: Requested a demo {i + 1} days ago; -2: No email open in 45 days"
        if c >= 0
        else f"-{abs(c)}: No website visit in {30 + i} days"
        for i, c in enumerate(frame["score_change"].tolist())
    ]
    for column in ("score_change", "previous_score"):
        frame.loc[0, column] = pd.NA
    frame.loc[0, ["trend", "change_reasons", "previous_as_of"]] = ["new", None, pd.NaT]
    frame.loc[1, ["score_change", "change_reasons"]] = [pd.NA, None]
    frame.loc[1, "trend"] = "model changed"
    return frame


def with_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """A scores table with the fit x engagement columns (leadscore.fit_engagement)."""
    frame = frame.copy()
    letters = np.array(["A", "B", "C"])[np.arange(len(frame)) % 3]
    digits = (np.arange(len(frame)) // 3) % 3 + 1
    frame["fit_letter"] = letters
    frame["engagement_digit"] = pd.array(digits, dtype="Int64")
    frame["fit_engagement"] = [f"{a}{d}" for a, d in zip(letters, digits, strict=True)]
    return frame


def test_report_is_self_contained() -> None:
    html = render_report(make_scores())

    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=", html, re.IGNORECASE)
    assert not re.search(r"<img\b|@import|url\(|@font-face", html, re.IGNORECASE)
    # Our data block and our own inline script, nothing else.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="application/json" id="lead-data">',
        "<script>",
    ]


def test_report_is_one_data_block_not_html_per_lead() -> None:
    html = render_report(make_scores(40))

    data = lead_data(html)
    assert html.count("<tr") == 1  # the header row; the script draws the others
    assert "<article" not in html  # cards are drawn when opened
    assert len(data["leads"]["contact"]) == 40
    for key, values in data["leads"].items():
        if isinstance(values, dict):  # contributions: one array per criterion
            assert {len(v) for v in values.values()} == {40}, key
        elif key != "alreadyProspect":  # the indexes of some leads
            assert len(values) == 40, key
    assert [c["key"] for c in data["columns"]] == [
        "rank", "contact", "account", "grade", "score", "pCustomer", "pProspect", "reasons",
    ]  # fmt: skip
    headers = re.findall(r'<th scope="col" role="columnheader" class="col-(\w+)', html)
    assert headers == [c["key"] for c in data["columns"]]


def test_data_block_round_trips_the_leads() -> None:
    frame = make_scores(25)
    frame.loc[3, "fit"] = np.nan

    data = lead_data(render_report(frame))

    ranked = rank_leads(validate_scores(frame))
    leads = data["leads"]
    assert leads["contact"] == ranked["contact_id"].tolist()
    assert leads["score"] == ranked["score"].tolist()
    assert leads["grade"] == ranked["grade"].tolist()
    np.testing.assert_allclose(leads["pCustomer"], ranked["p_customer"], atol=5e-6)
    fit = np.array([np.nan if v is None else v for v in leads["customer"]["fit"]])
    np.testing.assert_allclose(fit, ranked["fit"], atol=0.005)  # two decimals, as shown
    assert np.isnan(fit[ranked.index[ranked["contact_id"] == "c003"][0]])
    texts = data["texts"]
    for reasons, refs in zip(ranked["reasons"], leads["reasons"], strict=True):
        entries = [("helped" if t[0] == "+" else "hurt", t[1:]) for t in (texts[r] for r in refs)]
        assert entries == [(r.kind, r.text) for r in parse_reasons(reasons)]
    assert len(texts) == len(set(texts))  # every entry stored once
    assert "+VP title: likely decision maker" in texts


def test_report_of_10000_leads_stays_small() -> None:
    """Many distinct reasons (each lead's demo and email days differ): still under 3 MB."""
    frame = make_scores(10_000)

    html = render_report(frame, max_leads=10_000)

    assert len(html.encode("utf-8")) < 3_000_000
    assert len(table_rows(html)) == 10_000


def test_report_escapes_user_data() -> None:
    frame = make_scores(10)
    frame.loc[0, "contact_id"] = XSS
    frame.loc[1, "account_id"] = '"><img src=x onerror=alert(2)></script>'
    frame.loc[0, "reasons"] = TRICKY_REASON

    html = render_report(frame, title="Leads <b>&</b> more")

    assert XSS not in html
    assert "<img" not in html
    assert "<b>SSO</b>" not in html
    assert html.count("</script>") == 2
    assert "<title>Leads &lt;b&gt;&amp;&lt;/b&gt; more</title>" in html
    data = lead_data(html)  # the escaped JSON reads back as the original text
    assert XSS in data["leads"]["contact"]
    assert '"><img src=x onerror=alert(2)></script>' in data["leads"]["account"]
    assert '+Asked about the "Enterprise" plan & <b>SSO</b>' in data["texts"]


def test_trend_column_and_change_reasons_in_the_data_block() -> None:
    frame = with_history(make_scores(18))

    html = render_report(frame)

    data = lead_data(html)
    keys = [c["key"] for c in data["columns"]]
    assert keys[keys.index("score") + 1] == "scoreChange"
    assert 'data-sort="scoreChange" data-type="number">Trend</button>' in html
    ranked = rank_leads(validate_scores(frame))
    leads = data["leads"]
    assert leads["trend"] == ranked["trend"].tolist()
    expected = [None if pd.isna(v) else int(v) for v in ranked["score_change"]]
    assert leads["scoreChange"] == expected
    assert set(leads["trend"]) == {"new", "model changed", "rising", "steady", "falling"}
    assert leads["previousAsOf"][leads["trend"].index("rising")] == "2025-12-25"
    texts = data["texts"]
    for text, refs in zip(ranked["change_reasons"], leads["changes"], strict=True):
        entries = [texts[r] for r in refs]
        if not isinstance(text, str):
            assert entries == []
            continue
        # each entry: its sign, then the points (without sign) and the words
        assert entries == text.split("; ")
        assert all(e[1].isdigit() and ": " in e for e in entries)


def test_report_without_history_has_no_trend() -> None:
    html = render_report(make_scores(5))

    data = lead_data(html)
    assert "scoreChange" not in [c["key"] for c in data["columns"]]
    assert "trend" not in data["leads"]
    assert "changes" not in data["leads"]


def test_change_reasons_are_escaped() -> None:
    frame = with_history(make_scores(6))
    frame.loc[3, "change_reasons"] = f"+7: {XSS} & more"

    html = render_report(frame)

    assert XSS not in html
    assert html.count("</script>") == 2
    assert f"+7: {XSS} & more" in lead_data(html)["texts"]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("trend", "up", "unknown values"),
        ("score_change", 120, "outside"),
        ("score_change", 2.5, "whole points"),
        ("fit_engagement", "D4", "unknown values"),
        ("engagement_digit", 5, "expected 1, 2 or 3"),
    ],
)
def test_trend_and_grid_columns_are_checked(column: str, value: object, problem: str) -> None:
    frame = with_grid(with_history(make_scores(6)))
    frame[column] = frame[column].astype(object)
    frame.loc[4, column] = value

    with pytest.raises(SchemaError, match=f"scores.{column}: .*{problem}"):
        validate_scores(frame)


def grid_cells(html: str) -> dict[str, tuple[str, str, str]]:
    """The fit x engagement grid of the page: per cell its count, share and conversion."""
    pattern = (
        r'data-cell="(\w\d)">\s*<span class="grid-name">\w\d</span>\s*'
        r'<strong class="grid-count">([\d,]+)</strong>\s*<span class="grid-share">([^<]+)</span>\s*'
        r'<span class="grid-rate"[^>]*>([^<]+)</span>'
    )
    return {m[0]: (m[1], m[2], m[3]) for m in re.findall(pattern, html)}


def test_fit_engagement_grid_counts_every_lead() -> None:
    frame = with_grid(make_scores(40))
    frame.loc[5, ["fit_letter", "engagement_digit", "fit_engagement"]] = [None, pd.NA, None]

    html = render_report(frame, max_leads=10)

    cells = grid_cells(html)
    assert list(cells) == [f"{a}{d}" for a in "ABC" for d in (1, 2, 3)]
    counts = frame["fit_engagement"].value_counts()
    for cell, (count, share, conversion) in cells.items():
        assert int(count) == counts.get(cell, 0)  # over all rows, not the 10 listed
        assert share == f"{counts.get(cell, 0) / 40:.0%}"
        rows = frame[frame["fit_engagement"] == cell]
        assert conversion == (f"{100 * rows['p_customer'].mean():.1f}%" if len(rows) else "—")
    assert sum(int(c[0]) for c in cells.values()) == 39
    start = html.index('id="fit-engagement"')
    caption = " ".join(html[start : html.index("</figcaption>", start)].split())
    assert "The cut points are learned from the model's validation leads" in caption
    assert (
        lead_data(html)["leads"]["fitEngagement"][:3]
        == rank_leads(validate_scores(frame))["fit_engagement"].head(3).tolist()
    )


def test_no_grid_without_its_columns() -> None:
    html = render_report(make_scores(5))

    assert 'id="fit-engagement"' not in html
    data = lead_data(html)
    assert "fitEngagement" not in data["leads"]
    assert "fitEngagement" not in [c["key"] for c in data["columns"]]


def make_accounts(frame: pd.DataFrame) -> pd.DataFrame:
    """The account table of a scores table (leadscore.accounts), with a buying group known
    for some accounts."""
    table = account_scores(frame)
    n = len(table)
    table["decision_maker_engaged"] = pd.array(
        [[True, False, None][i % 3] for i in range(n)], dtype="boolean"
    )
    table["blocker_present"] = pd.array(
        [[False, True, None][i % 3] for i in range(n)], dtype="boolean"
    )
    return table


def account_data(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="account-data">(.*?)</script>', html, re.S
    )
    assert found, "no account data block in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_accounts_view_holds_the_account_table() -> None:
    frame = make_scores(40)
    accounts = make_accounts(frame)

    html = render_report(frame, accounts=accounts)

    assert 'id="accounts"' in html
    assert "P(account) is the chance that at least one" in " ".join(html.split())
    data = account_data(html)
    block = data["accounts"]
    expected = accounts.sort_values(["p_account", "account_id"], ascending=[False, True])
    assert block["account"] == expected["account_id"].tolist()
    np.testing.assert_allclose(block["pAccount"], expected["p_account"], atol=5e-6)
    assert block["contacts"] == expected["contacts"].tolist()
    assert sum(block["contacts"]) == int(frame["account_id"].notna().sum())
    assert block["grade"] == expected["grade"].tolist()
    first = expected.iloc[0]
    assert [c for c, _ in block["top"][0]] == first["top_contacts"].split("; ")
    assert [s for _, s in block["top"][0]] == first["top_scores"].split("; ")
    assert block["dm"] == [
        None if pd.isna(v) else bool(v) for v in expected["decision_maker_engaged"]
    ]
    texts = data["texts"]
    entries = [
        ("helped" if texts[r][0] == "+" else "hurt", texts[r][1:]) for r in block["reasons"][0]
    ]
    assert entries == [(r.kind, r.text) for r in parse_reasons(first["reasons"])]
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="application/json" id="lead-data">',
        '<script type="application/json" id="account-data">',
        "<script>",
    ]


def test_no_accounts_view_without_the_table() -> None:
    html = render_report(make_scores(8))

    assert 'id="accounts"' not in html
    assert "account-data" not in html.split("<script>")[0]


def test_accounts_view_caps_and_escapes() -> None:
    frame = make_scores(30)
    frame["account_id"] = [f"acct-{i}" for i in range(30)]
    frame.loc[0, "account_id"] = XSS
    accounts = make_accounts(frame)

    html = render_report(frame, accounts=accounts, max_leads=10)

    data = account_data(html)
    assert data["total"] == 30
    assert len(data["accounts"]["account"]) == 10
    assert "The top 10 of 30 accounts" in html
    assert XSS not in html
    assert html.count("</script>") == 3
    full = account_data(render_report(frame, accounts=accounts))
    assert XSS in full["accounts"]["account"]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("p_account", 1.5, "expected numbers in"),
        ("grade", "E", "unknown grades"),
        ("contacts", 0, "expected numbers in"),
        ("blocker_present", "maybe", "expected true or false"),
    ],
)
def test_accounts_table_is_checked(column: str, value: object, problem: str) -> None:
    accounts = make_accounts(make_scores(20))
    accounts[column] = accounts[column].astype(object)
    accounts.loc[1, column] = value

    with pytest.raises(SchemaError, match=f"accounts.{column}: {problem}"):
        render_report(make_scores(20), accounts=accounts)


def test_accounts_file_round_trip_and_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from leadscore.cli import cli

    frame = make_scores(20)
    accounts = make_accounts(frame)
    scores_file, accounts_file = tmp_path / "scores.parquet", tmp_path / "accounts.csv"
    write_frame(frame, scores_file)
    write_frame(accounts, accounts_file)
    read = read_accounts(accounts_file)
    assert read["account_id"].tolist() == accounts["account_id"].tolist()
    assert read["blocker_present"].tolist() == accounts["blocker_present"].tolist()

    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--scores",
            str(scores_file),
            "--accounts",
            str(accounts_file),
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert account_data(out.read_text(encoding="utf-8"))["total"] == len(accounts)
    for day, shift in (("2025-12-20", 3), ("2025-12-27", 0)):  # a history folder, by day
        run = tmp_path / "history" / f"as_of={day}"
        run.mkdir(parents=True)
        frame[["contact_id"]].assign(score=frame["score"] - shift).to_parquet(
            run / "scores.parquet"
        )
    result = CliRunner().invoke(
        cli, ["report", "--scores", str(scores_file), "--history", str(tmp_path / "history"),
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = lead_data(out.read_text(encoding="utf-8"))
    assert data["historyDates"] == ["2025-12-20", "2025-12-27"]
    assert data["leads"]["history"][0] == [data["leads"]["score"][0] - 3, data["leads"]["score"][0]]
    result = CliRunner().invoke(
        cli, ["report", "--scores", str(scores_file), "--accounts", str(tmp_path / "no.csv")]
    )
    assert result.exit_code == 2
    assert "no such accounts file" in result.output


def make_history(frame: pd.DataFrame, runs: int = 4) -> pd.DataFrame:
    """A score history of ``runs`` days: every lead but the first scored on each day, the
    score drifting towards today's, plus a contact no longer scored."""
    days = pd.date_range("2025-12-01", periods=runs, freq="7D", tz="UTC")
    parts = [
        pd.DataFrame(
            {
                "as_of": day,
                "contact_id": [*frame["contact_id"].iloc[1:], "gone"],
                "score": np.array([*frame["score"].iloc[1:], 50]) - (runs - 1 - k),
                "model_version": "20260101-abcdef12",
            }
        )
        for k, day in enumerate(days)
    ]
    history = pd.concat(parts, ignore_index=True)
    history["score"] = history["score"].clip(1, 99)
    return history


def test_history_line_data_per_lead() -> None:
    frame = make_scores(12)
    history = make_history(frame)

    data = lead_data(render_report(frame, history=history))

    assert data["historyDates"] == ["2025-12-01", "2025-12-08", "2025-12-15", "2025-12-22"]
    ranked = rank_leads(validate_scores(frame))
    runs = history.assign(day=history["as_of"].dt.strftime("%Y-%m-%d"))
    for contact, line in zip(ranked["contact_id"], data["leads"]["history"], strict=True):
        mine = runs[runs["contact_id"] == contact].set_index("day")["score"]
        assert line == [None if d not in mine else int(mine[d]) for d in data["historyDates"]]
    assert data["leads"]["history"][ranked.index[ranked["contact_id"] == "c000"][0]] == [None] * 4


def test_history_keeps_the_last_runs_and_is_checked() -> None:
    frame = make_scores(5)

    data = lead_data(render_report(frame, history=make_history(frame, runs=35)))

    assert len(data["historyDates"]) == 30
    last = pd.Timestamp("2025-12-01") + pd.Timedelta(days=7 * 34)
    assert data["historyDates"][-1] == last.strftime("%Y-%m-%d")  # the most recent runs
    assert data["historyDates"][0] == (last - pd.Timedelta(days=7 * 29)).strftime("%Y-%m-%d")
    with pytest.raises(SchemaError, match=r"history\.score: missing"):
        render_report(frame, history=make_history(frame).drop(columns="score"))


def test_report_ranks_by_score_then_p_customer() -> None:
    frame = make_scores(6)
    frame["score"] = [50, 90, 50, 10, 90, 50]
    frame["grade"] = ["C", "A", "C", "D", "A", "C"]
    frame["p_customer"] = [0.10, 0.30, 0.20, 0.01, 0.40, 0.20]

    html = render_report(frame)

    assert table_rows(html) == ["c004", "c001", "c002", "c005", "c000", "c003"]
    assert rank_leads(validate_scores(frame))["contact_id"].tolist() == table_rows(html)


def test_max_leads_caps_the_table_and_says_so() -> None:
    frame = make_scores(30)
    best = rank_leads(validate_scores(frame))["contact_id"].tolist()

    html = render_report(frame, max_leads=7)

    assert table_rows(html) == best[:7]
    assert best[7] not in html
    assert re.search(r"Showing the top 7 of 30 leads", html)
    assert 'id="kpi-leads">30</p>' in html  # the overview covers all rows
    assert "Grade D: 12 leads" in html


def test_max_leads_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="max_leads"):
        render_report(make_scores(5), max_leads=0)


def test_all_rows_shown_when_under_the_cap() -> None:
    html = render_report(make_scores(12))

    assert len(table_rows(html)) == 12
    assert "All 12 leads" in html
    assert "Showing the top" not in html


def test_criteria_importance_is_over_all_rows() -> None:
    frame = make_scores(20)
    top5 = rank_leads(validate_scores(frame)).head(5)["contact_id"]
    shown = frame["contact_id"].isin(top5).to_numpy()
    # The five leads shown have no fit contribution at all; of the 15 others 8 get +2, 7 get -2.
    signs = np.where(np.cumsum(~shown) <= 8, 2.0, -2.0)
    frame["fit"] = np.where(shown, 0.0, signs)
    expected_abs = np.abs(frame["fit"]).mean()
    expected_mean = frame["fit"].mean()

    importance = criteria_importance(frame)
    html = render_report(frame, max_leads=5)

    assert importance.loc["fit", "mean_abs"] == pytest.approx(expected_abs)
    assert importance.loc["fit", "mean"] == pytest.approx(expected_mean)
    assert (expected_abs, expected_mean) == pytest.approx((1.5, 0.1))
    section = html[html.index('id="criteria-importance"') : html.index('id="leads"')]
    assert re.search(r'title="Fit \([^)]*\): mean \|contribution\| 1\.50, mean \+0\.10', section)
    assert '<span class="bar-value">1.50</span>' in section


def test_criteria_importance_skips_missing_and_orders_by_size() -> None:
    frame = pd.DataFrame(
        {
            "fit": [0.5, -1.5, np.nan],
            "need": [3.0, np.nan, np.nan],
            "budget": [np.nan, np.nan, np.nan],
            "prospect_fit": [1.0, 1.0, -1.0],
        }
    )

    customer = criteria_importance(frame)
    prospect = criteria_importance(frame, target="prospect")

    assert customer.index.tolist() == ["need", "fit", "budget"]
    assert customer["mean_abs"].tolist()[:2] == [3.0, 1.0]
    assert customer["rows"].tolist() == [1, 2, 0]
    assert prospect.loc["fit", "mean"] == pytest.approx(1 / 3)
    with pytest.raises(ConfigError, match="unknown target"):
        criteria_importance(frame, target="partner")


def test_report_counts_grades_and_bins_scores() -> None:
    frame = make_scores(30)

    html = render_report(frame)

    counts = frame["grade"].value_counts()
    for grade in "ABCD":
        assert f"Grade {grade}: {counts.get(grade, 0)} leads" in html
    bins = np.bincount(np.clip(frame["score"] // 10, 0, 9), minlength=10)
    assert f"Score 1–9: {bins[0]} leads" in html
    assert f"Score 90–99: {bins[9]} leads" in html
    widths = [
        float(w) for w in re.findall(r'<span class="bar grade-\w" style="width:([\d.]+)%', html)
    ]
    assert max(widths) == 100.0  # the biggest bar fills its track


def grade_legend(html: str) -> dict[str, str]:
    items = re.findall(r'<li><span class="badge small grade-(\w)">\w</span> ([^<]*)</li>', html)
    return dict(items)


def grade_bar_values(html: str) -> dict[str, str]:
    chart = html[html.index('id="grade-chart"') : html.index('id="grade-legend"')]
    return dict(
        re.findall(
            r'<span class="bar-label">Grade (\w)</span>.*?<span class="bar-value">([^<]*)</span>',
            chart,
        )
    )


def test_grade_legend_states_cut_points_and_the_shares_the_bars_show() -> None:
    frame = make_scores(40)

    html = render_report(frame, grade_cuts=CUTS)

    legend, bars = grade_legend(html), grade_bar_values(html)
    count_a, share_a = bars["A"].split(" ")
    assert legend["A"] == (
        f"P(customer) ≥ 31.0%, the top 10% of validation leads; "
        f"today {share_a.strip('()')} of leads ({count_a})."
    )
    assert legend["B"].startswith("P(customer) ≥ 12.0%, the next 20% of validation leads; today ")
    assert legend["C"].startswith("P(customer) ≥ 5.0%, the next 30% of validation leads; today ")
    assert legend["D"].startswith("P(customer) below 5.0%, the bottom 40% of validation leads; ")
    counts = frame["grade"].value_counts()
    for grade in "ABCD":
        count, share = int(counts.get(grade, 0)), f"{counts.get(grade, 0) / 40:.0%}"
        assert bars[grade] == f"{count:,} ({share})"
        assert legend[grade].endswith(f"; today {share} of leads ({count:,}).")
    assert "the top 10% of scores" not in html  # the old legend, at odds with the bars


def test_grade_legend_without_cut_points_gives_score_ranges() -> None:
    html = render_report(make_scores(40))

    legend = grade_legend(html)
    assert legend["A"].startswith("score 90–99, the top 10% of validation leads; today ")
    assert legend["B"].startswith("score 70–89, the next 20%")
    assert legend["C"].startswith("score 40–69, the next 30%")
    assert legend["D"].startswith("score 1–39, the bottom 40%")


@pytest.mark.parametrize(
    "cuts", [{"A": 0.3, "B": 0.1, "C": 0.05}, {"A": 0.1, "B": 0.3, "C": 0.05, "D": 0.0}]
)
def test_grade_cuts_are_checked(cuts: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="grade_cuts"):
        render_report(make_scores(5), grade_cuts=cuts)


def test_grade_cuts_agree_with_the_scores() -> None:
    """A probability is graded A exactly when it is at least the A cut point, and so on."""
    rng = np.random.default_rng(4)
    quantiles = np.quantile(rng.beta(1, 6, 5_000), np.arange(1, 100) / 100)
    p = np.concatenate([rng.beta(1, 6, 5_000), quantiles])  # the edges themselves too

    cuts = grade_cuts(quantiles)
    grades = grades_from_scores(scores_from_quantiles(p, quantiles))

    expected = np.select([p >= cuts["A"], p >= cuts["B"], p >= cuts["C"]], ["A", "B", "C"], "D")
    assert (grades == expected).all()
    assert cuts["D"] == 0.0


def test_already_a_prospect_is_flagged_once() -> None:
    frame = already_prospect_scores()

    data = lead_data(render_report(frame))

    ranked = rank_leads(validate_scores(frame))
    (position,) = np.flatnonzero(ranked["contact_id"] == "c002")
    assert data["leads"]["alreadyProspect"] == [int(position)]
    assert all(v is None for v in (data["leads"]["prospect"][c][position] for c in CRITERIA))


@pytest.mark.parametrize(
    "drop",
    [
        "criteria",
        "prospect",
        "everything optional",
    ],
)
def test_report_renders_without_optional_columns(drop: str) -> None:
    frame = make_scores(15)
    frame.loc[4, "reasons"] = np.nan
    if drop == "criteria":
        frame = frame.drop(columns=[*CRITERIA, *(f"prospect_{c}" for c in CRITERIA)])
    elif drop == "prospect":
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("prospect_")])
    else:
        frame = required_only(frame)

    html = render_report(frame)

    data = lead_data(html)
    assert len(table_rows(html)) == 15
    assert data["leads"]["reasons"][table_rows(html).index("c004")] == []
    assert ("criteria-importance" in html) == (drop == "prospect")
    targets = [t["key"] for t in data["targets"]]
    assert ("prospect" in targets) == (drop == "criteria")
    assert any(t["criteria"] for t in data["targets"]) == (drop == "prospect")
    assert ('data-sort="account"' in html) == (drop != "everything optional")
    assert ("account" in data["leads"]) == (drop != "everything optional")
    if drop == "everything optional":
        assert "Scored as of <strong>—</strong>" in html


def test_report_of_an_empty_table() -> None:
    html = render_report(make_scores(5).head(0))

    assert table_rows(html) == []
    assert "All 0 leads" in html


def test_parse_reasons_marks_helped_and_hurt() -> None:
    reasons = parse_reasons("+ Requested a demo 3 days ago; - No email open in 62 days; Other")

    assert [(r.kind, r.text) for r in reasons] == [
        ("helped", "Requested a demo 3 days ago"),
        ("hurt", "No email open in 62 days"),
        ("neutral", "Other"),
    ]
    assert parse_reasons(None) == []


def test_write_report_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old report")

    written = write_report(make_scores(10), path, title="Weekly")

    assert written == path
    assert path.read_text(encoding="utf-8") == render_report(make_scores(10), title="Weekly")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]

    with pytest.raises(SchemaError):
        write_report(make_scores(10).drop(columns="grade"), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --------------------------------------------------------------------------------------------
# In a browser
# --------------------------------------------------------------------------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed: install it (apt-get install chromium) to run this test")


def run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
    return result


def test_browser_runs_the_script_and_shows_the_leads(chromium: str, tmp_path: Path) -> None:
    frame = make_scores(20)
    frame.loc[0, "contact_id"] = XSS
    frame.loc[frame["score"].idxmin(), "reasons"] = TRICKY_REASON
    path = write_report(frame, tmp_path / "report.html")
    url = path.as_uri()

    dom = run_chromium(chromium, tmp_path, "--dump-dom", url).stdout

    assert '<html lang="en" class="js"' in dom  # the script swapped no-js for js
    assert re.search(r'id="lead-counter"[^>]*>Showing 20 of 20 leads<', dom)
    assert "Showing 20 of 20 leads" not in path.read_text(encoding="utf-8")
    assert dom_rows(dom) == table_rows(path.read_text(encoding="utf-8"))
    for contact in frame["contact_id"].iloc[1:]:
        assert f">{contact}</button>" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # drawn as text
    assert XSS not in dom
    assert "<b>SSO</b>" not in dom
    assert 'Asked about the "Enterprise" plan &amp; &lt;b&gt;SSO&lt;/b&gt;' in dom
    first = dom[
        dom.index('<tr class="lead" id="row-1"') : dom.index("</tr>", dom.index('id="row-1"'))
    ]
    assert first.count('<li class="reason helped">') == 2
    assert first.count('<li class="reason hurt">') == 1  # the first three entries
    assert "+1 more" in first
    assert 'id="lead-1"' not in dom  # no card until it is opened

    # The query string sets the grade filter and the sort order on load.
    n_a = int((frame["grade"] == "A").sum())
    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{url}?grade=A").stdout
    assert re.search(rf'id="lead-counter"[^>]*>Showing {n_a} of 20 leads<', dom)
    assert len(dom_rows(dom)) == n_a

    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{url}?sort=pCustomer&order=asc").stdout
    lowest = frame.sort_values("p_customer")["contact_id"].iloc[0]
    assert dom_rows(dom)[0] == lowest
    assert re.search(r'aria-sort="ascending"><button type="button" data-sort="pCustomer"', dom)

    # The hash opens a card: drawn from the data block, after its row.
    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{url}#lead-2").stdout
    card = dom[dom.index('<article class="card" id="lead-2"') : dom.index("</article>")]
    assert dom.index('id="row-2"') < dom.index('id="lead-2"') < dom.index('id="row-3"')
    assert card.count('class="div-row') == 2 * len(CRITERIA)
    assert "Customer score " in card
    assert "Prospect score " in card
    assert 'aria-expanded="true" aria-controls="lead-2"' in dom


def test_browser_pages_a_long_table(chromium: str, tmp_path: Path) -> None:
    path = write_report(make_scores(250), tmp_path / "report.html", max_leads=250)

    dom = run_chromium(chromium, tmp_path, "--dump-dom", path.as_uri()).stdout

    assert len(dom_rows(dom)) == 100
    assert re.search(r">Showing 250 of 250 leads \(the first 100 listed\)<", dom)
    assert re.search(r'id="lead-more">Show 100 more of 150 leads<', dom)


#: A page holding the report in an iframe of the width under test (headless Chromium's window
#: is at least 500 px wide), which checks the report's layout from outside and writes what it
#: finds in <pre id="probe">: elements beyond the right edge, text under 11 px, the cards.
PROBE = """<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="frame" src="report.html" style="border:0;width:WIDTHpx;height:900px"></iframe>
<script>
document.getElementById("frame").addEventListener("load", function () {
  var win = document.getElementById("frame").contentWindow;
  var doc = win.document;
  var out = {};
  function name(el) {
    var classes = typeof el.className === "string" && el.className ? "." + el.className : "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes.replace(/ /g, ".");
  }
  function check(label) {
    var width = win.innerWidth;
    var overflow = [], small = [], checked = 0;
    doc.querySelectorAll("body *").forEach(function (el) {
      if (el.closest(".visually-hidden, noscript, script, .skip-link")) {
        return;
      }
      var box = el.getBoundingClientRect();
      if (!el.getClientRects().length || (box.width === 0 && box.height === 0)) {
        return;
      }
      if (box.right > width + 0.5) {
        overflow.push(name(el) + " right " + Math.round(box.right));
      }
      var text = Array.prototype.some.call(el.childNodes, function (node) {
        return node.nodeType === 3 && node.textContent.trim();
      });
      if (text) {
        checked += 1;
        var size = parseFloat(win.getComputedStyle(el).fontSize);
        if (size < 11) {
          small.push(name(el) + " " + size + "px");
        }
      }
    });
    out[label] = {width: width, scrollWidth: doc.documentElement.scrollWidth,
      overflow: overflow.slice(0, 8), small: small.slice(0, 8), texts: checked,
      cards: doc.querySelectorAll("article.card").length,
      changes: doc.querySelectorAll("article.card section.changes").length,
      lines: doc.querySelectorAll("article.card .history-line").length};
  }
  check("closed");
  var data = JSON.parse(doc.getElementById("lead-data").textContent);
  [0, data.leads.alreadyProspect[0]].forEach(function (i) {
    doc.querySelector('button.open-card[data-lead="' + i + '"]').click();
  });
  check("open");
  var card = doc.getElementById("lead-" + (data.leads.alreadyProspect[0] + 1));
  out.already = Array.prototype.map.call(card.querySelectorAll("section.target"), function (s) {
    return {heading: s.querySelector("h4").textContent, bars: s.querySelectorAll(".div-row").length,
            na: s.textContent.split("n/a").length - 1, text: s.textContent};
  });
  out.grid = doc.querySelectorAll("#fit-engagement td.grid-cell").length;
  out.accounts = doc.querySelectorAll("#account-table tr.account-row").length;
  var top = doc.querySelector("#account-table button.top-contact");
  top.click();
  out.fromAccount = {contact: top.dataset.contact,
    opened: Array.prototype.map.call(doc.querySelectorAll("article.card h3"), function (h) {
      return h.textContent;
    })};
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
</body></html>
"""


@pytest.mark.parametrize("width", [390, 1440])
def test_browser_fits_phone_and_wide_screens(chromium: str, tmp_path: Path, width: int) -> None:
    """No horizontal overflow and no text under 11 px, cards open; a screenshot is kept."""
    frame = with_grid(with_history(already_prospect_scores(30)))
    frame.loc[4, "change_reasons"] = "+12: " + "a-very-long-reason-text-without-spaces" * 3
    frame.loc[5, "contact_id"] = "a-very-long-contact-identifier-without-any-spaces-0123456789"
    frame.loc[6, "account_id"] = "Königlich Bayerische Maschinenbau Aktiengesellschaft und Söhne"
    title = "Weekly leads of the EMEA enterprise team"
    path = write_report(
        frame, tmp_path / "report.html", title=title, grade_cuts=CUTS,
        accounts=make_accounts(frame), history=make_history(frame),
    )  # fmt: skip
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(PROBE.replace("WIDTH", str(width)), encoding="utf-8")

    dom = run_chromium(
        chromium, tmp_path, "--dump-dom", "--allow-file-access-from-files",
        f"--window-size={max(width, 800)},1000", probe_page.as_uri(),
    ).stdout  # fmt: skip

    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run"
    probe = json.loads(unescape(found.group(1)))
    for state in ("closed", "open"):
        seen = probe[state]
        assert seen["width"] == width
        assert seen["scrollWidth"] <= width, seen["overflow"]
        assert seen["overflow"] == []
        assert seen["small"] == []
        assert seen["texts"] > 200
    assert probe["open"]["cards"] == 2
    assert probe["open"]["changes"] == 2  # each card says what changed since the last run
    assert probe["open"]["lines"] == 2  # and has its score history
    assert probe["grid"] == 9
    assert probe["accounts"] == frame["account_id"].nunique()
    assert probe["fromAccount"]["contact"] in probe["fromAccount"]["opened"]
    customer, prospect = probe["already"]
    assert customer["bars"] == len(CRITERIA)
    assert prospect["heading"] == "Prospect: already a prospect"
    assert prospect["bars"] == 0
    assert prospect["na"] == 0
    assert "Already a prospect: at stage opportunity." in prospect["text"]

    png = tmp_path / f"report-{width}.png"
    run_chromium(
        chromium, tmp_path, f"--screenshot={png}", f"--window-size={width},1600", path.as_uri()
    )
    from matplotlib.image import imread

    pixels = imread(png)
    assert pixels.shape[:2] == (1600, width)
    rgb = pixels[..., :3]
    assert rgb.std() > 0.1  # text, charts and badges, not a blank page
    colours = np.unique((rgb.reshape(-1, 3) * 255).round().astype("int64"), axis=0)
    assert len(colours) > 50


def test_report_snapshot() -> None:
    """The page for a fixed scores table, byte for byte (tests/snapshots/report*.html); the
    report embeds no time of its own, so any difference is a change of the output."""
    frame = with_grid(with_history(make_scores(12, seed=3)))
    check_snapshot(
        "report.html", render_report(frame, title="Snapshot", max_leads=10, grade_cuts=CUTS)
    )
    check_snapshot("report_required.html", render_report(required_only(frame.head(5))))
