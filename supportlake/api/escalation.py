"""Escalations: which predictions page someone, and the optional webhook that tells them.

The escalation is recorded in its landing log before the response goes out; the webhook is
fire-and-forget (its own task, a hard timeout, failures counted and logged), so a slow or
broken receiver never delays or fails a prediction.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

ESCALATION_PRIORITIES = frozenset({"Urgent"})

logger = logging.getLogger("supportlake.api.escalation")


def is_escalation(predicted_priority: str | None) -> bool:
    return predicted_priority in ESCALATION_PRIORITIES


class WebhookNotifier:
    """POSTs escalations to one URL in the background; `aclose` waits for those in flight."""

    def __init__(self, url: str | None, timeout_seconds: float, on_failure=None) -> None:
        self.url = url
        self.timeout = timeout_seconds
        self.on_failure = on_failure or (lambda: None)
        self._client: httpx.AsyncClient | None = None
        self._pending: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def notify(self, payload: dict) -> None:
        if not self.url:
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        task = asyncio.get_running_loop().create_task(self._post(self._client, self.url, payload))
        self._pending.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._pending.discard)

    async def _post(self, client: httpx.AsyncClient, url: str, payload: dict) -> None:
        try:
            response = await client.post(url, json=payload)
            response.raise_for_status()
        except Exception as error:  # noqa: BLE001 -- a failed page must not fail anything else
            self.on_failure()
            logger.warning(
                "escalation webhook failed",
                extra={
                    "fields": {
                        "url": self.url,
                        "prediction_id": payload.get("prediction_id"),
                        "error": f"{type(error).__name__}: {error}",
                    }
                },
            )

    async def aclose(self) -> None:
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=self.timeout + 1)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
