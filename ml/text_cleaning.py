"""Text cleaning for ticket classification: keep what the customer wrote about this issue.

HTML, quoted earlier replies, greetings and signatures carry no signal about category or
priority but differ between channels and agents, so they are stripped before any feature.
Case and punctuation stay: the sentiment and urgency features read them.
"""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_WHITESPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

# A quoted reply starts at one of these lines and runs to the end of the message.
_QUOTE_HEADER = re.compile(
    r"^\s*(-{2,}\s*original message\s*-{2,}"
    r"|on .{3,200}wrote:"
    r"|from:\s.+"
    r"|-{2,}\s*forwarded message\s*-{2,}"
    r"|_{5,})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)

# An opening salutation, with at most two words of name before its comma (`Hi John Smith,`);
# a bare `hi` goes alone so that `hi need access to the vpn` keeps its content.
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings|to whom it may concern)\b"
    r"((\s+[\w'.-]+){0,2}\s*[,:!\n]|[,:!.]?)\s*",
    re.IGNORECASE,
)
# A sign-off (`Thanks,` / `Kind regards`) starts the signature when only a short tail follows.
_SIGN_OFF = re.compile(
    r"(^|\n|[.!?]\s+)\s*(thanks( in advance| a lot| again)?|thank you( very much| in advance)?"
    r"|(best|kind|warm)( regards)?|regards|cheers|sincerely|best wishes|br)\s*([,.!]|\n|$)",
    re.IGNORECASE,
)
_SIGNATURE_TAIL_CHARS = 120
_SIGNATURE_DELIMITER = re.compile(r"^\s*--\s*$", re.MULTILINE)
_SENT_FROM = re.compile(r"^\s*sent from my .*$", re.IGNORECASE | re.MULTILINE)


def strip_html(text: str) -> str:
    """Drop tags, scripts and styles; decode entities; keep line breaks of block elements."""
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def strip_quoted_replies(text: str) -> str:
    """Cut at the first quoted-reply header and drop `>`-quoted lines."""
    header = _QUOTE_HEADER.search(text)
    if header:
        text = text[: header.start()]
    return _QUOTED_LINE.sub("", text)


def strip_greeting(text: str) -> str:
    """Drop an opening salutation such as `Hi team,` or `Dear Support:`."""
    return _GREETING.sub("", text, count=1)


def strip_signature(text: str) -> str:
    """Cut at a `-- ` delimiter, a `Sent from my ...` line, or a closing `Thanks,`/`Regards`."""
    for pattern in (_SIGNATURE_DELIMITER, _SENT_FROM):
        found = pattern.search(text)
        if found:
            text = text[: found.start()]
    # A sign-off followed by a long tail is content (`thanks, but now the export fails ...`).
    for match in _SIGN_OFF.finditer(text):
        if len(text) - match.end() <= _SIGNATURE_TAIL_CHARS and match.start() > 0:
            return text[: match.start() + len(match.group(1))]
    return text


def normalize_whitespace(text: str) -> str:
    text = _WHITESPACE.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def clean_text(text: object) -> str:
    """The full cleaning chain; missing values become an empty string."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = str(text)
    if "<" in text and ">" in text:
        text = strip_html(text)
    text = strip_quoted_replies(text)
    text = strip_greeting(text.lstrip())
    text = strip_signature(text)
    return normalize_whitespace(text)
