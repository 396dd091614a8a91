"""Failures of the machine rather than of the data: name their cause, never mask it.

DuckDB reports a full disk as an IO error naming the file; after a failed commit its
transaction is already gone, and a rollback then raises "cannot rollback - no transaction is
active", which used to replace the real cause in the report (supportlake.warehouse.transaction
now keeps the cause).
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

_DISK_FULL_MARKERS = ("no space left on device", "disk full", "not enough space")


class DiskFull(RuntimeError):
    """The warehouse (or its temp directory) ran out of disk space. Not an OSError on purpose:
    the ingest flow retries IO errors after seconds, and the disk would be just as full."""


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return any(marker in str(error).lower() for marker in _DISK_FULL_MARKERS)


def disk_full(error: BaseException, warehouse: Path) -> DiskFull:
    """A DiskFull naming the file being written (the warehouse, unless the error names a
    scratch copy), the free space left there and what to do."""
    written = Path(getattr(error, "filename", None) or warehouse)
    folder = written.resolve().parent
    try:
        usage = shutil.disk_usage(folder)
        space = f"{_size(usage.free)} free of {_size(usage.total)} on {folder}"
    except OSError:
        space = f"free space on {folder} unknown"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return DiskFull(
        f"disk full while writing {written} ({space}); nothing of this file was loaded. "
        f"Free some space and run the ingest again. The error: {first_line}"
    )


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} TB"
