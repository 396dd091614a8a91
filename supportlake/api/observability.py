"""Request ids, structured JSON logs and Prometheus metrics for the API.

Every request gets an id (the caller's X-Request-ID when it is sane, else a new one), returned
in the response header and written into every log line emitted while the request runs, so a
support tool's ticket, the API's log and the prediction log can be joined on it.
"""

from __future__ import annotations

import copy
import logging
import queue
import re
import sys
import threading
import time
import uuid
from contextlib import suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import QueueHandler

import orjson
from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

access_logger = logging.getLogger("supportlake.api.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _FormattedQueueHandler(QueueHandler):
    """Formats in the request's thread (the request id lives in a context variable there) and
    leaves the write to the listener thread: a slow disk or pipe never stalls a request."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg = self.format(record)
        record.args = None
        record.exc_info = record.exc_text = record.stack_info = None
        return record


class BatchedLineWriter:
    """The listener side of the log queue: waits for one formatted line, takes every line
    queued behind it, and writes them with one write and one flush. Under load that is one
    system call per burst instead of one per request line (QueueListener's way)."""

    _STOP = object()

    def __init__(self, records: queue.SimpleQueue, stream) -> None:
        self.records = records
        self.stream = stream
        self.thread = threading.Thread(target=self._run, name="api-log-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread (at exit)."""
        if self.thread.is_alive():
            self.records.put(self._STOP)
            self.thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            batch = [self.records.get()]
            with suppress(queue.Empty):
                while len(batch) < 1000:
                    batch.append(self.records.get_nowait())
            stop = any(record is self._STOP for record in batch)
            lines = [record.msg for record in batch if record is not self._STOP]
            if lines:
                with suppress(OSError, ValueError):  # a closed stderr loses logs, not requests
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
            if stop:
                return


def configure_json_logging(level: str = "info") -> BatchedLineWriter:
    """JSON lines on stderr for the API's and uvicorn's loggers, written by a background
    thread (uvicorn's access log is off: the API writes its own, with the request id).
    Returns the running writer; stop() it to flush at exit."""
    records: queue.SimpleQueue = queue.SimpleQueue()
    writer = BatchedLineWriter(records, sys.stderr)
    writer.start()
    handler = _FormattedQueueHandler(records)
    handler.setFormatter(JsonFormatter())
    for name in ("supportlake", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
    return writer


class ApiMetrics:
    """The API's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "supportlake_api_requests_total",
            "HTTP requests by route and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "supportlake_api_request_seconds",
            "Time from request to response, by route.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.predictions = Counter(
            "supportlake_predictions_total",
            "Tickets classified, by task and predicted class.",
            ["task", "predicted"],
            registry=self.registry,
        )
        self.escalations = Counter(
            "supportlake_escalations_total",
            "Predictions escalated (urgent priority).",
            registry=self.registry,
        )
        self.webhook_failures = Counter(
            "supportlake_escalation_webhook_failures_total",
            "Escalation webhook calls that failed or timed out.",
            registry=self.registry,
        )
        self.feedback = Counter(
            "supportlake_feedback_total", "Corrections accepted.", registry=self.registry
        )
        self.log_failures = Counter(
            "supportlake_landing_log_failures_total",
            "Records the API could not append to a landing log.",
            ["log"],
            registry=self.registry,
        )
        self.model_info = Gauge(
            "supportlake_model_info",
            "The model version serving each task (value 1).",
            ["task", "version"],
            registry=self.registry,
        )
        self.model_loaded = Gauge(
            "supportlake_model_loaded_timestamp_seconds",
            "When the serving model of each task was loaded (Unix time).",
            ["task"],
            registry=self.registry,
        )

    def set_models(self, models: dict) -> None:
        self.model_info.clear()
        for task, model in models.items():
            self.model_info.labels(task, model.version).set(1)
            self.model_loaded.labels(task).set(model.loaded_at.timestamp())


def _route_of(scope: dict) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    """Pure ASGI (no per-request task or body copy): request id in and out, one access log
    line, request count and latency metrics, and a byte cap on request bodies."""

    def __init__(self, app, metrics: ApiMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        incoming = None
        length = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"content-length":
                length = value
        request_id = (
            incoming if incoming and _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        )
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500, "started": False}
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                await _send_json(send_with_id, 413, _too_large_detail(self.max_body_bytes))
            else:
                await self.app(scope, _capped(receive, self.max_body_bytes), send_with_id)
        except Exception:  # one bad request must never take the server down
            access_logger.exception("unhandled error")
            if not status["started"]:
                detail = {
                    "detail": "internal error; quote the request id",
                    "request_id": request_id,
                }
                await _send_json(send_with_id, 500, detail)
        finally:
            seconds = time.perf_counter() - started
            route = _route_of(scope)
            self.metrics.requests.labels(route, scope["method"], str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(seconds)
            access_logger.info(
                "request",
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status["code"],
                        "duration_ms": round(seconds * 1000, 3),
                    }
                },
            )
            request_id_var.reset(token)


def _capped(receive, limit: int):
    """Count body bytes as they arrive (chunked uploads carry no Content-Length); FastAPI
    passes an HTTPException raised while it reads the body on as the response."""
    received = 0

    async def wrapped():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, _too_large_detail(limit)["detail"])
        return message

    return wrapped


def _too_large_detail(limit: int) -> dict:
    return {"detail": f"request body larger than {limit} bytes: send fewer or shorter tickets"}


async def _send_json(send, status: int, content: dict) -> None:
    body = orjson.dumps(content)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
