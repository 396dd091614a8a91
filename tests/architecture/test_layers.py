"""The layers import downward only (.importlinter, docs/architecture.md) and no module imports
itself through others: a cycle hidden in a function-level import counts too."""

from __future__ import annotations

import configparser
import pkgutil

import grimp
import pytest
from importlinter import cli as import_linter

from supportlake.settings import PROJECT_ROOT

CONTRACT_FILE = PROJECT_ROOT / ".importlinter"
ROOT_PACKAGES = ("supportlake", "flows", "ml")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # grimp reads every import statement, those inside functions and TYPE_CHECKING blocks too.
    return grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)


def layer_modules() -> list[str]:
    config = configparser.ConfigParser()
    config.read(CONTRACT_FILE)
    layers = config["importlinter:contract:layers"]["layers"].split()
    return [name for line in layers for name in line.split(":") if name.strip()]


def test_the_layer_contract_holds():
    exit_code = import_linter.lint_imports(
        config_filename=str(CONTRACT_FILE), no_cache=True, no_logo=True
    )
    assert exit_code == 0, "an import goes up a layer: see the broken contract printed above"


def test_every_module_of_supportlake_has_a_layer():
    """A new top-level module outside every layer would escape the contract."""
    placed = {name.strip() for name in layer_modules()}
    package = PROJECT_ROOT / "supportlake"
    modules = {f"supportlake.{info.name}" for info in pkgutil.iter_modules([str(package)])}
    missing = sorted(modules - placed)
    assert not missing, f"place {', '.join(missing)} in a layer of {CONTRACT_FILE.name}"


# Cycles being taken apart (none left); each entry must still be a cycle (the test fails once
# it is gone, so the entry goes with it).
KNOWN_CYCLES: set[frozenset[str]] = set()


def test_no_module_imports_itself_through_others(graph):
    cycles = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles[frozenset(chain)] = " -> ".join((module, *chain))
    assert sorted(text for key, text in cycles.items() if key not in KNOWN_CYCLES) == []
    assert set(cycles) >= KNOWN_CYCLES, "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_the_cycle_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The check above would miss the cycles the issue found if grimp skipped them."""
    package = tmp_path / "looped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from looped import b\n")
    (package / "b.py").write_text("import looped.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    looped = grimp.build_graph("looped", cache_dir=None)
    assert looped.find_shortest_chain(importer="looped.b", imported="looped.a")
    assert looped.find_shortest_chain(importer="looped.a", imported="looped.b")
