"""Which text encoding a CSV export is in, and how DuckDB and Python spell it.

A byte-order mark settles it; so does the NUL-byte pattern of UTF-16 without one. Otherwise
the mapping's `encoding:` decides, and without one the file must be UTF-8. A file that is
not is failed with the likely code pages named (charset-normalizer's candidates) instead of
being read by a guess: telling cp1252 from cp1250 or cp1257 by statistics goes wrong on
short texts, and a wrong guess would change letters without anyone noticing.

Code pages other than UTF-8, UTF-16 and latin-1 are read through DuckDB's `encodings`
extension (loaded per connection, see supportlake/extensions.py).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

# DuckDB's CSV reader has these built in; every other code page needs the extension.
BUILT_IN = {"utf-8": "utf-8", "utf-16": "utf-16", "iso8859-1": "latin-1"}
# Code pages of common exports (Python's canonical codec name; DuckDB's encodings extension
# knows each under that name with `_` for `-`). cp1252 is what Excel on Windows writes.
CODE_PAGES = (
    "cp1250",
    "cp1251",
    "cp1252",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "cp437",
    "cp850",
    "iso8859-2",
    "iso8859-5",
    "iso8859-7",
    "iso8859-9",
    "iso8859-15",
    "koi8-r",
    "mac-roman",
    "shift_jis",
    "euc_jp",
    "euc_kr",
    "gb18030",
    "big5",
)
CSV_ENCODINGS = ("utf-8", "utf-16", "latin-1", *CODE_PAGES)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_LE_BOM = b"\xff\xfe"
_UTF16_BE_BOM = b"\xfe\xff"


class EncodingProblem(ValueError):
    """The file's encoding cannot be read, or is not the one it was declared (or assumed) to be."""


@dataclass(frozen=True)
class Encoding:
    duckdb: str  # read_csv's `encoding`
    codec: str  # Python's codec for the same bytes
    needs_extension: bool = False
    note: str | None = None  # said in the manifest and the summary when it was detected
    likely: str | None = None  # UTF-8 with a few bad lines: the code page they may be in


def canonical(name: str) -> str | None:
    """The supported encoding `name` stands for (`windows-1252` -> cp1252), else None."""
    try:
        python_name = codecs.lookup(name).name
    except LookupError:
        return None
    if python_name in BUILT_IN:
        return BUILT_IN[python_name]
    return python_name if python_name in CODE_PAGES else None


def for_name(name: str) -> Encoding:
    """The Encoding of a declared name (a mapping's `encoding:`)."""
    supported = canonical(name)
    if supported is None:
        raise EncodingProblem(
            f"encoding {name!r} is not supported (supported: {', '.join(CSV_ENCODINGS)})"
        )
    if supported == "utf-8":
        return Encoding("utf-8", "utf-8-sig")
    if supported == "utf-16":
        return Encoding("utf-16", "utf-16")
    if supported == "latin-1":
        return Encoding("latin-1", "latin-1")
    return Encoding(supported.replace("-", "_"), supported, needs_extension=True)


def detect(head: bytes, declared: str | None) -> Encoding:
    """The encoding to read a file with, from its first bytes and the mapping's `encoding:`."""
    if head.startswith(_UTF16_BE_BOM):
        raise EncodingProblem(
            "the file is UTF-16 big-endian, which the CSV reader cannot read: "
            "re-save it as UTF-8 or UTF-16 little-endian"
        )
    if head.startswith(_UTF16_LE_BOM):
        return Encoding("utf-16", "utf-16")
    if head.startswith(_UTF8_BOM):
        return Encoding("utf-8", "utf-8-sig")
    utf16 = _utf16_without_bom(head)
    if utf16 == "be":
        raise EncodingProblem(
            "the file looks like UTF-16 big-endian without a byte-order mark (NUL bytes "
            "before each letter), which the CSV reader cannot read: re-save it as UTF-8"
        )
    if utf16 == "le":
        # DuckDB's utf-16 reads little-endian when no byte-order mark says otherwise.
        return Encoding(
            "utf-16",
            "utf-16-le",
            note="read as UTF-16 little-endian (detected: no byte-order mark)",
        )
    if declared is not None:
        return for_name(declared)
    valid, invalid = _utf8_lines(head)
    if invalid >= 2 and valid == 0:
        raise EncodingProblem(
            f"the file is not UTF-8: likely {_likely(head)}. Set `encoding:` to the right "
            "one in its mapping (for example `encoding: cp1252` in <file>.mapping.yaml) and "
            "ingest it again"
        )
    return Encoding("utf-8", "utf-8-sig", likely=_likely(head) if invalid else None)


def _utf16_without_bom(head: bytes) -> str | None:
    """'le' or 'be' when NUL bytes sit at every second position, as in UTF-16 ASCII text."""
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.6 * half and even_nuls < 0.1 * half:
        return "le"
    if even_nuls > 0.6 * half and odd_nuls < 0.1 * half:
        return "be"
    return None


def _utf8_lines(head: bytes) -> tuple[int, int]:
    """How many lines with non-ASCII bytes are valid UTF-8, and how many are not. Several bad
    ones and no good one: another encoding. A UTF-8 file with a broken line or two still
    counts as UTF-8, and the reader quarantines just those lines."""
    valid = invalid = 0
    for line in head.split(b"\n")[:-1] or [head]:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            valid += 1
        except UnicodeDecodeError:
            invalid += 1
    return valid, invalid


def _likely(head: bytes) -> str:
    """The code pages charset-normalizer finds plausible, cp1252 first whenever it decodes the
    bytes: the detector ranks close Western code pages arbitrarily (on short samples it may
    not list cp1252 at all), and cp1252 is by far the most common export encoding."""
    candidates = []
    for match in from_bytes(head):
        name = canonical(match.encoding)
        if name is not None and name not in candidates:
            candidates.append(name)
    if "cp1252" in candidates:
        candidates.remove("cp1252")
    try:
        head.decode("cp1252")
        candidates.insert(0, "cp1252")
    except UnicodeDecodeError:
        pass
    if not candidates:
        return "a code page the reader does not support (re-save it as UTF-8)"
    named = ", ".join(candidates[:3])
    return named if len(candidates) == 1 else f"one of {named}"
