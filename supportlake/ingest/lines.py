"""A file of lines (JSON lines) as numbered Arrow batches, read in bounded memory.

DuckDB's read_text holds a whole file as one value: a JSON-lines export of a few GB (11.9M
ticket events are 2.9 GB) ran out of memory, and no value may pass 4 GB. Here the file is
read in blocks cut at line ends, so memory follows the block size, not the file size, and
every line keeps its number in the file (quarantine messages point into the file).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

BLOCK_BYTES = 64 << 20  # lines per batch: about this many bytes
SCHEMA = pa.schema(
    [("record_number", pa.int64()), ("raw_text", pa.string()), ("bad_bytes", pa.bool_())]
)


def numbered_lines(path: Path, block_bytes: int | None = None) -> Iterator[pa.Table]:
    """Batches of (record_number from 1, the line's text without its line end, bad_bytes).
    A line that is not valid UTF-8 comes as its bytes written \\xNN (printable ASCII kept),
    with bad_bytes set, so only that line is quarantined and its bytes stay visible."""
    block_bytes = block_bytes or BLOCK_BYTES
    first = 1
    rest = b""
    with path.open("rb") as handle:
        while block := handle.read(block_bytes):
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:  # one line longer than a block: read on
                rest = block
                continue
            lines = block[:cut].split(b"\n")
            rest = block[cut + 1 :]
            yield _batch(lines, first)
            first += len(lines)
    if rest:
        yield _batch([rest], first)


def _batch(lines: list[bytes], first: int) -> pa.Table:
    numbers = pa.array(np.arange(first, first + len(lines), dtype=np.int64))
    raw = pa.array(lines, pa.binary())
    try:
        texts = raw.cast(pa.string())  # checks UTF-8 in C; almost every batch passes
        bad = pa.array(np.zeros(len(lines), dtype=bool))
    except pa.ArrowInvalid:
        decoded = [_decoded(line) for line in lines]
        texts = pa.array([text for text, _ in decoded], pa.string())
        bad = pa.array([is_bad for _, is_bad in decoded], pa.bool_())
    return pa.Table.from_arrays([numbers, texts, bad], schema=SCHEMA)


def _decoded(line: bytes) -> tuple[str, bool]:
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return _escaped(line.removesuffix(b"\r")), True


def _escaped(line: bytes) -> str:
    """The bytes as DuckDB writes a blob as text: printable ASCII as is, the rest \\xNN."""
    return "".join(chr(byte) if 0x20 <= byte < 0x7F else f"\\x{byte:02X}" for byte in line)
