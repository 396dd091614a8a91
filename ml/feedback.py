"""Human corrections of ticket labels: the next training run learns from them.

Corrections land as files in landing/ticket_corrections/ and are ingested into
raw.ticket_corrections like any source (all VARCHAR). When one ticket was corrected more than
once, the latest `corrected_at` wins; a blank corrected value leaves that label as recorded.
"""

from __future__ import annotations

import pandas as pd

from ml.datasets import ID_COLUMN, LABEL, LabelledData, read_table
from supportlake.sources import TICKET_CORRECTIONS

CORRECTIONS_TABLE = "raw.ticket_corrections"
CORRECTION_COLUMNS = TICKET_CORRECTIONS.columns


def corrected_column(task: str) -> str:
    return f"corrected_{task}"


def read_corrections_table(connection) -> pd.DataFrame:
    """raw.ticket_corrections as loaded; empty when nothing was ever ingested."""
    exists = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'ticket_corrections'"
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame(columns=list(CORRECTION_COLUMNS))
    return connection.execute(
        f"select {', '.join(CORRECTION_COLUMNS)} from {CORRECTIONS_TABLE} "
        "order by _loaded_at, _source_file, _row_number"
    ).fetchdf()


def read_corrections_file(path) -> pd.DataFrame:
    """A corrections file (CSV/parquet/JSON) with the ticket_corrections columns."""
    frame = read_table(path)
    if ID_COLUMN not in frame:
        raise ValueError(f"{path}: a corrections file needs a ticket_id column")
    for column in CORRECTION_COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[list(CORRECTION_COLUMNS)]


def latest_corrections(corrections: pd.DataFrame, task: str) -> pd.DataFrame:
    """One row per ticket with a non-blank correction for `task`: ticket_id, corrected_label."""
    column = corrected_column(task)
    if corrections.empty or column not in corrections:
        return pd.DataFrame({ID_COLUMN: [], "corrected_label": []}, dtype=object)
    frame = corrections[[ID_COLUMN, column, "corrected_at"]].copy()
    frame[ID_COLUMN] = frame[ID_COLUMN].astype("string").str.strip()
    frame[column] = frame[column].astype("string").str.strip()
    frame = frame[frame[ID_COLUMN].fillna("").ne("") & frame[column].fillna("").ne("")]
    # Unparseable timestamps sort first, so any dated correction outranks them; among equals
    # the later-loaded row (file order) wins.
    frame["order"] = pd.to_datetime(frame["corrected_at"], errors="coerce", utc=True)
    frame["position"] = range(len(frame))
    frame = frame.sort_values(["order", "position"], na_position="first")
    latest = frame.drop_duplicates(ID_COLUMN, keep="last")
    return pd.DataFrame(
        {
            ID_COLUMN: latest[ID_COLUMN].astype(object),
            "corrected_label": latest[column].astype(object),
        }
    ).reset_index(drop=True)


def apply_corrections(data: LabelledData, corrections: pd.DataFrame, task: str) -> LabelledData:
    """Override labels by ticket_id; the count used goes into the training report."""
    latest = latest_corrections(corrections, task)
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
