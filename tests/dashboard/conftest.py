"""A warehouse whose monitoring marts were built from what a real API served and logged.

API (uvicorn, trained models) -> landing logs -> ingest -> dbt (the monitoring marts and what
they need, then the api/monitoring models' own data and unit tests).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from supportlake.ingest.loader import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from tests.api.conftest import API_KEY, start_api
from tests.api.synthetic import train_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
# The monitoring marts, and the measures the page's support analytics read.
MONITORING = [
    "path:models/staging/api",
    "path:models/marts/monitoring",
    "agg_ticket_measures_daily",
]

BILLING = {"subject": "Invoice", "message": "I was charged twice on my invoice. No rush at all."}
URGENT = {"subject": "Outage", "message": "Production is down for all users, urgent! Fix now."}


@dataclass
class Served:
    """What the test sent: the marts must account for exactly this."""

    single_ok: int
    batch_tickets: int
    rejected: int
    escalated: int
    channels: list[str]
    batch_categories: list[str]


@dataclass
class MonitoredWarehouse:
    settings: Settings
    served: Served
    predictions: dict[str, dict]  # ticket_id -> response body


@pytest.fixture(scope="package")
def monitored_warehouse(tmp_path_factory) -> MonitoredWarehouse:
    root = tmp_path_factory.mktemp("monitored")
    models_dir = root / "models"
    train_registry(models_dir)
    settings = Settings(
        warehouse=root / "warehouse.duckdb",
        lake=root / "lake",
        models_dir=models_dir,
        api_key=API_KEY,
    )
    api = start_api(settings)
    predictions, channels = {}, []
    try:
        for number in range(12):
            channel = ["Email", "email", "Chat"][number % 3]
            body = {**BILLING, "ticket_id": f"API-{number}", "channel": channel}
            predictions[f"API-{number}"] = api.client.post("/predict-ticket", json=body).json()
            channels.append(channel)
        predictions["API-URGENT"] = api.client.post(
            "/predict-ticket",
            json={**URGENT, "ticket_id": "API-URGENT", "channel": "Phone"},
            headers={"X-API-Key": API_KEY},  # only an authenticated caller escalates
        ).json()
        channels.append("Phone")
        batch = api.client.post("/predict-tickets", json={"tickets": [BILLING, BILLING]})
        assert batch.status_code == 200
        batch_escalated = sum(p["is_escalated"] for p in batch.json()["predictions"])
        batch_categories = [p["category"]["label"] for p in batch.json()["predictions"]]
        assert api.client.post("/predict-ticket", json={"message": ""}).status_code == 422
        for ticket_id, category in (("API-1", "Billing"), ("API-2", "Account")):
            response = api.client.post(
                "/feedback",
                json={"ticket_id": ticket_id, "corrected_category": category},
                headers={"X-API-Key": API_KEY},
            )
            assert response.status_code == 202
    finally:
        api.stop()
    shutil.copytree(FIXTURES / "tickets", settings.landing / "tickets")
    summary = ingest_path(settings.landing, settings)
    assert all(result.status == "loaded" for result in summary.files), summary.files
    # Build only what the monitoring marts need, without other models' tests (theirs to keep
    # green); then every test of the api and monitoring models, unit tests included.
    run_dbt(
        [
            "build",
            "--select",
            *(f"+{selector}" for selector in MONITORING),
            "--exclude-resource-type",
            "test",
            "unit_test",
        ],
        settings,
    )
    run_dbt(["test", "--select", *MONITORING], settings)
    escalated = sum(p["is_escalated"] for p in predictions.values()) + batch_escalated
    served = Served(
        single_ok=len(predictions), batch_tickets=2, rejected=1, escalated=escalated,
        channels=channels, batch_categories=batch_categories,
    )  # fmt: skip
    return MonitoredWarehouse(settings, served, predictions)
