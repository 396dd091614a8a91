"""Baseline: the old notebook's way over the same landing files -- pandas reads every file whole,
cleans categories, drops missing resolution times, dedupes and aggregates in memory.

    .venv/bin/python benchmarks/baseline_notebook_pandas.py LANDING_TICKETS_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["ticket_id", "customer_id", "category", "resolution_minutes", "escalated"]


def main(folder: Path) -> None:
    frame = pd.concat(
        pd.read_parquet(path, columns=COLUMNS) for path in sorted(folder.glob("*.parquet"))
    )
    frame["category"] = frame["category"].str.strip().str.title()
    frame["resolution_minutes"] = pd.to_numeric(frame["resolution_minutes"], errors="coerce")
    frame = frame.drop_duplicates("ticket_id", keep="last").dropna(subset=["resolution_minutes"])
    escalated = frame["escalated"].astype(str).str.lower().isin(["true", "1", "yes"])
    summary = {
        "total_processed_tickets": len(frame),
        "average_resolution_minutes": frame.groupby("category")["resolution_minutes"]
        .mean()
        .round(2)
        .to_dict(),
        "customers": frame.groupby("customer_id").size().shape[0],
        "escalation_rate": round(float(escalated.mean() * 100), 2),
    }
    print(summary)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
