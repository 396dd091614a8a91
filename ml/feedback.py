"""Human corrections of ticket labels: the next training run learns from them.

Which correction counts is decided once, in dbt: marts.ticket_corrections_latest
(dbt_project/models/marts/monitoring/) holds one row per ticket and task, the latest
correction, blank values never counting. Training reads that mart and only applies its labels.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ml.datasets import ID_COLUMN, LABEL, DataError, LabelledData

CORRECTIONS_MART = "marts.ticket_corrections_latest"
CORRECTIONS_RAW = "raw.ticket_corrections"


def _table_exists(connection: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0][0]
    return bool(found)


def read_latest_corrections(connection: duckdb.DuckDBPyConnection, task: str) -> pd.DataFrame:
    """The corrections that count for `task`: ticket_id, corrected_label (one row per ticket).

    Empty when no correction was ever loaded; an error when corrections were loaded but the
    mart was never built, so that none is dropped without a word."""
    if not _table_exists(connection, CORRECTIONS_MART):
        loaded = 0
        if _table_exists(connection, CORRECTIONS_RAW):
            loaded = connection.execute(f"select count(*) from {CORRECTIONS_RAW}").fetchall()[0][0]
        if loaded:
            raise DataError(
                f"{loaded:,} corrections are loaded in {CORRECTIONS_RAW} but {CORRECTIONS_MART} "
                "was never built: run `supportlake build` first"
            )
        return pd.DataFrame({ID_COLUMN: [], "corrected_label": []}, dtype=object)
    return connection.execute(
        f"select ticket_id, corrected_label from {CORRECTIONS_MART} "
        "where task = ? order by ticket_id",
        [task],
    ).fetchdf()


def apply_corrections(data: LabelledData, latest: pd.DataFrame) -> LabelledData:
    """Override labels by ticket_id with `latest` (read_latest_corrections); the count used
    goes into the training report."""
    if latest.empty:
        return data
    if ID_COLUMN not in data.frame:
        data.notes.append(
            f"{len(latest)} corrections ignored: the training data has no ticket_id column"
        )
        return data
    frame = data.frame.copy()
    ids = frame[ID_COLUMN].astype("string").str.strip()
    corrected = ids.map(dict(zip(latest[ID_COLUMN], latest["corrected_label"], strict=True)))
    matched = corrected.notna()
    # Match the spelling of existing labels, so `billing` corrects to the class `Billing`.
    spellings = {str(label).lower(): label for label in frame[LABEL].dropna().unique()}
    frame.loc[matched, LABEL] = [
        spellings.get(str(value).lower(), value) for value in corrected[matched]
    ]
    data.frame = frame
    data.corrections_used = int(matched.sum())
    unmatched = len(latest) - data.corrections_used
    if unmatched:
        data.notes.append(f"{unmatched} corrections name tickets not in the training data")
    return data
