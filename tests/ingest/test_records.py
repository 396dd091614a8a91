"""Line numbers and counts of CSV records, against the numbering a user sees in an editor."""

from __future__ import annotations

from supportlake.ingest import ingest_file
from supportlake.ingest.records import scan_csv
from tests.ingest.conftest import fetch, reconciles


def test_rows_after_blank_lines_keep_their_line_numbers(connection, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,category\n"  # 1
        "T-1,Billing\n"  # 2
        "\n"  # 3
        "T-2\n"  # 4: a field short
        'T-3,"two\nlines"\n'  # 5: one record, one line number
        "\n"  # 6
        "T-4,Access\n",  # 7
        encoding="utf-8",
    )

    result = ingest_file(connection, path, "tickets")

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    assert fetch(connection, "select ticket_id, _row_number from raw.tickets order by 2") == [
        ("T-1", 2),
        ("T-3", 5),
        ("T-4", 7),
    ]
    assert fetch(connection, "select row_number from raw.quarantine") == [(4,)]
    assert reconciles(connection)


def test_the_scan_counts_records_not_lines(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text('a,b\n1,"x\ny"\n\n2,"say ""hi"""\n3,5" screen\n', encoding="utf-8")

    scan = scan_csv(path, codec="utf-8-sig", delimiter=",", max_record_bytes=1 << 20)

    assert (scan.records, scan.blank_lines, scan.set_aside) == (3, [3], [])
