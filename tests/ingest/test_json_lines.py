"""JSON-lines files are read in blocks: any size loads within DuckDB's memory limit, and every
line keeps its number in the file wherever the blocks are cut."""

from __future__ import annotations

import json
from pathlib import Path

from supportlake.ingest import ingest_file, lines
from supportlake.ingest.lines import numbered_lines
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


def test_lines_keep_their_numbers_across_block_cuts(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    written = [b'{"a": 1}', b"", b'{"b": "' + b"x" * 40 + b'"}', b'{"c": 3}\r', b"Caf\xe9", b"last"]
    path.write_bytes(b"\n".join(written))  # no line end after the last line

    for block_bytes in (3, 7, 16, 1 << 20):  # cuts inside lines, a line longer than a block
        rows = [row for batch in numbered_lines(path, block_bytes) for row in batch.to_pylist()]
        assert [row["record_number"] for row in rows] == [1, 2, 3, 4, 5, 6], block_bytes
        assert [row["raw_text"] for row in rows] == [
            '{"a": 1}',
            "",
            '{"b": "' + "x" * 40 + '"}',
            '{"c": 3}\r',
            "Caf\\xE9",
            "last",
        ]
        assert [row["bad_bytes"] for row in rows] == [False, False, False, False, True, False]


def test_a_json_lines_file_larger_than_the_memory_limit_loads_every_row(tmp_path, monkeypatch):
    """Reading the whole file as one value needed more memory than the limit allows: an
    11.9M-event export (2.9 GB) failed with DuckDB's 4 GB limit. Here 143 MB against 128 MB,
    in blocks of 4 MB (64 MB against 4 GB in use)."""
    monkeypatch.setattr(lines, "BLOCK_BYTES", 4 << 20)
    settings = Settings(
        warehouse=tmp_path / "warehouse.duckdb", lake=tmp_path / "lake", duckdb_memory_limit="128MB"
    )
    path = tmp_path / "tickets.jsonl"
    note = "n" * 300
    with path.open("w", encoding="utf-8") as handle:
        for number in range(420_000):
            handle.write(json.dumps({"ticket_id": f"T-{number}", "subject": note}) + "\n")
    assert path.stat().st_size > 128 << 20

    with open_warehouse(settings) as connection:
        result = ingest_file(connection, path, "tickets")
        last = connection.execute(
            "select ticket_id, _row_number from raw.tickets order by _row_number desc limit 1"
        ).fetchone()

    assert result.status == "loaded", result.message
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (420_000, 420_000, 0)
    assert last == ("T-419999", 420_000)
