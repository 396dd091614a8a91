"""Rows of two builds compared as sets: floats to 12 significant digits."""

from __future__ import annotations

import duckdb


def rounded_rows(connection: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    """The rows with floats to 12 significant digits, sorted: a mean over many groups is a
    float sum whose last bit depends on the order DuckDB's threads add the groups in."""
    rows = connection.execute(f"from {relation}").fetchall()
    rounded = (
        tuple(float(f"{value:.12g}") if isinstance(value, float) else value for value in row)
        for row in rows
    )
    return sorted(rounded, key=repr)
