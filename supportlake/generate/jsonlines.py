"""JSON lines from an Arrow table, vectorised like phrases.py (pyarrow has no JSON writer).

Each column gets a fixed slot of bytes in a line; a value fills its slot from the left and the
rest stays zero. Keys and braces are written into their slots once, and dropping the zero bytes
of a block of lines leaves the file's bytes. No Python object is made per value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 4_096
# JSON escapes for the bytes that need one; other control bytes would need \u00XX escapes,
# which the generator never has cause to write, so they are refused.
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[1:32] = True
for _char in _ESCAPES:
    _CONTROL[ord(_char)] = False
_NULL = np.frombuffer(b"null", dtype=np.uint8)

Filler = Callable[[np.ndarray, int, int], None]  # (slot view, first row, end row) -> None


def write_json_lines(table: pa.Table, path: Path) -> None:
    """One JSON object per row, keys in column order, nulls as null, UTF-8 text as it is."""
    slots: list[tuple[int, int, Filler]] = []
    constant: list[tuple[int, bytes]] = []
    position = 0
    for index, name in enumerate(table.column_names):
        key = ("{" if index == 0 else ",") + json.dumps(name) + ":"
        constant.append((position, key.encode()))
        position += len(key.encode())
        width, filler = _slot(table.schema.field(index), table.column(index).combine_chunks())
        slots.append((position, width, filler))
        position += width
    constant.append((position, b"}\n"))
    lines = np.zeros((min(CHUNK_ROWS, table.num_rows), position + 2), dtype=np.uint8)
    for start, text in constant:
        lines[:, start : start + len(text)] = np.frombuffer(text, dtype=np.uint8)

    with path.open("wb") as handle:
        for begin in range(0, table.num_rows, CHUNK_ROWS):
            end = min(table.num_rows, begin + CHUNK_ROWS)
            block = lines[: end - begin]
            for start, width, filler in slots:
                filler(block[:, start : start + width], begin, end)
            handle.write(block[block != 0].tobytes())


def _slot(field: pa.Field, column: pa.Array) -> tuple[int, Filler]:
    """The slot width a column needs and the function that fills it for a range of rows."""
    arrow_type = field.type
    if pa.types.is_dictionary(arrow_type):
        literals = [json.dumps(v, ensure_ascii=False) for v in column.dictionary.to_pylist()]
        return _lookup_slot([*literals, "null"], column.indices.fill_null(len(literals)))
    if pa.types.is_boolean(arrow_type):
        return _lookup_slot(["false", "true", "null"], pc.if_else(column, 1, 0).fill_null(2))
    if pa.types.is_integer(arrow_type):
        return _text_slot(pc.cast(column, pa.string()))
    if pa.types.is_string(arrow_type):
        return _text_slot(_quoted(column, field.name))
    raise TypeError(f"column {field.name}: no JSON encoding for {arrow_type}")


def _lookup_slot(literals: list[str], codes: pa.Array) -> tuple[int, Filler]:
    encoded = [text.encode() for text in literals]
    width = max(len(text) for text in encoded)
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    for row, text in enumerate(encoded):
        table[row, : len(text)] = np.frombuffer(text, dtype=np.uint8)
    codes = codes.to_numpy(zero_copy_only=False).astype(np.int64)

    def fill(slot: np.ndarray, begin: int, end: int) -> None:
        slot[:] = np.take(table, codes[begin:end], axis=0)

    return width, fill


def _text_slot(column: pa.StringArray) -> tuple[int, Filler]:
    """Values copied byte for byte (already escaped and quoted where needed); null as null."""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset :]
    offsets = offsets[: len(column) + 1]
    data = column.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    lengths = np.where(valid, lengths, 0)
    width = max(4, int(lengths.max()) if len(lengths) else 0)
    positions = np.arange(width)

    def fill(slot: np.ndarray, begin: int, end: int) -> None:
        slot[:] = 0
        rows_valid = valid[begin:end]
        # a value's bytes go to the leading positions of its slot, in row order
        chosen = positions < lengths[begin:end, None]
        if rows_valid.all():
            slot[chosen] = data[offsets[begin] : offsets[end]]
        else:  # null slots may still hold bytes in the buffer: skip them
            starts = offsets[begin:end][rows_valid]
            slot[chosen] = data[_ranges(starts, starts + lengths[begin:end][rows_valid])]
            slot[~rows_valid, :4] = _NULL

    return width, fill


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenated aranges [start, stop) without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    shifts = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return shifts + np.arange(total)


def _quoted(column: pa.StringArray, name: str) -> pa.StringArray:
    """Escape what JSON must escape and wrap values in quotes; nulls stay null."""
    data = column.buffers()[2]
    present = np.zeros(256, dtype=bool)
    if data is not None:
        data = np.frombuffer(data, dtype=np.uint8)
        special = data[(data < 32) | (data == ord('"')) | (data == ord("\\"))]
        present[special] = True
    if (present & _CONTROL).any():
        raise ValueError(f"column {name}: text holds control characters that need \\u escapes")
    for char, escaped in _ESCAPES.items():  # backslash first, so later escapes stay single
        if present[ord(char)]:
            column = pc.replace_substring(column, char, escaped)
    return pc.binary_join_element_wise('"', column, '"', "")
