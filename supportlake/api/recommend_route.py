"""POST /recommend-resolution: what `supportlake recommend` answers, over HTTP.

The app registers the router with its own access rules (rate limit; the API key unless
settings.api_similar_requires_key is off) and, like /similar-tickets, answers from the
serving copy only and masks e-mail addresses and phone numbers in ticket text. Every answer is
appended to the answer log (supportlake/api/answer_log.py), confident or not.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from ml.recommend import Recommendation
from ml.resolved_index import NothingToSearch
from supportlake.api.answer_log import answer_record
from supportlake.api.dependencies import api_state
from supportlake.api.masking import mask_pii
from supportlake.api.schemas import TicketId
from supportlake.assist import recommend_resolution
from supportlake.serving import ServingCopyMissing
from supportlake.settings import Settings

MAX_TICKETS = 20
MAX_ARTICLES = 10

logger = logging.getLogger("supportlake.api")


class RecommendIn(BaseModel):
    text: Annotated[str, Field(min_length=1, description="the new ticket's subject and/or message")]
    k: Annotated[int, Field(ge=1, le=MAX_TICKETS, description="resolved tickets to consider")] = 5
    articles: Annotated[
        int, Field(ge=0, le=MAX_ARTICLES, description="knowledge-base sections to consider")
    ] = 3
    min_confidence: Annotated[
        float, Field(ge=0.0, le=1.0, description="cosine similarity evidence must reach")
    ] = 0.5
    ticket_id: TicketId | None = Field(
        None, description="the ticket asked about: its topic is where a knowledge gap counts"
    )


class ReplySentenceOut(BaseModel):
    text: str
    citations: list[str]


class RecommendOut(BaseModel):
    answer_id: str = Field(description="what POST /recommendation-feedback refers to")
    text: str
    confident: bool
    confidence: float
    min_confidence: float
    verdict: str
    articles: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    suggested_reply: list[ReplySentenceOut]
    missing_embeddings: int


def recommend_router(settings: Settings, dependencies: list) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/recommend-resolution",
        response_model=RecommendOut,
        summary="Knowledge-base sections, similar resolved tickets and a cited suggested reply",
        dependencies=dependencies,
        responses={
            401: {"description": "Missing or wrong API key"},
            429: {"description": "Rate limit reached"},
            503: {"description": "Serving copy, embeddings and knowledge base not available"},
        },
    )
    def recommend_resolution(request: RecommendIn, http_request: Request) -> dict:
        if len(request.text) > settings.api_max_text_chars:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "text"),
                        "msg": f"at most {settings.api_max_text_chars} characters",
                        "type": "string_too_long",
                    }
                ]
            )
        recommendation = _recommend(settings, request)
        try:
            api_state(http_request).recommendation_answer_log.write(
                answer_record(
                    recommendation,
                    channel="api",
                    store_text=settings.api_store_text,
                    ticket_id=request.ticket_id,
                )
            )
        except OSError:  # the agent still gets the answer; the log's gap is in the server log
            logger.exception("recommendation answer not logged")
        answer = recommendation.to_dict()
        if settings.api_similar_mask_text:
            for ticket in answer["tickets"]:
                ticket["subject"] = mask_pii(ticket["subject"])
                ticket["message"] = mask_pii(ticket["message"])
        return answer

    return router


def _recommend(settings: Settings, request: RecommendIn) -> Recommendation:
    """supportlake.assist on the serving copy, its failures turned into answers a caller can
    act on."""
    try:
        answer = recommend_resolution(
            request.text,
            settings,
            k=request.k,
            k_articles=request.articles,
            min_confidence=request.min_confidence,
            backend=settings.api_embedding_backend,
        )
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("body", "text"), "msg": str(error), "type": "value_error"}]
        ) from None
    except (ServingCopyMissing, NothingToSearch) as error:
        raise HTTPException(503, str(error)) from None
    except duckdb.IOException as error:
        raise HTTPException(
            503, f"the serving copy cannot be read: retry shortly ({error})"
        ) from None
    return answer
