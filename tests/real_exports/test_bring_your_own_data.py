"""The README's "Bring your own data" walkthrough, followed verbatim: its mapping template
written to my_mapping.yaml, its commands run as a user would (the installed CLI, in a fresh
folder holding export.csv), its SQL checks run on the resulting warehouse."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "tests" / "fixtures" / "vendor_exports" / "my_helpdesk_export.csv"
CODE_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def code_blocks(section: str, language: str) -> list[str]:
    return [body for lang, body in CODE_BLOCK.findall(section) if lang == language]


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the section's steps in a new folder; return each command's output and the folder."""
    section = readme_section("Bring your own data")
    folder = tmp_path_factory.mktemp("byod")
    shutil.copy(EXPORT, folder / "export.csv")
    (template,) = code_blocks(section, "yaml")
    file_name = template.splitlines()[0].removeprefix("# ").split(":")[0]
    assert file_name == "my_mapping.yaml"
    (folder / file_name).write_text(template, encoding="utf-8")

    state = folder / "state"
    environment = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SUPPORTLAKE_WAREHOUSE": str(state / "warehouse.duckdb"),
        "SUPPORTLAKE_SERVING_WAREHOUSE": str(state / "serving.duckdb"),
        "SUPPORTLAKE_LAKE": str(state / "lake"),
        "SUPPORTLAKE_MODELS_DIR": str(state / "models"),
        "SUPPORTLAKE_PREFECT_HOME": str(state / "prefect"),
        "COLUMNS": "200",
    }
    outputs = {}
    for block in code_blocks(section, "bash"):
        for command in filter(None, map(str.strip, block.splitlines())):
            assert shlex.split(command)[0] == "supportlake", command
            done = subprocess.run(
                command,
                shell=True,
                cwd=folder,
                env=environment,
                capture_output=True,
                text=True,
                timeout=600,
            )
            output = done.stdout + done.stderr
            assert done.returncode == 0, f"`{command}` failed:\n{output[-3000:]}"
            outputs[shlex.split(command)[1]] = " ".join(output.split())
    return {"outputs": outputs, "warehouse": state / "warehouse.duckdb", "section": section}


def test_the_walkthrough_runs_ingest_build_and_status(walkthrough):
    assert list(walkthrough["outputs"]) == ["ingest", "build", "status"]


def test_the_ingest_warning_the_readme_quotes_is_what_the_user_sees(walkthrough):
    quoted = re.search(r"\(`(warning export\.csv: .*?)`\)", walkthrough["section"], re.DOTALL)
    assert quoted, "the section quotes the ingest's warning"
    assert " ".join(quoted.group(1).split()) in walkthrough["outputs"]["ingest"]
    assert "'Field Service' x1" in walkthrough["outputs"]["ingest"]


def test_the_build_warns_about_the_queue_without_a_schedule(walkthrough):
    assert "warn_on_unknown_queues" in walkthrough["outputs"]["build"]


def test_the_readmes_sql_checks_show_the_load(walkthrough):
    (checks,) = code_blocks(walkthrough["section"], "sql")
    statements = [
        statement.strip()
        for statement in re.sub(r"--[^\n]*", "", checks).split(";")
        if statement.strip()
    ]
    with duckdb.connect(str(walkthrough["warehouse"]), read_only=True) as connection:
        untranslated, reached, unknown_queues = (
            connection.execute(statement).fetchall() for statement in statements
        )
    assert sorted(untranslated) == [("queue", "Field Service", 1), ("status", "Escalated", 1)]
    assert sum(row[-1] for row in reached) == 6  # every row of the export
    assert ("Resolved", "High", 5, "General", "Account", 1) in reached
    assert ("Closed", "Medium", 1, "Billing", "Billing", 1) in reached
    assert unknown_queues == [("Field Service", 1)]
    with duckdb.connect(str(walkthrough["warehouse"]), read_only=True) as connection:
        opened = connection.execute(
            "select created_at, resolved_at from marts.tickets where ticket_id = 'C-1001'"
        ).fetchall()
    # the template's timestamp_format reads 03/06/2024 day first
    assert [tuple(str(value) for value in row) for row in opened] == [
        ("2024-06-03 09:15:00", "2024-06-03 11:40:00")
    ]
