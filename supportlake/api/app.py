"""The HTTP API: predictions, similar tickets, recommendations, feedback, health and metrics.

It never opens the warehouse: models come from the registry through ml.inference (the same
path as `supportlake predict` and `score`), loaded once and swapped when the registry's
`current` pointer moves; every prediction, escalation and correction is appended to a landing
file that the next ingest loads. /similar-tickets and /recommend-resolution read the serving
copy (supportlake/serving.py), read-only, for the length of one query. Routes live in
supportlake/api/routes/, one module per resource; their shared dependencies (state, API key,
rate limit) in supportlake/api/dependencies.py.
"""

from __future__ import annotations

import atexit
import os

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline

from supportlake import __version__
from supportlake.api.dependencies import similar_access, within_rate_limit
from supportlake.api.errors import invalid_request
from supportlake.api.observability import RequestContextMiddleware, configure_json_logging
from supportlake.api.recommend_route import recommend_router
from supportlake.api.routes import feedback, health, recommendation_feedback
from supportlake.api.routes.predictions import predictions_router
from supportlake.api.routes.similar import similar_router
from supportlake.api.state import ApiState
from supportlake.settings import Settings, get_settings

DESCRIPTION = (
    "Ticket priority and category predictions with reasons, similar resolved tickets, "
    "and agents' corrections. Every prediction and correction is logged to the lake's "
    "landing zone and reaches the warehouse with the next ingest."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: the environment's). Models load at start-up."""
    settings = settings or get_settings()
    state = ApiState(settings)
    app = FastAPIOffline(
        title="supportlake API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=state.lifespan,
    )
    app.state.api = state
    # Worst case body: a full batch of maximal tickets, JSON-escaped, plus room for the rest.
    max_body = settings.api_max_batch * (4 * settings.api_max_text_chars + 4096) + 65536
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics, max_body_bytes=max_body)
    # Starlette types a handler as taking any Exception; this one is registered for its own.
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.include_router(predictions_router(settings))
    app.include_router(similar_router(settings))
    app.include_router(feedback.router)
    app.include_router(recommendation_feedback.router)
    app.include_router(health.router)
    # docs/agent_assist.md
    app.include_router(
        recommend_router(settings, [Depends(within_rate_limit), Depends(similar_access)])
    )
    return app


def create_served_app() -> FastAPI:
    """The app as `supportlake serve` runs it (uvicorn factory, once per worker process): JSON
    logs at SUPPORTLAKE_API_LOG_LEVEL, written off the request path."""
    listener = configure_json_logging(os.environ.get("SUPPORTLAKE_API_LOG_LEVEL", "info"))
    atexit.register(listener.stop)
    return create_app()
