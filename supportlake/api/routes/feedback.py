"""POST /feedback: an agent's correction, appended for the next ingest (needs X-API-Key)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from supportlake.api.dependencies import api_state, require_api_key, within_rate_limit
from supportlake.api.schemas import FeedbackIn, FeedbackOut
from supportlake.api.state import ApiState

logger = logging.getLogger("supportlake.api")
router = APIRouter(dependencies=[Depends(within_rate_limit), Depends(require_api_key)])


@router.post(
    "/feedback",
    response_model=FeedbackOut,
    status_code=202,
    summary="Record an agent's correction (needs X-API-Key)",
    responses={
        401: {"description": "Missing or wrong API key"},
        429: {"description": "Rate limit reached"},
    },
)
async def feedback(correction: FeedbackIn, request: Request) -> dict:
    state = api_state(request)
    category = known_label(state, "category", correction.corrected_category)
    priority = known_label(state, "priority", correction.corrected_priority)
    corrected_at = correction.corrected_at or datetime.now(UTC)
    if corrected_at.tzinfo is None:
        corrected_at = corrected_at.replace(tzinfo=UTC)
    # Exactly the ticket_corrections source's columns, so the next ingest loads them as is.
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


def known_label(state: ApiState, task: str, value: str | None) -> str | None:
    """The label as the taxonomy spells it; an unknown one is a 422 naming the known ones."""
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
