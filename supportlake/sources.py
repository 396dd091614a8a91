"""Landing sources: which folder of the landing zone feeds which raw table, with which columns.

Every raw table stores the source's columns as VARCHAR (the file's text, untouched) plus the
lineage columns below; typing, trimming and flagging happen in dbt staging so that a bad value
is flagged there instead of failing a load.
"""

from __future__ import annotations

from dataclasses import dataclass

LINEAGE_COLUMNS = ("_load_id", "_source_file", "_row_number", "_loaded_at")


@dataclass(frozen=True)
class Source:
    name: str  # landing sub-folder and raw table name
    columns: tuple[str, ...]  # target columns, in raw-table order
    description: str

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


TICKETS = Source(
    name="tickets",
    columns=(
        "ticket_id",
        "customer_id",
        "created_at",
        "first_response_at",
        "resolved_at",
        # When the helpdesk last changed the ticket: deduplication keeps the copy with the
        # latest updated_at, so a backfilled older export cannot overwrite a newer state.
        "updated_at",
        "status",
        "priority",
        "category",
        "channel",
        "queue",
        "product_line",
        "agent_id",
        "subject",
        "message",
        "escalated",
        "satisfaction_score",
        "sla_breach",
        "reopened_count",
        "resolution_minutes",
    ),
    description="Helpdesk ticket exports in the union schema (README: Bring your own data).",
)

CHATS = Source(
    name="chats",
    columns=(
        "chat_id",
        "slug",
        "token",
        "organization_id",
        "conversation_log",
        "structured_info",
        "created_at",
        "updated_at",
        "language",
        "is_test_chat",
        "sentiment",
        "resolution",
        "message_count",
    ),
    description="Chat exports: one row per chat, conversation_log a JSON array of messages.",
)

TWEETS = Source(
    name="tweets",
    columns=(
        "tweet_id",
        "author_id",
        "inbound",
        "created_at",
        "text",
        "response_tweet_id",
        "in_response_to_tweet_id",
    ),
    description=(
        "Customer-support tweets (Kaggle twcs format): one row per tweet; threads are rebuilt "
        "into chats through in_response_to_tweet_id."
    ),
)

SOURCES: dict[str, Source] = {source.name: source for source in (TICKETS, CHATS, TWEETS)}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ValueError(f"unknown source {name!r}; known sources: {known}") from None


# --- written by the HTTP API (supportlake/api): its logs land like any export ----------------
PREDICTION_LOG = Source(
    name="prediction_log",
    columns=(
        "prediction_id",
        "request_id",
        "requested_at",
        "endpoint",
        "status",
        "error",
        "batch_size",
        "ticket_id",
        "input_sha256",
        "subject_chars",
        "message_chars",
        "channel",
        "ticket_created_at",
        "predicted_priority",
        "priority_confidence",
        "priority_model_version",
        "predicted_category",
        "category_confidence",
        "category_model_version",
        "probabilities",
        "reasons",
        "is_escalated",
        "latency_ms",
        "api_instance",
    ),
    description=(
        "One row per ticket the API classified (or refused): input hash and lengths, never "
        "the text; outputs, model versions, latency. JSON lines, one closed file per hour."
    ),
)

ESCALATIONS = Source(
    name="escalations",
    columns=(
        "prediction_id",
        "request_id",
        "escalated_at",
        "ticket_id",
        "subject",
        "predicted_priority",
        "priority_confidence",
        "predicted_category",
        "model_version",
        "webhook_url",
    ),
    description="Predictions urgent enough to page someone, as the API escalated them.",
)

SOURCES.update({source.name: source for source in (PREDICTION_LOG, ESCALATIONS)})

# --- human label corrections (API feedback or any tool): the next training run uses them -----
TICKET_CORRECTIONS = Source(
    name="ticket_corrections",
    columns=(
        "ticket_id",
        "corrected_category",
        "corrected_priority",
        "corrected_by",
        "corrected_at",
    ),
    description=(
        "Corrected category and/or priority per ticket; a blank value leaves that label as "
        "recorded, and the latest corrected_at wins when a ticket is corrected twice."
    ),
)

SOURCES[TICKET_CORRECTIONS.name] = TICKET_CORRECTIONS

# --- ticket history: one row per field change or comment (dbt models/*/ticket_history) -------
TICKET_EVENTS = Source(
    name="ticket_events",
    columns=(
        "event_id",
        "ticket_id",
        "created_at",
        # Change | Comment | Create (Zendesk's audit event types); a row without a field_name
        # is read as a comment, so comment-only exports (conversations) need no type column.
        "event_type",
        "field_name",  # status, priority, assignee, group (vendor spellings: see staging)
        "value",
        "previous_value",
        "author_id",
        "author_role",  # agent | end-user | system (admin reads as agent)
        "is_public",
        "body",
    ),
    description=(
        "Ticket history: status, priority, assignee and group changes and comments (public "
        "or internal, with author and role), one row per event, as audits, changelogs and "
        "conversations export them."
    ),
)

SOURCES[TICKET_EVENTS.name] = TICKET_EVENTS

# --- knowledge base: help-center articles, chunked by heading in dbt (docs/agent_assist.md) --
KNOWLEDGE_BASE = Source(
    name="knowledge_base",
    columns=(
        "article_id",
        "title",
        "body",  # markdown; HTML articles arrive converted (supportlake/ingest/articles.py)
        "product",
        "tags",  # comma-separated (a JSON list in a JSON export is kept as its JSON text)
        "updated_at",  # the newest version of an article wins
        "url",
    ),
    description=(
        "Knowledge-base articles: one markdown or HTML file per article, or JSON exports "
        "of many; the newest updated_at of an article_id is current."
    ),
)

SOURCES[KNOWLEDGE_BASE.name] = KNOWLEDGE_BASE

# --- agent assist (docs/agent_assist.md): which ticket cites which article, and agents' -----
# verdicts on recommendations; both feed the ticket graph and knowledge-gap marts.
TICKET_ARTICLE_LINKS = Source(
    name="ticket_article_links",
    columns=(
        "ticket_id",
        "article_id",  # knowledge_base.article_id
        "linked_at",
        "linked_by",  # the agent who linked it
    ),
    description=(
        "Knowledge-base articles cited on tickets (Salesforce CaseArticle, Zendesk knowledge "
        "capture): one row per ticket and article; a link exported twice counts once."
    ),
)

RECOMMENDATION_FEEDBACK = Source(
    name="recommendation_feedback",
    columns=(
        "feedback_id",
        "ticket_id",  # the ticket the agent asked about
        "agent_id",
        "given_at",
        "verdict",  # helpful | not_helpful | used
        "evidence_id",  # the article section or ticket judged; blank: the answer as a whole
        "confidence",  # the answer's confidence as shown
        "was_confident",  # whether the answer cleared the bar (false: 'no confident answer')
        "answer_id",  # the answer judged, as `recommend` / POST /recommend-resolution gave it
    ),
    description=(
        "Agents' verdicts on resolution recommendations (supportlake recommend, POST "
        "/recommend-resolution): helpful, not helpful or used, per answer or per evidence."
    ),
)

RECOMMENDATION_ANSWERS = Source(
    name="recommendation_answers",
    columns=(
        "answer_id",  # what agents' verdicts (recommendation_feedback.answer_id) refer to
        "ticket_id",  # the ticket asked about, when the caller named one
        "asked_at",
        "channel",  # api | cli
        "query_sha256",  # of the question as asked: repeats are countable without the text
        # the question, e-mail addresses and phone numbers masked, cut short; only where the
        # operator keeps caller text (api_store_text), else blank
        "query_text",
        "was_confident",  # false: the answer was 'no confident answer'
        "confidence",  # the best evidence's similarity; the closest candidate's otherwise
        "min_confidence",  # the bar it was held to
        "nearest_ticket_id",  # the closest resolved ticket, above the bar or not: its topic
        "nearest_ticket_similarity",
        "evidence_ids",  # the sections and tickets shown, comma-separated, best first
    ),
    description=(
        "Every answer of `supportlake recommend` and POST /recommend-resolution, logged as "
        "it is given: answers without confident evidence count as knowledge gaps even when "
        "no agent gives a verdict."
    ),
)

SOURCES.update(
    {s.name: s for s in (TICKET_ARTICLE_LINKS, RECOMMENDATION_FEEDBACK, RECOMMENDATION_ANSWERS)}
)
