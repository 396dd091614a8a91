"""Response bodies and landing-log records of predictions, refusals and failures.

Every prediction and every refused (422) or failed (5xx) prediction request is appended to the
prediction log, with the input's sha256 and lengths but never its text; an escalation also
goes to the escalations log and the webhook.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import Request

from supportlake.api.escalation import is_escalation
from supportlake.api.landing_log import LandingLog
from supportlake.api.state import ApiState

logger = logging.getLogger("supportlake.api")


def input_sha256(ticket: dict) -> str:
    """Hash of what was classified: repeats can be counted without storing the text."""
    canonical = orjson.dumps(ticket, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def prediction_dict(prediction) -> dict:
    return {
        "label": prediction.label,
        "confidence": prediction.confidence,
        "probabilities": prediction.probabilities,
        "reasons": [{"feature": r.feature, "weight": r.weight} for r in prediction.reasons],
        "model_version": prediction.model_version,
        "routable": prediction.routable,
    }


def error_list(errors) -> list[dict]:
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


def _prediction_record(
    state,
    request_id,
    requested_at,
    endpoint,
    ticket,
    ticket_input,
    by_task,
    batch_size,
    latency_ms,
    prediction_id,
    escalated,
) -> dict:
    priority, category = by_task.get("priority"), by_task.get("category")
    return {
        "prediction_id": prediction_id,
        "request_id": request_id,
        "requested_at": requested_at,
        "endpoint": endpoint,
        "status": "ok",
        "error": None,
        "batch_size": batch_size,
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


def record_predictions(
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
    requested_at = now_text()
    store_text = state.settings.api_store_text
    results, records, escalations, pages = [], [], [], []
    for position, (ticket, ticket_input, by_task) in enumerate(
        zip(tickets, inputs, predictions, strict=True)
    ):
        prediction_id = uuid.uuid4().hex
        priority, category = by_task.get("priority"), by_task.get("category")
        escalated = may_escalate and is_escalation(priority.label if priority else None)
        result: dict[str, Any] = {"prediction_id": prediction_id}
        if indexes is not None:
            result["index"] = indexes[position]
        results.append(
            result
            | {
                "ticket_id": ticket.ticket_id,
                "priority": prediction_dict(priority) if priority else None,
                "category": prediction_dict(category) if category else None,
                "is_escalated": escalated,
            }
        )
        records.append(
            _prediction_record(
                state,
                request_id,
                requested_at,
                endpoint,
                ticket,
                ticket_input,
                by_task,
                len(tickets),
                latency_ms,
                prediction_id,
                escalated,
            )
        )
        if escalated and priority is not None:  # an escalation always has a priority
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
    append(state, state.prediction_log, "prediction_log", records)
    if escalations:
        append(state, state.escalation_log, "escalations", escalations)
        state.metrics.escalations.inc(len(escalations))
        for page in pages:
            state.notifier.notify(page)
    return results


def log_rejected_items(
    state: ApiState, request: Request, rejected: list[dict], batch_size: int
) -> None:
    """Each ticket refused from a batch lands in the log as rejected, for the error rate."""
    records = [
        {
            "prediction_id": uuid.uuid4().hex,
            "request_id": request.state.request_id,
            "requested_at": now_text(),
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
    append(state, state.prediction_log, "prediction_log", records)


def append(state: ApiState, log: LandingLog, name: str, records: list[dict]) -> None:
    """A failed log write is counted and logged; the caller still gets its prediction."""
    try:
        log.write_many(records)
    except OSError:
        state.metrics.log_failures.labels(name).inc(len(records))
        logger.exception("landing log write failed", extra={"fields": {"log": name}})


def log_refusal(
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
            "requested_at": now_text(),
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
    append(state, state.prediction_log, "prediction_log", records)
