"""The ticket schema's valid values, shared by the ingest's value mappings and training.

Status, channel and the satisfaction scale are fixed by the warehouse (the CASE lists in
dbt_project/models/staging/helpdesk/stg_helpdesk__tickets.sql); priorities, categories and
queues are the team's own, edited in the seed CSVs (seeds/, see the README's "Bring your own
data"), and read from there.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from supportlake.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"

STATUSES = ("Open", "Pending", "Resolved", "Closed")
CHANNELS = ("Email", "Chat", "Phone", "Web Form", "Social")
# CSAT is a 1-5 score; 4 and 5 count as satisfied. A two-point survey (good/bad) maps onto
# the ends of the scale, 5 and 1, so its satisfied share stays what the survey said.
SATISFACTION_SCORES = ("1", "2", "3", "4", "5")


@cache
def seed_values(seed: str, column: str) -> tuple[str, ...]:
    """Distinct values of one seed column in file order; empty when the seed is absent."""
    path = SEEDS / f"{seed}.csv"
    if not path.is_file():
        return ()
    with Path(path).open(encoding="utf-8", newline="") as handle:
        values = [row[column].strip() for row in csv.DictReader(handle) if row.get(column)]
    return tuple(dict.fromkeys(values))


def priorities() -> tuple[str, ...]:
    return seed_values("priority_levels", "priority")


def categories() -> tuple[str, ...]:
    return seed_values("category_taxonomy", "category")


def queues() -> tuple[str, ...]:
    return seed_values("queue_schedules", "queue")


def valid_values(column: str) -> tuple[str, ...] | None:
    """The values a mapping may translate `column` into; None: any value (the team's own
    categories and queues: an unknown one is kept and flagged, never invalid)."""
    fixed = {
        "status": STATUSES,
        "channel": CHANNELS,
        "satisfaction_score": SATISFACTION_SCORES,
        "priority": priorities() or None,
    }
    return fixed.get(column)


def warehouse_value(column: str, value: object) -> object:
    """`value` as the warehouse keeps it: for a column with a fixed vocabulary, the
    vocabulary's spelling (case and padding ignored) or None when it is not in it, as staging
    flags it invalid; any other column's value unchanged. Training labels go through this so
    that a label the warehouse would reject is no label there either."""
    allowed = valid_values(column)
    if allowed is None or value is None or not isinstance(value, str):
        return value
    spelling = {item.lower(): item for item in allowed}
    return spelling.get(" ".join(value.split()).lower())
