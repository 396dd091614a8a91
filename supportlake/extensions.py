"""DuckDB extensions from their PyPI wheels, installed into a project-local directory.

DuckDB's own `INSTALL fts` downloads from DuckDB's server, which locked-down networks (and
these machines) cannot reach. For DuckDB 1.5.5 every official extension is also a wheel on
the package index (`duckdb-extension-fts`, ...) holding `extensions/v1.5.5/<name>.duckdb_extension`.
The set-up copies those files into one extension directory with `INSTALL '<file>'`; every
connection (ours and dbt's, see profiles.yml) points at that directory with automatic
installs turned off, so `LOAD <name>` works by name and nothing ever reaches for the network.

    python -m supportlake.extensions      # what `make demo` / `make test` run after pip
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import duckdb

from supportlake.settings import Settings, get_settings

# The extensions the project uses: BM25 search, HNSW vector indexes, DuckLake catalogs, and
# code pages beyond utf-8/utf-16/latin-1 for CSV exports (cp1252 from Excel on Windows), and
# PostgreSQL for a DuckLake catalog kept there (supportlake/catalog.py).
EXTENSIONS = ("fts", "vss", "ducklake", "encodings", "postgres_scanner")


class ExtensionUnavailable(RuntimeError):
    """Neither in the extension directory nor installable from its wheel."""


def wheel_name(name: str) -> str:
    return f"duckdb-extension-{name}=={duckdb.__version__}"


def wheel_file(name: str) -> Path:
    """The extension binary inside the installed wheel, for exactly this DuckDB version."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(
            f"DuckDB extension '{name}' is not installed: pip install '{wheel_name(name)}'"
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    binary = package_dir / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not binary.exists():
        built_for = sorted(p.name for p in (package_dir / "extensions").glob("v*"))
        raise ExtensionUnavailable(
            f"DuckDB extension '{name}' was built for DuckDB {', '.join(built_for) or '?'}, "
            f"but DuckDB {duckdb.__version__} is installed: pip install '{wheel_name(name)}' "
            "with the DuckDB version pinned in pyproject.toml"
        )
    return binary


def offline_config(settings: Settings) -> dict[str, Any]:
    """Connection options that keep DuckDB offline and pointed at the project's extensions."""
    return {
        "extension_directory": str(settings.duckdb_extension_directory),
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "true",
    }


def install_extensions(settings: Settings | None = None) -> list[str]:
    """Copy every wheel's extension into the extension directory; a no-op when already there."""
    settings = settings or get_settings()
    settings.duckdb_extension_directory.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(config=offline_config(settings)) as connection:
        installed = {
            row[0]
            for row in connection.execute(
                "select extension_name from duckdb_extensions() where installed"
            ).fetchall()
        }
        for name in EXTENSIONS:
            if name not in installed:
                connection.execute(f"install '{wheel_file(name)}'")
    return list(EXTENSIONS)


def load_extension(connection: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD by name; if the extension directory lacks it, install it from its wheel first."""
    try:
        connection.execute(f"load {name}")
        return
    except duckdb.Error:
        pass
    try:
        connection.execute(f"install '{wheel_file(name)}'")
        connection.execute(f"load {name}")
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise ExtensionUnavailable(
            f"DuckDB extension '{name}' cannot be loaded ({first_line}): "
            f"pip install '{wheel_name(name)}'"
        ) from error


if __name__ == "__main__":
    target = get_settings().duckdb_extension_directory
    print(f"DuckDB {duckdb.__version__} extensions {', '.join(install_extensions())} in {target}")
