"""A PostgreSQL server for DuckLake catalogs on this machine (`make postgres`, the tests).

Debian's `postgresql` package provides the binaries; the cluster lives in .state/postgres and
listens on 127.0.0.1 only (SUPPORTLAKE_POSTGRES_PORT, default 54329) with trust
authentication, so it is for development and CI, not for production (docs/scale-out.md).
PostgreSQL refuses to run as root, as CI does: then the server runs as the `postgres` user
the package creates, through `runuser`. Starting is idempotent.

    python -m supportlake.local_postgres      # prints the SUPPORTLAKE_CATALOG to use
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from supportlake.settings import STATE_DIR

PORT = int(os.environ.get("SUPPORTLAKE_POSTGRES_PORT", "54329"))
DATA_DIR = Path(os.environ.get("SUPPORTLAKE_POSTGRES_DIR", STATE_DIR / "postgres"))
DATABASE = "supportlake"
SERVICE_USER = "postgres"  # the package's user, for when we are root


class PostgresUnavailable(RuntimeError):
    """The binaries are missing or the server did not start; the message says why."""


def binaries() -> Path:
    """The folder with initdb and pg_ctl (Debian keeps them out of PATH, per version)."""
    if found := shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL is not installed: `make postgres` installs Debian's postgresql package"
        )
    return versions[-1].parent


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL")
    return ["runuser", "-u", SERVICE_USER, "--", *command]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise PostgresUnavailable(
            f"{Path(command[0]).name} failed: {detail[-1] if detail else result.returncode}"
        )
    return result


def connection_string(database: str = DATABASE) -> str:
    return f"dbname={database} host=127.0.0.1 port={PORT} user={SERVICE_USER}"


def catalog_setting(database: str = DATABASE) -> str:
    """The SUPPORTLAKE_CATALOG value for a DuckLake catalog in this server."""
    return f"postgres:{connection_string(database)}"


def _prepare_folder() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the server user must own its cluster and reach it
        shutil.chown(DATA_DIR, SERVICE_USER, SERVICE_USER)
        DATA_DIR.chmod(0o700)
        for parent in DATA_DIR.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o001)  # traverse only, no listing


def _is_running(bin_dir: Path) -> bool:
    result = subprocess.run(
        [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(PORT)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def ensure_running(timeout_seconds: float = 60.0) -> str:
    """Install nothing; initdb once, start the server if it is not up, create the database.
    Returns the connection string."""
    bin_dir = binaries()
    cluster = DATA_DIR / "data"
    if not _is_running(bin_dir):
        _prepare_folder()
        if not (cluster / "PG_VERSION").exists():
            _run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(cluster),
                    "-U",
                    SERVICE_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ]
            )
        options = f"-c listen_addresses=127.0.0.1 -p {PORT} -c unix_socket_directories=''"
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(cluster),
                "-l",
                str(DATA_DIR / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(int(timeout_seconds)),
                "start",
            ]
        )
    deadline = time.monotonic() + timeout_seconds
    while not _is_running(bin_dir):
        if time.monotonic() > deadline:
            raise PostgresUnavailable(
                f"PostgreSQL on port {PORT} did not accept connections within "
                f"{timeout_seconds:.0f} s (log: {DATA_DIR / 'server.log'})"
            )
        time.sleep(0.5)
    create_database(DATABASE)
    return connection_string()


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        [
            str(binaries() / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PORT),
            "-U",
            SERVICE_USER,
            "-d",
            database,
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PostgresUnavailable(f"psql: {result.stderr.strip()}")
    return result.stdout.strip()


def create_database(name: str) -> None:
    """Create the database if it does not exist (a fresh one per test keeps tests apart)."""
    if _psql(f"select 1 from pg_database where datname = '{name}'") != "1":
        _psql(f'create database "{name}"')


def drop_database(name: str) -> None:
    _psql(f'drop database if exists "{name}" with (force)')


if __name__ == "__main__":
    ensure_running()
    print(f"PostgreSQL on 127.0.0.1:{PORT}, data in {DATA_DIR}")
    print(f"SUPPORTLAKE_CATALOG='{catalog_setting()}'")
