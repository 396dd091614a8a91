"""Topics at scale: embed + cluster + assign on N tickets, and clustering memory on a stream.

    .venv/bin/python benchmarks/bench_topics.py --tickets 3000 --stream-rows 1000000 \
        --warehouse-rows 200000 [--parts pipeline,baseline] [--record]

Parts, each in its own process so its peak RSS is its own; each part's result is kept in
.state/bench/topics/, so a long part need not be re-run to record the others (`--parts none
--record` re-renders the section from the kept results):
- pipeline: N generated tickets -> marts.tickets (a minimal table of the agreed columns) in a
  fresh warehouse -> embed_tickets (auto backend) -> cluster_tickets (20 clusters).
- baseline: plain sentence-transformers fp32 against the backend `auto` keeps, on a sample of
  the same generated tickets, each in a fresh process (bench_embeddings' child).
- stream: synthetic 384-d unit vectors, generated 100k at a time, through the same
  partial_fit loop (fit_clusters) and a predict pass: RSS after every partition shows memory
  does not grow with the row count.
- warehouse: M synthetic embeddings written to ml.ticket_embeddings, then cluster_tickets
  end to end: DuckDB streaming as Arrow batches, partial_fit, assignment written back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import run_measured  # noqa: E402
from topics_record import current_rss_mb, generated_texts, peak_rss_mb, record  # noqa: E402

STREAM_PARTITION = 100_000
CLUSTERS = 20
PIPELINE_SEED = 3
BASELINE_ROUNDS = 3
MODELS = ROOT / ".state" / "models"  # the cached ONNX/OpenVINO builds, as in real runs
RESULTS = ROOT / ".state" / "bench" / "topics"
PARTS_IN_ORDER = ("pipeline", "baseline", "stream", "warehouse_write", "warehouse")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3_000)
    parser.add_argument("--stream-rows", type=int, default=1_000_000)
    parser.add_argument("--warehouse-rows", type=int, default=200_000)
    parser.add_argument("--baseline-texts", type=int, default=3_000)
    parser.add_argument("--parts", default=",".join(PARTS_IN_ORDER), help="comma-separated")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--child", nargs=3, metavar=("PART", "ROWS", "OUT"))
    args = parser.parse_args()
    if args.child:
        part, rows, out = args.child
        # Each part works in a scratch folder beside `out`, removed with the parent's.
        result = PARTS[part](int(rows), Path(out).parent / part)
        result["peak_rss_mb"] = peak_rss_mb()
        Path(out).write_text(json.dumps(result))
        return
    parts = set(args.parts.split(","))
    if "warehouse" in parts:
        parts.add("warehouse_write")  # it clusters what warehouse_write leaves behind
    rows = {
        "pipeline": args.tickets,
        "baseline": args.baseline_texts,
        "stream": args.stream_rows,
        "warehouse_write": args.warehouse_rows,
        "warehouse": args.warehouse_rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-topics-") as scratch:
        for part in PARTS_IN_ORDER:
            if part not in parts or rows[part] <= 0:
                continue
            out = Path(scratch) / f"{part}.json"
            command = [sys.executable, __file__, "--child", part, str(rows[part]), str(out)]
            measured = run_measured(part, command)
            result = json.loads(out.read_text()) | {
                "wall_seconds": measured.seconds,
                "cpu_seconds": measured.cpu_seconds,
                "process_peak_rss_mb": measured.peak_rss_mb,
                "finished": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                "load_average": os.getloadavg()[0],
            }
            (RESULTS / f"{part}.json").write_text(json.dumps(result, indent=1))
            print(part, json.dumps(result, indent=1))
    results = {
        part: json.loads((RESULTS / f"{part}.json").read_text())
        for part in PARTS_IN_ORDER
        if (RESULTS / f"{part}.json").exists()
    }
    body = render(results)
    print(body)
    if args.record:
        record("Embed, cluster and assign at scale", body)


# --- the parts, each run in a child process ------------------------------------------------


def pipeline(rows: int, scratch: Path) -> dict:
    """Generated tickets through embed_tickets and cluster_tickets in a fresh warehouse."""
    from ml.embedding_backends import load_encoder
    from ml.embeddings import embed_tickets
    from ml.topics import DATABASE_MEMORY, cluster_tickets
    from supportlake.generate.tickets import generate_tickets
    from supportlake.settings import Settings, apply_offline_environment
    from supportlake.warehouse import open_warehouse

    settings = Settings.in_folder(scratch, models_dir=MODELS)
    apply_offline_environment(settings)
    generate_tickets(scratch / "landing", rows=rows, seed=PIPELINE_SEED, progress=False)
    with open_warehouse(settings) as connection:
        connection.execute("create schema marts")
        connection.execute(
            f"""
            create table marts.tickets as
            select
                ticket_id, subject, message, trim(category) as category, product_line,
                try_cast(created_at as timestamp) as created_at,
                cast(try_cast(created_at as timestamp) as date) as created_date,
                status in ('Resolved', 'Closed') as is_resolved,
                try_cast(resolved_at as timestamp) as resolved_at,
                status, priority, try_cast(resolution_minutes as double) as resolution_minutes
            from read_parquet('{scratch / "landing"}/*.parquet')
            where ticket_id is not null
            qualify row_number() over (partition by ticket_id) = 1
            """
        )
        started = time.perf_counter()
        load_encoder("auto", settings.models_dir)  # builds the ONNX export on a first run
        build_seconds = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        embedded = embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
        embed_seconds = time.perf_counter() - started
        embed_cpu_seconds = time.process_time() - cpu
        embed_rss = peak_rss_mb()
    clustering = settings.model_copy(update={"duckdb_memory_limit": DATABASE_MEMORY})
    with open_warehouse(clustering) as connection:
        started = time.perf_counter()
        clustered = cluster_tickets(
            connection,
            embedding_model=embedded.embedding_model,
            models_dir=scratch / "models",
            reports_dir=settings.reports,
            n_clusters=CLUSTERS,
        )
        cluster_seconds = time.perf_counter() - started
    return {
        "tickets": embedded.tickets,
        "distinct_texts": embedded.distinct_texts,
        "backend": embedded.backend,
        "encoder_load_seconds": build_seconds,
        "embed_seconds": embed_seconds,
        "embed_cpu_seconds": embed_cpu_seconds,
        "encode_seconds": embedded.encode_seconds,
        "texts_per_second": embedded.texts_per_second,
        "embed_peak_rss_mb": embed_rss,
        "cluster_seconds": cluster_seconds,
        "epochs": clustered.epochs,
        "adjusted_rand_index": clustered.adjusted_rand_index,
        "normalized_mutual_info": clustered.normalized_mutual_info,
    }


def baseline(rows: int, scratch: Path) -> dict:
    """Plain fp32 against the kept backend on the same kind of texts: a fresh process per run,
    interleaved rounds (a busy moment slows both alike), best round of each kept."""
    from ml.embedding_backends import choose_backend
    from supportlake.settings import apply_offline_environment

    apply_offline_environment()
    texts, _ = generated_texts(rows, seed=PIPELINE_SEED)
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "texts.json").write_text(json.dumps(texts))
    kept = choose_backend(MODELS).backend
    rounds: dict[str, list[float]] = {"torch": [], kept: []}
    for _ in range(BASELINE_ROUNDS):
        for name in rounds:
            child = [sys.executable, str(ROOT / "benchmarks" / "bench_embeddings.py"), "--child"]
            subprocess.run([*child, name, str(MODELS), str(scratch), "0"], check=True)
            run = json.loads((scratch / f"{name}.json").read_text())
            rounds[name].append(len(texts) / run["seconds"])
    return {
        "texts": len(texts),
        "backend": kept,
        "torch_rounds": rounds["torch"],
        "kept_rounds": rounds[kept],
        "torch_texts_per_second": max(rounds["torch"]),
        "kept_texts_per_second": max(rounds[kept]),
    }


def synthetic_partition(rows: int, seed: int, centres: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = centres[rng.integers(0, len(centres), rows)]
    vectors += 0.05 * rng.standard_normal(vectors.shape, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def centres_for_stream() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(CLUSTERS, 384)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def stream(rows: int, scratch: Path) -> dict:
    """partial_fit over generated partitions; RSS sampled after each one."""
    from ml.topics import fit_clusters, plan_minibatches

    centres = centres_for_stream()
    partitions = max(1, rows // STREAM_PARTITION)
    rss_after_partition: list[float] = []

    def batches():
        for index in range(partitions):
            vectors = synthetic_partition(STREAM_PARTITION, index, centres)
            yield vectors, np.ones(len(vectors))
            rss_after_partition.append(current_rss_mb())

    minibatch, _ = plan_minibatches(rows)
    started = time.perf_counter()
    model = fit_clusters(batches, n_clusters=CLUSTERS, minibatch_size=minibatch, epochs=1)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for index in range(partitions):
        model.predict(synthetic_partition(STREAM_PARTITION, index, centres))
    assign_seconds = time.perf_counter() - started
    return {
        "rows": partitions * STREAM_PARTITION,
        "partitions": partitions,
        "minibatch_size": minibatch,
        "fit_seconds": fit_seconds,
        "assign_seconds": assign_seconds,
        "rss_first_partition_mb": rss_after_partition[0],
        "rss_last_partition_mb": rss_after_partition[-1],
        "rss_max_partition_mb": max(rss_after_partition),
    }


def warehouse_write(rows: int, scratch: Path) -> dict:
    """M synthetic embeddings (and their tickets) written to a fresh warehouse."""
    import pyarrow as pa

    from ml.embedding_backends import MODEL_NAME
    from ml.embeddings import ensure_embedding_tables, vectors_to_arrow
    from supportlake.warehouse import open_warehouse

    centres = centres_for_stream()
    started = time.perf_counter()
    with open_warehouse(_warehouse_settings(scratch)) as connection:
        ensure_embedding_tables(connection)
        connection.execute(
            f"""
            create schema marts;
            create table marts.tickets as
            select 'T' || i as ticket_id, 'subject ' || (i % 97) as subject,
                'message about topic ' || (i % 20) as message, 'Category ' || (i % 8) as category,
                'Product ' || (i % 5) as product_line
            from range({rows}) as numbers (i);
            insert into ml.ticket_text_hashes
            select ticket_id, md5(ticket_id), current_timestamp::timestamp from marts.tickets;
            """
        )
        for start in range(0, rows, STREAM_PARTITION):
            count = min(STREAM_PARTITION, rows - start)
            batch = pa.table(
                {"embedding": vectors_to_arrow(synthetic_partition(count, start, centres))}
            )
            connection.register("batch", batch)
            # Row i of the batch is ticket T<start + i>; its text hash is md5 of the ticket id.
            connection.execute(
                f"""
                insert into ml.ticket_embeddings
                select md5('T' || (row_number() over () - 1 + {start})), $model,
                    embedding, current_timestamp::timestamp
                from batch
                """,
                {"model": MODEL_NAME},
            )
            connection.unregister("batch")
    return {"rows": rows, "write_seconds": time.perf_counter() - started}


def warehouse(rows: int, scratch: Path) -> dict:
    """cluster_tickets on the embeddings warehouse_write left: stream, fit, assign, describe."""
    from ml.embedding_backends import MODEL_NAME
    from ml.topics import DATABASE_MEMORY, cluster_tickets
    from supportlake.warehouse import open_warehouse

    # The clustering memory limit, as the flow's clustering task opens its connection.
    settings = _warehouse_settings(scratch)
    clustering = settings.model_copy(update={"duckdb_memory_limit": DATABASE_MEMORY})
    with open_warehouse(clustering) as connection:
        started = time.perf_counter()
        result = cluster_tickets(
            connection,
            embedding_model=MODEL_NAME,
            models_dir=scratch / "models",
            reports_dir=settings.reports,
            n_clusters=CLUSTERS,
        )
        cluster_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "cluster_seconds": cluster_seconds,
        "epochs": result.epochs,
        "clustered_tickets": result.clustered_tickets,
    }


def _warehouse_settings(scratch: Path):
    from supportlake.settings import Settings

    # Both warehouse parts share one folder beside their result files.
    folder = scratch.parent / "warehouse-data"
    return Settings(warehouse=folder / "warehouse.duckdb", lake=folder / "lake")


PARTS = {
    "pipeline": pipeline,
    "baseline": baseline,
    "stream": stream,
    "warehouse_write": warehouse_write,
    "warehouse": warehouse,
}


# --- the report ----------------------------------------------------------------------------


def rates(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


def when(run: dict) -> str:
    load = run.get("load_average")
    return f"finished {run['finished']}" + (f", load average {load:.1f}" if load else "")


def render(results: dict) -> str:
    lines = []
    if "pipeline" in results:
        run = results["pipeline"]
        distinct = max(run["distinct_texts"], 1)
        embed_wall = run["embed_seconds"] - run["encoder_load_seconds"]
        embed_hours = embed_wall / distinct * 10_000_000 / 3600
        cpu_hours = run["embed_cpu_seconds"] / distinct * 10_000_000 / 3600
        lines += [
            f"**Pipeline** ({when(run)}), {run['tickets']:,} generated tickets "
            f"({run['distinct_texts']:,} distinct texts), "
            f"backend `{run['backend']}`: embed {run['embed_seconds']:.0f} s "
            f"({distinct / embed_wall:.0f} texts/s for the whole step: encode, VADER sentiment "
            f"and writes; {run['texts_per_second']:.0f} texts/s inside the encoder; including "
            f"{run['encoder_load_seconds']:.0f} s to load or build the encoder; peak RSS "
            f"{run['embed_peak_rss_mb']:.0f} MB), cluster + assign + describe + plot "
            f"{run['cluster_seconds']:.1f} s ({run['epochs']} fitting pass(es)); ARI "
            f"{run['adjusted_rand_index']:.3f} / NMI {run['normalized_mutual_info']:.3f} "
            f"against the generator's categories; process peak RSS "
            f"{run['process_peak_rss_mb']:.0f} MB, {run['cpu_seconds']:.0f} CPU s. The embed "
            "step's peak is DuckDB's buffer pool (the warehouse connection's memory_limit, 4GB "
            "by default, keeps recently written blocks) plus the encoder; it does not grow "
            "with the row count (the encoder alone: the peak RSS column of Embedding backends).",
            "",
        ]
    if "baseline" in results:
        run = results["baseline"]
        speed_up = run["kept_texts_per_second"] / run["torch_texts_per_second"]
        lines += [
            f"**Speed-up over the plain model** ({when(run)}), both measured in this one run on "
            f"{run['texts']:,} texts of the same generated tickets, each backend in a fresh "
            "process after a warm-up, best of "
            f"{len(run['torch_rounds'])} interleaved rounds: plain sentence-transformers fp32 "
            f"{run['torch_texts_per_second']:.0f} texts/s (rounds: {rates(run['torch_rounds'])}), "
            f"`{run['backend']}` {run['kept_texts_per_second']:.0f} texts/s (rounds: "
            f"{rates(run['kept_rounds'])}): **{speed_up:.2f}x**.",
        ]
        if "pipeline" in results:
            pipeline_rate = results["pipeline"]["texts_per_second"]
            lines[-1] += (
                f" The pipeline's encoder rate over all its texts ({pipeline_rate:.0f}/s, "
                f"{results['pipeline']['finished']}) is "
                f"{pipeline_rate / run['torch_texts_per_second']:.2f}x this plain rate."
            )
        lines.append("")
    if "pipeline" in results:
        lines += [
            f"Extrapolated to 10M distinct texts on this 2-core machine: embedding "
            f"{embed_hours:.1f} h at the pipeline's whole-step rate ({cpu_hours:.1f} CPU-hours; "
            f"~{cpu_hours / 8:.1f} h on 8 cores if it scales with cores, untested here), plus "
            "clustering at the warehouse rate below. Assumptions: every text distinct "
            "(identical texts are embedded once, and real exports repeat far more than the "
            "generator, whose texts are 99.9% distinct), texts of ~32 words like these (cost "
            "grows with length, up to the 256-token cap), CPU only (a CUDA GPU runs the plain "
            "model instead). Memory stays at one partition (20k texts, ~30 MB of vectors) plus "
            "the model.",
            "",
        ]
    if "stream" in results:
        run = results["stream"]
        per_million = (run["fit_seconds"] + run["assign_seconds"]) / run["rows"] * 1e6
        lines += [
            f"**Clustering memory** ({when(run)}), {run['rows']:,} x 384 synthetic unit vectors "
            "streamed in "
            f"{run['partitions']} partitions of 100k through `fit_clusters` (k-means-seeded, "
            f"then partial_fit minibatches of {run['minibatch_size']}): fit "
            f"{run['fit_seconds']:.1f} s, predict pass {run['assign_seconds']:.1f} s. RSS after "
            f"the first partition {run['rss_first_partition_mb']:.0f} MB, after the last "
            f"{run['rss_last_partition_mb']:.0f} MB (max {run['rss_max_partition_mb']:.0f} MB); "
            f"process peak {run['process_peak_rss_mb']:.0f} MB. Memory is flat in the row "
            f"count, so 10M x 384 (15 GB of float32) clusters in the same ~"
            f"{run['process_peak_rss_mb']:.0f} MB, well inside 4 GB; time is linear: "
            f"~{per_million * 10 / 60:.1f} min for fit + predict of 10M at this rate.",
            "",
        ]
    if "warehouse" in results:
        run = results["warehouse"]
        # Every pass reads all rows: the fitting passes and one assignment pass.
        rate = run["rows"] * (run["epochs"] + 1) / run["cluster_seconds"]
        lines += [
            f"**Through the warehouse** ({when(run)}), {run['rows']:,} synthetic embeddings in "
            f"ml.ticket_embeddings (written in {results['warehouse_write']['write_seconds']:.1f}"
            " s, another process): cluster_tickets "
            f"(stream as Arrow batches, {run['epochs']} pass(es), assign, write "
            f"ml.ticket_clusters, describe, plot) {run['cluster_seconds']:.1f} s, "
            f"{rate:,.0f} rows read per second over all passes; process peak RSS "
            f"{run['process_peak_rss_mb']:.0f} MB (DuckDB's memory_limit for this step, 1GB, "
            "caps the database side).",
            "",
        ]
        if run["rows"] < 10_000_000:
            lines[-2] += (
                " 10M rows get one fitting pass and one assignment pass: "
                f"~{2 * 10_000_000 / rate / 60:.0f} min at this rate."
            )
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    main()
