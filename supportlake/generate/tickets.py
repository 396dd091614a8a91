"""Synthetic helpdesk tickets: realistic enough to learn from, messy at documented rates.

Partition i is drawn from its own random stream, seeded from (seed, i), so partitions can be
built in any order by any number of processes and the files never depend on --workers. Rows are
drawn with numpy per partition and text is joined from phrase pools (phrases.py), which keeps
memory bounded by the partition size whatever --rows is. docs/generator.md describes the model.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from supportlake.console import progress_bar
from supportlake.generate import vocabulary as vocab
from supportlake.generate.jsonlines import write_json_lines
from supportlake.generate.phrases import (
    PhrasePool,
    calendar_tables,
    join_phrases,
    matrix_strings,
    number_matrix,
    timestamp_matrix,
    write_rows,
)
from supportlake.settings import PROJECT_ROOT
from supportlake.sources import TICKETS

SEEDS_DIR = PROJECT_ROOT / "seeds"
FORMATS = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}  # format -> file extension
# snappy: as fast as lz4 here, ~1.4x faster than zstd, and every parquet reader knows it.
PARQUET_COMPRESSION = "snappy"

# Tickets arrive over two calendar years; the export was taken at the end of the range, so the
# newest tickets are still open and no timestamp lies after it (except injected bad ones).
RANGE_START = np.datetime64("2024-01-01T00:00:00", "s")
EXPORTED_AT = np.datetime64("2026-01-01T00:00:00", "s")
# Ticket numbers are seed * 10**9 + row, so files made with different seeds never share ids.
MAX_ROWS = 999_999_999


@dataclass(frozen=True)
class MessRates:
    """How often each kind of bad data is injected; docs/generator.md gives each denominator."""

    category_case: float = 0.12  # of rows: '  TECHNICAL ', 'billing', '\tSecurity'
    missing_resolution: float = 0.10  # of Resolved/Closed rows: resolved_at and minutes blank
    duplicate: float = 0.02  # of tickets: a later re-export of the same ticket_id
    invalid_priority: float = 0.005  # of rows: 'P0', 'asap', 'n/a', ...
    negative_duration: float = 0.005  # of rows with a resolution: resolved before created
    csat_out_of_range: float = 0.005  # of rows: 0, 6, 10, -1, 99
    unparseable_timestamp: float = 0.005  # of rows: '31/02/2024 25:61', 'not a date', ...
    timestamp_variant: float = 0.03  # of rows: parseable but other ISO shapes (space, +00:00)
    missing_customer_id: float = 0.01  # of rows
    missing_ticket_id: float = 0.002  # of rows that are not half of a duplicate pair

    def __post_init__(self) -> None:
        for rate in fields(self):
            value = getattr(self, rate.name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"mess rate {rate.name} must be in [0, 1), got {value}")

    @classmethod
    def clean(cls) -> MessRates:
        """No injected mess: every row valid, no duplicates."""
        return cls(**{rate.name: 0.0 for rate in fields(cls)})


MESS_KINDS = tuple(rate.name for rate in fields(MessRates))


@dataclass
class GenerationSummary:
    """What one generation run wrote."""

    out_dir: Path
    tickets: int  # distinct tickets asked for (--rows)
    rows: int  # rows written per format, duplicates included
    duplicates: int
    files: list[Path]
    mess: dict[str, int]  # mess kind -> rows affected
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


# --- seeds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedTables:
    """The lookup seeds the generator must agree with (dbt reads the same files)."""

    first_response_target: np.ndarray  # minutes, indexed like vocab.PRIORITIES
    resolution_target: np.ndarray
    schedules: tuple[QueueSchedule, ...]  # indexed like vocab.QUEUES
    holiday_days: np.ndarray  # days since 1970-01-01 (seeds/holidays.csv)


@dataclass(frozen=True)
class ScheduleVersion:
    """One version of a schedule (seeds/schedules.csv rows sharing a valid_from)."""

    valid_from: int  # days since 1970-01-01
    time_zone: str
    opens_at: np.ndarray  # local minutes after midnight, [iso_weekday]; -1 = closed
    closes_at: np.ndarray
    observes_holidays: bool


@dataclass(frozen=True)
class QueueSchedule:
    """The schedule a queue works on (seeds/queue_schedules.csv), as dbt's
    int_schedule_windows reads it: versions, its own holidays."""

    name: str
    versions: tuple[ScheduleVersion, ...]  # by valid_from
    own_holidays: frozenset[int]  # days since 1970-01-01 (seeds/schedule_holidays.csv)


def load_seed_tables(seeds_dir: Path | None = None) -> SeedTables:
    """Read SLA targets, schedules, holidays; check categories and priorities match."""
    seeds_dir = seeds_dir or SEEDS_DIR
    sla = _read_seed(seeds_dir / "sla_targets.csv")
    _expect_keys(seeds_dir / "sla_targets.csv", "priority", sla, vocab.PRIORITIES)
    by_priority = {row["priority"]: (number, row) for number, row in sla}
    first_response = np.array(
        [
            _seed_int(
                seeds_dir / "sla_targets.csv", *by_priority[p], "first_response_target_minutes"
            )
            for p in vocab.PRIORITIES
        ]
    )
    resolution = np.array(
        [
            _seed_int(seeds_dir / "sla_targets.csv", *by_priority[p], "resolution_target_minutes")
            for p in vocab.PRIORITIES
        ]
    )
    taxonomy_path = seeds_dir / "category_taxonomy.csv"
    _expect_keys(taxonomy_path, "category", _read_seed(taxonomy_path), vocab.CATEGORIES)

    schedules = _load_schedules(seeds_dir)

    holidays_path = seeds_dir / "holidays.csv"
    holiday_days = []
    for number, row in _read_seed(holidays_path):
        try:
            holiday_days.append(np.datetime64(row["holiday_date"], "D").astype(np.int64))
        except ValueError:
            raise ValueError(
                f"{holidays_path}, row {number}, field holiday_date: "
                f"{row['holiday_date']!r} is not a YYYY-MM-DD date"
            ) from None
    return SeedTables(first_response, resolution, schedules, np.array(holiday_days, dtype=np.int64))


def _load_schedules(seeds_dir: Path) -> tuple[QueueSchedule, ...]:
    """Each generated queue's schedule: queue_schedules.csv names it, schedules.csv holds its
    local hours per version (IANA time zone), schedule_holidays.csv its own closed days."""
    mapping_path = seeds_dir / "queue_schedules.csv"
    mapping = _read_seed(mapping_path)
    _expect_keys(mapping_path, "queue", mapping, vocab.QUEUES)
    schedule_of = {row["queue"]: (number, row["schedule"]) for number, row in mapping}

    hours_path = seeds_dir / "schedules.csv"
    rows: dict[str, dict[int, list[tuple[int, dict[str, str]]]]] = {}
    for number, row in _read_seed(hours_path):
        valid_from = _seed_day(hours_path, number, row, "valid_from")
        rows.setdefault(row.get("schedule") or "", {}).setdefault(valid_from, []).append(
            (number, row)
        )
    own_holidays_path = seeds_dir / "schedule_holidays.csv"
    own_holidays: dict[str, set[int]] = {}
    if own_holidays_path.exists():
        for number, row in _read_seed(own_holidays_path):
            day = _seed_day(own_holidays_path, number, row, "holiday_date")
            own_holidays.setdefault(row.get("schedule") or "", set()).add(day)

    schedules = []
    for queue in vocab.QUEUES:
        number, name = schedule_of[queue]
        if name not in rows:
            raise ValueError(
                f"{mapping_path}, row {number}, field schedule: {name!r} has no rows in "
                f"{hours_path}"
            )
        versions = [
            _schedule_version(hours_path, valid_from, version_rows)
            for valid_from, version_rows in sorted(rows[name].items())
        ]
        schedules.append(
            QueueSchedule(name, tuple(versions), frozenset(own_holidays.get(name, set())))
        )
    return tuple(schedules)


def _schedule_version(
    path: Path, valid_from: int, rows: list[tuple[int, dict[str, str]]]
) -> ScheduleVersion:
    opens = np.full(8, -1, dtype=np.int64)
    closes = np.full(8, -1, dtype=np.int64)
    number, first = rows[0]
    time_zone = (first.get("time_zone") or "").strip()
    try:
        ZoneInfo(time_zone)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(
            f"{path}, row {number}, field time_zone: {time_zone!r} is not an IANA time zone"
        ) from None
    for number, row in rows:
        weekday = _seed_int(path, number, row, "iso_weekday")
        if not 1 <= weekday <= 7:
            raise ValueError(f"{path}, row {number}, field iso_weekday: {weekday} not 1-7")
        opens[weekday] = _seed_clock(path, number, row, "opens_at")
        closes[weekday] = _seed_clock(path, number, row, "closes_at")
    observes = (first.get("observes_holidays") or "").strip().lower() == "true"
    return ScheduleVersion(valid_from, time_zone, opens, closes, observes)


def _seed_day(path: Path, number: int, row: dict[str, str], column: str) -> int:
    try:
        return int(np.datetime64(row[column], "D").astype(np.int64))
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"{path}, row {number}, field {column}: {row.get(column)!r} is not a YYYY-MM-DD date"
        ) from None


def _read_seed(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a seed CSV with their line numbers (header is line 1)."""
    if not path.exists():
        raise FileNotFoundError(f"seed file {path} is missing")
    with path.open(newline="", encoding="utf-8") as handle:
        return [(number, row) for number, row in enumerate(csv.DictReader(handle), start=2)]


def _expect_keys(
    path: Path,
    column: str,
    rows: list[tuple[int, dict[str, str]]],
    expected: Sequence[str],
    unique: bool = True,
) -> None:
    found = [row.get(column) for _, row in rows]
    if None in found:
        raise ValueError(f"{path}: column {column!r} is missing")
    seen = cast(list[str], found)  # no None past the check above
    if unique and len(set(seen)) != len(seen):
        raise ValueError(f"{path}, field {column}: values repeat: {sorted(seen)}")
    unknown, missing = set(seen) - set(expected), set(expected) - set(seen)
    if unknown or missing:
        raise ValueError(
            f"{path}, field {column}: the generator knows {list(expected)}; "
            f"seed adds {sorted(unknown)} and lacks {sorted(missing)}"
        )


def _seed_int(path: Path, number: int, row: dict[str, str], column: str) -> int:
    try:
        return int(row[column])
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"{path}, row {number}, field {column}: {row.get(column)!r} is not a whole number"
        ) from None


def _seed_clock(path: Path, number: int, row: dict[str, str], column: str) -> int:
    try:
        hours, minutes = (int(part) for part in row[column].split(":"))
    except (KeyError, AttributeError, ValueError):
        hours, minutes = -1, -1
    if not (0 <= hours <= 24 and 0 <= minutes < 60 and hours * 60 + minutes <= 1440):
        raise ValueError(f"{path}, row {number}, field {column}: {row.get(column)!r} is not HH:MM")
    return hours * 60 + minutes


# --- the ticket model: distributions and phrase pools, fixed per (seed, rows) -------------------

N_CATEGORIES, N_PRIORITIES, N_CHANNELS = len(vocab.CATEGORIES), len(vocab.PRIORITIES), 5
N_PRODUCTS = len(vocab.PRODUCT_LINES)
URGENT, HIGH, MEDIUM, LOW = range(4)
OPEN, PENDING, RESOLVED, CLOSED = range(4)
GENERAL_QUEUE, TECHNICAL_QUEUE, BILLING_QUEUE, ENTERPRISE_QUEUE = range(4)
CATEGORY = {name: index for index, name in enumerate(vocab.CATEGORIES)}
PHONE, CHAT, SOCIAL = (vocab.CHANNELS.index(name) for name in ("Phone", "Chat", "Social"))

PRODUCT_WEIGHTS = np.array([0.25, 0.25, 0.20, 0.18, 0.12])
# P(category | product line), columns in vocab.CATEGORIES order.
CATEGORY_GIVEN_PRODUCT = np.array(
    [
        [0.14, 0.30, 0.10, 0.12, 0.09, 0.08, 0.05, 0.12],  # Ledgerly: invoicing, so billing
        [0.20, 0.10, 0.12, 0.15, 0.12, 0.16, 0.05, 0.10],  # Helix CRM: integrations
        [0.28, 0.10, 0.12, 0.14, 0.08, 0.07, 0.09, 0.12],  # Nimbus Drive: sync trouble
        [0.22, 0.08, 0.08, 0.18, 0.14, 0.15, 0.04, 0.11],  # Pulse Analytics
        [0.30, 0.07, 0.12, 0.20, 0.11, 0.05, 0.05, 0.10],  # Beacon Mobile: crashes, bugs
    ]
)
# P(priority | category), columns Urgent, High, Medium, Low.
PRIORITY_GIVEN_CATEGORY = np.array(
    [
        [0.12, 0.30, 0.40, 0.18],  # Technical
        [0.04, 0.20, 0.46, 0.30],  # Billing
        [0.06, 0.24, 0.45, 0.25],  # Account
        [0.07, 0.26, 0.44, 0.23],  # Bug Report
        [0.01, 0.05, 0.30, 0.64],  # Feature Request
        [0.08, 0.28, 0.42, 0.22],  # Integration
        [0.35, 0.35, 0.20, 0.10],  # Security
        [0.01, 0.07, 0.37, 0.55],  # General Inquiry
    ]
)
INCIDENT_PRIORITY = np.array([0.40, 0.40, 0.15, 0.05])
# P(channel | priority), columns Email, Chat, Phone, Web Form, Social: urgent callers phone.
CHANNEL_GIVEN_PRIORITY = np.array(
    [
        [0.25, 0.25, 0.35, 0.10, 0.05],
        [0.33, 0.27, 0.18, 0.15, 0.07],
        [0.38, 0.24, 0.08, 0.22, 0.08],
        [0.40, 0.18, 0.04, 0.28, 0.10],
    ]
)
# Median minutes of agent work before a first response and to resolution, by priority; the
# multipliers make some categories and channels slower (feature requests wait, phones answer).
FIRST_RESPONSE_MEDIAN = np.array([8.0, 20.0, 60.0, 150.0])
CHANNEL_RESPONSE_FACTOR = np.array([1.0, 0.3, 0.2, 1.1, 0.8])
CATEGORY_RESPONSE_FACTOR = np.array([1.0, 1.2, 0.9, 1.1, 1.6, 1.0, 0.5, 1.3])  # Security first
RESOLUTION_MEDIAN = np.array([70.0, 140.0, 420.0, 850.0])
CATEGORY_RESOLUTION_FACTOR = np.array([1.0, 0.7, 0.5, 1.6, 2.5, 1.4, 1.1, 0.5])
ESCALATION_PROBABILITY = np.array([0.30, 0.15, 0.07, 0.03])
REOPENED_PROBABILITY = np.array([0.88, 0.09, 0.025, 0.005])
# Agents per queue: General, Technical, Billing, Enterprise.
AGENTS_PER_QUEUE = np.array([25, 30, 15, 10])
# Relative ticket volume by UTC hour on weekdays and weekends, and by ISO weekday (Mon=1).
WEEKDAY_HOURS = np.array(
    [0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.45, 0.80, 1.30, 1.70, 1.80, 1.70,
     1.40, 1.55, 1.65, 1.55, 1.35, 1.05, 0.75, 0.55, 0.45, 0.38, 0.30, 0.22]
)  # fmt: skip
WEEKEND_HOURS = np.array(
    [0.25, 0.20, 0.15, 0.15, 0.15, 0.20, 0.30, 0.45, 0.65, 0.85, 0.95, 1.00,
     1.00, 0.95, 0.95, 0.90, 0.85, 0.80, 0.75, 0.70, 0.60, 0.50, 0.40, 0.30]
)  # fmt: skip
WEEKDAY_VOLUME = np.array([0.0, 1.15, 1.05, 1.00, 0.98, 0.90, 0.32, 0.28])
HOLIDAY_VOLUME = 0.35
INCIDENT_DAY_PROBABILITY = 0.012  # days with an outage: a spike of urgent technical tickets
# Customers: Zipf-Mandelbrot ranks, p(k) ~ (k + q)^-s, one customer per 4 tickets on average.
ZIPF_EXPONENT, ZIPF_OFFSET, TICKETS_PER_CUSTOMER = 1.1, 30.0, 4


@dataclass
class TicketModel:
    """Everything a partition needs that depends only on (seed, rows): built once per process."""

    seed: int
    total_rows: int
    seeds: SeedTables
    hour_cdf: np.ndarray  # cumulative share of tickets up to the end of each hour of the range
    hour_share: np.ndarray
    incident_days: np.ndarray  # bool per day of the range
    first_day: int  # days since 1970-01-01 of the range's first day
    # Each queue's opening windows over the range + 8 days, UTC epoch seconds, in time order.
    window_starts: tuple[np.ndarray, ...]
    window_ends: tuple[np.ndarray, ...]
    customers: int
    customer_multiplier: int
    customer_shift: int
    customer_digits: int
    pools: dict[str, PhrasePool] = field(default_factory=dict)


def build_model(seed: int, total_rows: int) -> TicketModel:
    """Arrival curve, customer mapping and phrase pools for one (seed, rows) pair."""
    return _build_model(seed, total_rows, SEEDS_DIR)


@lru_cache(maxsize=4)
def _build_model(seed: int, total_rows: int, seeds_dir: Path) -> TicketModel:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    seeds = load_seed_tables(seeds_dir)
    hours = int((EXPORTED_AT - RANGE_START) // np.timedelta64(1, "h"))
    days = hours // 24
    first_day = RANGE_START.astype("datetime64[D]").astype(np.int64)
    day_number = first_day + np.arange(days)
    iso_weekday = (day_number + 3) % 7 + 1  # 1970-01-01 was a Thursday
    weekend = iso_weekday >= 6
    daily = WEEKDAY_VOLUME[iso_weekday] * rng.lognormal(0.0, 0.12, days)
    daily = daily * (1.0 + 0.35 * np.arange(days) / days)  # the customer base grows
    daily[np.isin(day_number, seeds.holiday_days)] *= HOLIDAY_VOLUME
    incident_days = rng.random(days) < INCIDENT_DAY_PROBABILITY
    hourly = np.where(weekend[:, None], WEEKEND_HOURS, WEEKDAY_HOURS) * daily[:, None]
    hourly[incident_days, 9:18] *= 2.5
    share = hourly.ravel() / hourly.sum()
    cdf = np.cumsum(share)
    cdf[-1] = 1.0

    window_starts, window_ends = _opening_windows(seeds, first_day + np.arange(days + 8))
    customers = max(50, total_rows // TICKETS_PER_CUSTOMER)
    multiplier = 2_654_435_761 % customers or 1
    while np.gcd(multiplier, customers) != 1:
        multiplier += 1
    model = TicketModel(
        seed=seed,
        total_rows=total_rows,
        seeds=seeds,
        hour_cdf=cdf,
        hour_share=share,
        incident_days=incident_days,
        first_day=int(first_day),
        window_starts=window_starts,
        window_ends=window_ends,
        customers=customers,
        customer_multiplier=multiplier,
        customer_shift=int(rng.integers(customers)),
        customer_digits=max(7, len(str(customers))),
    )
    _add_pools(model)
    return model


def _add_pools(model: TicketModel) -> None:
    """Phrase pools. Adjacent message pieces are pre-combined (head + object, context + detail,
    cue + closing), so a message is joined from four pieces instead of eight."""
    products = vocab.PRODUCT_LINES
    questions = ("How ", "Where ", "Is ", "Can ", "Could ", "What ", "Do ", "Who ", "Any ")
    objects: dict[str, list[Sequence[str]]] = {
        "feature": [vocab.PRODUCT_FEATURES[p] for p in products],
        "plan": [[t.format(product=p) for t in vocab.PLAN_TEMPLATES] for p in products],
        "workspace": [[t.format(product=p) for t in vocab.WORKSPACE_TEMPLATES] for p in products],
    }
    sentences = [  # group: head category * N_PRODUCTS + product
        [
            f"{head}{thing}{'? ' if head.startswith(questions) else '. '}"
            for head in vocab.MESSAGE_HEADS[category]
            for thing in objects[vocab.OBJECT_KIND[category]][product]
        ]
        for category in vocab.CATEGORIES
        for product in range(N_PRODUCTS)
    ]
    contexts = [
        [f"We use {p} every day. ", f"We rely on {p} for the whole team. ",
         f"I'm on the latest version of {p}. ", f"We moved to {p} last year. ", "", "", ""]
        for p in products
    ]  # fmt: skip
    details = [vocab.DETAILS[c] for c in vocab.CATEGORIES] + [vocab.SHARED_DETAILS]
    cues = [vocab.URGENCY_CUES[p] for p in vocab.PRIORITIES] + [[""]]
    closings = [vocab.CLOSINGS, vocab.CHAT_CLOSINGS]
    suffixes = [
        [f" - {p}", f" in {p}", f" ({vocab.PRODUCT_FEATURES[p][0]})", "", "", ""] for p in products
    ]
    agents = [f"AGT-{number:04d}" for number in range(1, int(AGENTS_PER_QUEUE.sum()) + 1)]
    model.pools = {
        "greeting": PhrasePool([vocab.GREETINGS, [""]]),
        "sentence": PhrasePool(sentences),
        "body": PhrasePool(_combine(contexts, details)),  # product * len(details) + topic
        "sign_off": PhrasePool(_combine(cues, closings)),  # cue * 2 + chatty
        "prefix": PhrasePool([vocab.SUBJECT_PREFIXES[p] for p in vocab.PRIORITIES] + [[""]]),
        "subject": PhrasePool(
            [vocab.SUBJECT_HEADS[c] for c in vocab.CATEGORIES] + [vocab.GENERIC_SUBJECTS]
        ),
        "suffix": PhrasePool(suffixes),
        # labels; groups of one, mess spellings after the canonical one
        "status": PhrasePool([[s] for s in vocab.STATUSES]),
        "priority": PhrasePool([[p] for p in vocab.PRIORITIES] + [vocab.INVALID_PRIORITIES]),
        "category": PhrasePool([[c, *vocab.category_variants(c)] for c in vocab.CATEGORIES]),
        "channel": PhrasePool([[c] for c in vocab.CHANNELS]),
        "queue": PhrasePool([[q] for q in vocab.QUEUES]),
        "product": PhrasePool([[p] for p in products]),
        "agent": PhrasePool([agents]),
        "bad_timestamp": PhrasePool([vocab.UNPARSEABLE_TIMESTAMPS]),
    }


def _combine(left: Sequence[Sequence[str]], right: Sequence[Sequence[str]]) -> list[list[str]]:
    """Group i * len(right) + j holds every left[i] string followed by every right[j] string."""
    return [[a + b for a in first for b in second] for first in left for second in right]


# --- one partition -------------------------------------------------------------------------------


@dataclass
class PartitionStats:
    index: int
    tickets: int
    rows: int
    duplicates: int
    mess: dict[str, int]
    files: list[Path] = field(default_factory=list)


def build_partition(
    model: TicketModel, index: int, first_row: int, count: int, mess: MessRates
) -> tuple[pa.Table, PartitionStats]:
    """Tickets first_row .. first_row + count - 1 (plus injected duplicates) as an Arrow table."""
    rng = np.random.default_rng(np.random.SeedSequence(model.seed, spawn_key=(1, index)))
    base = _draw_tickets(model, rng, first_row, count)
    # Text is drawn per ticket, so a re-export repeats its original's subject and message.
    text = {
        "subject": _subject_pieces(model, base, rng),
        "message": _message_pieces(model, base, rng),
    }
    order, is_copy, has_copy = _interleave_duplicates(base, rng, mess.duplicate)
    rows = {name: values[order] for name, values in base.items()}
    texts = {
        name: join_phrases([(pool, indices[order]) for pool, indices in pieces])
        for name, pieces in text.items()
    }
    _snapshot_originals(rows, rng, has_copy[order] & ~is_copy)
    # Its own stream, so adding updated_at left every other generated value as it was.
    update_rng = np.random.default_rng(np.random.SeedSequence(model.seed, spawn_key=(2, index)))
    rows["updated"] = _last_change(rows, is_copy, update_rng)
    counts = {kind: 0 for kind in MESS_KINDS}
    counts["duplicate"] = int(is_copy.sum())
    table = _render(model, rows, texts, rng, mess, counts, in_pair=has_copy[order])
    stats = PartitionStats(index, count, table.num_rows, counts["duplicate"], counts)
    return table, stats


def _draw_tickets(
    model: TicketModel, rng: np.random.Generator, first_row: int, count: int
) -> dict[str, np.ndarray]:
    """The true state of each ticket at export time (before any mess)."""
    seeds = model.seeds
    row = first_row + np.arange(count, dtype=np.int64)

    # Arrivals: invert the cumulative hourly curve at evenly spread quantiles, so row order is
    # time order across partitions and hour/weekday patterns hold exactly in expectation.
    quantile = (row + rng.random(count)) / model.total_rows
    hour = np.minimum(
        np.searchsorted(model.hour_cdf, quantile, side="right"), len(model.hour_cdf) - 1
    )
    before = np.where(hour > 0, model.hour_cdf[hour - 1], 0.0)
    within = np.clip((quantile - before) / model.hour_share[hour], 0.0, 0.999999)
    start = RANGE_START.astype(np.int64)
    created = start + ((hour + within) * 3600).astype(np.int64)
    incident = model.incident_days[hour // 24]

    # Customers: a few file many tickets, most file one or two.
    exponent = 1.0 - ZIPF_EXPONENT
    low = (1.0 + ZIPF_OFFSET) ** exponent
    high = (model.customers + 1.0 + ZIPF_OFFSET) ** exponent
    rank = (low - rng.random(count) * (low - high)) ** (1.0 / exponent) - ZIPF_OFFSET
    rank = np.clip(rank.astype(np.int64) - 1, 0, model.customers - 1)
    customer = (rank * model.customer_multiplier + model.customer_shift) % model.customers
    enterprise = customer % 10 == 0
    home_product = _pick(np.cumsum(PRODUCT_WEIGHTS), (customer * 0.6180339887) % 1.0)
    product = np.where(
        rng.random(count) < 0.8, home_product, _pick(np.cumsum(PRODUCT_WEIGHTS), rng.random(count))
    )

    category = _pick_rows(CATEGORY_GIVEN_PRODUCT, product, rng)
    priority = _pick_rows(PRIORITY_GIVEN_CATEGORY, category, rng)
    outage = incident & (rng.random(count) < 0.4)
    category[outage] = CATEGORY["Technical"]
    priority[outage] = _pick(np.cumsum(INCIDENT_PRIORITY), rng.random(int(outage.sum())))
    channel = _pick_rows(CHANNEL_GIVEN_PRIORITY, priority, rng)

    queue = np.full(count, GENERAL_QUEUE)
    technical = np.isin(
        category, [CATEGORY[c] for c in ("Technical", "Bug Report", "Integration", "Security")]
    )
    queue[technical] = TECHNICAL_QUEUE
    queue[category == CATEGORY["Billing"]] = BILLING_QUEUE
    queue[enterprise] = ENTERPRISE_QUEUE
    first_agent = np.concatenate(([0], np.cumsum(AGENTS_PER_QUEUE)[:-1]))
    agent = first_agent[queue] + (AGENTS_PER_QUEUE[queue] * rng.random(count) ** 1.3).astype(
        np.int64
    )

    escalation = ESCALATION_PROBABILITY[priority] + 0.15 * (category == CATEGORY["Security"])
    escalated = rng.random(count) < escalation + 0.05 * enterprise
    reopened = _pick(np.cumsum(REOPENED_PROBABILITY), rng.random(count))

    # Work starts when the queue opens, except for urgent tickets (on call) and Enterprise (24/7).
    waits = (priority != URGENT) & (queue != ENTERPRISE_QUEUE)
    work_starts = created.copy()
    work_starts[waits] = _next_open(model, created[waits], queue[waits])
    response_work = rng.lognormal(
        np.log(
            FIRST_RESPONSE_MEDIAN[priority]
            * CHANNEL_RESPONSE_FACTOR[channel]
            * CATEGORY_RESPONSE_FACTOR[category]
        ),
        0.9,
    )
    first_response = work_starts + (response_work * 60).astype(np.int64) + 30
    resolution_work = rng.lognormal(
        np.log(RESOLUTION_MEDIAN[priority] * CATEGORY_RESOLUTION_FACTOR[category]), 0.9
    )
    resolution_work *= np.where(escalated, 1.8, 1.0) * (1.0 + 0.7 * reopened)
    resolved = first_response + (resolution_work * 60).astype(np.int64)

    # Status at export: recent tickets are still in the backlog; a few wait on the customer.
    exported = EXPORTED_AT.astype(np.int64)
    age_days = (exported - created) / 86_400
    backlog = rng.random(count) < 0.6 * np.exp(-age_days / 5.0)
    waiting_on_customer = rng.random(count) < 0.03
    forgotten = rng.random(count) < 0.005  # never picked up: old Open tickets exist too
    unresolved = (resolved > exported) | backlog | waiting_on_customer | forgotten
    answered = (first_response <= exported) & ~forgotten
    status = np.where(answered, PENDING, OPEN)
    recently = (exported - resolved) < 3 * 86_400
    closed = ~recently & (rng.random(count) < 0.9)
    status = np.where(unresolved, status, np.where(closed, CLOSED, RESOLVED))
    is_resolved = ~unresolved

    resolution_minutes = np.round((resolved - created) / 60).astype(np.int64)
    # The SLA clock runs from when the queue could work on the ticket (its business hours), so
    # a Friday-evening Low ticket answered on Monday morning is on time, as helpdesks count it.
    response_clock = (first_response - work_starts) / 60
    resolution_clock = (resolved - work_starts) / 60
    open_clock = np.maximum(exported - work_starts, 0) / 60
    response_target = seeds.first_response_target[priority]
    resolution_target = seeds.resolution_target[priority]
    response_breach = np.where(answered, response_clock, open_clock) > response_target
    resolution_breach = np.where(is_resolved, resolution_clock, open_clock) > resolution_target
    sla_breach = response_breach | resolution_breach

    # CSAT: unhappy customers answer surveys more often; slow, escalated, reopened hurt.
    slowness = np.log2(np.maximum(resolution_clock, 1) / resolution_target)
    score = (
        4.4
        - 0.9 * np.maximum(slowness, 0.0)
        - 0.8 * escalated
        - 0.6 * reopened
        - 0.5 * sla_breach
        + rng.normal(0.0, 0.8, count)
    )
    has_score = is_resolved & (rng.random(count) < 0.45 + 0.10 * sla_breach)

    return {
        "row": row,
        "customer": customer,
        "created": created,
        "first_response": first_response,
        "has_first_response": status != OPEN,
        "resolved": resolved,
        "has_resolution": is_resolved,
        "status": status,
        "priority": priority,
        "category": category,
        "channel": channel,
        "queue": queue,
        "product": product,
        "agent": agent,
        "escalated": escalated,
        "score": np.clip(np.round(score), 1, 5).astype(np.int64),
        "has_score": has_score,
        "sla_breach": sla_breach,
        "response_breach": response_breach,
        "reopened": reopened,
        "resolution_minutes": resolution_minutes,
    }


def _interleave_duplicates(
    base: dict[str, np.ndarray], rng: np.random.Generator, rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order with re-exports placed a few hundred rows after their originals."""
    count = len(base["row"])
    eligible = base["status"] != OPEN
    share = eligible.mean() if count else 0.0
    picked = eligible & (rng.random(count) < (min(1.0, rate / share) if share else 0.0))
    copies = np.flatnonzero(picked)
    lag = rng.geometric(1 / 400, len(copies))
    keys = np.concatenate((np.arange(count, dtype=np.float64), copies + lag + 0.5))
    order = np.argsort(keys, kind="stable")
    source = np.concatenate((np.arange(count), copies))[order]
    is_copy = np.concatenate((np.zeros(count, dtype=bool), np.ones(len(copies), dtype=bool)))
    return source, is_copy[order], picked


def _snapshot_originals(rows: dict[str, np.ndarray], rng: np.random.Generator, first: np.ndarray):
    """The first export of a re-exported ticket shows it earlier: not yet answered or resolved."""
    final = rows["status"]
    was_open = first & (final == PENDING)
    rows["status"] = np.where(was_open, OPEN, final)
    rows["has_first_response"] = rows["has_first_response"] & ~was_open
    settled = first & (final >= RESOLVED)
    to_pending = settled & ((final == RESOLVED) | (rng.random(len(final)) < 0.7))
    rows["status"] = np.where(to_pending, PENDING, np.where(settled, RESOLVED, rows["status"]))
    rows["has_resolution"] = rows["has_resolution"] & ~to_pending
    rows["has_score"] = rows["has_score"] & ~settled
    rows["reopened"] = np.where(settled, 0, rows["reopened"])
    rows["sla_breach"] = np.where(first, rows["response_breach"], rows["sla_breach"])


def _last_change(
    rows: dict[str, np.ndarray], is_copy: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """updated_at: the last event a row shows (created, answered, resolved). A re-export shows
    a change after its original (closed, rated, reopened), so it moves on by 1 minute to 3 days,
    never past the export: the pipeline keeps the copy with the latest updated_at."""
    last = rows["created"]
    last = np.where(rows["has_first_response"], np.maximum(last, rows["first_response"]), last)
    last = np.where(rows["has_resolution"], np.maximum(last, rows["resolved"]), last)
    later = np.minimum(last + rng.integers(60, 3 * 86_400, len(last)), EXPORTED_AT.astype(np.int64))
    return np.where(is_copy, later, last)


def _render(
    model: TicketModel,
    rows: dict[str, np.ndarray],
    texts: dict[str, pa.StringArray],
    rng: np.random.Generator,
    mess: MessRates,
    counts: dict[str, int],
    in_pair: np.ndarray,
) -> pa.Table:
    """Text and typed columns in TICKETS.columns order, with the row-level mess applied."""
    pools = model.pools
    count = len(rows["row"])

    def hit(rate: float, candidates: np.ndarray | None = None, kind: str = "") -> np.ndarray:
        chosen = rng.random(count) < rate
        if candidates is not None:
            chosen &= candidates
        counts[kind] += int(chosen.sum())
        return chosen

    has_resolution = rows["has_resolution"].copy()
    has_resolution &= ~hit(mess.missing_resolution, has_resolution, "missing_resolution")
    minutes = rows["resolution_minutes"].copy()
    resolved = rows["resolved"].copy()
    negative = hit(mess.negative_duration, has_resolution, "negative_duration")
    minutes[negative] = -np.maximum(minutes[negative], 1)
    resolved[negative] = rows["created"][negative] + minutes[negative] * 60

    priority = pools["priority"].first(rows["priority"])
    bad_priority = hit(mess.invalid_priority, kind="invalid_priority")
    priority[bad_priority] = pools["priority"].draw(rng, np.full(bad_priority.sum(), N_PRIORITIES))

    category = pools["category"].first(rows["category"])
    recased = hit(mess.category_case, kind="category_case")
    variants = pools["category"].sizes[rows["category"][recased]] - 1
    category[recased] += 1 + (rng.random(len(variants)) * variants).astype(np.int64)

    score, has_score = rows["score"].copy(), rows["has_score"].copy()
    bad_score = hit(mess.csat_out_of_range, kind="csat_out_of_range")
    score[bad_score] = rng.choice(vocab.OUT_OF_RANGE_SCORES, int(bad_score.sum()))
    has_score |= bad_score

    stamps = [
        (timestamp_matrix(rows["created"], 25), None),
        (timestamp_matrix(rows["first_response"], 25), rows["has_first_response"]),
        (timestamp_matrix(resolved, 25), has_resolution),
    ]
    variant_rows = hit(mess.timestamp_variant, kind="timestamp_variant")
    shape = rng.integers(0, 3, count)
    for matrix, _ in stamps:
        spaced = variant_rows & (shape == 0)  # '2024-03-05 14:22:10', as spreadsheets export
        matrix[spaced, 10] = ord(" ")
        matrix[spaced, 19] = 0
        matrix[variant_rows & (shape == 1), 19:25] = np.frombuffer(b"+00:00", dtype=np.uint8)
        matrix[variant_rows & (shape == 2), 19:24] = np.frombuffer(b".000Z", dtype=np.uint8)
    garbled = hit(mess.unparseable_timestamp, kind="unparseable_timestamp")
    which = _pick(np.array([0.5, 0.75, 1.0]), rng.random(count))
    bad_pool = pools["bad_timestamp"]
    stamp_valid = []
    for column, (matrix, valid) in enumerate(stamps):
        target = np.flatnonzero(garbled & (which == column))
        write_rows(matrix, target, bad_pool, bad_pool.draw(rng, np.zeros(len(target), np.int64)))
        if valid is not None:
            valid = valid.copy()
            valid[target] = True
        stamp_valid.append(valid)

    customer_valid = ~hit(mess.missing_customer_id, kind="missing_customer_id")
    ticket_valid = ~hit(mess.missing_ticket_id, ~in_pair, "missing_ticket_id")
    ticket_number = model.seed * (MAX_ROWS + 1) + rows["row"] + 1
    ticket_digits = max(10, len(str(int(ticket_number.max())))) if count else 10

    columns = {
        "ticket_id": matrix_strings(
            number_matrix("TKT-", ticket_number, ticket_digits), ticket_valid, fixed_width=True
        ),
        "customer_id": matrix_strings(
            number_matrix("CUST-", rows["customer"] + 1, model.customer_digits),
            customer_valid,
            fixed_width=True,
        ),
        "created_at": matrix_strings(stamps[0][0]),
        "first_response_at": matrix_strings(stamps[1][0], stamp_valid[1]),
        "resolved_at": matrix_strings(stamps[2][0], stamp_valid[2]),
        "updated_at": matrix_strings(timestamp_matrix(rows["updated"]), fixed_width=True),
        "status": pools["status"].dictionary(rows["status"]),
        "priority": pools["priority"].dictionary(priority),
        "category": pools["category"].dictionary(category),
        "channel": pools["channel"].dictionary(rows["channel"]),
        "queue": pools["queue"].dictionary(rows["queue"]),
        "product_line": pools["product"].dictionary(rows["product"]),
        "agent_id": pools["agent"].dictionary(rows["agent"], rows["has_first_response"]),
        "subject": texts["subject"],
        "message": texts["message"],
        "escalated": pa.array(rows["escalated"], type=pa.bool_()),
        "satisfaction_score": pa.array(score, type=pa.int16(), mask=~has_score),
        "sla_breach": pa.array(rows["sla_breach"], type=pa.bool_()),
        "reopened_count": pa.array(rows["reopened"], type=pa.int16()),
        "resolution_minutes": pa.array(minutes, type=pa.int32(), mask=~has_resolution),
    }
    return pa.table([columns[name] for name in TICKETS.columns], names=list(TICKETS.columns))


def _subject_pieces(
    model: TicketModel, rows: dict[str, np.ndarray], rng: np.random.Generator
) -> list[tuple[PhrasePool, np.ndarray]]:
    pools, count = model.pools, len(rows["row"])
    cue = _cue_priority(rows["priority"], rng)
    shown = rng.random(count) < np.array([0.5, 0.3, 0.15, 0.15, 0.0])[cue]
    prefix = pools["prefix"].draw(rng, np.where(shown, cue, N_PRIORITIES))
    draw = rng.random(count)
    topic = np.where(draw < 0.6, rows["category"], _confusable(rows["category"], rng))
    topic = np.where(draw >= 0.8, N_CATEGORIES, topic)  # generic: 'Help', 'Issue', ...
    return [
        (pools["prefix"], prefix),
        (pools["subject"], pools["subject"].draw(rng, topic)),
        (pools["suffix"], pools["suffix"].draw(rng, rows["product"])),
    ]


def _message_pieces(
    model: TicketModel, rows: dict[str, np.ndarray], rng: np.random.Generator
) -> list[tuple[PhrasePool, np.ndarray]]:
    pools, count = model.pools, len(rows["row"])
    category, product, channel = rows["category"], rows["product"], rows["channel"]
    chatty = ((channel == CHAT) | (channel == SOCIAL)).astype(np.int64)
    greets = rng.random(count) < np.where(chatty, 0.3, 0.9)
    head_topic = np.where(rng.random(count) < 0.78, category, _confusable(category, rng))
    draw = rng.random(count)
    detail_topic = np.where(draw < 0.45, category, N_CATEGORIES)  # N_CATEGORIES = shared
    detail_topic = np.where(draw >= 0.85, rng.integers(0, N_CATEGORIES, count), detail_topic)
    cue = _cue_priority(rows["priority"], rng)
    groups = {
        "greeting": np.where(greets, 0, 1),
        "sentence": head_topic * N_PRODUCTS + product,
        "body": product * (N_CATEGORIES + 1) + detail_topic,
        "sign_off": cue * 2 + chatty,
    }
    return [(pools[name], pools[name].draw(rng, group)) for name, group in groups.items()]


def _cue_priority(priority: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which priority's cues a ticket carries: mostly its own, sometimes a neighbour's, none,
    or (misleadingly) the opposite end. N_PRIORITIES means no cue."""
    count = len(priority)
    draw = rng.random(count)
    step = np.where(rng.random(count) < 0.5, -1, 1)
    neighbour = np.clip(priority + step, 0, N_PRIORITIES - 1)
    opposite = N_PRIORITIES - 1 - priority
    cue = np.where(draw < 0.60, priority, neighbour)
    cue = np.where(draw >= 0.75, N_PRIORITIES, cue)
    return np.where(draw >= 0.95, opposite, cue)


@lru_cache(maxsize=1)
def _confusable_table() -> tuple[np.ndarray, np.ndarray]:
    width = max(len(v) for v in vocab.CONFUSABLE.values())
    table = np.zeros((N_CATEGORIES, width), dtype=np.int64)
    sizes = np.zeros(N_CATEGORIES, dtype=np.int64)
    for name, others in vocab.CONFUSABLE.items():
        table[CATEGORY[name], : len(others)] = [CATEGORY[other] for other in others]
        sizes[CATEGORY[name]] = len(others)
    return table, sizes


def _confusable(category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    table, sizes = _confusable_table()
    pick = (rng.random(len(category)) * sizes[category]).astype(np.int64)
    return table[category, pick]


def _pick(cumulative: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Inverse CDF on one cumulative distribution."""
    return np.minimum(np.searchsorted(cumulative, draws, side="right"), len(cumulative) - 1)


def _pick_rows(probabilities: np.ndarray, keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from the distribution in row `keys[i]` of `probabilities`."""
    rows, choices = probabilities.shape
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    # Row k's distribution shifted to [k, k + 1]: one searchsorted serves every row at once.
    stacked = (cumulative + np.arange(rows)[:, None]).ravel()
    draws = rng.random(len(keys)) + keys
    picked = np.searchsorted(stacked, draws, side="right") - keys * choices
    return np.minimum(picked, choices - 1)


def _next_open(model: TicketModel, created: np.ndarray, queue: np.ndarray) -> np.ndarray:
    """When each ticket's queue is next open (itself if open now): the first opening window
    that ends after it, within 8 days (else the ticket's own time)."""
    starts = created.copy()
    for number in range(len(model.window_starts)):
        mine = np.flatnonzero(queue == number)
        window_starts, window_ends = model.window_starts[number], model.window_ends[number]
        found = np.searchsorted(window_ends, created[mine], side="right")
        inside = found < len(window_ends)
        opens = np.maximum(window_starts[np.minimum(found, len(window_ends) - 1)], created[mine])
        soon = inside & (opens - created[mine] < 8 * 86_400)
        starts[mine[soon]] = opens[soon]
    return starts


def _opening_windows(
    seeds: SeedTables, days: np.ndarray
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Each queue's opening windows on `days` (local dates) in UTC epoch seconds, the way
    dbt's int_schedule_windows builds them: the version valid that day, its local hours in
    its IANA time zone (daylight saving included; a window may cross UTC midnight), closed
    on holidays it observes and on its own."""
    shared_holidays = set(seeds.holiday_days.tolist())
    all_starts, all_ends = [], []
    for schedule in seeds.schedules:
        starts, ends = [], []
        for day in days.tolist():
            version = _version_on(schedule, day)
            if version is None or day in schedule.own_holidays:
                continue
            if version.observes_holidays and day in shared_holidays:
                continue
            weekday = (day + 3) % 7 + 1  # 1970-01-01 was a Thursday
            opens, closes = int(version.opens_at[weekday]), int(version.closes_at[weekday])
            if opens < 0 or closes <= opens:
                continue
            midnight = datetime(1970, 1, 1, tzinfo=ZoneInfo(version.time_zone)) + timedelta(
                days=day
            )
            # Wall-clock arithmetic on the local day, then its UTC instant (24:00 = next midnight).
            starts.append(int((midnight + timedelta(minutes=opens)).timestamp()))
            ends.append(int((midnight + timedelta(minutes=closes)).timestamp()))
        all_starts.append(np.array(starts, dtype=np.int64))
        all_ends.append(np.array(ends, dtype=np.int64))
    return tuple(all_starts), tuple(all_ends)


def _version_on(schedule: QueueSchedule, day: int) -> ScheduleVersion | None:
    valid = [version for version in schedule.versions if version.valid_from <= day]
    return valid[-1] if valid else None


# --- writing -------------------------------------------------------------------------------------


def partition_name(seed: int, index: int, file_format: str) -> str:
    return f"tickets-{seed}-part-{index:05d}.{FORMATS[file_format]}"


@dataclass(frozen=True)
class PartitionJob:
    out_dir: Path
    seed: int
    total_rows: int
    index: int
    first_row: int
    count: int
    formats: tuple[str, ...]
    mess: MessRates


def plan_partitions(
    out_dir: Path,
    seed: int,
    rows: int,
    rows_per_partition: int,
    formats: tuple[str, ...],
    mess: MessRates,
) -> list[PartitionJob]:
    """One job per `rows_per_partition` tickets; partition i is the same whoever writes it
    (a worker process here, or a Dask worker of flows/parallel.py)."""
    return [
        PartitionJob(out_dir, seed, rows, index, first, min(rows_per_partition, rows - first),
                     formats, mess)
        for index, first in enumerate(range(0, rows, rows_per_partition))
    ]  # fmt: skip


def write_partition(job: PartitionJob) -> PartitionStats:
    """Build one partition and write it in each format (atomically: temp file, then rename)."""
    model = build_model(job.seed, job.total_rows)
    table, stats = build_partition(model, job.index, job.first_row, job.count, job.mess)
    for file_format in job.formats:
        path = job.out_dir / partition_name(job.seed, job.index, file_format)
        temporary = path.with_name(f".{path.name}.tmp")
        _WRITERS[file_format](table, temporary)
        os.replace(temporary, path)
        stats.files.append(path)
    return stats


def _write_parquet(table: pa.Table, path: Path) -> None:
    # Labels arrive as dictionary arrays and stay dictionary-encoded; without the stored Arrow
    # schema, readers see them as plain strings, like the rest of the text.
    # Statistics only for typed columns: min/max of free text helps no reader and costs time.
    dictionary = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    typed = [f.name for f in table.schema if not _is_text(f.type)]
    pq.write_table(
        table,
        path,
        compression=PARQUET_COMPRESSION,
        use_dictionary=dictionary,
        write_statistics=typed,
        store_schema=False,
    )


def _is_text(arrow_type: pa.DataType) -> bool:
    return pa.types.is_string(arrow_type) or pa.types.is_dictionary(arrow_type)


def _write_csv(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, path)


_WRITERS = {"parquet": _write_parquet, "csv": _write_csv, "json": write_json_lines}


# --- the run -------------------------------------------------------------------------------------


def parse_formats(values: Iterable[str]) -> tuple[str, ...]:
    """'parquet', 'csv,json' or several values -> known formats in order, without repeats."""
    chosen: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in FORMATS:
                raise ValueError(f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise ValueError(f"no format given; choose from {', '.join(FORMATS)}")
    return tuple(chosen)


def generate_tickets(
    out_dir: Path | str,
    rows: int,
    seed: int = 0,
    rows_per_partition: int = 200_000,
    formats: Sequence[str] = ("parquet",),
    workers: int | None = None,
    progress: bool = True,
    mess: MessRates | None = None,
) -> GenerationSummary:
    """Write `rows` synthetic tickets (plus injected duplicates) as partition files in out_dir."""
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 1 and {MAX_ROWS:,}, got {rows}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    if rows_per_partition < 1:
        raise ValueError(f"rows_per_partition must be at least 1, got {rows_per_partition}")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    formats = parse_formats(formats)
    mess = mess or MessRates()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    build_model(seed, rows)  # fail on a bad seed file here, not in every worker
    calendar_tables()  # built before workers fork, so each inherits it

    jobs = plan_partitions(out_dir, seed, rows, rows_per_partition, formats, mess)
    _remove_stale_partitions(out_dir, seed, formats, len(jobs))
    started = time.perf_counter()
    results: list[PartitionStats] = []
    bar = progress_bar() if progress else None
    # Workers fork before the progress bar starts its refresh thread: a fork copies no threads,
    # and a lock one of them held would stay locked in the child.
    with (
        _partition_results(jobs, min(workers, len(jobs))) as completed,
        bar if bar is not None else nullcontext(),
    ):
        task = bar.add_task("generating tickets", total=rows) if bar is not None else None
        for stats in completed:
            results.append(stats)
            if bar is not None and task is not None:
                bar.advance(task, stats.tickets)
    seconds = time.perf_counter() - started

    results.sort(key=lambda stats: stats.index)
    mess_counts = {kind: sum(stats.mess[kind] for stats in results) for kind in MESS_KINDS}
    return GenerationSummary(
        out_dir=out_dir,
        tickets=rows,
        rows=sum(stats.rows for stats in results),
        duplicates=mess_counts["duplicate"],
        files=[path for stats in results for path in stats.files],
        mess=mess_counts,
        seconds=seconds,
    )


@contextmanager
def _partition_results(
    jobs: list[PartitionJob], workers: int
) -> Iterator[Iterator[PartitionStats]]:
    """Partitions' stats as they complete; with several workers, the processes start on entry."""
    if workers <= 1:
        yield map(write_partition, jobs)
        return
    # fork starts workers in milliseconds with numpy and pyarrow already imported; elsewhere
    # (macOS, Windows) fork is unsafe or missing and the platform default is used.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        futures = [executor.submit(write_partition, job) for job in jobs]
        yield (future.result() for future in as_completed(futures))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _remove_stale_partitions(out_dir: Path, seed: int, formats: Sequence[str], keep: int) -> None:
    """Drop this seed's partitions beyond the new count, left by an earlier, larger run."""
    for file_format in formats:
        pattern = f"tickets-{seed}-part-*.{FORMATS[file_format]}"
        for path in out_dir.glob(pattern):
            number = path.name.rsplit("-", 1)[-1].split(".", 1)[0]
            if number.isdigit() and int(number) >= keep:
                path.unlink()
