"""Refreshing the retrieval index: an update that indexes only what changed, against building
the index again on the same final documents (the baseline), in the same run.

    .venv/bin/python benchmarks/bench_index_update.py [--documents 200000] [--changed 0.1]
        [--record]

Documents are generated tickets' texts (subject + message, `supportlake generate tickets`)
with seeded random unit vectors (what dense search costs does not depend on what the vectors
mean). The update removes 1% of the documents and adds `--changed` as many new ones, like an
hourly refresh that resolved new tickets and reopened a few. Time and CPU are measured in
this process (both steps run here, one after the other), peak memory is the process's. While
the update runs, another thread searches without pause: how long a search waits for an update.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import append_section

from ml.retrieval import HybridIndex
from supportlake.generate.tickets import generate_tickets
from supportlake.settings import Settings

DIMENSIONS = 384


def texts(count: int, seed: int, folder: Path) -> list[str]:
    generate_tickets(folder, rows=count, seed=seed, workers=1, progress=False)
    rows = duckdb.sql(
        f"select coalesce(subject, '') || ' ' || coalesce(message, '') "
        f"from read_parquet('{folder}/*.parquet')"
    ).fetchall()
    return [row[0] for row in rows][:count]


def vectors(count: int, seed: int) -> np.ndarray:
    drawn = np.random.default_rng(seed).normal(size=(count, DIMENSIONS)).astype(np.float32)
    return drawn / np.linalg.norm(drawn, axis=1, keepdims=True)


def timed(step):
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def search_latencies(index, query_vector, work, rounds: int | None = None) -> list[float]:
    """Seconds per hybrid search, searching without pause in a thread while `work` runs in
    this one (or `rounds` searches when there is nothing to run beside)."""
    latencies: list[float] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set() and (rounds is None or len(latencies) < rounds):
            started = time.perf_counter()
            index.search("password reset for my account", query_vector, 10)
            latencies.append(time.perf_counter() - started)

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        work()
    finally:
        if rounds is None:
            done.set()
        searcher.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=0.1, help="new documents, a share")
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    settings = Settings()
    added_count = int(args.documents * args.changed)
    with tempfile.TemporaryDirectory() as scratch:
        first_texts = texts(args.documents, 1, Path(scratch) / "first")
        added_texts = texts(added_count, 2, Path(scratch) / "added")
    first_ids = [f"T-{n:08d}" for n in range(args.documents)]
    added_ids = [f"N-{n:08d}" for n in range(added_count)]
    first_vectors, added_vectors = vectors(args.documents, 1), vectors(added_count, 2)
    removed = first_ids[::100]
    gone = set(removed)

    index, build_wall, build_cpu = timed(
        lambda: HybridIndex(first_ids, first_texts, first_vectors, settings)
    )
    query_vector = vectors(1, 3)[0]
    quiet = search_latencies(index, query_vector, lambda: None, rounds=20)
    during: list[float] = []
    _, update_wall, update_cpu = timed(
        lambda: during.extend(
            search_latencies(
                index,
                query_vector,
                lambda: index.update(removed, added_ids, added_texts, added_vectors),
            )
        )
    )
    keep = [row for row, doc_id in enumerate(first_ids) if doc_id not in gone]
    final_ids = [first_ids[row] for row in keep] + added_ids
    final_texts = [first_texts[row] for row in keep] + added_texts
    final_vectors = np.concatenate([first_vectors[keep], added_vectors])
    fresh, fresh_wall, fresh_cpu = timed(
        lambda: HybridIndex(final_ids, final_texts, final_vectors, settings)
    )
    queries = first_texts[1:2000:97]
    same = sum(
        index.bm25(query, 10) == fresh.bm25(query, 10) for query in queries
    )  # BM25 needs no vectors: its answers must be equal
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    body = "\n".join(
        [
            f"`benchmarks/bench_index_update.py --documents {args.documents} --changed "
            f"{args.changed}`: {args.documents:,} generated ticket texts with random unit "
            f"vectors ({'IVF' if index.uses_ann else 'exact'} dense search), then "
            f"{len(removed):,} removed and {added_count:,} added.",
            "",
            "| step | wall s | CPU s |",
            "|---|---:|---:|",
            f"| build the index on {args.documents:,} documents | {build_wall:.1f} | "
            f"{build_cpu:.1f} |",
            f"| update: remove {len(removed):,}, add {added_count:,} | {update_wall:.1f} | "
            f"{update_cpu:.1f} |",
            f"| baseline: build again on the {len(final_ids):,} final documents | "
            f"{fresh_wall:.1f} | {fresh_cpu:.1f} |",
            "",
            f"The update took {update_wall / fresh_wall:.0%} of building again; BM25's top 10 "
            f"equal on {same} of {len(queries)} queries; peak RSS {peak_mb:,.0f} MB.",
            "",
            f"Searches beside the update (one thread searching without pause while it ran): "
            f"{len(during):,} answered, median {np.median(during) * 1000:.1f} ms, longest "
            f"{max(during) * 1000:.0f} ms, against {np.median(quiet) * 1000:.1f} ms alone and "
            f"the update's {update_wall:.1f} s that every search waited for when the whole "
            "update held the search lock (before the swap was split from the work).",
        ]
    )
    print(body)
    if args.record:
        append_section("Retrieval index: update against building again", body)


if __name__ == "__main__":
    main()
