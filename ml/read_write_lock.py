"""A readers-writer lock: many searches at once, or one writer alone.

Writer-preferring: once a writer waits, new readers queue behind it, so a steady stream of
searches cannot hold an index update back. Not re-entrant: a thread takes it once (a nested
read would wait behind a waiting writer that waits for it).

The standard library has none; fasteners' ReaderWriterLock lets new readers pass a waiting
writer, which under steady traffic can keep an hourly index swap waiting indefinitely.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._condition.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()
