"""ml/ works on the DuckDB connections and paths it is handed: it never opens the warehouse or
the serving copy, nor works out where they are from the settings. The command line, the flows
and the application modules open them (supportlake.warehouse, supportlake.serving) and close
them again (docs/architecture.md, "One writer")."""

from __future__ import annotations

import ast
from pathlib import Path

from supportlake.settings import PROJECT_ROOT

ML = PROJECT_ROOT / "ml"
# What opens a warehouse file or the serving copy, or resolves their paths, by module.
OPENERS = {
    "supportlake.warehouse": {"connect", "open_warehouse", "wait_until_writable"},
    "supportlake.serving": {
        "connect_serving",
        "open_serving",
        "serving_path",
        "serving_settings",
        "publish_serving_copy",
    },
}
SETTINGS_PATHS = {"warehouse", "serving_warehouse"}  # settings.warehouse: the writer's file


def _is_in_memory(call: ast.Call) -> bool:
    """duckdb.connect() or duckdb.connect(":memory:"): a private database, no file opened."""
    database = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "database":
            database = keyword.value
    return database is None or (
        isinstance(database, ast.Constant) and database.value in (":memory:", "")
    )


def _imports(tree: ast.Module) -> tuple[dict[str, str], list[tuple[ast.AST, str]]]:
    """(local name -> module or function, for `import x as y` / `from a import b`; the
    imports of an opener by name)."""
    names: dict[str, str] = {}
    found: list[tuple[ast.AST, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in (*OPENERS, "duckdb"):
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}"
                if alias.name in OPENERS.get(node.module, ()):
                    found.append((node, f"imports {qualified}"))
                elif qualified in (*OPENERS, "duckdb.connect"):
                    names[alias.asname or alias.name] = qualified
    return names, found


def _opening(node: ast.AST, names: dict[str, str]) -> str | None:
    """What `node` opens or resolves, or None."""
    if isinstance(node, ast.Attribute):
        owner = ast.unparse(node.value)
        module = names.get(owner, "")
        if node.attr in OPENERS.get(module, ()):
            return f"uses {module}.{node.attr}"
        if node.attr in SETTINGS_PATHS:
            return f"resolves {owner}.{node.attr}"
    if isinstance(node, ast.Call) and not _is_in_memory(node):
        function = ast.unparse(node.func)
        owner, _, name = function.rpartition(".")
        if (names.get(owner) == "duckdb" and name == "connect") or (
            names.get(function) == "duckdb.connect"
        ):
            return f"opens a database file with {function}()"
    return None


def warehouse_openings(source: str, filename: str = "<snippet>") -> list[str]:
    """`file:line: what` for each place in `source` that opens a warehouse or serving copy,
    in source order."""
    tree = ast.parse(source, filename)
    names, found = _imports(tree)
    found += [(node, what) for node in ast.walk(tree) if (what := _opening(node, names))]
    found.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
    return [f"{filename}:{getattr(node, 'lineno', 0)}: {what}" for node, what in found]


def test_no_module_of_ml_opens_the_warehouse_or_the_serving_copy():
    found = []
    for path in sorted(ML.rglob("*.py")):
        found += warehouse_openings(path.read_text(), str(path.relative_to(PROJECT_ROOT)))
    assert found == [], "ml/ takes a connection; open it in the caller: " + "; ".join(found)


REINTRODUCED = """
import duckdb
import duckdb as db
from duckdb import connect as raw_connect
from supportlake import serving
from supportlake.warehouse import open_warehouse
import supportlake.warehouse as warehouse_module


def score(settings):
    with open_warehouse(settings) as connection:
        return connection
    duckdb.connect(str(settings.models_dir / "x.duckdb"))
    db.connect(database="lake.duckdb", read_only=True)
    raw_connect("other.duckdb")
    warehouse_module.connect(settings)
    serving.open_serving(settings)
    path = settings.serving_warehouse
"""


def test_the_scan_catches_each_way_back_in():
    found = [line.split(": ", 1)[1] for line in warehouse_openings(REINTRODUCED)]
    assert found == [
        "imports supportlake.warehouse.open_warehouse",
        "opens a database file with duckdb.connect()",
        "opens a database file with db.connect()",
        "opens a database file with raw_connect()",
        "uses supportlake.warehouse.connect",
        "uses supportlake.serving.open_serving",
        "resolves settings.serving_warehouse",
    ]


def test_the_scan_leaves_connections_handed_in_and_private_databases_alone():
    allowed = """
import duckdb
from supportlake.warehouse import one_row, transaction


def count(connection: duckdb.DuckDBPyConnection, models_dir) -> int:
    scratch = duckdb.connect(config={"threads": "1"})  # in memory
    memory = duckdb.connect(":memory:")
    with transaction(connection):
        return one_row(connection.execute("select 1"))[0]
"""
    assert warehouse_openings(allowed) == []


def test_the_scan_reads_every_module_of_ml():
    modules = sorted(ML.rglob("*.py"))
    assert Path(ML / "training.py") in modules and len(modules) > 20


def untyped_connections(source: str, filename: str = "<snippet>") -> list[str]:
    """`file:line: function` for each public function whose `connection` parameter is not
    annotated as a duckdb.DuckDBPyConnection."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name[0] == "_":
            continue
        for argument in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            annotation = ast.unparse(argument.annotation) if argument.annotation else ""
            if argument.arg == "connection" and "DuckDBPyConnection" not in annotation:
                found.append(f"{filename}:{node.lineno}: {node.name}")
    return found


def test_ml_functions_type_the_connection_they_take():
    found = []
    for path in sorted(ML.rglob("*.py")):
        found += untyped_connections(path.read_text(), str(path.relative_to(PROJECT_ROOT)))
    assert found == [], "annotate `connection: duckdb.DuckDBPyConnection`: " + "; ".join(found)
    snippet = "def count(connection, table: str) -> int: ...\n"
    assert untyped_connections(snippet) == ["<snippet>:1: count"]
