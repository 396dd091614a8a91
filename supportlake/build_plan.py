"""What a `supportlake build` has to build: the models downstream of the sources that received
loads since the last successful build, from raw.load_manifest.

Each successful build records the loads it covered in build_state.built_loads (in the
warehouse, so it travels with it); a load not listed there is new. Every new load also
changes the load manifest and possibly the quarantine, so the reconciliation and
data-quality models downstream of those two are rebuilt with it. No record yet (a warehouse
never built, or built before this record existed): everything is built.
The incremental marts (marts.tickets) take only the rows loaded since their newest load; a
load retired after it was built (`ingest --reload`) took rows out of raw that they still hold,
so the next build rebuilds everything from scratch (full refresh) and forgets that load.
Deciding needs DuckDB only, not dbt: a build with nothing new returns in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from supportlake.catalog import table_ddl
from supportlake.settings import PROJECT_ROOT, Settings
from supportlake.warehouse import open_warehouse

MODELS_DIR = PROJECT_ROOT / "dbt_project" / "models"
BUILT_LOADS = "build_state.built_loads"
RAW_SCHEMA = "raw"
# Written with every load, whatever its source: the reconciliation and quality models read them.
MANIFEST_TABLES = ("load_manifest", "quarantine")
RETIRED = "retired"  # the manifest status of a load that `ingest --reload` replaced
# libyaml's loader where PyYAML has it: 8x less CPU over the project's YAML on every build.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class BuildPlan:
    """`select` is None for everything; an empty list when there is nothing to build."""

    select: list[str] | None
    reason: str  # one line for the user
    loads: list[str] = field(default_factory=list)  # load ids a success covers
    sources: list[str] = field(default_factory=list)  # raw tables with new loads
    full_refresh: bool = False  # rebuild the incremental marts from every row
    retired: list[str] = field(default_factory=list)  # built loads retired since

    @property
    def nothing_to_build(self) -> bool:
        return self.select == []


@cache
def raw_source_selectors() -> dict[str, str]:
    """raw table name -> its dbt source selector, e.g. tickets -> source:helpdesk.tickets,
    from the sources declared under dbt_project/models."""
    selectors = {}
    for path in sorted(MODELS_DIR.rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if "sources:" not in text:  # most files describe models: skip their parse
            continue
        document = yaml.load(text, Loader=SAFE_LOADER) or {}
        for source in document.get("sources") or []:
            if source.get("schema", source["name"]) != RAW_SCHEMA:
                continue
            for table in source.get("tables") or []:
                selectors[table["name"]] = f"source:{source['name']}.{table['name']}"
    return selectors


def plan_build(settings: Settings, *, everything: bool = False) -> BuildPlan:
    """The selection of a build that brings the marts up to date with raw."""
    with open_warehouse(settings, read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select schema_name || '.' || table_name from duckdb_tables()"
            ).fetchall()
        }
        loads = []
        if f"{RAW_SCHEMA}.load_manifest" in tables:
            loads = connection.execute(
                "select load_id, source, rows_loaded, status from raw.load_manifest "
                "order by loaded_at"
            ).fetchall()
        built: set[str] = set()
        if BUILT_LOADS in tables:
            rows = connection.execute(f"select load_id from {BUILT_LOADS}").fetchall()
            built = {row[0] for row in rows}
    every_load = [load_id for load_id, _, _, status in loads if status != RETIRED]
    retired = [load_id for load_id, _, _, status in loads if status == RETIRED and load_id in built]
    if retired:
        return BuildPlan(
            None,
            f"everything from scratch: {len(retired)} built load(s) were retired since "
            "(ingest --reload), the incremental marts still hold their rows",
            every_load,
            full_refresh=True,
            retired=retired,
        )
    if everything:
        return BuildPlan(None, "everything (--all)", every_load)
    if BUILT_LOADS not in tables:
        return BuildPlan(None, "everything: no successful build recorded yet", every_load)
    new = [
        (load_id, source, rows)
        for load_id, source, rows, status in loads
        if load_id not in built and status != RETIRED
    ]
    if not new:
        return BuildPlan([], "nothing new loaded since the last successful build")
    sources = sorted({source for _, source, rows in new if rows})
    selectors = raw_source_selectors()
    unknown = [source for source in sources if source not in selectors]
    if unknown:  # a source no dbt model reads yet: only a full build is sure to be right
        return BuildPlan(None, f"everything: no dbt source for {', '.join(unknown)}", every_load)
    described = ", ".join(sources) or "no rows, only the load manifest"
    return BuildPlan(
        _selection(sorted({source for _, source, _ in new}), selectors),
        f"{len(new)} new load(s) since the last successful build ({described})",
        every_load,
        sources,
    )


def _selection(fed: list[str], selectors: dict[str, str]) -> list[str]:
    """What new loads into the sources `fed` change: each source's descendants, and the
    load manifest and quarantine themselves (their own tests). A model that reads the shared
    manifest or quarantine reads its own source's share of it and that source's table
    (tests/speed/test_build_selection.py holds the project to it), so a chat load rebuilds
    the chat reconciliation, not the tickets' or the knowledge base's. A load of a source
    no dbt model reads changed only the manifest: everything downstream of it, as before."""
    known = [f"{selectors[source]}+" for source in fed if source in selectors]
    manifest = [selectors[table] for table in MANIFEST_TABLES]
    if len(known) < len(fed):
        manifest = [f"{selector}+" for selector in manifest]
    return [*known, *manifest]


def record_successful_build(settings: Settings, plan: BuildPlan) -> None:
    """Mark the plan's loads as built, so the next build starts after them."""
    with open_warehouse(settings) as connection:
        connection.execute("create schema if not exists build_state")
        connection.execute(
            table_ddl(  # DuckLake has no key constraints: the insert below skips known loads
                connection,
                f"create table if not exists {BUILT_LOADS} ("
                "load_id varchar primary key, built_at timestamp not null)",
            )
        )
        if plan.loads:
            connection.execute(
                f"insert into {BUILT_LOADS} "
                "select distinct load_id, current_localtimestamp() "
                "from unnest($loads) as loads(load_id) "
                f"where load_id not in (select load_id from {BUILT_LOADS})",
                {"loads": plan.loads},
            )
        if plan.retired and plan.full_refresh:  # rebuilt without their rows: forgotten
            connection.execute(
                f"delete from {BUILT_LOADS} where list_contains($retired, load_id)",
                {"retired": plan.retired},
            )
