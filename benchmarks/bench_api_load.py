"""API load benchmark: one `supportlake serve` worker under an open-loop load, alone and beside
an ingest, optionally against the API of an earlier git revision in the same run.

    .venv/bin/python benchmarks/bench_api_load.py --seconds 20 --clients 50 --rate 500 \
        [--baseline-ref REV] [--record]

The server runs as `supportlake serve` (one uvicorn worker, JSON request logs on, landing logs
written) in its own process. The load comes from Debian's `hey` (compiled, `apt-get install -y
hey`): ten processes, each POSTing one generated ticket to /predict-ticket at a fixed rate
(`--rate` requests/s over all `--clients` connections), so the client costs little CPU beside
the server; `--client python` uses the asyncio clients instead (2,000 distinct tickets). Each
implementation is measured alone and then while a third process runs `supportlake ingest` on
generated parquet in a loop. The server's CPU seconds per request come from /proc: that
figure does not depend on how busy the machine is. Goal from the issue: p99 <= 25 ms at 500
requests/s, no errors, both ways. --record writes the `## API load` section of
docs/benchmarks.md.
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
from measure import BENCHMARKS_DOC, machine_line

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")
REPOSITORY = Path(__file__).resolve().parents[1]


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
    from ml.training import TrainingOptions, fit_task, save_as_current

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
        version = save_as_current(outcome, models_dir)
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


def start_server(
    port: int, environment: dict[str, str], log: Path, command=None, cwd=None
) -> subprocess.Popen:
    command = command or [str(SUPPORTLAKE), "serve", "--port", str(port), "--log-level", "info"]
    with log.open("wb") as handle:
        process = subprocess.Popen(command, env=environment, stdout=handle, stderr=handle, cwd=cwd)
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


def percentiles(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {}
    return {f"p{p}": float(np.percentile(values, p)) for p in (50, 90, 99)} | {
        "max": float(values.max())
    }


HEY = shutil.which("hey")
HEY_PROCESSES = 10  # hey sends one body: ten processes, ten different tickets


def run_hey(port: int, bodies: list[bytes], connections: int, rate: float, seconds: float, work):
    """Debian's `hey` (compiled, Go): HEY_PROCESSES processes, each POSTing its own ticket on
    connections/HEY_PROCESSES connections at an equal share of `rate` for `seconds`."""
    per_process = max(1, connections // HEY_PROCESSES)
    per_connection = rate / (HEY_PROCESSES * per_process)
    url = f"http://127.0.0.1:{port}/predict-ticket"
    processes = []
    for index in range(HEY_PROCESSES):
        body = work / f"hey-body-{index}.json"
        body.write_bytes(bodies[index % len(bodies)])
        command = [HEY, "-z", f"{seconds:g}s", "-c", str(per_process), "-q", f"{per_connection:g}"]
        command += ["-m", "POST", "-T", "application/json", "-D", str(body), "-o", "csv", url]
        handle = (work / f"hey-{index}.csv").open("wb")
        processes.append((subprocess.Popen(command, stdout=handle), handle))
    started = time.perf_counter()
    cpu = 0.0
    for process, handle in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        handle.close()
        cpu += usage.ru_utime + usage.ru_stime
    elapsed = max(time.perf_counter() - started, seconds)
    frames = [pd.read_csv(work / f"hey-{index}.csv") for index in range(HEY_PROCESSES)]
    answers = pd.concat(frames, ignore_index=True)
    statuses = answers["status-code"].astype(str).value_counts().to_dict()
    latencies = answers["response-time"].to_numpy() * 1000
    return LoadResult(elapsed, latencies, statuses, 0, cpu)


def start_baseline_server(ref: str, port: int, environment: dict, work: Path) -> subprocess.Popen:
    """The API as it was at git `ref`, from an exported tree, same uvicorn settings."""
    tree = work / f"baseline-{ref}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", ref], cwd=REPOSITORY, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    code = (
        "import uvicorn; uvicorn.run('supportlake.api.app:create_served_app', factory=True, "
        f"host='127.0.0.1', port={port}, workers=1, log_config=None, log_level='info', "
        "access_log=False)"
    )
    return start_server(
        port,
        environment | {"PYTHONPATH": str(tree)},
        work / f"api-{ref}.log",
        command=[sys.executable, "-c", code],
        cwd=tree,
    )


def measure(server, port: int, bodies, args, work: Path, ingest_landing: Path | None) -> dict:
    """One load round against a running server; `ingest_landing`: loop the ingest beside it."""
    url = f"http://127.0.0.1:{port}/predict-ticket"
    for body in bodies[:200]:  # warm-up: first requests fill caches and the connection
        httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30)
    ingest = IngestLoop(ingest_landing.parent, work) if ingest_landing else None
    ingest_thread = threading.Thread(target=ingest.run, daemon=True) if ingest else None
    if ingest_thread:
        ingest_thread.start()
        time.sleep(3)  # let the ingest get going before measuring
    server_cpu_before = process_cpu_seconds(server.pid)
    if args.client == "hey":
        result = run_hey(port, bodies, args.clients, args.rate, args.seconds, work)
    else:
        runner = asyncio.run
        try:
            import uvloop  # the same event loop the server uses; cheaper per request

            runner = uvloop.run
        except ImportError:
            pass
        result = runner(run_load(port, bodies, args.clients, args.rate, args.seconds))
    server_cpu = process_cpu_seconds(server.pid) - server_cpu_before
    load_average = os.getloadavg()[0]
    if ingest:
        ingest.stop.set()
        ingest_thread.join(timeout=90)
    client = percentiles(result.latencies_ms)
    return {
        "load_average_1m": round(load_average, 2),
        "seconds": round(result.seconds, 1),
        "requests": result.requests,
        "throughput_rps": round(result.requests / result.seconds, 1),
        "errors": result.errors,
        "statuses": result.statuses,
        "late_sends": result.late_sends,
        "client_latency_ms": {k: round(v, 2) for k, v in client.items()},
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(result.requests, 1), 2),
        "client_cpu_seconds": round(result.client_cpu_seconds, 1),
        "ingest_runs": ingest.runs if ingest else None,
        "ingest_failures": ingest.failures if ingest else None,
    }


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)  # the API closes its logs on shutdown
    server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50, help="connections in all")
    parser.add_argument("--rate", type=float, default=500, help="requests/s in all; 0: no pause")
    parser.add_argument("--client", choices=["hey", "python"], default="hey" if HEY else "python")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--models-dir", type=Path, help="registry to serve (default: train one)")
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--ingest-rows", type=int, default=200_000)
    parser.add_argument("--no-ingest", action="store_true", help="no round beside the ingest")
    parser.add_argument(
        "--baseline-ref", help="git revision whose API is measured the same way in the same run"
    )
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
        os.environ["SUPPORTLAKE_LAKE"] = str(work / "ingest-lake")
        os.environ["PREFECT_HOME"] = str(work / "prefect")
    environment = {
        **os.environ,
        "SUPPORTLAKE_MODELS_DIR": str(models_dir),
        "SUPPORTLAKE_LAKE": str(work / "lake"),
        "SUPPORTLAKE_WAREHOUSE": str(work / "api-warehouse.duckdb"),
        "PREFECT_HOME": str(work / "prefect"),
        # All simulated clients share 127.0.0.1: the per-client rate limit would refuse them.
        "SUPPORTLAKE_API_RATE_LIMIT": "1000000/minute",
    }
    implementations = [("current", None)]
    if args.baseline_ref:
        implementations.append((f"baseline {args.baseline_ref}", args.baseline_ref))
    rounds = []
    for name, ref in implementations:
        if ref is None:
            server = start_server(args.port, environment, work / "api.log")
        else:
            server = start_baseline_server(ref, args.port, environment, work)
        try:
            for beside in [None] if args.no_ingest else [None, landing]:
                row = measure(server, args.port, bodies, args, work, beside)
                row |= {"implementation": name, "with_ingest": beside is not None}
                print(json.dumps(row), flush=True)
                rounds.append(row)
        finally:
            stop_server(server)
    report = {
        "cpu_count": os.cpu_count(),
        "client": args.client,
        "clients": args.clients,
        "target_rate": args.rate,
        "rounds": rounds,
        "models": versions,
    }
    print(json.dumps(report, indent=2))
    for row in rounds:
        p99 = row["client_latency_ms"].get("p99", 1e9)
        met = p99 <= 25 and row["throughput_rps"] >= 0.98 * args.rate and not row["errors"]
        print(
            f"{row['implementation']}, {'with' if row['with_ingest'] else 'without'} ingest: "
            f"p99 {p99:.1f} ms, {row['throughput_rps']} req/s, {row['errors']} errors, "
            f"{row['server_cpu_ms_per_request']} CPU ms/request: goal {'met' if met else 'NOT met'}"
        )
    if args.record:
        _record(report, args)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _record(report: dict, args) -> None:
    """Replace the body of `## API load` (or add the section), leaving other sections alone."""
    client_name = (
        f"Debian's `hey` (Go), {HEY_PROCESSES} processes with one generated ticket each"
        if report["client"] == "hey"
        else "keep-alive asyncio clients cycling 2,000 generated tickets"
    )
    rows = []
    for row in report["rounds"]:
        latency = row["client_latency_ms"]
        rows.append(
            f"| {row['implementation']} | {'yes' if row['with_ingest'] else 'no'} | "
            f"{row['seconds']} | {row['requests']:,} | {row['throughput_rps']} | "
            f"{row['errors']} | {latency.get('p50', '')} | {latency.get('p90', '')} | "
            f"{latency.get('p99', '')} | {latency.get('max', '')} | "
            f"{row['server_cpu_ms_per_request']} | {row['load_average_1m']} | "
            f"{row['ingest_runs'] if row['ingest_runs'] is not None else ''} |"
        )
    body = (
        "## API load\n\n"
        "`benchmarks/bench_api_load.py --seconds S --clients C --rate R [--baseline-ref REV]`: "
        "`supportlake serve` (one uvicorn worker, JSON request logs and landing logs on) in its "
        f"own process; the load from {client_name}, R requests/s offered over C keep-alive "
        "connections for S s, POST /predict-ticket; a round beside `supportlake ingest` looping "
        "on generated parquet in a third process; with --baseline-ref the API of that git "
        "revision is measured the same way in the same run. Goal: p99 <= 25 ms at 500 "
        "requests/s, no errors, both ways.\n\n"
        f"Measured {machine_line()} (os.cpu_count() = {report['cpu_count']}), {report['clients']} "
        f"connections, {report['target_rate']:g} requests/s offered.\n\n"
        "| API | ingest beside | seconds | requests | req/s | errors | p50 ms | p90 ms | p99 ms "
        "| max ms | server CPU ms/request | load average | ingest runs |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\nServer CPU ms per request is load-independent: one dedicated core serves about "
        "1000 / that many requests/s.\n" + (f"\n{args.note}\n" if args.note else "")
    )
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## API load\n.*?(?=^## |^### |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    BENCHMARKS_DOC.write_text(text)
    print(f"recorded in {BENCHMARKS_DOC}")


if __name__ == "__main__":
    main()
