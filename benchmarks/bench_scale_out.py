"""`supportlake embed` on one process vs a local Dask cluster of 1 and 2 worker processes:
whole commands as a user runs them (process start, Prefect and cluster start included), on
the same warehouse copy, rounds interleaved so every variant sees the same machine load.

    .venv/bin/python benchmarks/bench_scale_out.py [--texts 20000] [--partition-texts 2500]
        [--backend auto] [--rounds 1] [--record]

baseline: `supportlake embed` (one process, ml.embeddings.embed_tickets)
    then: `supportlake embed --workers 1` and `--workers 2` (flows/distributed.py)
Whether every variant stored the baseline's vectors is checked and reported. The
warehouse holds only marts.tickets with the generator's subjects and messages.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measurement, append_section, run_measured

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from supportlake.generate.tickets import generate_tickets  # noqa: E402
from supportlake.settings import get_settings  # noqa: E402

SUPPORTLAKE = str(ROOT / ".venv" / "bin" / "supportlake")
BASELINE = "baseline: embed, one process"


def make_warehouse(folder: Path, texts: int) -> Path:
    """marts.tickets with `texts` generated tickets (distinct texts: the generator's)."""
    generated = folder / "generated"
    generate_tickets(generated, rows=texts, seed=16, progress=False)
    warehouse = folder / "base.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.tickets as select distinct on (subject, message) "
            "ticket_id::varchar as ticket_id, subject, message "
            f"from read_parquet('{generated}/**/*.parquet') limit {texts}"
        )
        return warehouse


def vectors_digest(warehouse: Path) -> tuple[int, str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select text_hash, embedding from ml.ticket_embeddings order by text_hash"
        ).fetchall()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    return len(rows), digest


def run_variant(label: str, args: list[str], base: Path, scratch: Path, shared: dict) -> tuple:
    folder = scratch / label.split(":")[0].replace(" ", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(base, warehouse)
    env = shared | {
        "SUPPORTLAKE_WAREHOUSE": str(warehouse),
        "SUPPORTLAKE_LAKE": str(folder / "lake"),
    }
    measured = run_measured(label, [SUPPORTLAKE, "embed", *args], env)
    return measured, vectors_digest(warehouse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--partition-texts", type=int, default=2_500)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench_scale_out_"))
    base = make_warehouse(scratch, options.texts)
    settings = get_settings()
    shared = {
        "SUPPORTLAKE_MODELS_DIR": str(settings.models_dir),  # the compiled encoders, if any
        "PREFECT_HOME": str(scratch / "prefect"),
    }
    common = ["--backend", options.backend, "--partition-texts", str(options.partition_texts)]
    variants = {
        BASELINE: common,
        "embed --workers 1 (local Dask cluster)": [*common, "--workers", "1"],
        "embed --workers 2 (local Dask cluster)": [*common, "--workers", "2"],
    }
    results: dict[str, list[Measurement]] = {label: [] for label in variants}
    digests: dict[str, tuple[int, str]] = {}
    for _ in range(options.rounds):
        for label, args in variants.items():
            measured, digest = run_variant(label, args, base, scratch, shared)
            results[label].append(measured)
            digests.setdefault(label, digest)
            if digest != digests[label]:
                raise SystemExit(f"{label}: vectors differ between rounds ({digest})")
    shutil.rmtree(scratch, ignore_errors=True)
    rows, digest = digests[BASELINE]
    differing = [label for label, (_, other) in digests.items() if other != digest]
    agreement = (
        f"every variant stored the same vectors (sha256 {digest})"
        if not differing
        else f"vectors differ from the baseline's in: {', '.join(differing)}"
    )
    baseline = statistics.median(m.seconds for m in results[BASELINE])
    one_worker = statistics.median(m.seconds for m in results[list(variants)[1]])
    lines = [
        f"{rows:,} texts, backend {options.backend}, partitions of {options.partition_texts:,}; "
        f"median of {options.rounds} round(s), under load (other jobs share the 2 cores); "
        f"{agreement}.",
        "",
        "| command | wall s | texts/s | vs one process | vs 1 worker | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, measurements in results.items():
        seconds = statistics.median(m.seconds for m in measurements)
        cpu = statistics.median(m.cpu_seconds for m in measurements)
        rss = max(m.peak_rss_mb for m in measurements)
        lines.append(
            f"| {label} | {seconds:.1f} | {rows / seconds:.0f} | {baseline / seconds:.2f}x "
            f"| {one_worker / seconds:.2f}x | {cpu:.0f} | {rss:.0f} |"
        )
    body = "\n".join(lines)
    print(body)
    if options.record:
        append_section("Scale-out: embedding on a local Dask cluster (bench_scale_out.py)", body)


if __name__ == "__main__":
    main()
