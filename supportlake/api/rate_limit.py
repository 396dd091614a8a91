"""Per-client request budget (settings.api_rate_limit, `limits` notation such as "600/minute").

A moving window per client address, kept in this process's memory: each API worker counts
its own requests, so with N workers a client may get up to N times the budget.

The window is a deque of request times per client: a hit drops the times that left the
window and appends its own, O(1) amortized. (`limits`' in-memory moving window inserts at the
front of a list and starts a timer thread every 10 ms to expire entries: at a few hundred
requests a second that cost more CPU than the prediction.) `limits` still parses the rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from limits import parse

# Clients with no request in the window are forgotten every this many hits.
SWEEP_EVERY = 10_000


class ClientRateLimit:
    def __init__(self, rate: str) -> None:
        self.item = parse(rate)  # raises ValueError for a malformed rate, at start-up
        self.amount = self.item.amount
        self.window = float(self.item.get_expiry())
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._hits = 0

    def __str__(self) -> str:
        return str(self.item)

    def retry_after(self, client: str) -> int | None:
        """None when the request is within `client`'s budget (and is counted), else the
        whole seconds until it is."""
        now = time.monotonic()
        start = now - self.window
        with self._lock:
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0:
                self._sweep(start)
            times = self._times.get(client)
            if times is None:
                times = self._times[client] = deque()
            while times and times[0] <= start:
                times.popleft()
            if len(times) < self.amount:
                times.append(now)
                return None
            return max(1, math.ceil(times[0] - start))

    def _sweep(self, start: float) -> None:
        for client in [c for c, times in self._times.items() if not times or times[-1] <= start]:
            del self._times[client]
