"""A transaction has one home, supportlake.warehouse.transaction (commit together or roll back,
and a failed rollback never hides why): no other module begins, commits or rolls back by hand."""

from __future__ import annotations

import ast
import re

from supportlake.settings import PROJECT_ROOT

HOME = PROJECT_ROOT / "supportlake" / "warehouse.py"
PACKAGES = ("supportlake", "ml", "flows")
METHODS = {"begin", "commit", "rollback"}
STATEMENT = re.compile(r"\s*(begin|commit|rollback|abort|end|start\s+transaction)\b", re.I)
RUNNERS = {"execute", "sql", "query"}


def hand_written_transactions(source: str, filename: str = "<snippet>") -> list[str]:
    """`file:line: call` for each connection.begin()/commit()/rollback() and each BEGIN,
    COMMIT or ROLLBACK statement run through execute/sql/query."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        text = node.args[0] if node.args else None
        by_method = name in METHODS and not node.args and not node.keywords
        by_statement = (
            name in RUNNERS
            and isinstance(text, ast.Constant)
            and isinstance(text.value, str)
            and STATEMENT.match(text.value) is not None
        )
        if by_method or by_statement:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return sorted(found)


def test_only_the_warehouse_module_writes_a_transaction_by_hand():
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if path != HOME:
                relative = str(path.relative_to(PROJECT_ROOT))
                found += hand_written_transactions(path.read_text(), relative)
    assert found == [], "use supportlake.warehouse.transaction: " + "; ".join(found)


def test_the_scan_catches_a_hand_written_transaction():
    snippet = """
connection.begin()
connection.execute("BEGIN TRANSACTION")
connection.sql("commit")
cursor.rollback()
registry.rollback(models_dir, "category")  # a model rollback: arguments, not a transaction
connection.execute("select 'begin'")
"""
    assert [line.split(": ", 1)[1] for line in hand_written_transactions(snippet)] == [
        "connection.begin()",
        "connection.execute('BEGIN TRANSACTION')",
        "connection.sql('commit')",
        "cursor.rollback()",
    ]


def test_the_home_itself_is_seen_by_the_scan():
    """The scan would find the helper's own begin/commit/rollback: it is looking."""
    found = hand_written_transactions(HOME.read_text(), "warehouse.py")
    assert {line.rsplit(": ", 1)[1] for line in found} == {
        "connection.begin()",
        "connection.commit()",
        "connection.rollback()",
    }
