"""Tests of leadscore.report: reading scores files, the HTML report, and what a browser shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import check_snapshot
from leadscore._io import write_frame
from leadscore.domain import CRITERIA
from leadscore.errors import ConfigError, DataNotFoundError, SchemaError
from leadscore.report import (
    criteria_importance,
    read_scores,
    render_report,
    validate_scores,
    write_report,
)
from leadscore.report._scores import REQUIRED_COLUMNS, parse_reasons, rank_leads

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


def table_rows(html: str) -> list[str]:
    """The contact ids of the lead table rows, in page order (as written in ``data-contact``)."""
    return re.findall(r'<tr id="row-\d+" data-rank="\d+" data-contact="([^"]*)"', html)


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


def test_report_is_self_contained() -> None:
    html = render_report(make_scores())

    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=", html, re.IGNORECASE)
    assert not re.search(r"<img\b|@import|url\(|@font-face", html, re.IGNORECASE)
    assert html.count("<script") == 1  # our own inline script, nothing else
    assert html.count("<svg") == 2 + 2 + 2 * 30  # overview charts + a pair of bars per card


def test_report_escapes_user_data() -> None:
    frame = make_scores(10)
    frame.loc[0, "contact_id"] = XSS
    frame.loc[1, "account_id"] = '"><img src=x onerror=alert(2)>'
    frame.loc[0, "reasons"] = TRICKY_REASON

    html = render_report(frame, title="Leads <b>&</b> more")

    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "<b>SSO</b>" not in html
    assert "Asked about the &#34;Enterprise&#34; plan &amp; &lt;b&gt;SSO&lt;/b&gt;" in html
    assert "<title>Leads &lt;b&gt;&amp;&lt;/b&gt; more</title>" in html
    assert html.count("<script") == 1


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
    assert html.count('<article class="card"') == 7
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
    assert re.search(r"<title>Fit \([^)]*\): mean \|contribution\| 1\.50, mean \+0\.10", section)
    assert ">1.50</text>" in section


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

    assert len(table_rows(html)) == 15
    assert "No reasons recorded" in html
    assert ("criteria-importance" in html) == (drop == "prospect")
    assert ("Prospect score" in html) == (drop == "criteria")
    assert ('<svg class="chart diverging"' in html) == (drop == "prospect")
    assert ('data-sort="account"' in html) == (drop != "everything optional")
    if drop == "everything optional":
        assert "Scored as of <strong>—</strong>" in html


def test_report_of_an_empty_table() -> None:
    html = render_report(make_scores(5).head(0))

    assert table_rows(html) == []
    assert "All 0 leads" in html
    assert 'id="details"' not in html


def test_parse_reasons_marks_helped_and_hurt() -> None:
    reasons = parse_reasons("+ Requested a demo 3 days ago; - No email open in 62 days; Other")

    assert [(r.kind, r.text) for r in reasons] == [
        ("helped", "Requested a demo 3 days ago"),
        ("hurt", "No email open in 62 days"),
        ("neutral", "Other"),
    ]
    assert parse_reasons(None) == []


def test_report_marks_reasons_in_the_table() -> None:
    html = render_report(make_scores(3))

    row = html[html.index('<tr id="row-1"') : html.index("</tr>", html.index('<tr id="row-1"'))]
    assert row.count('<li class="reason helped">') == 2
    assert row.count('<li class="reason hurt">') == 1  # the first three entries
    assert "+1 more" in row


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
    path = write_report(frame, tmp_path / "report.html")
    url = path.as_uri()

    dom = run_chromium(chromium, tmp_path, "--dump-dom", url).stdout

    assert '<html lang="en" class="js">' in dom  # the script swapped no-js for js
    assert re.search(r'id="lead-counter"[^>]*>Showing 20 of 20 leads<', dom)
    assert "Showing 20 of 20 leads" not in path.read_text(encoding="utf-8")
    assert len(table_rows(dom)) == 20
    for contact in frame["contact_id"].iloc[1:]:
        assert f">{contact}</a>" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert XSS not in dom

    # The query string sets the grade filter and the sort order on load.
    n_a = int((frame["grade"] == "A").sum())
    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{url}?grade=A").stdout
    assert re.search(rf'id="lead-counter"[^>]*>Showing {n_a} of 20 leads<', dom)
    assert len(re.findall(r'<tr id="row-\d+"[^>]*\bhidden', dom)) == 20 - n_a

    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{url}?sort=pCustomer&order=asc").stdout
    lowest = frame.sort_values("p_customer")["contact_id"].iloc[0]
    assert table_rows(dom)[0] == lowest
    assert re.search(r'aria-sort="ascending"><button type="button" data-sort="pCustomer"', dom)


def test_browser_screenshot_is_not_blank(chromium: str, tmp_path: Path) -> None:
    from matplotlib.image import imread

    path = write_report(make_scores(30), tmp_path / "report.html")
    png = tmp_path / "report.png"

    run_chromium(
        chromium, tmp_path, f"--screenshot={png}", "--window-size=1280,2000", path.as_uri()
    )

    assert png.is_file()
    pixels = imread(png)
    assert pixels.shape[:2] == (2000, 1280)
    rgb = pixels[..., :3]
    assert rgb.std() > 0.1  # text, charts and badges, not a blank page
    colours = np.unique((rgb.reshape(-1, 3) * 255).round().astype("int64"), axis=0)
    assert len(colours) > 50


def test_report_snapshot() -> None:
    """The page for a fixed scores table, byte for byte (tests/snapshots/report*.html); the
    report embeds no time of its own, so any difference is a change of the output."""
    frame = make_scores(12, seed=3)
    check_snapshot("report.html", render_report(frame, title="Snapshot", max_leads=10))
    check_snapshot("report_required.html", render_report(required_only(frame.head(5))))
