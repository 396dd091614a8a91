"""422 answers: the field and message of each error, without echoing the caller's input."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from supportlake.api.dependencies import api_state
from supportlake.api.prediction_records import error_list, log_refusal
from supportlake.api.routes.predictions import PREDICTION_PATHS


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = error_list(error.errors())
    if request.url.path in PREDICTION_PATHS:
        # A refused prediction request counts toward the prediction log's error rate.
        message = "; ".join(f"{item['field']}: {item['msg']}" for item in errors)
        log_refusal(api_state(request), request, "rejected", message)
    return JSONResponse({"detail": errors, "request_id": request.state.request_id}, status_code=422)
