"""Per-client request budget (settings.api_rate_limit, `limits` notation such as "600/minute").

A moving window per client address, kept in this process's memory: each API worker counts
its own requests, so with N workers a client may get up to N times the budget.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class ClientRateLimit:
    def __init__(self, rate: str) -> None:
        self.item = parse(rate)  # raises ValueError for a malformed rate, at start-up
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __str__(self) -> str:
        return str(self.item)

    def retry_after(self, client: str) -> int | None:
        """None when the request is within `client`'s budget (and is counted), else the
        whole seconds until it is."""
        if self.limiter.hit(self.item, client):
            return None
        reset_at = self.limiter.get_window_stats(self.item, client).reset_time
        return max(1, math.ceil(reset_at - time.time()))
