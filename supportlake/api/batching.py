"""Micro-batching: requests that arrive together are predicted together, with no added wait.

A prediction runs on the event loop (it is CPU work; a thread would only add hand-offs). The
first request of a round schedules a drain with `call_soon`; every request whose handler runs
before the drain joins it. When the server is idle a batch is one request; under load the
requests parsed while the previous batch ran form the next one, and the fixed per-call cost
of the numpy and scipy steps is shared among them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence


class PredictionBatcher:
    def __init__(self, predict: Callable[[Sequence[dict]], list], max_batch: int = 64) -> None:
        self.predict_many = predict
        self.max_batch = max_batch
        self._pending: list[tuple[list[dict], asyncio.Future]] = []
        self._scheduled = False
        self.batches = 0
        self.tickets = 0

    async def predict(self, tickets: list[dict]) -> list:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((tickets, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._drain)
        return await future

    def _drain(self) -> None:
        pending, self._pending = self._pending, []
        self._scheduled = False
        start = 0
        while start < len(pending):
            group: list[tuple[list[dict], asyncio.Future]] = []
            size = 0
            while start < len(pending) and (not group or size < self.max_batch):
                group.append(pending[start])
                size += len(pending[start][0])
                start += 1
            self._run(group)

    def _run(self, group: list[tuple[list[dict], asyncio.Future]]) -> None:
        tickets = [ticket for items, _ in group for ticket in items]
        try:
            results = self.predict_many(tickets)
        except Exception as error:  # noqa: BLE001 -- isolate the failing request, answer the others
            if len(group) > 1:
                for member in group:
                    self._run([member])
                return
            [(_, future)] = group
            if not future.done():
                future.set_exception(error)
            return
        self.batches += 1
        self.tickets += len(tickets)
        position = 0
        for items, future in group:
            if not future.done():  # a caller that disconnected cancelled its future
                future.set_result(results[position : position + len(items)])
            position += len(items)
