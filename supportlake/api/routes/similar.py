"""GET /similar-tickets: resolved tickets most like a text, from the serving copy only.

No `from __future__ import annotations`: the query limits come from the settings at app
build time, and FastAPI must see them evaluated in the endpoint signature.
"""

from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.exceptions import RequestValidationError

from ml.similar import encode_query, search_similar
from supportlake.api.dependencies import similar_access, within_rate_limit
from supportlake.api.masking import mask_pii
from supportlake.api.schemas import SimilarTicketsOut
from supportlake.serving import open_serving
from supportlake.settings import Settings
from supportlake.warehouse import one_row

SIMILAR_MAX_K = 50


def similar_router(settings: Settings) -> APIRouter:
    router = APIRouter(dependencies=[Depends(within_rate_limit), Depends(similar_access)])

    @router.get(
        "/similar-tickets",
        response_model=SimilarTicketsOut,
        summary="Resolved tickets most similar to a text (needs X-API-Key unless configured)",
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
        tickets = find_similar(settings, text, k)
        if settings.api_similar_mask_text:
            for ticket in tickets:
                ticket["subject"] = mask_pii(ticket["subject"])
                ticket["message"] = mask_pii(ticket["message"])
        return {"text": text, "k": k, "tickets": tickets}

    return router


def find_similar(settings: Settings, text: str, k: int) -> list[dict]:
    """ml.similar's search on the serving copy (never the writer's file), opened for the query
    alone once the text is encoded, with its failures turned into answers a caller can act on."""
    try:
        _check_embeddings(settings)  # before loading the encoder: seconds, 0.7 GB
        vector, embedding_model = encode_query(text, "auto", settings.models_dir)
        with open_serving(settings) as connection:
            found = search_similar(connection, vector, embedding_model, k)
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
    with open_serving(settings) as connection:
        found = one_row(
            connection.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'ml' and table_name = 'ticket_embeddings'"
            )
        )[0]
    if not found:
        raise duckdb.CatalogException("table ml.ticket_embeddings does not exist")
