"""Make the Acme CRM export: a synthetic CRM (``leadscore.make_crm``) under Acme's own names.

Acme's CRM calls a contact's id ``Contact ID``, its stages ``Marketing Qualified`` or
``Closed Won``, its activity types ``Email Opened`` or ``Demo Requested``, and the lead source
``Lead Origin``; ``acme.toml`` beside this script maps them onto leadscore's names. The shipped
copy was made with::

    python data/acme-crm/make_export.py --contacts 2500 --seed 11 --out data/acme-crm/export
"""

from __future__ import annotations

import argparse
from pathlib import Path

import leadscore as ls

COLUMNS = {
    "contacts": {"contact_id": "Contact ID", "account_id": "Company ID",
                 "created_at": "Created Date", "lead_source": "Lead Origin"},
    "accounts": {"account_id": "Company ID"},
    "activities": {"contact_id": "Contact ID", "timestamp": "Date", "activity_type": "Type",
                   "detail": "Subject"},
    "stages": {"contact_id": "Contact ID", "timestamp": "Changed At", "stage": "Status"},
}  # fmt: skip
STAGES = {"lead": "New", "mql": "Marketing Qualified", "sal": "Sales Accepted",
          "sql": "Sales Qualified", "opportunity": "Opportunity", "customer": "Closed Won",
          "lost": "Closed Lost"}  # fmt: skip
TYPES = {"email_open": "Email Opened", "email_click": "Email Clicked", "web_visit": "Page View",
         "pricing_page_visit": "Pricing Page", "form_fill": "Form Submitted",
         "ebook_download": "Ebook Download", "newsletter_signup": "Newsletter",
         "webinar_attended": "Webinar Attended", "demo_request": "Demo Requested",
         "meeting": "Meeting", "quote_sent": "Quote Sent", "credit_check": "Credit Check"}  # fmt: skip


def make_export(n_contacts: int, seed: int, out: Path) -> Path:
    """Write Acme's export of a synthetic CRM to ``out``: CSV files, activities gzipped."""
    crm = ls.make_crm(n_contacts, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(crm.tables)
    tables.pop("truth", None)
    tables["stages"] = tables["stages"].assign(stage=tables["stages"]["stage"].map(STAGES))
    activities = tables["activities"]
    tables["activities"] = activities.assign(activity_type=activities["activity_type"].map(TYPES))
    for table, frame in tables.items():
        frame = frame.rename(columns=COLUMNS[table])
        for column in frame.select_dtypes(include="datetimetz").columns:
            frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S")
        name = f"{table}.csv.gz" if table == "activities" else f"{table}.csv"
        frame.to_csv(out / name, index=False, compression={"method": "infer", "mtime": 0})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "export")
    args = parser.parse_args()
    print(f"wrote {make_export(args.contacts, args.seed, args.out)}")


if __name__ == "__main__":
    main()
