"""The notebooks run top to bottom on a generated export, and are kept without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", ["eda.ipynb", "modeling.ipynb"])
def test_notebook_runs_and_is_stored_without_outputs(name, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_MLFLOW", "0")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), (
        f"{name}: outputs are committed; clear them before saving"
    )

    # Raises CellExecutionError naming the cell when any cell (the asserts included) fails.
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
    ).execute()
    assert all(cell.execution_count for cell in code)
