"""The one settings object: every path and knob, read from SUPPORTLAKE_* environment variables."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = PROJECT_ROOT / ".state"

# Keep every tool offline and quiet; set before dbt, Prefect or Hugging Face are imported.
OFFLINE_ENVIRONMENT = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ORT_DISABLE_TELEMETRY": "1",
    "NNCF_CI": "1",  # nncf's only switch that turns its usage reporting off
}


class Settings(BaseSettings):
    """Paths default to git-ignored folders inside the checkout, so several warehouses can
    live side by side by pointing SUPPORTLAKE_WAREHOUSE / SUPPORTLAKE_LAKE elsewhere."""

    model_config = SettingsConfigDict(env_prefix="SUPPORTLAKE_", extra="ignore")

    warehouse: Path = STATE_DIR / "warehouse.duckdb"
    lake: Path = STATE_DIR / "lake"
    models_dir: Path = STATE_DIR / "models"
    prefect_home: Path = STATE_DIR / "prefect"
    duckdb_memory_limit: str = "4GB"
    duckdb_threads: int = 0  # 0 = DuckDB's default (all cores)
    # The CPU priority (nice value, at least) the batch commands (ingest, build, train, ...)
    # run at: on a machine that also serves the API they take only the CPU it leaves; alone,
    # they run as fast. 0: off.
    batch_niceness: int = 10
    # Extensions copied from their PyPI wheels (supportlake/extensions.py); shared by every
    # warehouse of the checkout, so Settings.in_folder keeps it.
    duckdb_extension_directory: Path = STATE_DIR / "duckdb_extensions"
    # HTTP API (`supportlake serve`, docs/operations.md). No key: the write endpoints refuse.
    api_key: str | None = None
    api_max_text_chars: int = 20_000  # per subject or message
    api_max_batch: int = 100  # tickets per POST /predict-tickets
    escalation_webhook_url: str | None = None  # POSTed for each escalation, fire-and-forget
    escalation_webhook_timeout_seconds: float = 2.0
    # Who may escalate (landing/escalations + webhook): callers with the key, or these client
    # addresses. Per-client request budget in `limits` notation. docs/operations.md.
    api_escalation_allow: list[str] = []
    api_rate_limit: str = "600/minute"
    api_store_text: bool = False  # False: caller text reaches the lake only as a sha256
    api_similar_requires_key: bool = True
    api_similar_mask_text: bool = True  # e-mail addresses and phone numbers, as in the chats
    # Build the recommendation indexes at start and after each new serving copy, in the
    # background, instead of on the first request that needs them (docs/agent_assist.md).
    api_prepare_recommendations: bool = True
    # The encoder of /recommend-resolution's questions (ml/embedding_backends.py): `auto` is
    # the fastest CPU variant that agrees with the plain model, `torch` the plain model.
    api_embedding_backend: Literal[
        "auto", "torch", "onnx", "onnx-int8", "openvino-int8", "static"
    ] = "auto"
    # BI tools, the dashboard and the API read this copy of the marts, published after each
    # successful build (supportlake/serving.py); only the pipeline opens `warehouse`. Unset:
    # serving.duckdb beside the warehouse (.state/serving.duckdb), so another warehouse never
    # overwrites this one's copy.
    serving_warehouse: Path | None = None
    # How long a writer waits for another process to release the warehouse before giving up.
    warehouse_lock_timeout_seconds: float = 60.0
    # Data quality (supportlake/quality.py, the warn-level dbt tests): a load warns when fewer of
    # its rows reach the marts, or more of them have an invalid value in any one field.
    quality_min_rows_in_marts_share: float = 0.95
    quality_max_invalid_share: float = 0.05
    stale_source_hours: float = 48.0  # `supportlake status`: a source not loaded for this long
    # DuckLake instead of the single file (docs/scale-out.md): `ducklake:<file>.ducklake` for a
    # catalog on this machine, or `postgres:<libpq string>` for one in PostgreSQL; the data goes
    # to parquet under lake/ducklake. Kept as DuckDB's ATTACH path, with an absolute file.
    catalog: str | None = None
    # Readers open the catalog as of this snapshot id or timestamp (audits, `--as-of`).
    catalog_as_of: str | None = None

    @model_validator(mode="after")
    def _serving_copy_beside_the_warehouse(self) -> Settings:
        if self.serving_warehouse is None:
            self.serving_warehouse = Path(self.warehouse).parent / "serving.duckdb"
        return self

    @field_validator("catalog")
    @classmethod
    def _catalog_as_attach_path(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith("postgres:"):
            return f"ducklake:{value}"
        if not value.startswith("ducklake:"):
            raise ValueError(
                f"SUPPORTLAKE_CATALOG={value!r}: expected ducklake:<file> or postgres:<connection>"
            )
        rest = value.removeprefix("ducklake:")
        if rest.startswith("postgres:"):
            return value
        return f"ducklake:{Path(rest).expanduser().resolve()}"

    @classmethod
    def in_folder(cls, root: Path, **overrides) -> Settings:
        """Warehouse, lake, models and Prefect state all under `root`, laid out like the
        checkout's .state: a self-contained scratch project (tests, benchmarks)."""
        paths = {
            "warehouse": root / "warehouse.duckdb",
            "serving_warehouse": root / "serving.duckdb",
            "lake": root / "lake",
            "models_dir": root / "models",
            "prefect_home": root / "prefect",
        }
        return cls(**(paths | overrides))

    @cached_property
    def landing(self) -> Path:
        return self.lake / "landing"

    @cached_property
    def exports(self) -> Path:
        return self.lake / "exports"

    @cached_property
    def reports(self) -> Path:
        return self.lake / "reports"

    def landing_for(self, source: str) -> Path:
        return self.landing / source

    def dbt_environment(self) -> dict[str, str]:
        """Environment variables profiles.yml and dbt_project.yml read through env_var()."""
        return {
            "SUPPORTLAKE_WAREHOUSE": str(self.warehouse.resolve()),
            "SUPPORTLAKE_LAKE": str(self.lake.resolve()),
            "SUPPORTLAKE_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "SUPPORTLAKE_DUCKDB_THREADS": str(self.duckdb_threads or os.cpu_count() or 1),
            "SUPPORTLAKE_DUCKDB_EXTENSION_DIRECTORY": str(
                self.duckdb_extension_directory.resolve()
            ),
            "SUPPORTLAKE_QUALITY_MIN_ROWS_IN_MARTS_SHARE": str(
                self.quality_min_rows_in_marts_share
            ),
            "SUPPORTLAKE_QUALITY_MAX_INVALID_SHARE": str(self.quality_max_invalid_share),
        } | (  # profiles.yml's ducklake target attaches the catalog and builds into it
            {"SUPPORTLAKE_DBT_TARGET": "ducklake", "SUPPORTLAKE_CATALOG": self.catalog}
            if self.catalog
            else {}
        )


def apply_offline_environment(settings: Settings | None = None) -> None:
    """Export the offline variables (without overriding what the user set) and PREFECT_HOME."""
    settings = settings or Settings()
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home.resolve()))
    # Prefect's ephemeral server cannot create its SQLite file in a missing folder.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    return Settings()
