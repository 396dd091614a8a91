"""Searches side by side on one retrieval index, against one at a time (the baseline), in the
same run on the same index.

    .venv/bin/python benchmarks/bench_index_concurrency.py [--documents 200000]
        [--searches 400] [--record]

The API answers requests from a thread pool. Until 2026-12-06 every search on an index took
one lock, so two requests searched one after the other whatever the core count; now searches
share a readers-writer lock (fasteners.ReaderWriterLock) and only an update's swap is alone. The
baseline here wraps each search in one mutex, which is what the old lock did. Documents are
generated tickets' texts with seeded random unit vectors (bench_index_update's); queries are
the first 80 characters of random documents with their vectors plus noise. Hybrid searches,
top 10, after a warm-up round.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index_update import texts, vectors
from measure import append_section

from ml.retrieval import HybridIndex
from supportlake.settings import Settings


def throughput(index, queries, threads: int, one_at_a_time: bool) -> tuple[float, list[float]]:
    """Searches per second over all `queries` split across `threads`, and each one's seconds."""
    mutex = threading.Lock() if one_at_a_time else contextlib.nullcontext()
    latencies: list[float] = []
    share = len(queries) // threads

    def work(part) -> None:
        for text, vector in part:
            started = time.perf_counter()
            with mutex:
                index.search(text, vector, 10)
            latencies.append(time.perf_counter() - started)

    workers = [
        threading.Thread(target=work, args=(queries[n * share : (n + 1) * share],))
        for n in range(threads)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return share * threads / (time.perf_counter() - started), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    arguments = parser.parse_args()
    count = arguments.documents
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as folder:
        documents, doc_vectors = texts(count, 1, Path(folder) / "tickets"), vectors(count, 1)
        index = HybridIndex(
            [f"t{n}" for n in range(count)],
            documents,
            doc_vectors,
            Settings.in_folder(Path(folder)),
        )
        rng = np.random.default_rng(0)
        noise = rng.normal(scale=0.1, size=(arguments.searches, doc_vectors.shape[1]))
        queries = [
            (documents[row][:80], (doc_vectors[row] + noise[n]).astype(np.float32))
            for n, row in enumerate(rng.integers(0, count, arguments.searches))
        ]
        throughput(index, queries[:50], 1, one_at_a_time=False)  # warm-up
        lines = [
            "| searches | threads | searches/s | median ms | p95 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for one_at_a_time in (True, False):
            for threads in (1, 2):
                rate, latencies = throughput(index, queries, threads, one_at_a_time)
                name = "one at a time (baseline)" if one_at_a_time else "side by side"
                median, p95 = np.percentile(latencies, [50, 95]) * 1000
                lines.append(f"| {name} | {threads} | {rate:.0f} | {median:.1f} | {p95:.1f} |")
                print(lines[-1], flush=True)
        index.close()
    body = "\n".join(
        [
            f"`benchmarks/bench_index_concurrency.py --documents {count}`: {count:,} generated "
            f"tickets, {arguments.searches} hybrid searches (top 10) per row, the same index; "
            f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the "
            "end.",
            "",
            *lines,
        ]
    )
    print(body)
    if arguments.record:
        append_section("Retrieval index: searches side by side", body)


if __name__ == "__main__":
    main()
