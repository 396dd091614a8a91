"""The demo's closing summary names every folder the pipeline writes to."""

from __future__ import annotations

from pathlib import Path

from flows.demo import demo_outputs
from supportlake.settings import Settings


def test_the_demo_summary_lists_parquet_exports_model_reports_and_the_rest(tmp_path) -> None:
    settings = Settings.in_folder(tmp_path)
    outputs = demo_outputs(
        settings,
        report=settings.reports / "analytics" / "report.html",
        dashboard=settings.reports / "dashboard" / "index.html",
        chats=settings.exports / "chats",
    )
    listed = {Path(path) for path in outputs.values()}

    written_by_the_pipeline = {
        settings.warehouse,
        settings.serving_warehouse,
        settings.exports / "marts",  # dbt's parquet copies of the marts
        settings.exports / "chats",
        settings.reports / "models",  # training: metrics and confusion matrices per version
        settings.reports / "topics",
        settings.models_dir,
        settings.lake / "logs",
    }
    assert written_by_the_pipeline <= listed, written_by_the_pipeline - listed
    assert any(path.parent == settings.reports / "analytics" for path in listed)
    assert any(path.parent == settings.reports / "dashboard" for path in listed)
    assert all(label for label in outputs)
