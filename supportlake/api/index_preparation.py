"""The recommendation indexes, prepared before the requests that need them.

Building the resolved tickets' index takes a minute at a million tickets, and bringing it up
to a new serving copy seconds; done on a request, that request and every one behind it wait.
The API instead checks the serving copy from its housekeeping loop and prepares the indexes of
each new copy in a background thread (supportlake.assist.prepare_indexes); /health reports
where that stands, so a load balancer can wait for `ready`. Requests that arrive meanwhile wait
for the same build instead of starting another.
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

from ml.resolved_index import NothingToSearch
from supportlake.serving import ServingCopyMissing, serving_path
from supportlake.settings import Settings

logger = logging.getLogger("supportlake.api")

State = Literal["off", "waiting", "preparing", "ready", "unavailable", "failed"]


class IndexPreparation:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state: State = "waiting" if settings.api_prepare_recommendations else "off"
        self.detail = ""
        self._copy: tuple[int, int] | None = None  # (mtime, size) of the copy last prepared
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """Start preparing when a serving copy is new; cheap enough for every housekeeping tick."""
        if self.state == "off" or (self._thread is not None and self._thread.is_alive()):
            return
        try:
            stat = serving_path(self.settings).stat()
        except FileNotFoundError:
            self.state, self.detail = "unavailable", "no serving copy yet"
            return
        copy = (stat.st_mtime_ns, stat.st_size)
        if copy == self._copy:
            return
        self._copy = copy
        self.state, self.detail = "preparing", ""
        self._thread = threading.Thread(
            target=self._prepare, name="recommendation-indexes", daemon=True
        )
        self._thread.start()

    def _prepare(self) -> None:
        from supportlake.assist import prepare_indexes  # ml's search stack: loaded when used

        try:
            self.detail = prepare_indexes(self.settings, self.settings.api_embedding_backend)
            self.state = "ready"
            logger.info("recommendation indexes ready", extra={"fields": {"indexed": self.detail}})
        except (ServingCopyMissing, NothingToSearch) as nothing:
            self.state, self.detail = "unavailable", str(nothing)
        except Exception as error:  # the server keeps answering; requests build on demand
            logger.exception("preparing the recommendation indexes failed")
            self.state, self.detail = "failed", f"{type(error).__name__}: {error}"

    def to_dict(self) -> dict:
        return {"state": self.state, "detail": self.detail}
