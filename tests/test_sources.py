"""Raw exports -> the contract's tables by configuration only (leadscore.sources).

Salesforce-, HubSpot- and leadforge-shaped exports are written here from a synthetic CRM in their
own documented field names, so that what the builder gives back can be checked against the CRM
they came from; the Maven Analytics sample is read from ../shared/data when it is there.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import leadscore as ls
from conftest import SHARED_DATA
from leadscore.cli import cli
from leadscore.config import (
    ActivitySource,
    Config,
    SourcesConfig,
    StageSource,
    load_config,
    preset_names,
    preset_path,
)
from leadscore.errors import ConfigError, DataNotFoundError, DataWarning, SchemaError
from leadscore.sources import NO_ACTIVITY_MESSAGE, build_tables

CONFIGS = Path(__file__).parent / "configs"
MAVEN = SHARED_DATA / "crm-sales-opportunities"


@pytest.fixture(scope="module")
def crm() -> ls.CRMData:
    """The CRM the vendor-shaped exports are written from."""
    return ls.make_crm(400, seed=5)


def _first(crm: ls.CRMData, stage: str) -> pd.Series:
    """First time each contact reached ``stage``, by contact_id."""
    rows = crm.stages.loc[crm.stages["stage"] == stage]
    return rows.groupby("contact_id")["timestamp"].min()


def _recorded_lost(crm: ls.CRMData) -> pd.Index:
    """Contacts lost before sql or with an opportunity: the losses a CRM export records."""
    lost, sql, opp = (_first(crm, s) for s in ("lost", "sql", "opportunity"))
    return lost.index[~lost.index.isin(sql.index) | lost.index.isin(opp.index)]


def _sf_time(times: pd.Series) -> pd.Series:
    """Salesforce's datetime format: 2025-01-02T09:00:00.000+0000."""
    return times.dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _quiet(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run ``call`` and return its result with the DataWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        result = call(*args, **kwargs)
    return result, [str(w.message) for w in caught if w.category is DataWarning]


# --- Salesforce -----------------------------------------------------------------------------------


def write_salesforce(crm: ls.CRMData, folder: Path) -> dict[str, int]:
    """Write ``crm`` as a Salesforce export (Lead, Account, Task, Event, CampaignMember,
    LeadHistory, Opportunity), in the standard API field names. Returns what the test expects."""
    folder.mkdir(parents=True, exist_ok=True)
    contacts = crm.contacts.set_index("contact_id")
    ids = contacts.index
    sql, opp = _first(crm, "sql").reindex(ids), _first(crm, "opportunity").reindex(ids)
    won, lost = _first(crm, "customer").reindex(ids), _first(crm, "lost").reindex(ids)
    mql = _first(crm, "mql").reindex(ids)
    lost_early = lost.notna() & sql.isna()
    status = np.select(
        [sql.notna(), lost_early, mql.notna()],
        ["Closed - Converted", "Closed - Not Converted", "Working - Contacted"],
        "Open - Not Contacted",
    )
    lead_id = "00Q" + ids.to_series()
    contact_id = ("003" + ids.to_series()).where(sql.notna())
    pd.DataFrame(
        {
            "Id": lead_id.to_numpy(),
            "CreatedDate": _sf_time(contacts["created_at"]).to_numpy(),
            "Company": contacts["account_id"].to_numpy(),
            "LeadSource": contacts["lead_source"].to_numpy(),
            "Title": contacts["job_title"].to_numpy(),
            "Country": contacts["country"].to_numpy(),
            "Industry": None,
            "AnnualRevenue": None,
            "NumberOfEmployees": None,
            "Status": status,
            "IsConverted": sql.notna().to_numpy(),
            "ConvertedDate": sql.dt.strftime("%Y-%m-%d").to_numpy(),
            "ConvertedContactId": contact_id.to_numpy(),
            "ConvertedOpportunityId": ("006" + ids.to_series()).where(opp.notna()).to_numpy(),
            "Rating": "Hot",
        }
    ).to_csv(folder / "Lead.csv", index=False)
    accounts = crm.accounts
    assert accounts is not None
    pd.DataFrame(
        {
            "Id": "001" + accounts["account_id"],
            "Name": accounts["account_id"],
            "Industry": accounts["industry"],
            "AnnualRevenue": accounts["annual_revenue"],
            "NumberOfEmployees": accounts["employees"],
            "BillingCountry": accounts["country"],
            "Type": "Prospect",
        }
    ).to_csv(folder / "Account.csv", index=False)
    # a converted lead's later activity is logged on its Contact (WhoId 003...)
    activities = crm.activities
    converted_at = sql.reindex(activities["contact_id"]).to_numpy()
    on_contact = pd.notna(converted_at) & (activities["timestamp"].to_numpy() >= converted_at)
    who = np.where(on_contact, "003", "00Q") + activities["contact_id"].to_numpy().astype(str)
    kind = activities["activity_type"]
    task, event, webinar = (
        ~kind.isin(["meeting", "webinar_attended"]),
        kind == "meeting",
        (kind == "webinar_attended"),
    )
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "Id": [f"00T{i}" for i in range(int(task.sum()))],
            "WhoId": who[task],
            "CompletedDateTime": _sf_time(activities.loc[task, "timestamp"]).to_numpy(),
            "ActivityDate": activities.loc[task, "timestamp"].dt.strftime("%Y-%m-%d").to_numpy(),
            "TaskSubtype": kind[task].to_numpy(),
            "Subject": activities.loc[task, "detail"].to_numpy(),
            "CallDurationInSeconds": rng.integers(0, 600, int(task.sum())),
        }
    ).to_csv(folder / "Task.csv", index=False)
    pd.DataFrame(
        {
            "WhoId": who[event],
            "ActivityDateTime": _sf_time(activities.loc[event, "timestamp"]).to_numpy(),
            "Subject": activities.loc[event, "detail"].to_numpy(),
            "DurationInMinutes": 30,
        }
    ).to_csv(folder / "Event.csv", index=False)
    members = activities.loc[webinar]
    pd.DataFrame(
        {
            "LeadId": np.where(on_contact[webinar], None, who[webinar]),
            "ContactId": np.where(on_contact[webinar], who[webinar], None),
            "CampaignId": "701webinar",
            "CreatedDate": _sf_time(members["timestamp"] - pd.Timedelta(days=3)).to_numpy(),
            "HasResponded": True,
            "FirstRespondedDate": _sf_time(members["timestamp"]).to_numpy(),
        }
    ).to_csv(folder / "CampaignMember.csv", index=False)
    # history: the dated status changes of half the early-lost leads (the others are undated)
    dated_lost = lost_early & (np.arange(len(ids)) % 2 == 0)
    history = pd.concat(
        [
            pd.DataFrame(
                {
                    "LeadId": lead_id[mql.notna()],
                    "CreatedDate": _sf_time(mql.dropna()),
                    "NewValue": "Working - Contacted",
                }
            ),
            pd.DataFrame(
                {
                    "LeadId": lead_id[dated_lost],
                    "CreatedDate": _sf_time(lost[dated_lost]),
                    "NewValue": "Closed - Not Converted",
                }
            ),
        ]
    ).assign(Field="Status")
    rating = history.assign(Field="Rating", NewValue="Warm")  # other fields are not stages
    pd.concat([history, rating]).to_csv(folder / "LeadHistory.csv", index=False)
    closed = won.notna() | (lost.notna() & opp.notna())
    has_opp = opp.notna()
    pd.DataFrame(
        {
            "Id": "006" + ids[has_opp],
            "CreatedDate": _sf_time(opp[has_opp]).to_numpy(),
            "StageName": np.where(won[has_opp].notna(), "Closed Won", "Prospecting"),
            "IsClosed": closed[has_opp].to_numpy(),
            "IsWon": won[has_opp].notna().to_numpy(),
            "CloseDate": won.fillna(lost)[has_opp].dt.strftime("%Y-%m-%d").to_numpy(),
        }
    ).to_csv(folder / "Opportunity.csv", index=False)
    return {
        "undated_lost": int((lost_early & ~dated_lost).sum()),
        "activities": len(activities) + int(webinar.sum()),
        "persons": int(sql.notna().sum()),
    }


def test_salesforce_preset_builds_the_crm_it_was_written_from(
    crm: ls.CRMData, tmp_path: Path
) -> None:
    expected = write_salesforce(crm, tmp_path)
    config = load_config("salesforce")
    tables, said = _quiet(build_tables, tmp_path, config)
    # optional files that are absent are named once each, and so is the rule for undated rows
    assert any("OpportunityHistory: not in the export" in w for w in said)
    assert tables.counts == {"stages dated by rule last_activity": expected["undated_lost"]}
    built, _ = _quiet(ls.CRMData.read, tmp_path, config=config)
    assert built.contacts["contact_id"].tolist() == ("00Q" + crm.contacts["contact_id"]).tolist()
    assert int(built.contacts["person_id"].notna().sum()) == expected["persons"]
    assert "person_id" in config.features.exclude_attributes
    # every activity reached its lead, also those logged on the converted Contact
    assert len(built.activities) == expected["activities"]
    per_lead = built.activities.groupby("contact_id").size()
    source = crm.activities.groupby("contact_id").size()
    webinars = crm.activities.loc[crm.activities["activity_type"] == "webinar_attended"]
    source = source.add(webinars.groupby("contact_id").size(), fill_value=0)
    assert per_lead.sort_index().tolist() == source.sort_index().tolist()
    assert set(built.activities["activity_type"]) >= {"meeting", "task_email_open"}
    assert built.activities["value"].notna().sum() > 0
    # customers on the day they were won, sql on the day the lead converted
    for stage in ("customer", "sql"):
        got = _first(built, stage)
        want = _first(crm, stage).dt.floor("D")
        want.index = "00Q" + want.index
        assert got.sort_index().equals(want.sort_index().astype(got.dtype)), stage
    # every lead lost before converting (by its dated history or the undated rule) or with its
    # opportunity is lost (the export has no place for a converted lead lost without one)
    assert set(_first(built, "lost").index) == set("00Q" + _recorded_lost(crm))
    # the accounts: keyed by name, matched to Lead.Company
    assert built.accounts is not None
    assert set(built.accounts.columns) >= {"account_id", "industry", "employees"}
    assert "Type" not in built.accounts
    assert "Rating" not in built.contacts


def test_salesforce_export_is_read_from_the_command_line(crm: ls.CRMData, tmp_path: Path) -> None:
    # the 400-contact fixture is below the training minimums (leadscore.sufficiency): train reads
    # the export through the preset, then stops with the one-line message and exit 2; the
    # HubSpot test below trains and scores from files with a TOML file and no code
    write_salesforce(crm, tmp_path / "export")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(
        cli,
        ["train", "--data", str(tmp_path / "export"), "--config", "salesforce",
         "--out", str(tmp_path / "model"), "--tracking-uri", uri],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "warning: OpportunityHistory: not in the export" in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "prospect target:" in errors[0]
    assert "labelled training rows" in errors[0]
    assert not (tmp_path / "model").exists()
    data, _ = _quiet(ls.CRMData.read, tmp_path / "export", config=load_config("salesforce"))
    assert len(data.contacts) > 0


# --- HubSpot --------------------------------------------------------------------------------------


def write_hubspot(crm: ls.CRMData, folder: Path) -> None:
    """Write ``crm`` as a HubSpot export (contacts, companies, deals, engagements) in HubSpot's
    internal property names; ids are numbers, as HubSpot's are."""
    folder.mkdir(parents=True, exist_ok=True)
    number = {cid: str(1000 + i) for i, cid in enumerate(crm.contacts["contact_id"])}
    contacts = crm.contacts.set_index("contact_id")
    ids = contacts.index
    reached = {s: _first(crm, s).reindex(ids) for s in ("mql", "sql", "opportunity", "customer")}
    lost = _first(crm, "lost").reindex(ids)
    unqualified = lost.notna() & reached["sql"].isna()
    iso = {s: t.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for s, t in reached.items()}
    pd.DataFrame(
        {
            "hs_object_id": ids.map(number),
            "createdate": contacts["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "associatedcompanyid": contacts["account_id"].str[1:].str.lstrip("0"),
            "jobtitle": contacts["job_title"],
            "hs_buying_role": contacts["role"].str.upper(),
            "hs_analytics_source": contacts["lead_source"].str.upper(),
            "country": contacts["country"],
            "industry": None,
            "lifecyclestage": "lead",
            "hs_lead_status": np.where(unqualified, "UNQUALIFIED", "OPEN"),
            "hs_lifecyclestage_marketingqualifiedlead_date": iso["mql"],
            "hs_lifecyclestage_salesqualifiedlead_date": iso["sql"],
            "hs_lifecyclestage_opportunity_date": iso["opportunity"],
            "hs_lifecyclestage_customer_date": iso["customer"],
        }
    ).to_csv(folder / "contacts.csv", index=False)
    accounts = crm.accounts
    assert accounts is not None
    pd.DataFrame(
        {
            "hs_object_id": accounts["account_id"].str[1:].str.lstrip("0"),
            "name": "Company " + accounts["account_id"],
            "industry": accounts["industry"],
            "numberofemployees": accounts["employees"],
            "annualrevenue": accounts["annual_revenue"],
            "country": accounts["country"],
        }
    ).to_csv(folder / "companies.csv", index=False)
    # meetings are logged once for the contact and a colleague: "id;id"
    activities = crm.activities
    who = activities["contact_id"].map(number)
    pd.DataFrame(
        {
            "hs_object_id": np.arange(len(activities)),
            "hs_timestamp": activities["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hs_engagement_type": activities["activity_type"].str.upper(),
            "hs_body_preview": activities["detail"],
            "associated_contact_ids": who,
        }
    ).to_csv(folder / "engagements.csv", index=False)
    has_deal = reached["opportunity"].notna()
    closed_lost = lost.notna() & has_deal
    pd.DataFrame(
        {
            "hs_object_id": np.arange(int(has_deal.sum())),
            "dealname": "Deal",
            "createdate": reached["opportunity"][has_deal].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "closedate": reached["customer"]
            .fillna(lost)[has_deal]
            .dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dealstage": np.where(reached["customer"][has_deal].notna(), "closedwon", "closedlost"),
            "hs_is_closed_won": reached["customer"][has_deal].notna().to_numpy(),
            "hs_is_closed": (reached["customer"].notna() | closed_lost)[has_deal].to_numpy(),
            "associated_contact_ids": ids[has_deal].map(number),
        }
    ).to_csv(folder / "deals.csv", index=False)


def test_hubspot_preset_builds_the_crm_it_was_written_from(crm: ls.CRMData, tmp_path: Path) -> None:
    write_hubspot(crm, tmp_path)
    built, said = _quiet(ls.CRMData.read, tmp_path, config=load_config("hubspot"))
    number = {cid: str(1000 + i) for i, cid in enumerate(crm.contacts["contact_id"])}
    assert len(built.contacts) == len(crm.contacts)
    assert len(built.activities) == len(crm.activities)
    assert set(built.activities["activity_type"]) >= {"meeting", "hs_EMAIL_OPEN"}
    for stage in ("mql", "sql", "opportunity", "customer", "lost"):
        got = _first(built, stage)
        want = _first(crm, stage).rename(index=number)
        if stage == "lost":  # unqualified leads have no date: dated at their last activity
            assert set(got.index) == {number[c] for c in _recorded_lost(crm)}
            continue
        assert got.sort_index().equals(want.sort_index()), stage
    assert any("sources.undated = 'last_activity'" in w for w in said)
    roles = built.contacts["role"].dropna()
    assert roles.isin(["DECISION_MAKER", "BLOCKER", "USER", "INFLUENCER"]).all()
    assert roles.tolist() == crm.contacts["role"].dropna().str.upper().tolist()


def test_hubspot_export_trains_and_scores(crm: ls.CRMData, tmp_path: Path) -> None:
    write_hubspot(crm, tmp_path)
    config = load_config("preset:hubspot")
    built, _ = _quiet(ls.CRMData.read, tmp_path, config=config)
    table = ls.build_training_table(
        built, pd.date_range("2024-06-01", periods=12, freq="MS"), config=config
    )
    assert {"account_decision_maker_engaged", "account_blocker_present"} <= set(table.columns)
    scorer, _ = _quiet(ls.LeadScorer(config=config, random_state=0).fit, table)
    scores = scorer.score(built, "2026-01-01")
    assert scores["p_prospect"].between(0, 1).all()
    assert len(scores) > 0


# --- leadforge: leads as the unit, three event tables --------------------------------------------


def write_leadforge(crm: ls.CRMData, folder: Path) -> pd.DataFrame:
    """Write ``crm`` in the layout of a leadforge bundle: accounts, contacts (persons), leads
    (several per person), touches, sessions, sales_activities and opportunities. Each of the
    CRM's contacts is a lead; leads at one account pair into one person. Returns leads."""
    folder.mkdir(parents=True, exist_ok=True)
    contacts = crm.contacts
    ids = contacts["contact_id"]
    rank = contacts.groupby("account_id", dropna=False).cumcount()
    person = ("cnt_" + contacts["account_id"].fillna(ids) + "_" + (rank // 2).astype(str)).where(
        contacts["account_id"].notna(), "cnt_" + ids
    )
    reached = {s: _first(crm, s).reindex(ids).to_numpy() for s in ("sql", "customer", "lost")}
    opp = _first(crm, "opportunity").reindex(ids)
    leads = pd.DataFrame(
        {
            "lead_id": "lead_" + ids,
            "contact_id": person,
            "lead_created_at": contacts["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "lead_source": contacts["lead_source"],
            "lead_status": np.select(
                [pd.notna(reached["sql"]), pd.notna(reached["lost"])], ["converted", "lost"], "open"
            ),
            "converted_at": pd.Series(reached["sql"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    leads.to_csv(folder / "leads.csv", index=False)
    people = contacts.assign(contact_id=person).drop_duplicates("contact_id")
    people[["contact_id", "account_id", "job_title", "seniority", "role", "department"]].rename(
        columns={"role": "buyer_role"}
    ).to_csv(folder / "contacts.csv", index=False)
    assert crm.accounts is not None
    crm.accounts.to_csv(folder / "accounts.csv", index=False)
    activities = crm.activities.assign(lead_id="lead_" + crm.activities["contact_id"])
    kind = activities["activity_type"]
    web = kind.isin(["web_visit", "pricing_page_visit"])
    sales = kind.isin(["meeting", "quote_sent", "credit_check", "demo_request"])
    touches = activities.loc[~web & ~sales]
    # touches and sales activities share type names ("email"): the prefixes keep them apart
    touch_type = touches["activity_type"].replace({"email_open": "email", "email_click": "email"})
    touches.assign(touch_type=touch_type, touch_timestamp=touches["timestamp"])[
        ["lead_id", "touch_timestamp", "touch_type", "detail"]
    ].to_csv(folder / "touches.csv", index=False)
    sessions = activities.loc[web]
    pd.DataFrame(
        {
            "session_id": np.arange(len(sessions)),
            "lead_id": sessions["lead_id"],
            "session_start": sessions["timestamp"],
            "landing_page": sessions["detail"],
            "page_views": np.where(sessions["activity_type"] == "pricing_page_visit", 3, 1),
            "duration_seconds": 60.0,
        }
    ).to_csv(folder / "sessions.csv", index=False)
    sale = activities.loc[sales]
    pd.DataFrame(
        {
            "lead_id": sale["lead_id"],
            "activity_timestamp": sale["timestamp"],
            "activity_type": sale["activity_type"].replace({"quote_sent": "email"}),
        }
    ).to_csv(folder / "sales_activities.csv", index=False)
    has_opp = opp.notna().to_numpy()
    pd.DataFrame(
        {
            "opportunity_id": ("opp_" + ids[has_opp]).to_numpy(),
            "lead_id": ("lead_" + ids[has_opp]).to_numpy(),
            "created_at": opp[has_opp].to_numpy(),
            "is_won": pd.notna(reached["customer"][has_opp]),
            "is_closed": pd.notna(reached["customer"][has_opp])
            | pd.notna(reached["lost"][has_opp]),
            "close_date": pd.Series(reached["customer"][has_opp]).fillna(
                pd.Series(reached["lost"][has_opp])
            ),
        }
    ).to_csv(folder / "opportunities.csv", index=False)
    return leads


def test_leadforge_export_with_leads_as_the_unit(crm: ls.CRMData, tmp_path: Path) -> None:
    leads = write_leadforge(crm, tmp_path)
    config = Config.from_toml(CONFIGS / "leadforge.toml")
    tables, said = _quiet(build_tables, tmp_path, config)
    assert len(tables.contacts) == len(leads)
    assert tables.contacts["person_id"].tolist() == leads["contact_id"].tolist()
    assert tables.contacts["person_id"].nunique() < len(leads)  # several leads per person
    types = set(tables.activities["activity_type"])
    assert {"touch_email", "sales_email", "web_visit", "meeting"} <= types
    assert len(tables.activities) == len(crm.activities)
    sessions = tables.activities.loc[tables.activities["activity_type"] == "web_visit"]
    assert sessions["value"].isin([1.0, 3.0]).all()  # page views carried through
    lost_open = (leads["lead_status"] == "lost") & ~leads["lead_id"].isin(
        "lead_" + _first(crm, "opportunity").index
    )
    assert tables.counts["stages dated by rule last_activity"] == int(lost_open.sum())
    assert any("lost" in w and "last activity" in w for w in said)
    built, _ = _quiet(ls.CRMData.read, tmp_path, config=config)
    first_customer = _first(built, "customer")
    want = _first(crm, "customer")
    assert first_customer.sort_index().tolist() == want.sort_index().tolist()
    # the person's id never becomes a feature
    features = ls.build_features(built, "2025-06-01", config=config)
    assert "person_id" not in features.columns


def test_leadforge_export_as_persons(crm: ls.CRMData, tmp_path: Path) -> None:
    leads = write_leadforge(crm, tmp_path)
    values = Config.from_toml(CONFIGS / "leadforge.toml").to_dict()
    values["sources"]["unit"] = "person"
    config = Config.from_dict(values)
    tables, _ = _quiet(build_tables, tmp_path, config)
    assert sorted(tables.contacts["contact_id"]) == sorted(leads["contact_id"].unique())
    assert "person_id" not in tables.contacts
    assert len(tables.activities) == len(crm.activities)
    assert set(tables.activities["contact_id"]) <= set(leads["contact_id"])
    created = tables.contacts.set_index("contact_id")["created_at"]
    first_lead = pd.to_datetime(leads["lead_created_at"], utc=True).groupby(leads["contact_id"])
    assert created.sort_index().equals(first_lead.min().sort_index().astype(created.dtype))


# --- the Maven Analytics sample -------------------------------------------------------------------


@pytest.mark.skipif(
    not MAVEN.is_dir(), reason=f"the Maven CRM sample is not at {MAVEN} (kept out of the repo)"
)
def test_maven_sample_goes_from_files_to_scores(tmp_path: Path) -> None:
    config = CONFIGS / "maven-crm.toml"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(
        cli,
        ["train", "--data", str(MAVEN), "--config", str(config), "--out",
         str(tmp_path / "model"), "--tracking-uri", uri],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # said once: no activity log, and what leadscore loses without one
    assert result.stderr.count("names no activity table") == 1
    assert "500 contacts have no creation time" in result.stderr
    scorer = ls.LeadScorer.load(tmp_path / "model")
    crm, _ = _quiet(ls.CRMData.read, MAVEN, config=scorer.config)
    assert len(crm.contacts) == 8800
    assert (crm.stages["stage"] == "customer").sum() == 4238
    assert (crm.stages["stage"] == "lost").sum() == 2473
    scores = scorer.score(crm, "2018-01-01")
    open_deals = 8800 - 4238 - 2473
    assert len(scores) == open_deals
    assert scores["p_customer"].between(0, 1).all()


# --- the configuration ---------------------------------------------------------------------------


def test_presets_are_named_and_round_trip() -> None:
    assert {"salesforce", "hubspot"} <= set(preset_names())
    for name in preset_names():
        config = load_config(name)
        assert load_config(f"preset:{name}") == config
        assert Config.from_dict(config.to_dict()) == config
        assert preset_path(name).read_text().startswith("# leadscore preset")
    with pytest.raises(ConfigError, match="no such preset"):
        load_config("preset:pipedrive")


def test_a_file_named_like_a_preset_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("hubspot").write_text("[labels]\nprospect_days = 30\n")
    assert load_config("hubspot").sources is None
    assert load_config("hubspot").labels.prospect_days == 30


@pytest.mark.parametrize(
    ("sources", "key"),
    [
        ({"stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.contacts"),
        ({"contacts": {"file": "c", "id": "id"}}, "sources.contacts.created_at"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"}, "unit": "account",
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.unit"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"}, "undated": "guess",
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.undated"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"},
          "activities": [{"file": "a", "contact_id": "id", "timestamp": "t"}],
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.activities[0].type"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"},
          "stages": [{"file": "x", "timestamp": "t", "stage": "s"}]},
         "sources.stages[0].contact_id"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"},
          "stages": [{"file": "x", "contact_id": "id", "won": "w"}]},
         "sources.stages[0].closed_at"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"},
          "stages": [{"file": "x", "contact_id": "id", "created_at": "t", "created_stage": "won"}]},
         "sources.stages[0].created_stage"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t"},
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s",
                      "stages": {"Won": "closed"}}]},
         "sources.stages[0].stages.'Won'"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t", "join": [{"file": "p"}]},
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.contacts.join[0]"),
        ({"contacts": {"file": "c", "id": "id", "created_at": "t", "colour": "red"},
          "stages": [{"file": "x", "contact_id": "id", "timestamp": "t", "stage": "s"}]},
         "sources.contacts"),
    ],
)  # fmt: skip
def test_configuration_errors_name_the_key(sources: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_dict({"sources": sources})
    assert str(caught.value).startswith(key), str(caught.value)


def test_sources_direct_construction() -> None:
    source = ActivitySource(file="sessions", contact_id="lead_id", timestamp="start",
                            fixed_type="web_visit", value="page_views")  # fmt: skip
    assert source.contact_id == ("lead_id",)
    assert source.value == "page_views"
    stage = StageSource(file="deals", contact_id="id", closed_at="closed", won="won")
    with pytest.raises(ConfigError, match=r"^sources\.contacts"):
        SourcesConfig(contacts="leads", stages=(stage,))  # type: ignore[arg-type]


# --- the builder's rules, on tiny hand-made files -------------------------------------------------


def _tiny(folder: Path) -> None:
    pd.DataFrame(
        {
            "id": ["d1", "d2", "d3", "d4"],
            "opened": ["2025-01-01", "2025-01-10", "2025-02-01", None],
            "closed": ["2025-03-01", None, None, None],
            "status": ["Won", "Lost", "Working", "New"],
            "product": ["p1", "p2", "p1", None],
            "account": ["a1", "a1", None, "a2"],
        }
    ).to_csv(folder / "deals.csv", index=False)
    pd.DataFrame({"product": ["p1", "p2"], "price": [10, 20]}).to_csv(
        folder / "products.csv", index=False
    )
    pd.DataFrame(
        {
            "who": ["d1;d2", "d2", None, "d3"],
            "at": ["2025-01-05", "2025-01-20", "2025-01-21", "2025-02-02"],
            "kind": ["call", "email", "call", "call"],
            "minutes": [5, None, 3, 7],
        }
    ).to_csv(folder / "calls.csv", index=False)


def _tiny_config(**sources: object) -> Config:
    values: dict[str, object] = {
        "contacts": {"file": "deals", "id": "id", "created_at": "opened", "account_id": "account",
                     "join": [{"file": "products", "on": "product"}]},
        "activities": [{"file": "calls", "contact_id": "who", "separator": ";",
                        "timestamp": "at", "type": "kind", "prefix": "call_",
                        "types": {"call": "meeting"}, "value": "minutes"}],
        "stages": [{"file": "deals", "contact_id": "id", "created_at": "opened",
                    "created_stage": "opportunity", "stage": "status", "closed_at": "closed",
                    "stages": {"Won": "customer", "Lost": "lost", "Working": "sql",
                               "New": "opportunity"}}],
    }  # fmt: skip
    return Config.from_dict({"sources": values | sources})


@pytest.mark.parametrize(
    ("rule", "lost_at"),
    [
        ("last_activity", "2025-01-20"),
        ("created", "2025-01-10"),
        ("export_end", "2025-03-01"),
        ("drop", None),
    ],
)
def test_undated_closed_records_follow_the_stated_rule(
    tmp_path: Path, rule: str, lost_at: str | None
) -> None:
    _tiny(tmp_path)
    tables, said = _quiet(build_tables, tmp_path, _tiny_config(undated=rule))
    lost = tables.stages.loc[tables.stages["stage"] == "lost", "timestamp"]
    if lost_at is None:
        assert lost.empty
        assert tables.counts["stages dropped without a date"] == 2
    else:
        assert lost.tolist() == [pd.Timestamp(lost_at, tz="UTC")]
    # d2's loss and d3's open stage (no stage_at) have no date; d4 is never created (dropped)
    assert any("2 stage rows derived from the export have no date (1 lost, 1 sql)" in w
               for w in said)  # fmt: skip
    assert any("1 contacts have no creation time; they were left out" in w for w in said)
    assert tables.counts["contacts dropped without created_at"] == 1


def test_activities_split_ids_map_types_and_carry_values(tmp_path: Path) -> None:
    _tiny(tmp_path)
    tables, said = _quiet(build_tables, tmp_path, _tiny_config(missing_created="export_end"))
    activities = tables.activities
    # "d1;d2" counts for both deals; the row without a contact is left out and said
    assert activities["contact_id"].tolist() == ["d1", "d2", "d2", "d3"]
    assert activities["activity_type"].tolist() == ["meeting", "meeting", "call_email", "meeting"]
    assert activities["value"].tolist()[:2] == [5.0, 5.0]
    assert np.isnan(activities["value"][2])
    assert any("calls: 1 rows belong to no contact" in w for w in said)
    # joined look-ups become attributes; the stage columns of the same file never do
    contacts = tables.contacts.set_index("contact_id")
    assert contacts["price"].tolist()[:3] == [10, 20, 10]
    assert np.isnan(contacts["price"]["d4"])
    assert "status" not in contacts
    assert "closed" not in contacts
    assert contacts.loc["d4", "created_at"] == pd.Timestamp("2025-03-01", tz="UTC")


def test_no_activity_table_is_said_once(tmp_path: Path) -> None:
    _tiny(tmp_path)
    config = _tiny_config(activities=[], missing_created="export_end")
    crm, said = _quiet(ls.CRMData.read, tmp_path, config=config)
    assert said.count(NO_ACTIVITY_MESSAGE) == 1
    assert len(crm.activities) == 0
    assert "buying_group" in NO_ACTIVITY_MESSAGE
    assert "timing" in NO_ACTIVITY_MESSAGE
    features = ls.build_features(crm, "2025-04-01", config=config)
    assert len(features) > 0


@pytest.mark.filterwarnings("ignore::leadscore.errors.DataWarning")
def test_missing_files_and_columns_are_named(tmp_path: Path) -> None:
    _tiny(tmp_path)
    leads = _tiny_config(contacts={"file": "leads", "id": "id", "created_at": "opened"})
    with pytest.raises(DataNotFoundError, match=r"^leads: no leads\.parquet or .*leads\.csv "):
        build_tables(tmp_path, leads)
    config = _tiny_config(contacts={"file": "deals", "id": "deal_id", "created_at": "opened"})
    with pytest.raises(SchemaError, match=r"^deals\.deal_id: missing column"):
        build_tables(tmp_path, config)
    bad = _tiny_config(
        stages=[
            {
                "file": "deals",
                "contact_id": "id",
                "stage": "status",
                "created_at": "opened",
                "created_stage": "lead",
            }
        ]
    )
    with pytest.raises(SchemaError, match=r"^deals\.status: unknown stage names.*'Won'"):
        build_tables(tmp_path, bad)
    pd.DataFrame({"product": ["p1", "p1"], "price": [1, 2]}).to_csv(
        tmp_path / "products.csv", index=False
    )
    with pytest.raises(SchemaError, match=r"^products\.product: duplicate identifiers"):
        build_tables(tmp_path, _tiny_config())


def test_inputs_are_read_not_written(tmp_path: Path) -> None:
    _tiny(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _quiet(build_tables, tmp_path, _tiny_config(missing_created="export_end"))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
