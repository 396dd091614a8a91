"""`supportlake status`: the warehouse's health at a glance. The latest loads and what they
lost on the way to the marts, sources that have not been loaded for a while, what sits in
quarantine, and the data-quality warnings of the last build."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console, JustifyMethod
from rich.table import Table

from supportlake.console import console as default_console
from supportlake.quality import QualityReport, collect_quality, percent
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

LATEST_LOADS = 10
TOP_QUARANTINE_REASONS = 5


@dataclass
class LoadLine:
    loaded_at: datetime
    source: str
    file_name: str
    status: str
    rows_read: int
    rows_quarantined: int
    rows_in_marts: int | None  # None: not a ticket load, or not built into the marts yet


@dataclass
class SourceAge:
    source: str
    last_loaded_at: datetime
    loads: int
    stale: bool


@dataclass
class WarehouseStatus:
    warehouse: Path
    loads: list[LoadLine] = field(default_factory=list)
    unbuilt_loads: int = 0  # ticket loads the marts do not know yet
    sources: list[SourceAge] = field(default_factory=list)
    quarantine: list[tuple[str, str, int]] = field(default_factory=list)  # source, reason, rows
    quarantined_rows: int = 0
    quality: QualityReport | None = None


def _has_table(connection, schema: str, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def collect_status(settings: Settings, now: datetime | None = None) -> WarehouseStatus:
    """Read the manifest, the quarantine and the audit marts (read-only, briefly)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)  # the manifest's times are UTC
    status = WarehouseStatus(warehouse=settings.warehouse)
    with open_warehouse(settings, read_only=True) as connection:
        if not _has_table(connection, "raw", "load_manifest"):
            return status
        built = _has_table(connection, "marts", "ticket_load_reconciliations")
        in_marts = (
            "(select rows_in_tickets from marts.ticket_load_reconciliations as rec "
            "where rec.load_id = manifest.load_id)"
            if built
            else "null"
        )
        rows = connection.execute(
            f"""
            select loaded_at, source, source_file, status, rows_read, rows_quarantined,
                   {in_marts}
            from raw.load_manifest as manifest
            order by loaded_at desc, load_id desc
            limit {LATEST_LOADS}
            """
        ).fetchall()
        status.loads = [
            LoadLine(loaded_at, source, Path(source_file).name, state, read, quarantined, kept)
            for loaded_at, source, source_file, state, read, quarantined, kept in rows
        ]
        unbuilt = connection.execute(
            "select count(*) from raw.load_manifest as manifest "
            "where source = 'tickets' and status = 'loaded'"
            + (
                " and load_id not in (select load_id from marts.ticket_load_reconciliations)"
                if built
                else ""
            )
        ).fetchone()
        status.unbuilt_loads = unbuilt[0] if unbuilt else 0
        stale_before = now - timedelta(hours=settings.stale_source_hours)
        status.sources = [
            SourceAge(source, last, loads, last < stale_before)
            for source, last, loads in connection.execute(
                """
                select source, max(loaded_at), count(*) from raw.load_manifest
                where status = 'loaded' group by source order by source
                """
            ).fetchall()
        ]
        if _has_table(connection, "raw", "quarantine"):
            status.quarantine = connection.execute(
                f"""
                select source, reason, count(*) as row_count from raw.quarantine
                group by all order by row_count desc, source, reason
                limit {TOP_QUARANTINE_REASONS}
                """
            ).fetchall()
            total = connection.execute("select count(*) from raw.quarantine").fetchone()
            status.quarantined_rows = total[0] if total else 0
    status.quality = collect_quality(settings)
    return status


def _loads_table(loads: list[LoadLine], settings: Settings) -> Table:
    table = Table(title=f"last {len(loads)} loads", title_justify="left")
    columns: list[tuple[str, JustifyMethod]] = [
        ("loaded at (UTC)", "left"),
        ("source", "left"),
        ("file", "left"),
        ("status", "left"),
        ("rows in", "right"),
        ("quarantined", "right"),
        ("in marts", "right"),
    ]
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")
    for load in loads:
        table.add_row(
            f"{load.loaded_at:%Y-%m-%d %H:%M}",
            load.source,
            load.file_name,
            load.status,
            f"{load.rows_read:,}",
            f"{load.rows_quarantined:,}",
            _in_marts(load, settings),
        )
    return table


def _in_marts(load: LoadLine, settings: Settings) -> str:
    """Rows of the load in the marts and their share, red under the quality threshold."""
    if load.rows_in_marts is None:
        return "-" if load.source != "tickets" else "not built"
    share = load.rows_in_marts / load.rows_read if load.rows_read else 1.0
    text = f"{load.rows_in_marts:,} ({percent(share)})"
    low = share < settings.quality_min_rows_in_marts_share
    return f"[bold red]{text}[/]" if low else text


def print_status(status: WarehouseStatus, settings: Settings, console: Console | None = None):
    console = console or default_console
    console.print(f"warehouse {status.warehouse}")
    if not status.loads:
        console.print("no loads yet: run `supportlake ingest`")
        return
    table = _loads_table(status.loads, settings)
    console.print(table)
    if status.unbuilt_loads:
        console.print(
            f"[yellow]{status.unbuilt_loads} ticket load(s) not in the marts yet:[/] "
            "run `supportlake build`"
        )

    for source in status.sources:
        age = f"last loaded {source.last_loaded_at:%Y-%m-%d %H:%M} UTC, {source.loads} load(s)"
        if source.stale:
            console.print(
                f"[bold yellow]stale:[/] {source.source}: {age}; nothing new for more than "
                f"{settings.stale_source_hours:g} h (setting stale_source_hours)"
            )
        else:
            console.print(f"fresh: {source.source}: {age}")

    if status.quarantined_rows:
        console.print(
            f"quarantine: {status.quarantined_rows:,} rows in raw.quarantine; top reasons:"
        )
        for quarantined_from, reason, count in status.quarantine:
            console.print(f"  {quarantined_from}: {reason} ({count:,})", soft_wrap=True)
    else:
        console.print("quarantine: empty")

    quality = status.quality
    if quality is None or not quality.built:
        console.print("data quality: no build yet (run `supportlake build`)")
    elif quality.warnings:
        for warning in quality.warnings:
            console.print(f"[bold yellow]warning:[/] {warning}", soft_wrap=True)
    else:
        console.print("[green]data quality ok[/] in the last build")
