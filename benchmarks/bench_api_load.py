"""API load benchmark: many clients against one `supportlake serve` worker while a flow ingests.

    .venv/bin/python benchmarks/bench_api_load.py --seconds 30 --clients 100 --rate 500 [--record]

The server runs as `supportlake serve` (one uvicorn worker, JSON request logs on, landing logs
written) in its own process; the load comes from this process (asyncio keep-alive connections
with pre-encoded requests: httpx cost more CPU per request than the server); a third process
runs `supportlake ingest` (the Prefect ingest flow) on generated parquet in a loop, on its own
warehouse, for the whole run. Each client sends POST /predict-ticket on a fixed schedule
(`--rate` requests/s over all clients; 0 = as fast as each client can), with real generated
tickets, so latency is what one request waits, not a queue of 100 the clients built themselves.
Goal from the issue: p99 <= 25 ms, >= 500 requests/s, no errors. --record writes the
`## API load` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BENCHMARKS_DOC, machine_line  # noqa: E402

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: np.ndarray
    statuses: dict[str, int]
    late_sends: int  # sends that left after their scheduled slot (clients could not keep up)
    client_cpu_seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")


@dataclass
class IngestLoop:
    """`supportlake ingest` again and again, each time into a fresh warehouse, until stopped."""

    landing: Path
    folder: Path
    runs: int = 0
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            warehouse = self.folder / f"ingest-{self.runs}.duckdb"
            environment = {**os.environ, "SUPPORTLAKE_WAREHOUSE": str(warehouse)}
            process = subprocess.Popen(
                [str(SUPPORTLAKE), "ingest", str(self.landing)],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while process.poll() is None:
                if self.stop.wait(0.2):
                    process.send_signal(signal.SIGINT)
                    process.wait(timeout=60)
                    return
            self.runs += 1
            self.failures += process.returncode != 0
            warehouse.unlink(missing_ok=True)


def prepare_tickets(folder: Path, rows: int) -> pd.DataFrame:
    from supportlake.generate.tickets import generate_tickets

    summary = generate_tickets(folder, rows=rows, seed=7, progress=False)
    return pd.concat([pd.read_parquet(path) for path in summary.files], ignore_index=True)


def ensure_models(models_dir: Path, tickets: pd.DataFrame) -> dict[str, str]:
    """The registry's current models, or quick ones trained here on generated tickets."""
    from ml import registry
    from ml.datasets import LabelledData, TextSpec, finish_labels
    from ml.training import TrainingOptions, build_metadata, fit_task

    versions = {}
    for task in ("priority", "category"):
        current = registry.current_version(models_dir, task)
        if current:
            versions[task] = current
            continue
        frame = tickets[
            ["ticket_id", "subject", "message", "channel", "queue", "product_line", "created_at"]
        ].assign(label=tickets[task])
        spec = TextSpec(("subject", "message"), task)
        data = finish_labels(LabelledData(frame, "bench:generated", spec, len(frame)))
        outcome = fit_task(data, TrainingOptions(task=task, quick=True, folds=3, zero_shot=False))
        content_hash = registry.data_hash(data.frame)
        version = registry.new_version(task, content_hash, models_dir)
        metadata = build_metadata(outcome, version, content_hash)
        registry.save_model(models_dir, task, version, outcome.pipeline, metadata)
        registry.set_current(models_dir, task, version)
        versions[task] = version
        print(f"trained {version} on {len(data.frame):,} generated tickets", flush=True)
    return versions


def request_bodies(tickets: pd.DataFrame, count: int) -> list[bytes]:
    sample = tickets.sample(min(count, len(tickets)), random_state=1)
    bodies = []
    for row in sample.itertuples():
        body = {
            "subject": row.subject if isinstance(row.subject, str) else "",
            "message": row.message if isinstance(row.message, str) else "",
            "channel": row.channel if isinstance(row.channel, str) else None,
            "ticket_id": row.ticket_id if isinstance(row.ticket_id, str) else None,
        }
        if not (body["subject"].strip() or body["message"].strip()):
            continue
        body["subject"], body["message"] = body["subject"][:20_000], body["message"][:20_000]
        bodies.append(json.dumps(body).encode())
    return bodies


def start_server(port: int, environment: dict[str, str], log: Path) -> subprocess.Popen:
    command = [str(SUPPORTLAKE), "serve", "--port", str(port), "--log-level", "info"]
    with log.open("wb") as handle:
        process = subprocess.Popen(command, env=environment, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the API did not start; see {log}")
        time.sleep(0.5)


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RawHttpConnection:
    """A minimal keep-alive HTTP/1.1 client: pre-encoded requests, Content-Length responses.
    httpx costs the load generator several ms of CPU per request on this machine, more than
    the server spends, so the client would measure itself; this costs a few tens of µs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> str:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = head[9:12].decode()
            match = re.search(rb"(?i)content-length: *(\d+)", head)
            await self.reader.readexactly(int(match.group(1)) if match else 0)
            return status
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.writer.close()
            self.reader = self.writer = None
            return type(error).__name__


def encode_request(path: str, host: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def run_load(port: int, bodies: list[bytes], clients: int, rate: float, seconds: float):
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    late = 0
    interval = clients / rate if rate > 0 else 0.0
    requests = [encode_request("/predict-ticket", f"127.0.0.1:{port}", body) for body in bodies]
    connections = [RawHttpConnection("127.0.0.1", port) for _ in range(clients)]
    cpu_before = time.process_time()
    started = time.perf_counter()
    end = started + seconds

    async def one_client(index: int) -> None:
        nonlocal late
        connection = connections[index]
        scheduled = started + (index * interval / clients if interval else 0.0)
        position = index
        while True:
            now = time.perf_counter()
            if scheduled >= end or now >= end:
                return
            if scheduled > now:
                await asyncio.sleep(scheduled - now)
            elif interval and now - scheduled > interval:
                late += 1
            request = requests[position % len(requests)]
            position += clients
            sent = time.perf_counter()
            status = await connection.post(request)
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            scheduled = scheduled + interval if interval else time.perf_counter()

    await asyncio.gather(*(one_client(index) for index in range(clients)))
    elapsed = time.perf_counter() - started
    for connection in connections:
        if connection.writer is not None:
            connection.writer.close()
    return LoadResult(
        elapsed, np.asarray(latencies), statuses, late, time.process_time() - cpu_before
    )


def server_side_latency(prediction_log: Path) -> np.ndarray:
    values = []
    for path in prediction_log.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record.get("status") == "ok" and record.get("latency_ms") is not None:
                values.append(record["latency_ms"])
    return np.asarray(values)


def percentiles(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {}
    return {f"p{p}": float(np.percentile(values, p)) for p in (50, 90, 99)} | {
        "max": float(values.max())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=500, help="requests/s in all; 0: no pause")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--models-dir", type=Path, help="registry to serve (default: train one)")
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--ingest-rows", type=int, default=200_000)
    parser.add_argument("--no-ingest", action="store_true", help="no ingest flow beside the load")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--note", default="", help="a sentence recorded under the table")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="supportlake-bench-api-"))
    print(f"work folder {work}", flush=True)
    tickets = prepare_tickets(work / "generated", args.train_rows)
    models_dir = args.models_dir or work / "models"
    versions = ensure_models(models_dir, tickets)
    bodies = request_bodies(tickets, 2000)
    landing = work / "ingest-landing" / "tickets"
    if not args.no_ingest:
        from supportlake.generate.tickets import generate_tickets

        generate_tickets(
            landing, rows=args.ingest_rows, seed=3, rows_per_partition=50_000, progress=False
        )

    environment = {
        **os.environ,
        "SUPPORTLAKE_MODELS_DIR": str(models_dir),
        "SUPPORTLAKE_LAKE": str(work / "lake"),
        "SUPPORTLAKE_WAREHOUSE": str(work / "api-warehouse.duckdb"),
        "PREFECT_HOME": str(work / "prefect"),
        # All simulated clients share 127.0.0.1: the per-client rate limit would refuse them.
        "SUPPORTLAKE_API_RATE_LIMIT": "1000000/minute",
    }
    server = start_server(args.port, environment, work / "api.log")
    url = f"http://127.0.0.1:{args.port}/predict-ticket"
    for body in bodies[:50]:  # warm-up: first requests fill caches and the connection
        httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30)

    ingest = IngestLoop(landing.parent, work)
    ingest_thread = threading.Thread(target=ingest.run, daemon=True)
    if not args.no_ingest:
        os.environ.update({"SUPPORTLAKE_LAKE": str(work / "ingest-lake")})
        os.environ["PREFECT_HOME"] = str(work / "prefect")
        ingest_thread.start()
        time.sleep(3)  # let the ingest get going before measuring
    server_cpu_before = process_cpu_seconds(server.pid)
    runner = asyncio.run
    try:
        import uvloop  # the same event loop the server uses; cheaper per request

        runner = uvloop.run
    except ImportError:
        pass
    result = runner(run_load(args.port, bodies, args.clients, args.rate, args.seconds))
    server_cpu = process_cpu_seconds(server.pid) - server_cpu_before
    load_average = os.getloadavg()[0]
    ingest.stop.set()
    if ingest_thread.is_alive():
        ingest_thread.join(timeout=90)
    server.send_signal(signal.SIGTERM)  # the API closes its logs on shutdown
    server.wait(timeout=60)
    server_side = server_side_latency(work / "lake" / "landing" / "prediction_log")

    client = percentiles(result.latencies_ms)
    report = {
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(load_average, 2),
        "seconds": round(result.seconds, 1),
        "clients": args.clients,
        "target_rate": args.rate,
        "requests": result.requests,
        "throughput_rps": round(result.requests / result.seconds, 1),
        "errors": result.errors,
        "statuses": result.statuses,
        "late_sends": result.late_sends,
        "client_latency_ms": {k: round(v, 2) for k, v in client.items()},
        "server_latency_ms": {k: round(v, 2) for k, v in percentiles(server_side).items()},
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(result.requests, 1), 2),
        "client_cpu_seconds": round(result.client_cpu_seconds, 1),
        "ingest_runs": ingest.runs,
        "ingest_running": not args.no_ingest,
        "ingest_failures": ingest.failures,
        "models": versions,
    }
    print(json.dumps(report, indent=2))
    goal = client.get("p99", 1e9) <= 25 and report["throughput_rps"] >= 500 and not result.errors
    print(f"goal (p99 <= 25 ms, >= 500 req/s, no errors): {'met' if goal else 'NOT met'}")
    if args.record:
        _record(report, args)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _record(report: dict, args) -> None:
    """Replace the body of `## API load` (or add the section), leaving other sections alone."""
    client, server = report["client_latency_ms"], report["server_latency_ms"]
    body = (
        "## API load\n\n"
        "`benchmarks/bench_api_load.py --seconds S --clients C --rate R`: `supportlake serve` "
        "(one uvicorn worker, JSON request logs and landing logs on) in its own process; C "
        "keep-alive clients in one asyncio process, each on a fixed schedule (R requests/s in "
        "all), "
        "POST /predict-ticket with generated tickets; `supportlake ingest` (the Prefect flow) "
        "loading generated parquet in a loop in a third process for the whole run. Goal: p99 <= "
        "25 ms, >= 500 requests/s, no errors.\n\n"
        f"Measured {machine_line()} (os.cpu_count() = {report['cpu_count']}; load average "
        f"{report['load_average_1m']} at the end).\n\n"
        "| clients | target req/s | seconds | requests | req/s | errors | p50 ms | p90 ms | "
        "p99 ms | max ms | server p99 ms | server CPU s | client CPU s | ingest runs |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {report['clients']} | {report['target_rate']:g} | {report['seconds']} | "
        f"{report['requests']:,} | {report['throughput_rps']} | {report['errors']} | "
        f"{client.get('p50', '')} | {client.get('p90', '')} | {client.get('p99', '')} | "
        f"{client.get('max', '')} | {server.get('p99', '')} | {report['server_cpu_seconds']} | "
        f"{report['client_cpu_seconds']} | {report['ingest_runs']} |\n\n"
        f"The server spent {report['server_cpu_ms_per_request']} ms of CPU per request (model, "
        "HTTP, logs), so one dedicated core serves at most about "
        f"{1000 / max(report['server_cpu_ms_per_request'], 0.01):,.0f} requests/s; "
        f"{report['late_sends']:,} sends left after their slot because the server was behind. "
        f"Ingest runs completed during the load: {report['ingest_runs']} (a run includes "
        "starting Prefect's ephemeral server).\n" + (f"\n{args.note}\n" if args.note else "")
    )
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## API load\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    BENCHMARKS_DOC.write_text(text)
    print(f"recorded in {BENCHMARKS_DOC}")


if __name__ == "__main__":
    main()
