"""The warehouse training sample comes in the same row order on every run: the order decides
the cross-validation folds, the holdout and the data hash, so two runs of the same demo must
train on the same rows in the same order."""

from __future__ import annotations

import duckdb

from ml.datasets import load_labelled_warehouse
from ml.registry import data_hash


def test_the_sample_and_its_row_order_are_the_same_on_every_run(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"), config={"threads": "4"})
    connection.execute("create schema marts")
    connection.execute(
        """
        create table marts.tickets as
        select
            'T-' || i as ticket_id,
            'subject ' || i as subject,
            'message ' || i as message,
            'email' as channel,
            'Q' || (i % 3) as queue,
            'Product' as product_line,
            timestamp '2024-01-01' + to_minutes(i) as created_at,
            ['Low', 'High'][1 + i % 2] as priority
        from range(200000) as t(i)
        """
    )
    samples = [
        load_labelled_warehouse(
            connection, "priority", max_rows=60000, extra_ticket_ids=["T-7", "T-199999"]
        ).frame
        for _ in range(3)
    ]
    assert 60_000 <= len(samples[0]) <= 60_002  # the two corrected ids, if not sampled
    assert len({data_hash(sample) for sample in samples}) == 1
    expected = connection.execute(
        "select ticket_id from marts.tickets order by hash(ticket_id), ticket_id"
    ).fetchall()
    order = {ticket_id: position for position, (ticket_id,) in enumerate(expected)}
    positions = samples[0]["ticket_id"].map(order).tolist()
    assert positions == sorted(positions)
