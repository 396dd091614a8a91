"""The ticket generator: determinism, shape, documented mess rates, realism, file formats."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from supportlake.generate import tickets
from supportlake.generate import vocabulary as vocab
from supportlake.generate.tickets import MessRates, generate_tickets
from supportlake.sources import TICKETS

RATES = MessRates()
ROWS = 20_000
CANONICAL_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """20k tickets in 4 partitions, the data most tests read."""
    out = tmp_path_factory.mktemp("tickets")
    summary = generate_tickets(out, ROWS, seed=7, rows_per_partition=5_000, progress=False)
    return summary


@pytest.fixture(scope="module")
def frame(generated):
    return pq.read_table(sorted(generated.out_dir.glob("*.parquet"))).to_pandas()


def small(out: Path, **options) -> tickets.GenerationSummary:
    options = {"rows": 3_000, "rows_per_partition": 1_000, "progress": False, **options}
    return generate_tickets(out, **options)


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def assert_rate(hits: int, total: int, rate: float, what: str) -> None:
    """Observed share within ~4.5 standard errors of the documented rate."""
    tolerance = 4.5 * math.sqrt(rate * (1 - rate) / total) + 1e-4
    observed = hits / total
    assert abs(observed - rate) <= tolerance, f"{what}: {observed:.4f}, documented {rate}"


def test_same_seed_same_files_and_another_seed_different_ones(tmp_path):
    small(tmp_path / "a", seed=3)
    small(tmp_path / "b", seed=3)
    small(tmp_path / "c", seed=4)
    first, again, other = (file_bytes(tmp_path / name) for name in "abc")
    assert list(first) == [f"tickets-3-part-0000{i}.parquet" for i in range(3)]
    assert first == again
    other_frame = pq.read_table(tmp_path / "c").to_pandas()
    first_frame = pq.read_table(tmp_path / "a").to_pandas()
    assert not set(other_frame.ticket_id.dropna()) & set(first_frame.ticket_id.dropna())
    assert list(other_frame.message[:50]) != list(first_frame.message[:50])


def test_output_does_not_depend_on_the_number_of_workers(tmp_path):
    small(tmp_path / "one", workers=1, formats=("parquet", "csv"))
    small(tmp_path / "two", workers=2, formats=("parquet", "csv"))
    assert file_bytes(tmp_path / "one") == file_bytes(tmp_path / "two")


def test_columns_are_the_tickets_source_columns_in_order(generated):
    for path in generated.files:
        assert pq.read_schema(path).names == list(TICKETS.columns)


def test_summary_counts_the_rows_and_files_written(generated, frame):
    assert generated.tickets == ROWS
    assert generated.rows == len(frame) == ROWS + generated.duplicates
    assert [path.name for path in generated.files] == [
        f"tickets-7-part-0000{i}.parquet" for i in range(4)
    ]
    assert generated.seconds > 0


def test_mess_rates_match_the_documented_rates(generated, frame):
    rows = len(frame)
    mess = generated.mess

    recased = ~frame.category.isin(vocab.CATEGORIES)
    assert recased.sum() == mess["category_case"]
    assert_rate(mess["category_case"], rows, RATES.category_case, "category_case")
    trimmed = frame.category.str.strip().str.lower()
    assert set(trimmed) == {name.lower() for name in vocab.CATEGORIES}

    settled = frame.status.isin(["Resolved", "Closed"])
    blank = settled & frame.resolution_minutes.isna()
    assert blank.sum() == mess["missing_resolution"]
    assert_rate(blank.sum(), settled.sum(), RATES.missing_resolution, "missing_resolution")

    assert_rate(mess["duplicate"], ROWS, RATES.duplicate, "duplicate")
    ids = frame.ticket_id.dropna()
    assert len(ids) - ids.nunique() == mess["duplicate"]

    invalid = ~frame.priority.isin(vocab.PRIORITIES)
    assert invalid.sum() == mess["invalid_priority"]
    assert set(frame.priority[invalid]) <= set(vocab.INVALID_PRIORITIES)
    assert_rate(invalid.sum(), rows, RATES.invalid_priority, "invalid_priority")

    negative = frame.resolution_minutes < 0
    assert negative.sum() == mess["negative_duration"]
    assert_rate(
        negative.sum(), frame.resolution_minutes.notna().sum(), RATES.negative_duration, "negative"
    )

    scores = frame.satisfaction_score.dropna()
    out_of_range = ~scores.between(1, 5)
    assert out_of_range.sum() == mess["csat_out_of_range"]
    assert_rate(out_of_range.sum(), rows, RATES.csat_out_of_range, "csat_out_of_range")

    missing_customers = frame.customer_id.isna().sum()
    assert missing_customers == mess["missing_customer_id"]
    assert_rate(missing_customers, rows, RATES.missing_customer_id, "missing_customer_id")
    missing_ids = frame.ticket_id.isna().sum()
    assert missing_ids == mess["missing_ticket_id"]
    assert_rate(missing_ids, rows, RATES.missing_ticket_id, "missing_ticket_id")

    assert_rate(mess["unparseable_timestamp"], rows, RATES.unparseable_timestamp, "unparseable")
    assert_rate(mess["timestamp_variant"], rows, RATES.timestamp_variant, "timestamp_variant")


def test_every_kind_of_mess_is_present(generated, frame):
    assert all(count > 0 for count in generated.mess.values()), generated.mess
    stamps = frame[["created_at", "first_response_at", "resolved_at"]]
    texts = set(stamps.stack())
    assert texts & set(vocab.UNPARSEABLE_TIMESTAMPS)
    assert any(text.endswith("+00:00") for text in texts)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text) for text in texts)
    assert frame.category.str.startswith(" ").any() and frame.category.str.isupper().any()


def test_clean_rates_inject_nothing(tmp_path):
    summary = small(tmp_path, mess=MessRates.clean())
    frame = pq.read_table(tmp_path).to_pandas()
    assert set(summary.mess.values()) == {0}
    assert len(frame) == 3_000 and frame.ticket_id.is_unique
    assert frame.category.isin(vocab.CATEGORIES).all()
    assert frame.priority.isin(vocab.PRIORITIES).all()
    assert frame.created_at.str.fullmatch(CANONICAL_TIMESTAMP).all()
    assert (frame.resolution_minutes.dropna() >= 0).all()


def test_re_exports_follow_their_originals_with_updated_fields(frame):
    order = {"Open": 0, "Pending": 1, "Resolved": 2, "Closed": 3}
    repeated = frame[frame.ticket_id.notna() & frame.ticket_id.duplicated(keep=False)]
    assert len(repeated) > 0
    for _, pair in repeated.groupby("ticket_id"):
        assert len(pair) == 2
        first, later = pair.iloc[0], pair.iloc[1]
        assert later.name > first.name  # the re-export comes after the original
        assert later.updated_at > first.updated_at  # and says it is newer (ISO text sorts)
        assert order[later.status] >= order[first.status]
        assert later.status != first.status or (
            pd_isna(first.resolution_minutes) and not pd_isna(later.resolution_minutes)
        )
        assert (first.subject, first.message) == (later.subject, later.message)


def pd_isna(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_timestamps_are_mostly_parseable_and_consistent(generated):
    query = """
        select
            count(*) as total,
            count(try_cast(created_at as timestamptz)) as parsed,
            min(try_cast(created_at as timestamptz)) as first,
            max(try_cast(created_at as timestamptz)) as last,
            count(*) filter (
                where try_cast(first_response_at as timestamptz)
                    < try_cast(created_at as timestamptz)
            ) as answered_before_created
        from read_parquet(?)
    """
    files = [str(path) for path in generated.files]
    total, parsed, first, last, early = duckdb.execute(query, [files]).fetchall()[0]
    assert parsed / total > 0.99
    assert first.year == 2024 and last.year == 2025
    assert early == 0


def test_urgency_cues_correlate_with_priority_but_not_perfectly(frame):
    def share_with_cue(priority: str, cue_priority: str) -> float:
        messages = frame.message[frame.priority == priority]
        pattern = "|".join(re.escape(cue.strip()) for cue in vocab.URGENCY_CUES[cue_priority])
        return messages.str.contains(pattern).mean()

    assert share_with_cue("Urgent", "Urgent") > 0.5
    assert share_with_cue("Low", "Urgent") < 0.1
    assert share_with_cue("Low", "Low") > 0.5
    # not a lookup: plenty of urgent tickets say nothing urgent, some low ones shout
    assert share_with_cue("Urgent", "Urgent") < 0.8
    assert share_with_cue("Low", "Urgent") > 0.01


def test_category_shows_in_the_text_through_shared_and_borrowed_words(frame):
    own_heads = {
        name: "|".join(re.escape(head.strip()) for head in vocab.MESSAGE_HEADS[name])
        for name in vocab.CATEGORIES
    }
    clean = frame[frame.category.isin(vocab.CATEGORIES)]
    for name in ("Billing", "Security", "Technical"):
        messages = clean.message[clean.category == name]
        hits = messages.str.contains(own_heads[name]).mean()
        assert 0.65 < hits < 0.95, (name, hits)


def test_arrivals_customers_and_outcomes_look_like_a_helpdesk(generated):
    files = [str(path) for path in generated.files]
    connection = duckdb.connect()
    connection.read_parquet(files).create_view("landed")
    connection.execute(
        "create view t as select *, try_cast(created_at as timestamptz) as created from landed"
    )
    weekday, weekend = connection.execute(
        "select count(*) filter (where isodow(created) <= 5) / 5, "
        "count(*) filter (where isodow(created) > 5) / 2 from t"
    ).fetchone()
    assert weekday > 2.5 * weekend
    day, night = connection.execute(
        "select count(*) filter (where hour(created) between 9 and 16), "
        "count(*) filter (where hour(created) between 0 and 4) from t"
    ).fetchone()
    assert day > 5 * night
    median, most = connection.execute(
        "select median(n), max(n) from (select count(*) as n from t "
        "where customer_id is not null group by customer_id)"
    ).fetchone()
    assert most > 20 * median
    escalation = dict(
        connection.execute(
            "select priority, avg(escalated::int) from t group by priority"
        ).fetchall()
    )
    assert escalation["Urgent"] > 3 * escalation["Low"]
    resolution = dict(
        connection.execute(
            "select priority, median(resolution_minutes) from t "
            "where resolution_minutes > 0 group by priority"
        ).fetchall()
    )
    assert resolution["Urgent"] < resolution["High"] < resolution["Medium"] < resolution["Low"]
    by_category = dict(
        connection.execute(
            "select category, median(resolution_minutes) from t "
            "where resolution_minutes > 0 group by category"
        ).fetchall()
    )
    assert by_category["Feature Request"] > 2 * by_category["Account"]
    happy, unhappy = connection.execute(
        "select avg(satisfaction_score) filter (where not sla_breach), "
        "avg(satisfaction_score) filter (where sla_breach) from t "
        "where satisfaction_score between 1 and 5"
    ).fetchone()
    assert happy > unhappy + 0.5
    queues = {row[0] for row in connection.execute("select distinct queue from t").fetchall()}
    assert queues == set(vocab.QUEUES)


def test_sla_breach_follows_the_targets_in_the_seed(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    shutil.copytree(tickets.SEEDS_DIR, seeds)
    lenient = "priority,first_response_target_minutes,resolution_target_minutes\n" + "".join(
        f"{priority},100000000,100000000\n" for priority in vocab.PRIORITIES
    )
    (seeds / "sla_targets.csv").write_text(lenient)
    monkeypatch.setattr(tickets, "SEEDS_DIR", seeds)
    small(tmp_path / "out", mess=MessRates.clean(), workers=1)
    frame = pq.read_table(tmp_path / "out").to_pandas()
    assert not frame.sla_breach.any()


def test_a_broken_seed_is_reported_with_file_row_and_field(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(tickets.SEEDS_DIR, seeds)
    text = (seeds / "sla_targets.csv").read_text().replace(",60,", ",sixty,")
    (seeds / "sla_targets.csv").write_text(text)
    with pytest.raises(ValueError, match=r"sla_targets.csv, row 3, field first_response_target"):
        tickets.load_seed_tables(seeds)


def test_csv_and_json_lines_hold_the_same_rows_as_parquet(tmp_path):
    small(tmp_path, formats=("parquet", "csv", "json"), rows=2_000, rows_per_partition=2_000)
    parquet_rows = pq.read_table(tmp_path / "tickets-0-part-00000.parquet").to_pylist()
    json_path = tmp_path / "tickets-0-part-00000.jsonl"
    json_rows = [json.loads(line) for line in json_path.read_text(encoding="utf-8").splitlines()]
    assert json_rows == parquet_rows

    connection = duckdb.connect()
    from_csv = connection.execute(
        "select * from read_csv(?, all_varchar = true)", [str(tmp_path / "*.csv")]
    ).fetchall()
    from_json = connection.execute(
        "select * from read_json(?, format = 'newline_delimited')", [str(json_path)]
    ).fetchall()
    assert len(from_csv) == len(from_json) == len(parquet_rows)
    messages = [row["message"] for row in parquet_rows]
    assert [row[TICKETS.columns.index("message")] for row in from_csv] == messages
    assert any("\n" in message for message in messages)
    assert any('"' in message for message in messages)


def test_a_smaller_run_removes_the_partitions_a_larger_one_left(tmp_path):
    small(tmp_path, rows=3_000)
    small(tmp_path, rows=1_000)
    assert [path.name for path in tmp_path.iterdir()] == ["tickets-0-part-00000.parquet"]


def test_formats_accept_repeats_and_comma_lists_and_refuse_unknown_ones():
    assert tickets.parse_formats(["parquet", "csv,json", "CSV"]) == ("parquet", "csv", "json")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        tickets.parse_formats(["xml"])


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="rows must be"):
        generate_tickets(tmp_path, 0)
    with pytest.raises(ValueError, match="mess rate duplicate"):
        MessRates(duplicate=1.5)


def test_work_starts_on_the_queues_schedule_in_its_time_zone(tmp_path, monkeypatch):
    """Billing moved onto a Tokyo schedule (08:00-17:00 local = 23:00-08:00 UTC): a ticket
    that waits for its queue, created 09:00-22:00 UTC (Tokyo closed), is first answered no
    earlier than 23:00 UTC that day, when the window across UTC midnight opens."""
    seeds = tmp_path / "seeds"
    shutil.copytree(tickets.SEEDS_DIR, seeds)
    tokyo = "".join(
        f"Tokyo,Asia/Tokyo,2015-01-01,{weekday},08:00,17:00,false\n" for weekday in range(1, 6)
    )
    with (seeds / "schedules.csv").open("a") as handle:
        handle.write(tokyo)
    mapping = seeds / "queue_schedules.csv"
    mapping.write_text(mapping.read_text().replace("Billing,Billing", "Billing,Tokyo"))
    monkeypatch.setattr(tickets, "SEEDS_DIR", seeds)
    small(tmp_path / "out", mess=MessRates.clean(), workers=1, rows=6_000)
    frame = pq.read_table(tmp_path / "out").to_pandas()
    created = frame.created_at.map(str).str.slice(0, 19).astype("datetime64[s]")
    answered = frame.first_response_at.map(str).str.slice(0, 19)
    waited = frame[
        (frame.queue == "Billing")
        & (frame.priority != "Urgent")
        & created.dt.hour.between(9, 21)
        & (answered != "None")
    ]
    assert len(waited) > 50
    opens = created[waited.index].dt.normalize() + np.timedelta64(23, "h")
    early = answered[waited.index].astype("datetime64[s]") < opens
    assert not early.any(), waited[early][["created_at", "first_response_at"]]


def test_a_schedule_with_an_unknown_time_zone_is_reported_with_file_row_and_field(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(tickets.SEEDS_DIR, seeds)
    text = (seeds / "schedules.csv").read_text().replace("General,UTC,", "General,Mars/Base,", 1)
    (seeds / "schedules.csv").write_text(text)
    with pytest.raises(ValueError, match=r"schedules.csv, row 2, field time_zone: 'Mars/Base'"):
        tickets.load_seed_tables(seeds)
