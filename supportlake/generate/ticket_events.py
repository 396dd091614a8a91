"""Synthetic ticket histories that agree with generated tickets.

Reads the ticket files `supportlake generate tickets` wrote and writes, per ticket, the events
that lead to its flat columns: created by the customer (New, its priority and queue as group,
the request as a public comment), assigned (sometimes to another agent first, then handed
over), first public agent reply at first_response_at, Pending while the customer answers,
reopened (Resolved, then the customer writes again) reopened_count times, Resolved at
resolved_at, Closed after. Internal notes on some tickets. Some customers write the same
request twice: the duplicate (a ticket of its own, id `<ticket>-dup`, in the events only) is
merged into the original by its agent before the first reply and closed as merged. The
flat columns and the events agree: tests/ticket_history/test_generated_history.py checks it
through the warehouse.

Tickets whose flat row cannot have a consistent history get no events, counted by reason in
the summary (the ticket generator's injected mess: no id, unreadable or inverted times, a
resolved ticket without resolved_at, a reopened ticket that was never resolved). A small
share of events is written twice, as overlapping exports do.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json"}
REASSIGNED_SHARE = 0.25  # of assigned tickets: another agent holds it before its final one
EXTRA_EXCHANGE_SHARE = 0.5  # of answered tickets: the customer writes back once more
INTERNAL_NOTE_SHARE = 0.3  # of answered tickets
REPEATED_EVENT_SHARE = 0.01  # of events: exported twice
MERGED_DUPLICATE_SHARE = 0.05  # of assigned tickets: a duplicate request merged into it


@dataclass
class EventGenerationSummary:
    path: Path
    tickets_read: int
    tickets_with_events: int
    events: int
    repeated_events: int
    merged_duplicates: int = 0  # events-only duplicate tickets merged into a generated one
    skipped: Counter = field(default_factory=Counter)  # reason -> tickets without events


def generate_ticket_events(
    tickets_dir: Path | str, out_dir: Path | str, seed: int = 0
) -> EventGenerationSummary:
    """Write ticket-events-<seed>.jsonl in out_dir for the ticket files in tickets_dir."""
    tickets_dir, out_dir = Path(tickets_dir), Path(out_dir)
    tickets = _read_newest_copies(tickets_dir)
    agents = sorted({row["agent_id"] for row in tickets if row["agent_id"]})
    rng = np.random.default_rng(seed)
    skipped: Counter = Counter()
    events: list[dict] = []
    with_events = 0
    merged = 0
    for row in tickets:
        reason = _unusable(row)
        if reason:
            skipped[reason] += 1
            continue
        ticket_rng = np.random.default_rng([seed, zlib.crc32(row["ticket_id"].encode())])
        events.extend(_history(row, agents, ticket_rng))
        with_events += 1
        if row["agent_id"] and ticket_rng.random() < MERGED_DUPLICATE_SHARE:
            events.extend(_merged_duplicate(row, ticket_rng))
            merged += 1
    repeated = [event for event in events if rng.random() < REPEATED_EVENT_SHARE]
    # File order is not time order: events are written ticket by ticket, repeats at the end.
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"ticket-events-{seed}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for event in [*events, *repeated]:
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
    return EventGenerationSummary(
        path=path,
        tickets_read=len(tickets),
        tickets_with_events=with_events,
        events=len(events) + len(repeated),
        repeated_events=len(repeated),
        merged_duplicates=merged,
        skipped=skipped,
    )


def _read_newest_copies(tickets_dir: Path) -> list[dict]:
    """One row per ticket: the copy with the latest updated_at (the warehouse keeps that one
    too), times as UTC datetimes (None when unreadable)."""
    files = sorted(
        path for path in tickets_dir.iterdir() if path.suffix in READERS and path.is_file()
    )
    if not files:
        raise FileNotFoundError(f"no ticket files (parquet, csv, jsonl) in {tickets_dir}")
    reader = READERS[files[0].suffix]
    paths = [str(path) for path in files if path.suffix == files[0].suffix]
    options = ", all_varchar = true" if reader == "read_csv" else ""
    times = ("created_at", "first_response_at", "resolved_at", "updated_at")
    parsed = ", ".join(
        f"timezone('UTC', try_cast({column} as timestamptz)) as {column}" for column in times
    )
    sql = f"""
        select
            cast(ticket_id as varchar) as ticket_id, customer_id, agent_id, status, priority,
            queue, subject, cast(reopened_count as integer) as reopened_count,
            {", ".join(f"cast({column} as varchar) as {column}_text" for column in times)},
            {parsed}
        from {reader}({paths!r}{options})
        qualify row_number() over (
            partition by ticket_id order by updated_at desc nulls last
        ) = 1 or ticket_id is null
        order by ticket_id
    """
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")  # a time without an offset reads as UTC
        cursor = connection.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _unusable(row: dict) -> str | None:
    created, replied, resolved = row["created_at"], row["first_response_at"], row["resolved_at"]
    if not row["ticket_id"]:
        return "no ticket_id"
    for column in ("created_at", "first_response_at", "resolved_at"):
        if row[f"{column}_text"] and row[column] is None:
            return f"unreadable {column}"
    if created is None:
        return "no created_at"
    if (replied and replied < created) or (resolved and resolved < (replied or created)):
        return "times out of order"
    if row["status"] in ("Resolved", "Closed") and resolved is None:
        return "resolved without resolved_at"
    if (row["reopened_count"] or 0) > 0 and resolved is None:
        return "reopened but never resolved"
    return None


# One ticket's story in the order its random draws are made: split, the draws (and so the
# generated files) would change.
def _history(row: dict, agents: list[str], rng: np.random.Generator) -> list[dict]:  # noqa: C901
    ticket, customer, agent = row["ticket_id"], row["customer_id"], row["agent_id"]
    created, replied, resolved = row["created_at"], row["first_response_at"], row["resolved_at"]
    events: list[dict] = []

    def add(at: datetime, author: str | None, role: str, **event: object) -> None:
        events.append(
            {
                "event_id": f"{ticket}-{len(events) + 1:03d}",
                "ticket_id": ticket,
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "author_id": author,
                "author_role": role,
                **event,
            }
        )

    def change(at: datetime, author: str | None, role: str, name: str, new, old=None) -> None:
        add(at, author, role, event_type="Change", field_name=name, value=new, previous_value=old)

    def comment(at: datetime, author: str | None, role: str, public: bool, body: str) -> None:
        add(at, author, role, event_type="Comment", is_public=public, body=body)

    def between(start: datetime, end: datetime, count: int) -> list[datetime]:
        span = max((end - start).total_seconds(), 0.0)
        offsets = np.sort(rng.uniform(0.05, 0.95, count)) * span
        return [start + timedelta(seconds=int(offset)) for offset in offsets]

    add(created, customer, "end-user", event_type="Create", field_name="status", value="new")
    if row["priority"]:
        add(created, customer, "end-user", event_type="Create", field_name="priority",
            value=row["priority"])  # fmt: skip
    if row["queue"]:
        add(created, customer, "end-user", event_type="Create", field_name="group",
            value=row["queue"])  # fmt: skip
    comment(created, customer, "end-user", True, row["subject"] or "(no subject)")

    status = "new"
    if agent:
        # Assigned before the first reply (or before the last change of an unanswered one).
        assign_by = replied or row["updated_at"] or created
        [assigned] = between(created, assign_by, 1)
        others = [candidate for candidate in agents if candidate != agent]
        if others and rng.random() < REASSIGNED_SHARE:
            first = others[int(rng.integers(len(others)))]
            handover = between(assigned, assign_by, 1)[0]
            change(assigned, first, "agent", "assignee", first)
            change(handover, first, "agent", "assignee", agent, first)
        else:
            change(assigned, agent, "agent", "assignee", agent)
        change(assigned, agent, "agent", "status", "open", status)
        status = "open"
    if replied is None:
        return events

    comment(replied, agent, "agent", True, "Thanks for reaching out; here is what to do.")
    end = resolved or replied
    if resolved != replied:
        change(replied, agent, "agent", "status", "pending", status)
        status = "pending"
    reopens = row["reopened_count"] or 0
    extra = rng.random() < EXTRA_EXCHANGE_SHARE and end > replied
    moments = iter(between(replied, end, 3 * reopens + 2 * extra + 1))
    for _ in range(reopens):
        solved_at, reopened_at, answered_at = next(moments), next(moments), next(moments)
        change(solved_at, agent, "agent", "status", "solved", status)
        comment(reopened_at, customer, "end-user", True, "This is happening again.")
        change(reopened_at, customer, "end-user", "status", "open", "solved")
        comment(answered_at, agent, "agent", True, "Reopened and fixed again.")
        change(answered_at, agent, "agent", "status", "pending", "open")
        status = "pending"
    if extra:
        asked_at, answered_at = next(moments), next(moments)
        comment(asked_at, customer, "end-user", True, "One more question.")
        change(asked_at, customer, "end-user", "status", "open", status)
        comment(answered_at, agent, "agent", True, "Here is the answer.")
        change(answered_at, agent, "agent", "status", "pending", "open")
        status = "pending"
    if rng.random() < INTERNAL_NOTE_SHARE:
        comment(next(moments), agent, "agent", False, "Internal: checked the logs.")
    if resolved is not None:
        change(resolved, agent, "agent", "status", "solved", status)
        if row["status"] == "Closed":
            closed = max(resolved, row["updated_at"] or resolved)
            change(closed, None, "system", "status", "closed", "solved")
    return events


def _merged_duplicate(row: dict, rng: np.random.Generator) -> list[dict]:
    """The customer's second copy of the request, a few minutes after the first, merged by
    the ticket's agent into the original and closed: an events-only ticket that is closed
    by a merge, not solved. Its events come after the original's creation and, when the
    original was answered, before the first reply, so the original's history is unchanged."""
    ticket, customer, agent = row["ticket_id"], row["customer_id"], row["agent_id"]
    created = row["created_at"]
    latest = row["first_response_at"] or row["updated_at"] or created + timedelta(hours=1)
    span = max((latest - created).total_seconds(), 2.0)
    duplicate_at = created + timedelta(seconds=int(span * rng.uniform(0.01, 0.4)))
    merged_at = duplicate_at + timedelta(
        seconds=max(int((latest - duplicate_at).total_seconds() * rng.uniform(0.1, 0.9)), 1)
    )
    duplicate = f"{ticket}-dup"
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    rows: list[tuple[datetime, str, str, dict[str, object]]] = [
        (duplicate_at, customer, "end-user", {"event_type": "Create", "field_name": "status",
                                              "value": "new"}),
        (duplicate_at, customer, "end-user", {"event_type": "Comment", "is_public": True,
                                              "body": row["subject"] or "(no subject)"}),
        (merged_at, agent, "agent", {"event_type": "Change", "field_name": "merged_into",
                                     "value": ticket}),
        (merged_at, agent, "agent", {"event_type": "Change", "field_name": "status",
                                     "value": "closed", "previous_value": "new"}),
    ]  # fmt: skip
    return [
        {
            "event_id": f"{duplicate}-{number:03d}",
            "ticket_id": duplicate,
            "created_at": at.strftime(stamp),
            "author_id": author,
            "author_role": role,
            **event,
        }
        for number, (at, author, role, event) in enumerate(rows, start=1)
    ]
