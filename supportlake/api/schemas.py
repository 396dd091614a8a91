"""Request and response bodies. Size limits come from the settings, so request models are
built per app (`request_models`); unknown fields are refused, so a typo is a 422, not a
silently ignored field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)

from ml.similar import SimilarTicket
from supportlake.api.index_preparation import State as IndexState

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# A helpdesk's ticket id (docs/operations.md): a letter or digit, then up to 99 letters, digits
# or . _ : - (no spaces, quotes, slashes or semicolons: an id is a key, never SQL or a path).
TICKET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
TicketId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TICKET_ID_PATTERN)]


class TicketBase(BaseModel):
    """A new ticket to classify. Subject and message carry the text; the rest is optional."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field("", description="Ticket subject line (may be empty).")
    message: str = Field("", description="Ticket body as the customer wrote it.")
    channel: ShortText | None = Field(None, description="Email, Chat, Phone, Web Form, Social.")
    created_at: datetime | None = Field(
        None, description="When the ticket was opened (ISO 8601; without an offset: UTC)."
    )
    ticket_id: TicketId | None = Field(
        None,
        description=f"The helpdesk's id, matching {TICKET_ID_PATTERN}: lets feedback be matched "
        "with this prediction.",
    )
    queue: ShortText | None = None
    product_line: ShortText | None = None

    @field_validator("created_at")
    @classmethod
    def _representable_in_utc(cls, value: datetime | None) -> datetime | None:
        """In UTC, as the models and the warehouse keep it; 0001-01-01T00:00:00+14:00 has no
        UTC time, so it is refused here instead of failing the prediction."""
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError(
                f"{value.isoformat()} is outside the range of dates once converted to UTC"
            ) from None

    @model_validator(mode="after")
    def _has_text(self):
        if not self.subject.strip() and not self.message.strip():
            raise ValueError("subject and message are both empty: there is nothing to classify")
        return self

    def as_input(self) -> dict:
        return {
            "subject": self.subject,
            "message": self.message,
            "channel": self.channel,
            "queue": self.queue,
            "product_line": self.product_line,
            "created_at": self.created_at,
        }


def request_models(max_text_chars: int, max_batch: int) -> tuple[type[TicketBase], type]:
    """(TicketIn, TicketsIn) with the configured limits, shown in the OpenAPI schema too."""
    limited = Annotated[str, StringConstraints(max_length=max_text_chars)]
    ticket = create_model(
        "TicketIn",
        __base__=TicketBase,
        subject=(limited, Field("", description="Ticket subject line (may be empty).")),
        message=(limited, Field("", description="Ticket body as the customer wrote it.")),
    )
    tickets = create_model(
        "TicketsIn",
        __config__=ConfigDict(extra="forbid"),
        # Items are checked one by one (app.py), so one bad ticket is rejected on its own.
        tickets=(
            list[Any],
            Field(
                ...,
                min_length=1,
                max_length=max_batch,
                description="Tickets shaped like POST /predict-ticket's body; an invalid one is "
                "listed under `rejected` with its index, the others are predicted.",
            ),
        ),
    )
    return ticket, tickets


class ReasonOut(BaseModel):
    feature: str = Field(description="A word or phrase, or a named feature such as urgency.")
    weight: float = Field(description="Its pull toward the predicted class (larger: stronger).")


class ClassPrediction(BaseModel):
    label: str
    confidence: float = Field(description="Calibrated probability of the predicted label.")
    probabilities: dict[str, float] = Field(description="Probability of every class.")
    reasons: list[ReasonOut] = Field(description="Features that drove this prediction most.")
    model_version: str
    routable: bool = Field(
        description="Confidence clears the model's routing threshold: the confidence at which "
        "its holdout predictions were 90% precise (false when the model has none)."
    )


class TicketPrediction(BaseModel):
    prediction_id: str
    index: int | None = Field(None, description="Position in the batch (POST /predict-tickets).")
    ticket_id: str | None = None
    priority: ClassPrediction | None = None
    category: ClassPrediction | None = None
    is_escalated: bool = Field(
        description="Urgent from a caller that may escalate (X-API-Key or an allowed address): "
        "written to the escalation log and sent to the webhook."
    )


class FieldError(BaseModel):
    field: str
    msg: str
    type: str


class RejectedTicket(BaseModel):
    index: int = Field(description="Position of the refused ticket in the batch.")
    errors: list[FieldError]


class PredictionsOut(BaseModel):
    predictions: list[TicketPrediction] = Field(description="The valid tickets, in batch order.")
    rejected: list[RejectedTicket] = Field(default_factory=list)


class FeedbackIn(BaseModel):
    """An agent's correction of a ticket's category and/or priority."""

    model_config = ConfigDict(extra="forbid")

    ticket_id: TicketId
    corrected_category: ShortText | None = None
    corrected_priority: ShortText | None = None
    corrected_by: Identifier | None = Field(None, description="Agent id or name.")
    corrected_at: datetime | None = Field(None, description="Default: when the API received it.")

    @model_validator(mode="after")
    def _corrects_something(self):
        if not self.corrected_category and not self.corrected_priority:
            raise ValueError("give corrected_category, corrected_priority or both")
        return self


class FeedbackOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    ticket_id: str
    corrected_category: str | None
    corrected_priority: str | None
    corrected_at: datetime


class ModelOut(BaseModel):
    version: str
    trained_at: str | None
    loaded_at: datetime
    labels: list[str]
    compiled: bool = Field(description="Served by the compiled path (verified on load).")
    note: str


class RecommendationIndexesOut(BaseModel):
    state: IndexState = Field(
        description="the indexes /recommend-resolution answers from, for the current serving copy"
    )
    detail: str = Field(description="what is indexed, or why nothing is")


class HealthOut(BaseModel):
    status: Literal["ok", "no_model"]
    models: dict[str, ModelOut]
    recommendations: RecommendationIndexesOut
    started_at: datetime
    package_version: str


class SimilarTicketOut(SimilarTicket):
    """One similar resolved ticket: ml.similar's record as the API answers it."""


class SimilarTicketsOut(BaseModel):
    text: str
    k: int
    tickets: list[SimilarTicketOut]
