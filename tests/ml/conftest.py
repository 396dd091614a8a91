"""Labelled tickets with learnable categories and priorities, and a tmp warehouse holding them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

# MLflow logging costs seconds per run; test_tracking.py switches it on where it is the subject.
os.environ.setdefault("SUPPORTLAKE_MLFLOW", "0")

# Each category has its own vocabulary; urgent and low tickets differ in tone and wording.
CATEGORY_TEXT = {
    "Billing": [
        "charged twice on my invoice",
        "refund the duplicate payment",
        "wrong amount billed",
    ],
    "Account": ["cannot log in after password reset", "account locked out", "reset my password"],
    "Technical": ["sync client crashes on upload", "error 500 when saving", "app is very slow"],
    "Security": ["suspicious login from abroad", "phishing email with your logo", "unknown device"],
}
PRIORITY_TEXT = {
    "Urgent": ["URGENT: system down for all users, fix asap!!!", "production outage, critical!"],
    "Low": ["no rush, whenever you have time.", "just a small question, thanks a lot."],
}
CHANNELS = ["Email", "Chat", "Web Form"]
START = datetime(2025, 3, 3, 8, 0)

TICKETS_DDL = """
create table marts.tickets (
    ticket_id varchar, customer_id varchar, agent_id varchar, created_at timestamp,
    created_date date, first_response_at timestamp, resolved_at timestamp, status varchar,
    priority varchar, category varchar, channel varchar, queue varchar, product_line varchar,
    subject varchar, message varchar, is_escalated boolean, satisfaction_score integer,
    reopened_count integer, resolution_minutes double, first_response_minutes double,
    is_resolved boolean, has_missing_resolution boolean, has_missing_keys boolean,
    has_invalid_value boolean, is_duplicated boolean
)
"""


def make_labelled_tickets(per_pair: int = 15, seed: int = 7) -> pd.DataFrame:
    """per_pair tickets for each (category, priority) pair, in the marts.tickets shape."""
    rng = np.random.default_rng(seed)
    rows = []
    for category, phrases in CATEGORY_TEXT.items():
        for priority, tones in PRIORITY_TEXT.items():
            for _ in range(per_pair):
                number = len(rows)
                created = START + timedelta(hours=int(rng.integers(0, 24 * 60)))
                rows.append(
                    {
                        "ticket_id": f"T{number:05d}",
                        "customer_id": f"C{number % 17:03d}",
                        "created_at": created,
                        "created_date": created.date(),
                        "status": "Open",
                        "priority": priority,
                        "category": category,
                        "channel": CHANNELS[number % len(CHANNELS)],
                        "queue": "General",
                        "product_line": "Ledgerly",
                        "subject": str(rng.choice(phrases)).capitalize(),
                        "message": f"Hi team,\n{rng.choice(phrases)}. {rng.choice(tones)}\n"
                        "Best regards,\nSam",
                    }
                )
    return pd.DataFrame(rows)


def write_marts_tickets(settings: Settings, tickets: pd.DataFrame) -> None:
    """marts.tickets as the dbt tickets mart would leave it (agreed columns; extra ones null)."""
    with open_warehouse(settings) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute("drop table if exists marts.tickets")
        connection.execute(TICKETS_DDL)
        connection.register("fixture_tickets", tickets)
        connection.execute("insert into marts.tickets by name select * from fixture_tickets")
        connection.unregister("fixture_tickets")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.in_folder(tmp_path)


@pytest.fixture
def tickets() -> pd.DataFrame:
    return make_labelled_tickets()


@pytest.fixture
def warehouse(settings, tickets) -> Settings:
    """Settings whose warehouse holds marts.tickets with the fixture tickets."""
    write_marts_tickets(settings, tickets)
    return settings


@pytest.fixture
def environment(settings, monkeypatch) -> Settings:
    """The same paths as SUPPORTLAKE_* variables, for the CLI and flows (get_settings())."""
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(settings.lake))
    monkeypatch.setenv("SUPPORTLAKE_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("SUPPORTLAKE_PREFECT_HOME", str(settings.prefect_home))
    return settings


def train_quickly(settings: Settings, task: str):
    """A real training run on marts.tickets with the small grid (what tests can afford)."""
    from flows.classifier_steps import load_training_data, train_task
    from ml.training import TrainingOptions

    options = TrainingOptions(task=task, quick=True, folds=3, zero_shot=False)
    return train_task(settings, options, load_training_data(settings, task))


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """One warehouse with both models trained once per session: (settings, task -> run).

    Tests read it; a test that changes models or predictions works on copies (`scoring`)."""
    folder = tmp_path_factory.mktemp("trained")
    settings = Settings.in_folder(folder)
    write_marts_tickets(settings, make_labelled_tickets())
    return settings, {task: train_quickly(settings, task) for task in ("category", "priority")}
