"""How each load fared on its way to the marts: rows in, rows in marts, rows flagged, the top
reasons, and a warning for every load under the thresholds the settings name.

Read from the audit marts dbt builds (ticket_load_reconciliations, ticket_data_quality_checks,
chat_reconciliation, quarantined_chat_records), so the figures are the ones a user can query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from supportlake.console import console as default_console
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

TOP_REASONS = 3
SHOWN_LOADS = 10  # the latest loads, plus every load that warns


@dataclass
class LoadQuality:
    """One ticket load (one file), or one chat source system."""

    mart: str  # marts.tickets or marts.chats
    load: str  # load id, or the chat source system
    source_file: str | None
    rows_in: int
    rows_in_marts: int
    rows_flagged: int  # quarantined, superseded, or kept with an invalid field
    reasons: list[tuple[str, int]] = field(default_factory=list)  # most rows first
    warnings: list[str] = field(default_factory=list)

    @property
    def share_in_marts(self) -> float | None:
        return self.rows_in_marts / self.rows_in if self.rows_in else None


@dataclass
class QualityReport:
    loads: list[LoadQuality]
    min_rows_in_marts_share: float
    max_invalid_share: float
    built: bool = True  # False: the audit marts do not exist yet (no `supportlake build`)

    @property
    def warnings(self) -> list[str]:
        return [warning for load in self.loads for warning in load.warnings]


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def _reason_label(check_name: str) -> str:
    """'invalid_value:status' -> 'invalid status', 'quarantined_in_dbt:missing ticket_id' ->
    'missing ticket_id'."""
    kind, _, detail = check_name.partition(":")
    if kind == "invalid_value":
        return f"invalid {detail}"
    if kind == "duplicate_superseded":
        return "superseded by a later copy"
    if kind == "missing_keys":
        return "missing customer_id"
    if kind == "unknown_category":
        return "category not in the taxonomy"
    return detail or kind.replace("_", " ")


def percent(share: float) -> str:
    """A share as a percent with one decimal, rounded down: 3,805 of 3,806 rows is 99.9%,
    not a 100.0% that hides the lost row."""
    return f"{math.floor(share * 1000 + 1e-9) / 10:.1f}%"


def _ticket_loads(connection: duckdb.DuckDBPyConnection, settings: Settings) -> list[LoadQuality]:
    reconciled = connection.execute(
        """
        select load_id, source_file, rows_read, rows_in_tickets,
               rows_quarantined_at_ingest + rows_quarantined_in_dbt + rows_deduplicated
        from marts.ticket_load_reconciliations
        order by loaded_at, load_id
        """
    ).fetchall()
    checks = connection.execute(
        """
        select load_id, check_name, field, row_count, row_share
        from marts.ticket_data_quality_checks
        where not is_total and row_count > 0
          -- open tickets have no resolution yet; the total invalid row is split per field
          and check_name not in ('missing_resolution', 'invalid_value')
        order by row_count desc, check_name
        """
    ).fetchall()
    invalid_rows = dict(
        connection.execute(
            """
            select load_id, row_count from marts.ticket_data_quality_checks
            where not is_total and check_name = 'invalid_value'
            """
        ).fetchall()
    )
    checks_of: dict[str, list[tuple]] = {}
    for check in checks:
        checks_of.setdefault(check[0], []).append(check)
    loads = []
    for load_id, source_file, rows_read, rows_in_marts, rows_removed in reconciled:
        load = LoadQuality(
            mart="marts.tickets",
            load=load_id,
            source_file=source_file,
            rows_in=rows_read,
            rows_in_marts=rows_in_marts,
            rows_flagged=rows_removed + invalid_rows.get(load_id, 0),
        )
        load_checks = checks_of.get(load_id, [])
        load.reasons = [(_reason_label(name), count) for _, name, _, count, _ in load_checks][
            :TOP_REASONS
        ]
        _warn_on_losses(load, settings)
        for _, name, field_name, count, share in load_checks:
            if name.startswith("invalid_value:") and share > settings.quality_max_invalid_share:
                threshold = percent(settings.quality_max_invalid_share)
                load.warnings.append(
                    f"{_named(load)}: {count:,} of {rows_read:,} rows ({percent(share)}) have an "
                    f"invalid {field_name} (threshold {threshold})"
                )
        loads.append(load)
    return loads


def _chat_sources(connection: duckdb.DuckDBPyConnection, settings: Settings) -> list[LoadQuality]:
    if not _table_exists(connection, "marts", "chat_reconciliation"):
        return []
    sources = connection.execute(
        """
        select source_system, ingest_records_read, records_kept,
               ingest_records_quarantined + records_quarantined + records_superseded
        from marts.chat_reconciliation
        where ingest_records_read > 0
        order by source_system
        """
    ).fetchall()
    reasons = connection.execute(
        """
        select source_system, quarantine_reason, count(*) as row_count
        from marts.quarantined_chat_records
        group by all
        union all
        select case source when 'chats' then 'chat_export' else 'twitter' end, reason, count(*)
        from raw.quarantine
        where source in ('chats', 'tweets')
        group by all
        order by row_count desc, quarantine_reason
        """
    ).fetchall()
    loads = []
    for source_system, rows_read, rows_kept, rows_removed in sources:
        load = LoadQuality(
            mart="marts.chats",
            load=source_system,
            source_file=None,
            rows_in=rows_read,
            rows_in_marts=rows_kept,
            rows_flagged=rows_removed,
            reasons=[
                (reason, count) for system, reason, count in reasons if system == source_system
            ],
        )
        load.reasons = load.reasons[:TOP_REASONS]
        _warn_on_losses(load, settings)
        loads.append(load)
    return loads


def _file_name(load: LoadQuality) -> str:
    return Path(load.source_file).name if load.source_file else f"{load.load} chats"


def _named(load: LoadQuality) -> str:
    return f"{_file_name(load)} (load {load.load})" if load.source_file else _file_name(load)


def _warn_on_losses(load: LoadQuality, settings: Settings) -> None:
    share = load.share_in_marts
    if share is None or share >= settings.quality_min_rows_in_marts_share:
        return
    reasons = ", ".join(f"{reason} ({count:,})" for reason, count in load.reasons)
    load.warnings.append(
        f"{_named(load)}: only {load.rows_in_marts:,} of {load.rows_in:,} rows "
        f"({percent(share)}) reached {load.mart} "
        f"(threshold {percent(settings.quality_min_rows_in_marts_share)})"
        + (f"; top reasons: {reasons}" if reasons else "")
    )


def _ticket_event_loads(
    connection: duckdb.DuckDBPyConnection, settings: Settings
) -> list[LoadQuality]:
    """Ticket-history loads: events read, events the metrics use, and why the others not."""
    rows = connection.execute(
        """
        select load_id, source_file, rows_read, trusted_events, rows_quarantined,
               repeated_copies_dropped, events_before_ticket_created, other_untrusted_events
        from marts.ticket_event_load_reconciliations
        order by loaded_at, load_id
        """
    ).fetchall()
    loads = []
    for load_id, source_file, rows_read, trusted, *removed in rows:
        load = LoadQuality(
            mart="marts.ticket_event_metrics",
            load=load_id,
            source_file=source_file,
            rows_in=rows_read,
            rows_in_marts=trusted,
            rows_flagged=sum(removed),
        )
        labels = ("quarantined", "repeated event", "dated before its ticket", "untrusted event")
        reasons = [(label, count) for label, count in zip(labels, removed, strict=True) if count]
        load.reasons = sorted(reasons, key=lambda reason: -reason[1])[:TOP_REASONS]
        _warn_on_losses(load, settings)
        loads.append(load)
    return loads


def collect_quality(settings: Settings) -> QualityReport:
    """Every load's figures and warnings, from the audit marts of the last build."""
    report = QualityReport(
        loads=[],
        min_rows_in_marts_share=settings.quality_min_rows_in_marts_share,
        max_invalid_share=settings.quality_max_invalid_share,
    )
    if not settings.warehouse.exists():
        report.built = False
        return report
    with open_warehouse(settings, read_only=True) as connection:
        if not _table_exists(connection, "marts", "ticket_load_reconciliations"):
            report.built = False
        else:
            report.loads.extend(_ticket_loads(connection, settings))
        report.loads.extend(_chat_sources(connection, settings))
        if _table_exists(connection, "marts", "ticket_event_load_reconciliations"):
            report.loads.extend(_ticket_event_loads(connection, settings))
    return report


def print_quality(report: QualityReport, console: Console | None = None) -> None:
    """The per-load table (the latest loads and every load that warns), then the warnings."""
    console = console or default_console
    if not report.loads:
        if not report.built:
            console.print("data quality: no audit marts yet (run `supportlake build`)")
        return
    latest = report.loads[-SHOWN_LOADS:]
    shown = [load for load in report.loads if load.warnings or load in latest]
    table = Table(title="data quality per load", title_justify="left")
    table.add_column("load", overflow="fold")
    table.add_column("rows in", justify="right")
    table.add_column("in marts", justify="right")
    table.add_column("flagged", justify="right")
    table.add_column("top reasons", overflow="fold")
    for load in shown:
        share = load.share_in_marts
        low = share is not None and share < report.min_rows_in_marts_share
        in_marts = f"{load.rows_in_marts:,}"
        if share is not None:
            in_marts += f" ({percent(share)})"
        table.add_row(
            f"{load.mart}: {_file_name(load)}",
            f"{load.rows_in:,}",
            f"[bold red]{in_marts}[/]" if low else in_marts,
            f"{load.rows_flagged:,}",
            "; ".join(f"{reason} ({count:,})" for reason, count in load.reasons) or "-",
        )
    console.print(table)
    if len(shown) < len(report.loads):
        console.print(f"{len(report.loads) - len(shown)} earlier loads without warnings not shown")
    for warning in report.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", soft_wrap=True)
    if not report.warnings:
        console.print(
            f"[green]data quality ok[/]: every load has >= "
            f"{percent(report.min_rows_in_marts_share)} of its rows in the marts and <= "
            f"{percent(report.max_invalid_share)} invalid in any field"
        )


def print_ingest_quality(summary, console: Console | None = None) -> None:
    """After an ingest: the top quarantine reasons of each file that lost rows, a warning for
    each file under the marts threshold already at ingest, and where the rest is counted."""
    from supportlake.ingest.results import LOADED
    from supportlake.settings import get_settings

    console = console or default_console
    loaded = [file for file in summary.files if file.status == LOADED and file.load_id]
    if not loaded:
        return
    settings = get_settings().model_copy(update={"warehouse": Path(summary.warehouse)})
    lossy = [file for file in loaded if file.rows_quarantined]
    reasons: dict[str, list[tuple[str, int]]] = {}
    if lossy and settings.warehouse.exists():
        with open_warehouse(settings, read_only=True) as connection:
            found = connection.execute(
                """
                select load_id, reason, count(*) as n
                from raw.quarantine
                where load_id in (select unnest(?::varchar[]))
                group by all
                order by n desc, reason
                """,
                [[file.load_id for file in lossy]],
            ).fetchall()
        for load_id, reason, count in found:
            reasons.setdefault(load_id, []).append((reason, count))
    threshold = settings.quality_min_rows_in_marts_share
    for file in lossy:
        top = ", ".join(
            f"{reason} ({count:,})" for reason, count in reasons.get(file.load_id, [])[:3]
        )
        share = file.rows_loaded / file.rows_read if file.rows_read else 1.0
        line = (
            f"{file.path.name}: {file.rows_quarantined:,} of {file.rows_read:,} rows quarantined"
            + (f"; top reasons: {top}" if top else "")
        )
        if share < threshold:
            console.print(
                f"[bold yellow]warning:[/] {line} (only {percent(share)} loaded, threshold "
                f"{percent(threshold)})",
                soft_wrap=True,
            )
        else:
            console.print(f"  {line}", soft_wrap=True)
    console.print(
        "rows reaching the marts, and values flagged invalid there, are counted per load by "
        "[bold]supportlake build[/] (and `supportlake status`)"
    )
