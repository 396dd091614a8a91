"""The HTTP API: predictions, similar tickets, feedback, health and metrics.

It never opens the warehouse: models come from the registry, loaded once and swapped when the
registry's `current` pointer moves; every prediction, escalation and correction is appended to
a landing file that the next ingest loads. Only /similar-tickets reads data, from the serving
copy (supportlake/serving.py), read-only, for the length of one query.

Who may do what (docs/operations.md): anyone may ask for predictions, within the per-client
rate limit; an Urgent prediction escalates (landing/escalations and the webhook) only for a
caller with the X-API-Key or from an allowed address; /feedback and, by default,
/similar-tickets need the key. Caller text reaches the lake only as a hash unless
settings.api_store_text is on.

No `from __future__ import annotations` here: the request models are built per app from the
settings, and FastAPI must see their classes, not their names, in the endpoint signatures.
"""

import asyncio
import csv
import hashlib
import hmac
import logging
import time
import uuid
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from supportlake import __version__
from supportlake.api.batching import PredictionBatcher
from supportlake.api.escalation import WebhookNotifier, is_escalation
from supportlake.api.landing_log import LandingLog, instance_name, recover_orphans
from supportlake.api.masking import mask_pii
from supportlake.api.observability import ApiMetrics, RequestContextMiddleware
from supportlake.api.predictor import (
    ModelUnavailable,
    TicketPredictor,
    current_versions,
    load_predictor,
)
from supportlake.api.rate_limit import ClientRateLimit
from supportlake.api.schemas import (
    FeedbackIn,
    FeedbackOut,
    HealthOut,
    PredictionsOut,
    SimilarTicketsOut,
    TicketPrediction,
    request_models,
)
from supportlake.settings import PROJECT_ROOT, Settings, get_settings
from supportlake.sources import ESCALATIONS, PREDICTION_LOG

logger = logging.getLogger("supportlake.api")

CORRECTIONS_SOURCE = "ticket_corrections"  # ml.feedback reads raw.ticket_corrections
HOUSEKEEPING_SECONDS = 5.0  # how often open logs are checked for the end of their hour
MODEL_POLL_SECONDS = 30.0  # how often the registry pointers are checked for a new model
SIMILAR_MAX_K = 50


@dataclass
class ApiState:
    """What the app holds between requests: models, logs, metrics, webhook client."""

    settings: Settings
    metrics: ApiMetrics = field(default_factory=ApiMetrics)
    predictor: TicketPredictor | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    instance: str = field(default_factory=instance_name)
    known_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # task -> lower -> label

    def __post_init__(self) -> None:
        self.batcher = PredictionBatcher(self._predict_many)
        landing = self.settings.landing
        self.prediction_log = LandingLog(landing / PREDICTION_LOG.name, "predictions")
        self.escalation_log = LandingLog(landing / ESCALATIONS.name, "escalations")
        self.feedback_log = LandingLog(landing / CORRECTIONS_SOURCE, "api-feedback")
        self.notifier = WebhookNotifier(
            self.settings.escalation_webhook_url,
            self.settings.escalation_webhook_timeout_seconds,
            on_failure=self.metrics.webhook_failures.inc,
        )

    @property
    def logs(self) -> dict[str, LandingLog]:
        return {
            "prediction_log": self.prediction_log,
            "escalations": self.escalation_log,
            "feedback": self.feedback_log,
        }

    def _predict_many(self, tickets: list[dict]) -> list:
        if self.predictor is None:
            raise ModelUnavailable("models are still loading")
        return self.predictor.predict(tickets)

    def load_models(self) -> None:
        predictor = load_predictor(self.settings.models_dir)
        self.predictor = predictor
        self.metrics.set_models(predictor.models)
        self.known_labels = read_known_labels(predictor)
        for task, model in predictor.models.items():
            logger.info(
                "model loaded",
                extra={
                    "fields": {"task": task, "version": model.version, "note": model.compiled_note}
                },
            )
        if not predictor.models:
            logger.warning(
                "no current model: predictions answer 503 until one is trained",
                extra={"fields": {"models_dir": str(self.settings.models_dir)}},
            )

    async def housekeeping(self) -> None:
        """Close finished hourly logs; pick up a newly trained model without a restart."""
        last_poll = time.monotonic()
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            for log in self.logs.values():
                log.rotate_if_due()
            if time.monotonic() - last_poll < MODEL_POLL_SECONDS:
                continue
            last_poll = time.monotonic()
            serving = self.predictor.versions if self.predictor else {}
            if current_versions(self.settings.models_dir) != serving:
                try:
                    await asyncio.to_thread(self.load_models)
                except Exception:  # noqa: BLE001 -- keep serving the old model
                    logger.exception("reloading models failed; the previous models keep serving")

    @asynccontextmanager
    async def lifespan(self, app: FastAPI):
        for log in self.logs.values():
            for path in recover_orphans(log.folder):
                logger.info("closed a log left open", extra={"fields": {"path": str(path)}})
        self.load_models()
        keeper = asyncio.create_task(self.housekeeping())
        try:
            yield
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper
            await self.notifier.aclose()
            for log in self.logs.values():
                closed = log.close()
                if closed:
                    logger.info("log closed", extra={"fields": {"path": str(closed)}})


def read_known_labels(predictor: TicketPredictor) -> dict[str, dict[str, str]]:
    """Labels a correction may use: the seeds' taxonomy and priorities, and the models' classes."""
    seeds = {
        "category": (PROJECT_ROOT / "seeds" / "category_taxonomy.csv", "category"),
        "priority": (PROJECT_ROOT / "seeds" / "priority_levels.csv", "priority"),
    }
    known: dict[str, dict[str, str]] = {}
    for task, (path, column) in seeds.items():
        labels: list[str] = []
        with suppress(OSError, csv.Error), path.open(newline="", encoding="utf-8") as handle:
            labels = [row[column].strip() for row in csv.DictReader(handle) if row.get(column)]
        model = predictor.models.get(task)
        if model is not None:
            labels += [str(label) for label in model.classes]
        known[task] = {label.lower(): label for label in labels if label}
    return known


def input_sha256(ticket: dict) -> str:
    """Hash of what was classified: repeats can be counted without storing the text."""
    canonical = orjson.dumps(ticket, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _prediction_dict(prediction) -> dict:
    return {
        "label": prediction.label,
        "confidence": prediction.confidence,
        "probabilities": prediction.probabilities,
        "reasons": [{"feature": r.feature, "weight": r.weight} for r in prediction.reasons],
        "model_version": prediction.model_version,
        "routable": prediction.routable,
    }


def _error_list(errors) -> list[dict]:
    """Pydantic's errors without the echoed input (a 20k-character message helps nobody)."""
    listed = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        listed.append(
            {
                "field": ".".join(location[1:] if location[:1] == ["body"] else location),
                "loc": location,
                "msg": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return listed


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: the environment's). Models load at start-up."""
    settings = settings or get_settings()
    state = ApiState(settings)
    ticket_model, tickets_model = request_models(
        settings.api_max_text_chars, settings.api_max_batch
    )
    # Worst case body: a full batch of maximal tickets, JSON-escaped, plus room for the rest.
    max_body_bytes = settings.api_max_batch * (4 * settings.api_max_text_chars + 4096) + 65536

    app = FastAPIOffline(
        title="supportlake API",
        version=__version__,
        description=(
            "Ticket priority and category predictions with reasons, similar resolved tickets, "
            "and agents' corrections. Every prediction and correction is logged to the lake's "
            "landing zone and reaches the warehouse with the next ingest."
        ),
        lifespan=state.lifespan,
    )
    app.state.api = state
    app.add_middleware(
        RequestContextMiddleware, metrics=state.metrics, max_body_bytes=max_body_bytes
    )
    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
    rate_limit = ClientRateLimit(settings.api_rate_limit)
    escalation_allow = frozenset(settings.api_escalation_allow)

    def within_rate_limit(request: Request) -> None:
        client = _client_address(request)
        wait = rate_limit.retry_after(client)
        if wait is not None:
            raise HTTPException(
                429,
                f"rate limit of {rate_limit} per client reached for {client}: retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    def require_api_key(key: Annotated[str | None, Security(api_key_header)]) -> None:
        if not settings.api_key:
            raise HTTPException(
                403, "write endpoints are disabled: set SUPPORTLAKE_API_KEY on the server"
            )
        if not key or not hmac.compare_digest(key.encode(), settings.api_key.encode()):
            raise HTTPException(
                401, "missing or wrong X-API-Key header", headers={"WWW-Authenticate": "APIKey"}
            )

    def may_escalate(
        request: Request, key: Annotated[str | None, Security(api_key_header)]
    ) -> bool:
        """Escalations page people: only a caller with the key (a wrong key is refused, not
        ignored) or from an address in settings.api_escalation_allow."""
        if key is not None:
            require_api_key(key)
            return True
        return _client_address(request) in escalation_allow

    def similar_access(key: Annotated[str | None, Security(api_key_header)]) -> None:
        if settings.api_similar_requires_key:
            require_api_key(key)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = _error_list(error.errors())
        if request.url.path in ("/predict-ticket", "/predict-tickets"):
            _log_refusal(
                state,
                request,
                "rejected",
                "; ".join(f"{item['field']}: {item['msg']}" for item in errors),
            )
        return JSONResponse(
            {"detail": errors, "request_id": request.state.request_id}, status_code=422
        )

    async def predict(
        request: Request,
        tickets: list,
        endpoint: str,
        escalate: bool,
        indexes: list[int] | None = None,
    ) -> list[dict]:
        started = time.perf_counter()
        inputs = [ticket.as_input() for ticket in tickets]
        try:
            predictions = await state.batcher.predict(inputs)
        except ModelUnavailable as error:
            _log_refusal(state, request, "error", str(error), tickets=tickets, endpoint=endpoint)
            raise HTTPException(503, str(error)) from None
        except Exception as error:
            logger.exception("prediction failed")
            message = f"{type(error).__name__}: {error}"
            _log_refusal(state, request, "error", message, tickets=tickets, endpoint=endpoint)
            raise HTTPException(500, "prediction failed; quote the request id") from None
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        return _record_predictions(
            state, request, endpoint, tickets, inputs, predictions, latency_ms, escalate, indexes
        )

    @app.post(
        "/predict-ticket",
        response_model=TicketPrediction,
        summary="Predict one ticket's priority and category, with reasons",
        dependencies=[Depends(within_rate_limit)],
        responses={
            401: {"description": "Wrong API key"},
            422: {"description": "Invalid ticket"},
            429: {"description": "Rate limit reached"},
            503: {"description": "No model"},
        },
    )
    async def predict_ticket(
        ticket: ticket_model,
        request: Request,
        escalate: Annotated[bool, Depends(may_escalate)],
    ) -> Response:
        result = (await predict(request, [ticket], "predict-ticket", escalate))[0]
        return Response(orjson.dumps(result), media_type="application/json")

    @app.post(
        "/predict-tickets",
        response_model=PredictionsOut,
        summary=f"Predict a batch of up to {settings.api_max_batch} tickets",
        dependencies=[Depends(within_rate_limit)],
        responses={
            401: {"description": "Wrong API key"},
            422: {"description": "Invalid batch, or no valid ticket in it"},
            429: {"description": "Rate limit reached"},
            503: {"description": "No model"},
        },
    )
    async def predict_tickets(
        batch: tickets_model,
        request: Request,
        escalate: Annotated[bool, Depends(may_escalate)],
    ) -> Response:
        tickets, indexes, rejected = [], [], []
        for index, item in enumerate(batch.tickets):
            try:
                tickets.append(ticket_model.model_validate(item))
                indexes.append(index)
            except ValidationError as error:
                errors = [
                    {key: value for key, value in e.items() if key != "loc"}
                    for e in _error_list(error.errors())
                ]
                rejected.append({"index": index, "errors": errors})
        if rejected:
            _log_rejected_items(state, request, rejected, len(batch.tickets))
        if not tickets:
            detail = [
                {**error, "field": f"tickets.{item['index']}.{error['field']}".rstrip(".")}
                for item in rejected
                for error in item["errors"]
            ]
            return JSONResponse(
                {"detail": detail, "rejected": rejected, "request_id": request.state.request_id},
                status_code=422,
            )
        results = await predict(request, tickets, "predict-tickets", escalate, indexes)
        return Response(
            orjson.dumps({"predictions": results, "rejected": rejected}),
            media_type="application/json",
        )

    @app.get(
        "/similar-tickets",
        response_model=SimilarTicketsOut,
        summary="Resolved tickets most similar to a text (needs X-API-Key unless configured)",
        dependencies=[Depends(within_rate_limit), Depends(similar_access)],
        responses={
            401: {"description": "Missing or wrong API key"},
            429: {"description": "Rate limit reached"},
            503: {"description": "Serving copy or embeddings not available"},
        },
    )
    def similar_tickets(
        text: Annotated[str, Query(min_length=1, max_length=settings.api_max_text_chars)],
        k: Annotated[int, Query(ge=1, le=SIMILAR_MAX_K)] = 5,
    ) -> dict:
        tickets = _find_similar(settings, text, k)
        if settings.api_similar_mask_text:
            for ticket in tickets:
                ticket["subject"] = mask_pii(ticket["subject"])
                ticket["message"] = mask_pii(ticket["message"])
        return {"text": text, "k": k, "tickets": tickets}

    @app.post(
        "/feedback",
        response_model=FeedbackOut,
        status_code=202,
        summary="Record an agent's correction (needs X-API-Key)",
        dependencies=[Depends(within_rate_limit), Depends(require_api_key)],
        responses={
            401: {"description": "Missing or wrong API key"},
            429: {"description": "Rate limit reached"},
        },
    )
    async def feedback(correction: FeedbackIn) -> dict:
        category = _known_label(state, "category", correction.corrected_category)
        priority = _known_label(state, "priority", correction.corrected_priority)
        corrected_at = correction.corrected_at or datetime.now(UTC)
        if corrected_at.tzinfo is None:
            corrected_at = corrected_at.replace(tzinfo=UTC)
        # Exactly the ticket_corrections source's columns, so ml.feedback reads them as is.
        record = {
            "ticket_id": correction.ticket_id,
            "corrected_category": category,
            "corrected_priority": priority,
            "corrected_by": correction.corrected_by,
            "corrected_at": corrected_at.astimezone(UTC).isoformat(),
        }
        try:
            state.feedback_log.write(record)
        except OSError as error:
            state.metrics.log_failures.labels("feedback").inc()
            logger.exception("feedback not written")
            raise HTTPException(503, f"could not record the correction: {error}") from None
        state.metrics.feedback.inc()
        return {**record, "status": "accepted", "corrected_at": corrected_at}

    @app.get("/health", response_model=HealthOut, summary="Serving models and their versions")
    async def health() -> JSONResponse:
        models = state.predictor.models if state.predictor else {}
        body = {
            "status": "ok" if models else "no_model",
            "models": {
                task: {
                    "version": model.version,
                    "trained_at": model.trained_at,
                    "loaded_at": model.loaded_at.isoformat(),
                    "labels": [str(label) for label in model.classes],
                    "compiled": model.is_compiled,
                    "note": model.compiled_note,
                }
                for task, model in models.items()
            },
            "started_at": state.started_at.isoformat(),
            "package_version": __version__,
        }
        return JSONResponse(body, status_code=200 if models else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    from supportlake.api.recommend_route import recommend_router  # docs/agent_assist.md

    app.include_router(
        recommend_router(settings, [Depends(within_rate_limit), Depends(similar_access)])
    )
    return app


def _known_label(state: ApiState, task: str, value: str | None) -> str | None:
    if not value:
        return None
    known = state.known_labels.get(task) or {}
    if not known:
        return value
    label = known.get(value.lower())
    if label is None:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", f"corrected_{task}"),
                    "msg": f"unknown {task} {value!r}; known: {', '.join(sorted(known.values()))}",
                    "type": "value_error",
                }
            ]
        )
    return label


def _record_predictions(
    state: ApiState,
    request: Request,
    endpoint: str,
    tickets: list,
    inputs: list[dict],
    predictions: list[dict],
    latency_ms: float,
    may_escalate: bool,
    indexes: list[int] | None,
) -> list[dict]:
    """Response bodies, plus one prediction-log record each (and escalations, for a caller
    that may escalate), then metrics."""
    request_id = request.state.request_id
    requested_at = _now_text()
    store_text = state.settings.api_store_text
    results, records, escalations, pages = [], [], [], []
    for position, (ticket, ticket_input, by_task) in enumerate(
        zip(tickets, inputs, predictions, strict=True)
    ):
        prediction_id = uuid.uuid4().hex
        priority, category = by_task.get("priority"), by_task.get("category")
        escalated = may_escalate and is_escalation(priority.label if priority else None)
        result = {"prediction_id": prediction_id}
        if indexes is not None:
            result["index"] = indexes[position]
        results.append(
            result
            | {
                "ticket_id": ticket.ticket_id,
                "priority": _prediction_dict(priority) if priority else None,
                "category": _prediction_dict(category) if category else None,
                "is_escalated": escalated,
            }
        )
        records.append(
            {
                "prediction_id": prediction_id,
                "request_id": request_id,
                "requested_at": requested_at,
                "endpoint": endpoint,
                "status": "ok",
                "error": None,
                "batch_size": len(tickets),
                "ticket_id": ticket.ticket_id,
                "input_sha256": input_sha256(ticket_input),
                "subject_chars": len(ticket.subject),
                "message_chars": len(ticket.message),
                "channel": ticket.channel,
                "ticket_created_at": ticket.created_at,
                "predicted_priority": priority.label if priority else None,
                "priority_confidence": priority.confidence if priority else None,
                "priority_model_version": priority.model_version if priority else None,
                "predicted_category": category.label if category else None,
                "category_confidence": category.confidence if category else None,
                "category_model_version": category.model_version if category else None,
                "probabilities": {task: p.probabilities for task, p in by_task.items()},
                "reasons": {task: [r.feature for r in p.reasons] for task, p in by_task.items()},
                "is_escalated": escalated,
                "latency_ms": latency_ms,
                "api_instance": state.instance,
            }
        )
        if escalated:
            # The lake keeps the subject only when the operator turned api_store_text on (the
            # prediction log has the input's sha256); the webhook's receiver gets it to act on.
            subject = ticket.subject[:200]
            escalations.append(
                {
                    "prediction_id": prediction_id,
                    "request_id": request_id,
                    "escalated_at": requested_at,
                    "ticket_id": ticket.ticket_id,
                    "subject": subject if store_text else None,
                    "predicted_priority": priority.label,
                    "priority_confidence": priority.confidence,
                    "predicted_category": category.label if category else None,
                    "model_version": priority.model_version,
                    "webhook_url": state.settings.escalation_webhook_url,
                }
            )
            pages.append(escalations[-1] | {"subject": subject})
        for task, prediction in by_task.items():
            state.metrics.predictions.labels(task, prediction.label).inc()
    _append(state, state.prediction_log, "prediction_log", records)
    if escalations:
        _append(state, state.escalation_log, "escalations", escalations)
        state.metrics.escalations.inc(len(escalations))
        for page in pages:
            state.notifier.notify(page)
    return results


def _client_address(request: Request) -> str:
    """The caller's address as uvicorn sees it (behind a proxy: --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def _log_rejected_items(
    state: ApiState, request: Request, rejected: list[dict], batch_size: int
) -> None:
    """Each ticket refused from a batch lands in the log as rejected, for the error rate."""
    records = [
        {
            "prediction_id": uuid.uuid4().hex,
            "request_id": request.state.request_id,
            "requested_at": _now_text(),
            "endpoint": "predict-tickets",
            "status": "rejected",
            "error": (
                f"tickets[{item['index']}]: "
                + "; ".join(f"{error['field']}: {error['msg']}" for error in item["errors"])
            )[:1000],
            "batch_size": batch_size,
            "api_instance": state.instance,
        }
        for item in rejected
    ]
    _append(state, state.prediction_log, "prediction_log", records)


def _append(state: ApiState, log: LandingLog, name: str, records: list[dict]) -> None:
    """A failed log write is counted and logged; the caller still gets its prediction."""
    try:
        log.write_many(records)
    except OSError:
        state.metrics.log_failures.labels(name).inc(len(records))
        logger.exception("landing log write failed", extra={"fields": {"log": name}})


def _log_refusal(
    state: ApiState,
    request: Request,
    status: str,
    error: str,
    *,
    tickets: list | None = None,
    endpoint: str | None = None,
) -> None:
    """Rejected (422) and failed (5xx) prediction requests land in the log too: error rate."""
    endpoint = endpoint or request.url.path.lstrip("/")
    rows = tickets or [None]
    records = [
        {
            "prediction_id": uuid.uuid4().hex,
            "request_id": request.state.request_id,
            "requested_at": _now_text(),
            "endpoint": endpoint,
            "status": status,
            "error": error[:1000],
            "batch_size": len(tickets) if tickets else None,
            "ticket_id": getattr(ticket, "ticket_id", None),
            "input_sha256": input_sha256(ticket.as_input()) if ticket is not None else None,
            "subject_chars": len(ticket.subject) if ticket is not None else None,
            "message_chars": len(ticket.message) if ticket is not None else None,
            "channel": getattr(ticket, "channel", None),
            "ticket_created_at": getattr(ticket, "created_at", None),
            "api_instance": state.instance,
        }
        for ticket in rows
    ]
    _append(state, state.prediction_log, "prediction_log", records)


def _find_similar(settings: Settings, text: str, k: int) -> list[dict]:
    """ml.similar's search on the serving copy (never the writer's file), with its failures
    turned into answers a caller can act on."""
    import duckdb

    from ml.similar import find_similar_tickets
    from supportlake.serving import serving_settings

    try:
        _check_embeddings(settings)  # before loading the encoder: seconds, 0.7 GB
        found = find_similar_tickets(text, k, serving_settings(settings))
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("query", "text"), "msg": str(error), "type": "value_error"}]
        ) from None
    except FileNotFoundError as error:
        raise HTTPException(503, str(error)) from None
    except duckdb.CatalogException as error:
        raise HTTPException(
            503,
            "no ticket embeddings in the serving copy yet: run the topics flow "
            f"(`supportlake topics`) first ({str(error).splitlines()[0]})",
        ) from None
    except duckdb.IOException as error:
        raise HTTPException(
            503, f"the serving copy cannot be read: retry shortly ({error})"
        ) from None
    return [ticket.to_dict() for ticket in found]


def _check_embeddings(settings: Settings) -> None:
    """Fail fast, read-only, when there is nothing to search."""
    import duckdb

    from supportlake.serving import open_serving

    with open_serving(settings) as connection:
        found = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_name = 'ticket_embeddings'"
        ).fetchone()[0]
    if not found:
        raise duckdb.CatalogException("table ml.ticket_embeddings does not exist")


def create_served_app() -> FastAPI:
    """The app as `supportlake serve` runs it (uvicorn factory, once per worker process): JSON
    logs at SUPPORTLAKE_API_LOG_LEVEL, written off the request path."""
    import atexit
    import os

    from supportlake.api.observability import configure_json_logging

    listener = configure_json_logging(os.environ.get("SUPPORTLAKE_API_LOG_LEVEL", "info"))
    atexit.register(listener.stop)
    return create_app()
