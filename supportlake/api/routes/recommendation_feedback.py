"""POST /recommendation-feedback: an agent's verdict on an answer of /recommend-resolution or
`supportlake recommend`, appended for the next ingest as the recommendation_feedback source
(needs X-API-Key).

The record has exactly the source's columns (supportlake/sources.py), so the ingest loads it
like an exported file, and dbt turns "not helpful" and "no confident answer" verdicts into the
knowledge gaps of marts.ticket_anomalies (docs/agent_assist.md).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from supportlake.api.dependencies import api_state, require_api_key, within_rate_limit
from supportlake.api.schemas import Identifier, TicketId

logger = logging.getLogger("supportlake.api")
router = APIRouter(dependencies=[Depends(within_rate_limit), Depends(require_api_key)])

AnswerId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9a-f]{32}$")]


class RecommendationFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: AnswerId = Field(description="answer_id of the /recommend-resolution answer")
    ticket_id: TicketId = Field(description="the ticket the agent asked about")
    verdict: Literal["helpful", "not_helpful", "used"]
    agent_id: Identifier | None = None
    evidence_id: Identifier | None = Field(
        None, description="the article section or ticket judged; none: the whole answer"
    )
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="the answer's confidence as shown"
    )
    was_confident: bool | None = Field(
        None, description="false when the answer was 'no confident answer'"
    )
    given_at: datetime | None = Field(None, description="Default: when the API received it.")


class RecommendationFeedbackOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    feedback_id: str
    answer_id: str
    ticket_id: str
    verdict: str
    given_at: datetime


@router.post(
    "/recommendation-feedback",
    response_model=RecommendationFeedbackOut,
    status_code=202,
    summary="Record an agent's verdict on a recommendation (needs X-API-Key)",
    responses={
        401: {"description": "Missing or wrong API key"},
        429: {"description": "Rate limit reached"},
        503: {"description": "The landing file could not be written"},
    },
)
async def recommendation_feedback(verdict: RecommendationFeedbackIn, request: Request) -> dict:
    state = api_state(request)
    given_at = verdict.given_at or datetime.now(UTC)
    if given_at.tzinfo is None:
        given_at = given_at.replace(tzinfo=UTC)
    record = {
        "feedback_id": uuid.uuid4().hex,
        "answer_id": verdict.answer_id,
        "ticket_id": verdict.ticket_id,
        "agent_id": verdict.agent_id,
        "given_at": given_at.astimezone(UTC).isoformat(),
        "verdict": verdict.verdict,
        "evidence_id": verdict.evidence_id,
        "confidence": verdict.confidence,
        "was_confident": verdict.was_confident,
    }
    try:
        state.recommendation_feedback_log.write(record)
    except OSError as error:
        logger.exception("recommendation feedback not written")
        raise HTTPException(503, f"could not record the verdict: {error}") from None
    return {**record, "status": "accepted", "given_at": given_at}
