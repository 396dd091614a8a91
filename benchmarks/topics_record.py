"""Shared by the topics benchmarks: generated ticket texts, and their docs/benchmarks.md section."""

from __future__ import annotations

import os
import re
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BENCHMARKS_DOC, machine_line

SECTION = "## Topics and embeddings"
INTRO = (
    "`benchmarks/bench_embeddings.py` (encoder backends on generated ticket texts) and "
    "`benchmarks/bench_topics.py` (embed + cluster + assign end to end, and clustering memory "
    "on a synthetic 384-d stream). Each subsection holds the latest run."
)


def generated_texts(rows: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Normalised ticket texts and their categories from the project's ticket generator."""
    import duckdb

    from ml.embeddings import text_sql
    from supportlake.generate.tickets import generate_tickets

    with tempfile.TemporaryDirectory(prefix="bench-topics-") as scratch:
        generate_tickets(scratch, rows=rows, seed=seed, progress=False)
        found = duckdb.sql(
            f"""
            select {text_sql("subject", "message")} as text,
                lower(trim(category)) as category
            from read_parquet('{scratch}/*.parquet')
            where coalesce(message, subject) is not null
            limit {int(rows)}
            """
        ).fetchall()
    return [row[0] for row in found], [row[1] or "" for row in found]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def record(subtitle: str, body: str) -> None:
    """Replace `### subtitle` inside `## Topics and embeddings` (created when missing)."""
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    load = os.getloadavg()[0]
    stamp = (
        f"Measured {machine_line()}, {datetime.now(UTC):%H:%M} UTC; load average {load:.1f} "
        "at the end (this benchmark's own work included; above ~2 on 2 cores means other work "
        "shared the machine and wall times are inflated, while ratios within a run hold)."
    )
    entry = f"### {subtitle}\n\n{stamp}\n\n{body.strip()}\n"
    section = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    match = section.search(text)
    if not match:
        text = text.rstrip() + f"\n\n{SECTION}\n\n{INTRO}\n\n{entry}"
    else:
        current = match.group(0)
        sub = re.compile(rf"^### {re.escape(subtitle)}\n.*?(?=^### |\Z)", re.S | re.M)
        if sub.search(current):
            updated = sub.sub(lambda _: entry + "\n", current)
        else:
            updated = current.rstrip() + "\n\n" + entry + "\n"
        text = text[: match.start()] + updated + text[match.end() :]
    BENCHMARKS_DOC.write_text(text.rstrip() + "\n")
