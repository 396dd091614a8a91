"""Tickets in the agreed marts.tickets shape with recognisable topics, and a writer for them."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

# Six recognisable topics, each tied to one category and product line.
TOPICS = {
    "Billing": (
        "Ledgerly",
        [
            "I was charged twice for my subscription this month",
            "Please refund the duplicate payment on my credit card",
            "My invoice shows the wrong amount, I was overcharged",
            "Why did you bill me again after I cancelled my plan",
        ],
    ),
    "Account": (
        "Helix CRM",
        [
            "I cannot log in after resetting my password",
            "The password reset email never arrives in my inbox",
            "My account is locked after too many login attempts",
            "Two-factor login code is rejected when I sign in",
        ],
    ),
    "Technical": (
        "Nimbus Drive",
        [
            "The desktop client stopped syncing my shared folders",
            "File sync is stuck and large uploads never finish",
            "Files in the shared folder do not sync to my laptop",
            "The sync client crashes when uploading big files",
        ],
    ),
    "Feature Request": (
        "Pulse Analytics",
        [
            "Could you add a dark mode to the dashboards",
            "Please add an option to export dashboards as PDF",
            "It would be great to schedule reports every hour",
            "Feature idea: let us share dashboards with guests",
        ],
    ),
    "Security": (
        "Helix CRM",
        [
            "Someone logged into my account from another country",
            "I received a suspicious phishing email using your logo",
            "Unknown device accessed our workspace last night",
            "We suspect a data breach, strange admin logins appeared",
        ],
    ),
    "Integration": (
        "Pulse Analytics",
        [
            "The Salesforce integration stopped pushing new contacts",
            "Our Slack webhook no longer receives notifications",
            "The API token for the Zapier integration keeps expiring",
            "HubSpot sync fails with an authentication error",
        ],
    ),
}
OPENINGS = ["", "Hi team, ", "Hello, ", "Urgent: "]
CLOSINGS = ["", " Thanks.", " Please help.", " This blocks our whole team."]
START = datetime(2025, 1, 6, 9, 0)


def make_tickets(per_topic: int = 40, seed: int = 3) -> pd.DataFrame:
    """Tickets of the agreed marts.tickets shape, texts from TOPICS, created over 70 days."""
    rng = np.random.default_rng(seed)
    rows = []
    for category, (product_line, sentences) in TOPICS.items():
        for index in range(per_topic):
            offset = timedelta(days=int(rng.integers(0, 70)), hours=int(rng.integers(0, 9)))
            created = START + offset
            resolved = index % 4 != 3
            rows.append(
                {
                    "ticket_id": f"T-{category[:3].upper()}-{index:04d}",
                    "customer_id": f"C{rng.integers(0, 50):03d}",
                    "agent_id": f"A{rng.integers(0, 5)}",
                    "created_at": created,
                    "created_date": created.date(),
                    "first_response_at": created + timedelta(minutes=30),
                    "resolved_at": created + timedelta(hours=5) if resolved else None,
                    "status": "Resolved" if resolved else "Open",
                    "priority": rng.choice(["Urgent", "High", "Medium", "Low"]),
                    "category": category,
                    "channel": "Email",
                    "queue": "General",
                    "product_line": product_line,
                    "subject": sentences[index % len(sentences)].split(",")[0][:40],
                    "message": OPENINGS[index % 4]
                    + sentences[index % len(sentences)]
                    + CLOSINGS[(index // 4) % 4],
                    "is_escalated": False,
                    "satisfaction_score": int(rng.integers(1, 6)),
                    "reopened_count": 0,
                    "resolution_minutes": 300.0 if resolved else None,
                    "first_response_minutes": 30.0,
                    "is_resolved": resolved,
                    "has_missing_resolution": not resolved,
                    "has_missing_keys": False,
                    "has_invalid_value": False,
                    "is_duplicated": False,
                }
            )
    return pd.DataFrame(rows)


def write_tickets(settings: Settings, tickets: pd.DataFrame) -> None:
    """(Re)create marts.tickets in the settings' warehouse from a DataFrame.

    The real mart carries each row's load time, which the incremental graph marts read
    as their watermark; frames without it get one fixed load time.
    """
    if "_loaded_at" not in tickets.columns:
        tickets = tickets.assign(_loaded_at=pd.Timestamp("2025-03-20 00:00:00"))
    with open_warehouse(settings) as connection:
        connection.execute("create schema if not exists marts")
        connection.register("frame", tickets)
        connection.execute("create or replace table marts.tickets as select * from frame")
        connection.unregister("frame")


def make_daily_tickets(
    days: int = 70, per_day: int = 2, spike_day: int = 63, spike_tickets: int = 25
) -> pd.DataFrame:
    """`per_day` tickets a day in each of three categories, plus a Billing spike on one day."""
    frame = make_tickets(per_topic=1)
    template = frame.iloc[0].to_dict()
    rows = []
    for day in range(days):
        for category in ("Billing", "Account", "Technical"):
            product_line, sentences = TOPICS[category]
            extra = spike_tickets if (day == spike_day and category == "Billing") else 0
            for index in range(per_day + extra):
                created = START + timedelta(days=day, hours=index % 9)
                rows.append(
                    template
                    | {
                        "ticket_id": f"T-{category[:3].upper()}-{day:03d}-{index:02d}",
                        "created_at": created,
                        "created_date": created.date(),
                        "resolved_at": created + timedelta(hours=5),
                        "category": category,
                        "product_line": product_line,
                        "subject": sentences[(day + index) % 4][:40],
                        "message": OPENINGS[index % 4] + sentences[(day + index) % 4],
                    }
                )
    return pd.DataFrame(rows)


def dominant_cluster(connection, category: str) -> int:
    """The cluster id most of a category's tickets have (ml.ticket_clusters x marts.tickets)."""
    return connection.execute(
        """
        select clusters.cluster_id
        from ml.ticket_clusters as clusters
        inner join marts.tickets as tickets using (ticket_id)
        where tickets.category = $category
        group by all order by count(*) desc limit 1
        """,
        {"category": category},
    ).fetchone()[0]
