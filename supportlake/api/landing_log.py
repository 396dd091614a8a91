"""Append-only JSON-lines files in the landing zone: how the API writes without the warehouse.

Each process appends to its own hidden file (`.name.jsonl.open`: the ingest skips dot files)
and renames it to `name.jsonl` when the hour turns, when it passes a size limit, or when the
process stops. A rename is atomic, so the ingest only ever sees closed, complete files. The
open file holds an exclusive flock; at start-up, open files whose lock is free belong to a
process that died, and are closed for it (a torn last line is quarantined by the ingest).
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import orjson

OPEN_SUFFIX = ".open"
DEFAULT_MAX_BYTES = 32 << 20


def instance_name() -> str:
    """host-pid: tells apart the files of several workers or containers."""
    host = "".join(char if char.isalnum() else "_" for char in socket.gethostname())[:40]
    return f"{host}-{os.getpid()}"


class LandingLog:
    """One landing source's JSON-lines log for this process; thread-safe."""

    def __init__(
        self,
        folder: Path,
        prefix: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        instance: str | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.instance = instance or instance_name()
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._period: str | None = None
        self._bytes = 0
        self.closed_files: list[Path] = []
        self.records_written = 0

    @staticmethod
    def _period_of(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H")

    def _open(self, now: datetime) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%S")
        name = f"{self.prefix}-{stamp}-{self.instance}-{uuid.uuid4().hex[:6]}.jsonl"
        path = self.folder / f".{name}{OPEN_SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._fd, self._path, self._period, self._bytes = fd, path, self._period_of(now), 0

    def _close(self) -> Path | None:
        if self._fd is None:
            return None
        # the file's path is set whenever its descriptor is
        fd, path, written = self._fd, cast(Path, self._path), self._bytes
        self._fd = self._path = self._period = None
        self._bytes = 0
        os.fsync(fd)
        if not written:
            path.unlink(missing_ok=True)
            os.close(fd)
            return None
        closed = closed_name(path)
        os.rename(path, closed)
        os.close(fd)  # the lock goes with the descriptor, after the rename
        self.closed_files.append(closed)
        return closed

    def write_many(self, records: Iterable[dict]) -> None:
        """Append records as one write: a batch lands whole or, if the process dies, torn once."""
        payload = b"".join(orjson.dumps(record) + b"\n" for record in records)
        if not payload:
            return
        now = datetime.now(UTC)
        with self._lock:
            if self._fd is not None and (
                self._period != self._period_of(now) or self._bytes + len(payload) > self.max_bytes
            ):
                self._close()
            if self._fd is None:
                self._open(now)
            os.write(cast(int, self._fd), payload)  # _open sets it
            self._bytes += len(payload)
            self.records_written += payload.count(b"\n")

    def write(self, record: dict) -> None:
        self.write_many((record,))

    def rotate_if_due(self, now: datetime | None = None) -> Path | None:
        """Close the file once its hour is over, so the next ingest gets it without new writes."""
        now = now or datetime.now(UTC)
        with self._lock:
            if self._fd is not None and self._period != self._period_of(now):
                return self._close()
        return None

    def close(self) -> Path | None:
        with self._lock:
            return self._close()

    @property
    def open_path(self) -> Path | None:
        return self._path


def closed_name(open_path: Path) -> Path:
    name = open_path.name.removeprefix(".").removesuffix(OPEN_SUFFIX)
    return open_path.with_name(name)


def recover_orphans(folder: Path) -> list[Path]:
    """Close open files left by dead processes (their flock is free); returns the new names."""
    folder = Path(folder)
    if not folder.exists():
        return []
    recovered = []
    for path in sorted(folder.glob(f".*{OPEN_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a live process still writes it
            continue
        try:
            if os.fstat(fd).st_size == 0:
                path.unlink(missing_ok=True)
            else:
                os.rename(path, closed_name(path))
                recovered.append(closed_name(path))
        finally:
            os.close(fd)
    return recovered
