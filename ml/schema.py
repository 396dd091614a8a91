"""The warehouse tables of schema `ml` that Python writes (dbt declares them as sources):
ml.model_runs (one row per training run) and ml.ticket_predictions (the current scores)."""

from __future__ import annotations

import duckdb

MODEL_RUNS_DDL = """
create table if not exists ml.model_runs (
    model_version varchar primary key,  -- <task>-<timestamp>-<data hash>
    task varchar not null,              -- category, priority, or the label a file was trained on
    trained_at timestamp not null,
    model_family varchar not null,      -- naive_bayes, logistic_regression, linear_svm, ...
    baseline_family varchar not null,
    data_source varchar not null,       -- file path or warehouse:marts.tickets
    data_hash varchar not null,         -- sha256 of the training rows (text, meta, label)
    training_rows bigint not null,
    holdout_rows bigint not null,
    holdout_source varchar not null,    -- split of the data, or the --holdout file
    label_set varchar not null,         -- JSON array of the classes
    corrections_used bigint not null,   -- labels overridden by human corrections
    cv_macro_f1 double,                 -- chosen model, stratified cross-validation
    holdout_accuracy double,
    holdout_macro_f1 double,
    baseline_macro_f1 double,
    majority_macro_f1 double,
    majority_accuracy double,
    expected_calibration_error double,
    parameters varchar,                 -- JSON
    code_version varchar,               -- git sha (+dirty) of the checkout, when known
    package_version varchar,
    model_path varchar not null,
    report_path varchar,
    routing_coverage double,            -- holdout share routable at 90% precision
    scope varchar                       -- warehouse, or file (an outside export)
)
"""
# Columns added after the table's first release: added in place to older warehouses.
MODEL_RUNS_ADDED_COLUMNS = {"routing_coverage": "double", "scope": "varchar"}


PREDICTIONS_DDL = """
create table if not exists ml.ticket_predictions (
    ticket_id varchar not null,         -- one row per ticket of marts.tickets
    predicted_category varchar,
    category_confidence double,         -- calibrated probability of the predicted category
    category_reasons varchar,           -- the features that pushed hardest toward it
    category_model_version varchar,     -- registry version, or zero-shot-all-MiniLM-L6-v2
    predicted_priority varchar,
    priority_confidence double,
    priority_reasons varchar,
    priority_model_version varchar,
    scored_at timestamp not null        -- UTC
)
"""


def ensure_ml_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Schema ml with its tables (idempotent); dbt declares them as sources."""
    connection.execute("create schema if not exists ml")
    connection.execute(MODEL_RUNS_DDL)
    for column, kind in MODEL_RUNS_ADDED_COLUMNS.items():
        connection.execute(f"alter table ml.model_runs add column if not exists {column} {kind}")
    connection.execute(PREDICTIONS_DDL)
