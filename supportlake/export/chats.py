"""`supportlake export chats`: chats.csv and messages.csv with the contract's exact 47 columns.

Reads the warehouse read-only and lets DuckDB write the CSV (standard quoting: a value with a
comma, quote or line break is quoted, quotes doubled). Cell rules, the same in both files:
- array columns are JSON arrays, `[]` when empty, never an empty cell;
- timestamps are ISO 8601 with microseconds (2025-05-28T12:55:10.546493), as the source;
- booleans are true/false; a missing value is an empty cell;
- a text value starting with = + - @ (or a tab or carriage return) gets a leading single
  quote, so a spreadsheet shows it as text instead of running it as a formula (OWASP CSV
  injection advice). Pure numbers such as -5 or +31 keep their value, JSON arrays start with
  [ and are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from supportlake.settings import Settings, get_settings
from supportlake.warehouse import one_row, open_warehouse

# The header lines of docs/chat_export_contract.md, verbatim.
CHATS_HEADER = (
    "locations,first name,user bypass messages limit,name,read only token,phone number,pois,"
    "is test chat,clientId,organizationConfigId,email,suborganization,provinces,starting domain,"
    "section type,is reviewed,limit messages case,sentiment,slug,is chat classified,"
    "ontraport update time,trip type,most relevant trip name,countries,chatId,email types,"
    "newsletter subscription time,language,last name,idle message sent time,resolution,token,"
    "subscription idle message sent time,is default chat,ontraport note id,actions,has email,"
    "most relevant brand name,created at,organizationId,recommendations cta url,updated at,"
    "idle email sent time,humanloop session id,defaultMessageId,is structured info extracted,"
    "cities"
)
MESSAGES_HEADER = (
    "locations,messageSuborganization,user bypass messages limit,current brands,read only token,"
    "pois,is test chat,clientId,organizationConfigId,email,suborganization,provinces,role,"
    "starting domain,is reviewed,limit messages case,sentiment,intentType,slug,"
    "is chat classified,ontraport update time,trip type,regions,countries,chatId,"
    "newsletter subscription time,conversationLogType,language,idle message sent time,"
    "resolution,sk messageId,token,subscription idle message sent time,is default chat,"
    "messageId,categories,content,ontraport note id,created at,organizationId,updated at,"
    "idle email sent time,humanloop session id,defaultMessageId,is structured info extracted,"
    "themes,cities"
)
CHATS_ARRAY_COLUMNS = frozenset(
    {
        "locations",
        "pois",
        "provinces",
        "section type",
        "trip type",
        "countries",
        "email types",
        "actions",
        "cities",
    }
)
MESSAGES_ARRAY_COLUMNS = frozenset(
    {
        "locations",
        "pois",
        "provinces",
        "trip type",
        "regions",
        "countries",
        "categories",
        "themes",
        "cities",
    }
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ChatExportFile:
    """One contract file: the mart it comes from, its header, its array columns, its order."""

    file_name: str
    mart: str
    header: str
    array_columns: frozenset[str]
    order_by: str

    @property
    def columns(self) -> list[str]:
        return self.header.split(",")


CHAT_EXPORT_FILES = (
    ChatExportFile("chats.csv", "marts.chats", CHATS_HEADER, CHATS_ARRAY_COLUMNS, '"chatId"'),
    ChatExportFile(
        "messages.csv", "marts.messages", MESSAGES_HEADER, MESSAGES_ARRAY_COLUMNS, '"sk messageId"'
    ),
)


class ChatExportError(RuntimeError):
    """The warehouse cannot produce the contract files (missing mart, drifted columns)."""


@dataclass
class ChatExportResult:
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cell_expression(column: str, data_type: str, *, is_array: bool) -> str:
    """SQL that renders one column as its CSV cell text (see the module docstring)."""
    name = _quote(column)
    data_type = data_type.upper()
    if is_array:
        return f"coalesce(cast({name} as varchar), '[]') as {name}"
    if data_type.startswith("TIMESTAMP"):
        return f"strftime({name}, '%Y-%m-%dT%H:%M:%S.%f') as {name}"
    if data_type in {"VARCHAR", "JSON"}:
        triggers = ", ".join(_sql_text(trigger) for trigger in FORMULA_TRIGGERS)
        # Nested CASE: the number test only runs on the few cells that start with a trigger.
        return (
            f"case when left({name}, 1) not in ({triggers}) then {name} "
            f"when regexp_full_match({name}, '[+-]?[0-9]+([.,][0-9]+)?') then {name} "
            f"else '''' || {name} end as {name}"
        )
    return name


def export_select(connection: duckdb.DuckDBPyConnection, spec: ChatExportFile) -> str:
    """The SELECT that renders `spec.mart` as the contract file, after checking its columns."""
    schema, table = spec.mart.split(".")
    try:
        described = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    except duckdb.Error as error:
        raise ChatExportError(f"cannot read {spec.mart}: {error}") from error
    if not described:
        raise ChatExportError(
            f"{spec.mart} does not exist: run `supportlake build` before `supportlake export chats`"
        )
    actual = [name for name, _ in described]
    if actual != spec.columns:
        missing = [name for name in spec.columns if name not in actual]
        extra = [name for name in actual if name not in spec.columns]
        raise ChatExportError(
            f"{spec.mart} does not match the {spec.file_name} contract "
            f"(missing: {missing or 'none'}; unexpected: {extra or 'none'}; or the order differs)"
        )
    cells = ",\n    ".join(
        cell_expression(name, data_type, is_array=name in spec.array_columns)
        for name, data_type in described
    )
    return f"select\n    {cells}\nfrom {spec.mart}\norder by {spec.order_by}"


def export_chats(out_dir: Path | None = None, settings: Settings | None = None) -> ChatExportResult:
    """Write chats.csv and messages.csv into `out_dir` (default: <lake>/exports/chats)."""
    settings = settings or get_settings()
    out_dir = Path(out_dir) if out_dir is not None else settings.exports / "chats"
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ChatExportResult(out_dir=out_dir)
    started = time.perf_counter()
    with open_warehouse(settings, read_only=True) as connection:
        for spec in CHAT_EXPORT_FILES:
            target = out_dir / spec.file_name
            partial = out_dir / f".{spec.file_name}.partial"
            # COPY answers with the rows it wrote: the marts are views, counting them again
            # would compute them twice.
            (written,) = one_row(
                connection.execute(
                    f"copy ({export_select(connection, spec)}) to {_sql_text(str(partial))} "
                    "(format csv, header true, delimiter ',', quote '\"', escape '\"')"
                )
            )
            # Readers never see a half-written file: the finished file replaces the old one.
            partial.replace(target)
            result.files[spec.file_name] = target
            result.rows[spec.file_name] = written
    result.seconds = round(time.perf_counter() - started, 3)
    return result
