"""The generic chat export: chat_messages.csv, one row per message, columns any team's chat
tool can fill (no chatbot-specific fields). Beside the 47-column contract files, for teams
that are not that chatbot. Same cell rules as the contract files (supportlake/export/chats.py):
ISO timestamps, true/false, empty cell for no value, the spreadsheet-formula guard.

The columns, in order, are documented in docs/chats.md (## Generic export); a test keeps that
table and GENERIC_COLUMNS equal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from supportlake.export.chats import ChatExportError, ChatExportResult, _sql_text, cell_expression
from supportlake.settings import Settings, get_settings
from supportlake.warehouse import one_row, open_warehouse

GENERIC_FILE_NAME = "chat_messages.csv"


@dataclass(frozen=True)
class GenericColumn:
    name: str
    sql: str  # over messages (chat_messages_enriched) and chats (chat_sessions)
    description: str


GENERIC_COLUMNS = (
    GenericColumn("chat_id", "messages.chat_id", "The conversation the message belongs to."),
    GenericColumn("message_id", "messages.message_id", "The message's own id in its source."),
    GenericColumn(
        "message_position", "messages.message_position", "1-based position in its conversation."
    ),
    GenericColumn("sent_at", "messages.sent_at", "When the message was sent (UTC), if known."),
    GenericColumn("role", "messages.role", "user (the customer) or assistant (agent or bot)."),
    GenericColumn(
        "content",
        "messages.content",
        "The message text; e-mail addresses and phone numbers masked by default.",
    ),
    GenericColumn(
        "is_turn_start",
        "messages.is_turn_start",
        "true when the speaker changed (or the first message).",
    ),
    GenericColumn(
        "response_seconds",
        "messages.response_seconds",
        "For the first reply of a turn: seconds since the other side's last message.",
    ),
    GenericColumn("channel", "messages.source_system", "chat_export or twitter."),
    GenericColumn(
        "organization_id", "chats.organization_id", "The organization or account answering."
    ),
    GenericColumn("language", "chats.language", "The conversation's language code, if known."),
    GenericColumn(
        "chat_started_at", "chats.created_at", "When the conversation started (UTC), if known."
    ),
    GenericColumn(
        "chat_message_count", "chats.message_count", "Messages in the whole conversation."
    ),
    GenericColumn("chat_sentiment", "chats.sentiment", "The conversation's sentiment, if rated."),
    GenericColumn(
        "chat_resolution", "chats.resolution", "The conversation's outcome, if recorded."
    ),
)

GENERIC_SELECT = f"""
select
    {", ".join(f"{column.sql} as {column.name}" for column in GENERIC_COLUMNS)}
from marts.chat_messages_enriched as messages
inner join marts.chat_sessions as chats on messages.chat_id = chats.chat_id
order by messages.chat_id, messages.message_position
"""


def generic_select(connection: duckdb.DuckDBPyConnection) -> str:
    """The SELECT that renders the generic file's cells, typed from the marts."""
    try:
        described = connection.execute(f"describe {GENERIC_SELECT}").fetchall()
    except duckdb.CatalogException as error:
        raise ChatExportError(
            "the chat marts do not exist: run `supportlake build` before "
            f"`supportlake export chats` ({error})"
        ) from error
    cells = ",\n    ".join(
        cell_expression(name, data_type, is_array=False) for name, data_type, *_ in described
    )
    return f"select\n    {cells}\nfrom ({GENERIC_SELECT}) as generic"


def export_generic_chats(
    out_dir: Path | None = None, settings: Settings | None = None
) -> ChatExportResult:
    """Write chat_messages.csv into `out_dir` (default: <lake>/exports/chats)."""
    settings = settings or get_settings()
    out_dir = Path(out_dir) if out_dir is not None else settings.exports / "chats"
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ChatExportResult(out_dir=out_dir)
    started = time.perf_counter()
    target = out_dir / GENERIC_FILE_NAME
    partial = out_dir / f".{GENERIC_FILE_NAME}.partial"
    with open_warehouse(settings, read_only=True) as connection:
        select = generic_select(connection)
        connection.execute(
            f"copy ({select}) to {_sql_text(str(partial))} "
            "(format csv, header true, delimiter ',', quote '\"', escape '\"')"
        )
        partial.replace(target)  # readers never see a half-written file
        (rows,) = one_row(connection.execute(f"select count(*) from ({GENERIC_SELECT})"))
    result.files[GENERIC_FILE_NAME] = target
    result.rows[GENERIC_FILE_NAME] = rows
    result.seconds = round(time.perf_counter() - started, 3)
    return result
