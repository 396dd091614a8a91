"""Synthetic landing data: `generate_tickets` (tickets.py) behind `supportlake generate tickets`.

Names are imported on first use, so the CLI starts without loading numpy and pyarrow.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GenerationSummary", "MessRates", "generate_tickets"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from supportlake.generate import tickets

        return getattr(tickets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
