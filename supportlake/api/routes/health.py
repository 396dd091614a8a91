"""GET /health (serving models and versions) and GET /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from supportlake import __version__
from supportlake.api.dependencies import api_state
from supportlake.api.schemas import HealthOut

router = APIRouter()


@router.get("/health", response_model=HealthOut, summary="Serving models and their versions")
async def health(request: Request) -> JSONResponse:
    state = api_state(request)
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
        "recommendations": state.recommendation_indexes.to_dict(),
        "started_at": state.started_at.isoformat(),
        "package_version": __version__,
    }
    return JSONResponse(body, status_code=200 if models else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    registry = api_state(request).metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
