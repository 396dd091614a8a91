"""Compare what two demo runs wrote: every table and view of both warehouses and serving copies,
the parquet/CSV exports, and the report and model JSON files.

    .venv/bin/python benchmarks/compare_demo_outputs.py BASE_DIR HEAD_DIR [--all] [--ignore REGEX]

Each DIR is one demo's folder, laid out as the demo writes it when SUPPORTLAKE_WAREHOUSE,
SUPPORTLAKE_SERVING_WAREHOUSE and SUPPORTLAKE_LAKE / SUPPORTLAKE_MODELS_DIR point inside it
(warehouse.duckdb, serving.duckdb, lake/, models/). Run both demos with the same seed.

What counts as equal, so that two runs of the same code compare equal:
- rows as a multiset (order is not part of a table), on the columns both sides have;
- floats to 12 significant digits (a mean over many groups is a float sum whose last bit follows
  the order DuckDB's threads add the groups in);
- columns that hold when or by which run something was made (build/train/score times, run ids,
  code and package versions, durations) are left out: `VOLATILE` below, `--ignore` adds more;
- in text, the run's own folder reads `<root>` and load ids and version stamps `<stamp>`, so
  paths and ids built from a load id (chat_row_id, ...) compare.

Prints one row per object present in BASE: rows in base/head, equal? (`yes`; `NO`: rows differ
on the shared columns; `columns`: rows equal on the shared columns, but columns were added or
removed; `missing` in HEAD), the first column whose values differ and the columns one side
lacks. Objects only HEAD has are counted (listed with --all). Exit status 1 when anything BASE
produced differs or is missing in HEAD.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]

# When or by which run a row was made, never what the pipeline computed from the data.
VOLATILE = re.compile(
    r"^(load_id|run_id|.*_run_id|model_version|version|.*_version|code_version|invocation_id"
    r"|loaded_at|_loaded_at|trained_at|scored_at|predicted_at|built_at|generated_at|embedded_at"
    r"|clustered_at|fitted_at|hashed_at|published_at|exported_at|refreshed_at|computed_at"
    r"|indexed_at|run_at"
    r"|started_at|finished_at|ended_at|dbt_.*|_dbt_.*|.*_seconds|seconds|training_seconds"
    r"|model_path|report_path|report|path|.*_path|data_hash|model_hash)$"
)
# A load id (`20261205T004218-798ff717`) or the time part of a model version / run id: also
# inside other ids (chat_row_id = load id || row number) and paths.
STAMP = re.compile(r"\d{8}T\d{6}Z?(-[0-9a-f]{8})?")
SIGNIFICANT_DIGITS = 12
SKIPPED_FOLDERS = ("lake/landing/", "lake/dbt/", "lake/logs/")
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


@dataclass
class Row:
    name: str
    rows_base: int | None
    rows_head: int | None
    equal: str
    first_difference: str = ""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def normalised(column: str, type_: str, root: str) -> str:
    """The column as text that compares equal across two runs of the same code."""
    ref = quoted(column)
    element = re.sub(r"(\[\d*\])+$", "", type_)
    if type_ in FLOAT_TYPES:
        return f"printf('%.{SIGNIFICANT_DIGITS}g', {ref})"
    if element in FLOAT_TYPES and type_.count("[") == 1:
        return f"list_transform(cast({ref} as double[]), v -> printf('%.{SIGNIFICANT_DIGITS}g', v))"
    if type_ == "VARCHAR" or type_.startswith(("STRUCT", "MAP", "UNION")) or "[" in type_:
        text = ref if type_ == "VARCHAR" else f"cast({ref} as varchar)"
        rooted = f"replace({text}, '{root}', '<root>')"
        return f"regexp_replace({rooted}, '{STAMP.pattern}', '<stamp>', 'g')"
    return ref


class Side:
    """One demo's folder: its relations (tables, views, data files), each read through the
    connection that can resolve it. A database file is attached under its own name, which its
    dbt views refer to, so each side's files get their own connections."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        # The folder the run wrote its paths with (lake/ may be a link to where the run was).
        self.run_root = str((self.root / "lake").resolve().parent)
        self.relations: dict[str, tuple[duckdb.DuckDBPyConnection, str]] = {}
        files = connect()
        for database in ("warehouse", "serving"):
            path = (self.root / f"{database}.duckdb").resolve()
            if not path.exists():
                continue
            connection = connect()
            connection.execute(f"attach '{path}' as {quoted(path.stem)} (read_only)")
            connection.execute(f"use {quoted(path.stem)}")
            for schema, table in connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = ? order by all",
                [path.stem],
            ).fetchall():
                self.relations[f"{database}:{schema}.{table}"] = (
                    connection,
                    f"{quoted(schema)}.{quoted(table)}",
                )
        for path in sorted((self.root / "lake").rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            # The inputs, dbt's own target copies and logs are no output to compare.
            if relative.startswith(SKIPPED_FOLDERS) or not path.is_file():
                continue
            if path.suffix == ".parquet":
                self.relations[f"file:{unversioned(relative)}"] = (
                    files,
                    f"read_parquet('{path}')",
                )
            elif path.suffix == ".csv":
                # typed, so that a float column compares to 12 significant digits like the
                # tables (a CSV's float text carries the summation order's last bits)
                self.relations[f"file:{unversioned(relative)}"] = (
                    files,
                    f"read_csv('{path}', header = true)",
                )

    def json_files(self) -> dict[str, Path]:
        """Report and model JSON, keyed by a path with the run's version ids taken out."""
        found = {}
        for folder in (self.root / "lake" / "reports", self.root / "models"):
            for path in sorted(folder.rglob("*.json")) if folder.exists() else []:
                if "mlartifacts" in path.parts:  # MLflow's copy of the report, by run uuid
                    continue
                found[f"json:{unversioned(path.relative_to(self.root).as_posix())}"] = path
        return found

    def columns(self, name: str) -> dict[str, str]:
        connection, relation = self.relations[name]
        described = connection.execute(f"describe select * from {relation}").fetchall()
        return {column: type_ for column, type_, *_ in described}

    def normalised_rows(self, name: str, columns: list[str]) -> pa.Table:
        """The relation's rows, these columns only, as normalised() makes them."""
        connection, relation = self.relations[name]
        types = self.columns(name)
        listed = ", ".join(
            f"{normalised(column, types[column], self.run_root)} as {quoted(column)}"
            for column in columns
        )
        return connection.execute(
            f"select {listed or '1 as no_column'} from {relation}"
        ).to_arrow_table()


def connect() -> duckdb.DuckDBPyConnection:
    """Offline: extensions (a view may need one) only from the project's directory."""
    directory = os.environ.get("SUPPORTLAKE_DUCKDB_EXTENSION_DIRECTORY") or str(
        ROOT / ".state" / "duckdb_extensions"
    )
    return duckdb.connect(
        config={"extension_directory": directory, "autoinstall_known_extensions": False}
    )


def unversioned(text: str) -> str:
    """Load ids, version folders and run ids (timestamp, then a hash) compare equal."""
    return STAMP.sub("<stamp>", text)


def differs(base: pa.Table, head: pa.Table, columns: list[str] | None = None) -> bool:
    """Whether the two multisets of rows differ (on these columns only, when given)."""
    if columns is not None:
        base, head = base.select(columns), head.select(columns)
    if base.num_rows != head.num_rows:
        return True
    connection = duckdb.connect()
    connection.register("base_rows", base)
    connection.register("head_rows", head)
    return connection.execute(
        "select exists (from base_rows except all from head_rows) "
        "or exists (from head_rows except all from base_rows)"
    ).fetchone()[0]


def compare_relation(name: str, base: Side, head: Side, ignore: re.Pattern | None) -> Row:
    base_columns, head_columns = base.columns(name), head.columns(name)
    compared = [
        column
        for column in base_columns
        if column in head_columns
        and not VOLATILE.match(column)
        and not (ignore and ignore.search(column))
    ]
    base_rows, head_rows = (
        base.normalised_rows(name, compared),
        head.normalised_rows(name, compared),
    )
    row = Row(name, base_rows.num_rows, head_rows.num_rows, "yes")
    if differs(base_rows, head_rows):
        row.equal = "NO"
        row.first_difference = next(
            (column for column in compared if differs(base_rows, head_rows, [column])),
            "(rows: no single column)",
        )
    lacking = [column for column in base_columns if column not in head_columns]
    added = [column for column in head_columns if column not in base_columns]
    if lacking or added:
        row.equal = "NO" if row.equal == "NO" else "columns"
        changes = [f"-{column}" for column in lacking] + [f"+{column}" for column in added]
        row.first_difference = " ".join(filter(None, [row.first_difference, *changes]))
    return row


def normalised_json(value, root: str, ignore: re.Pattern | None):
    if isinstance(value, dict):
        return {
            key: normalised_json(item, root, ignore)
            for key, item in value.items()
            if not VOLATILE.match(key) and not (ignore and ignore.search(key))
        }
    if isinstance(value, list):
        return [normalised_json(item, root, ignore) for item in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, str):
        return unversioned(value.replace(root, "<root>"))
    return value


def first_json_difference(base, head, where: str = "") -> str | None:
    if isinstance(base, dict) and isinstance(head, dict):
        for key in list(base) + [key for key in head if key not in base]:
            if key not in base or key not in head:
                return f"{where}/{key}"
            found = first_json_difference(base[key], head[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(base, list) and isinstance(head, list):
        if len(base) != len(head):
            return f"{where}[len {len(base)} vs {len(head)}]"
        for index, (left, right) in enumerate(zip(base, head, strict=True)):
            found = first_json_difference(left, right, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if base == head else where or "/"


def compare_json(name: str, base: Side, head: Side, ignore: re.Pattern | None) -> Row:
    base_path, head_path = base.json_files()[name], head.json_files()[name]
    left = normalised_json(json.loads(base_path.read_text()), base.run_root, ignore)
    right = normalised_json(json.loads(head_path.read_text()), head.run_root, ignore)
    found = first_json_difference(left, right)
    return Row(name, entries(left), entries(right), "NO" if found else "yes", found or "")


def entries(value) -> int:
    """A JSON file's "rows": the top-level list's or object's length."""
    return len(value) if isinstance(value, list | dict) else 1


def compare(
    base_dir: Path, head_dir: Path, ignore: re.Pattern | None, only: re.Pattern | None
) -> tuple[list[Row], list]:
    base, head = Side(base_dir), Side(head_dir)
    results = []
    for name in base.relations:
        if only and not only.search(name):
            continue
        if name in head.relations:
            results.append(compare_relation(name, base, head, ignore))
        else:
            rows = base.normalised_rows(name, []).num_rows
            results.append(Row(name, rows, None, "missing"))
    base_json, head_json = base.json_files(), head.json_files()
    for name in base_json:
        if only and not only.search(name):
            continue
        results.append(
            compare_json(name, base, head, ignore)
            if name in head_json
            else Row(name, None, None, "missing")
        )
    head_only = sorted(
        (set(head.relations) - set(base.relations)) | (set(head_json) - set(base_json))
    )
    return results, head_only


def print_table(results: list[Row], head_only: list[str], show_all: bool) -> None:
    width = max(len(row.name) for row in results) if results else 10
    print(
        f"{'object':<{width}}  {'rows base':>9}  {'rows head':>9}  {'equal?':<7}  first difference"
    )
    for row in results:
        counts = [
            f"{value:,}" if value is not None else "-" for value in (row.rows_base, row.rows_head)
        ]
        print(
            f"{row.name:<{width}}  {counts[0]:>9}  {counts[1]:>9}  {row.equal:<7}  "
            f"{row.first_difference}"
        )
    tally = Counter(row.equal for row in results)
    print(
        f"\n{len(results)} objects of base: {tally['yes']} equal, {tally['NO']} differing rows, "
        f"{tally['columns']} differing columns only, {tally['missing']} missing in head; "
        f"{len(head_only)} objects only in head"
    )
    if show_all:
        for name in head_only:
            print(f"  head only: {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("head", type=Path)
    parser.add_argument("--all", action="store_true", help="list the objects only head has")
    parser.add_argument("--ignore", help="regex: more columns / JSON keys to leave out")
    parser.add_argument("--only", help="regex: compare only the objects whose name matches")
    args = parser.parse_args()
    ignore = re.compile(args.ignore) if args.ignore else None
    only = re.compile(args.only) if args.only else None
    results, head_only = compare(args.base, args.head, ignore, only)
    print_table(results, head_only, args.all)
    return 0 if all(row.equal == "yes" for row in results) else 1


if __name__ == "__main__":
    sys.exit(main())
