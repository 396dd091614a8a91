"""POST /predict-ticket and /predict-tickets: priority and category with reasons.

No `from __future__ import annotations`: the request models are built per app from the
settings, and FastAPI must see their classes, not their names, in the endpoint signatures.
"""

import logging
import time
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from ml.inference import ModelUnavailable
from supportlake.api.dependencies import api_state, may_escalate, within_rate_limit
from supportlake.api.prediction_records import (
    error_list,
    log_refusal,
    log_rejected_items,
    record_predictions,
)
from supportlake.api.schemas import PredictionsOut, TicketPrediction, request_models
from supportlake.settings import Settings

logger = logging.getLogger("supportlake.api")
PREDICTION_PATHS = ("/predict-ticket", "/predict-tickets")
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong API key"},
    429: {"description": "Rate limit reached"},
    503: {"description": "No model"},
}


async def predict(
    request: Request, tickets: list, endpoint: str, escalate: bool, indexes=None
) -> list[dict]:
    state = api_state(request)
    started = time.perf_counter()
    inputs = [ticket.as_input() for ticket in tickets]
    try:
        predictions = await state.batcher.predict(inputs)
    except ModelUnavailable as error:
        log_refusal(state, request, "error", str(error), tickets=tickets, endpoint=endpoint)
        raise HTTPException(503, str(error)) from None
    except Exception as error:
        logger.exception("prediction failed")
        message = f"{type(error).__name__}: {error}"
        log_refusal(state, request, "error", message, tickets=tickets, endpoint=endpoint)
        raise HTTPException(500, "prediction failed; quote the request id") from None
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return record_predictions(
        state, request, endpoint, tickets, inputs, predictions, latency_ms, escalate, indexes
    )


def predictions_router(settings: Settings) -> APIRouter:
    ticket_model, tickets_model = request_models(
        settings.api_max_text_chars, settings.api_max_batch
    )
    router = APIRouter(dependencies=[Depends(within_rate_limit)])

    @router.post(
        "/predict-ticket",
        response_model=TicketPrediction,
        summary="Predict one ticket's priority and category, with reasons",
        responses={**RESPONSES, 422: {"description": "Invalid ticket"}},
    )
    async def predict_ticket(
        ticket: ticket_model,  # type: ignore[valid-type]  # built per app, read by FastAPI
        request: Request,
        escalate: Annotated[bool, Depends(may_escalate)],
    ) -> Response:
        result = (await predict(request, [ticket], "predict-ticket", escalate))[0]
        return Response(orjson.dumps(result), media_type="application/json")

    @router.post(
        "/predict-tickets",
        response_model=PredictionsOut,
        summary=f"Predict a batch of up to {settings.api_max_batch} tickets",
        responses={**RESPONSES, 422: {"description": "Invalid batch, or no valid ticket in it"}},
    )
    async def predict_tickets(
        batch: tickets_model,  # type: ignore[valid-type]  # built per app, read by FastAPI
        request: Request,
        escalate: Annotated[bool, Depends(may_escalate)],
    ) -> Response:
        tickets: list[Any] = []
        indexes: list[int] = []
        rejected: list[dict[str, Any]] = []
        items: list[Any] = batch.tickets  # type: ignore[attr-defined]  # the per-app model's field
        for index, item in enumerate(items):
            try:
                tickets.append(ticket_model.model_validate(item))
                indexes.append(index)
            except ValidationError as error:
                errors = [
                    {key: value for key, value in e.items() if key != "loc"}
                    for e in error_list(error.errors())
                ]
                rejected.append({"index": index, "errors": errors})
        if rejected:
            log_rejected_items(api_state(request), request, rejected, len(items))
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

    return router
