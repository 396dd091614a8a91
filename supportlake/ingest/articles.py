"""Knowledge-base articles exported one per file, as markdown or HTML, read as one record.

A markdown article may open with YAML front matter (`title`, `product`, `tags`,
`updated_at`, `url`, `article_id`); without a `title` the first `# heading` is the title.
An HTML article gives its title in <title> or the first <h1> and the other fields in
<meta name="..." content="..."> tags; its body becomes markdown-style text (headings as
`#` lines, one paragraph or list item per line), so dbt chunks both formats by heading the
same way. The article id defaults to the file name without its suffix.

A file that cannot be an article (not UTF-8, broken front matter, no title, empty body) is
one quarantined record with the reason, like a bad row of any other export. JSON exports of
many articles load through the ordinary JSON reader.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import yaml

from supportlake.ingest.readers import JsonReader

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
FIELDS = ("article_id", "title", "body", "product", "tags", "updated_at", "url")


class ArticleProblem(ValueError):
    """Why a file is not a usable article (becomes the quarantine reason)."""


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(item).strip() for item in value if str(item).strip())
    return str(value).strip() or None


def parse_markdown(text: str, stem: str) -> dict[str, str | None]:
    meta: dict = {}
    found = FRONT_MATTER.match(text)
    if found:
        try:
            meta = yaml.safe_load(found.group(1)) or {}
        except yaml.YAMLError as error:
            raise ArticleProblem(f"front matter is not valid YAML: {error.problem}") from None
        if not isinstance(meta, dict):
            raise ArticleProblem("front matter is not a mapping of field: value")
        text = text[found.end() :]
    body = text.strip()
    title = _text(meta.get("title"))
    if title is None:
        heading = HEADING.search(body)
        if heading:
            title = heading.group(1).strip()
            body = (body[: heading.start()] + body[heading.end() :]).strip()
    return _record(meta, title, body, stem)


class _HtmlArticle(HTMLParser):
    BLOCKS = {"p", "li", "div", "br", "tr", "pre", "blockquote"}
    SKIPPED = {"script", "style", "nav", "footer", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self.lines: list[str] = []
        self.current: list[str] = []
        self.heading_level = 0
        self.in_title = False
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") and attributes.get("content") is not None:
            self.meta[attributes["name"].lower()] = attributes["content"]
        elif tag == "title":
            self.in_title = True
        elif tag in self.SKIPPED:
            self.skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.heading_level = int(tag[1])
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self.in_title:
            self.title = ((self.title or "") + data).strip() or None
        elif not self.skipping:
            self.current.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        self.current = []
        if line:
            self.lines.append(("#" * self.heading_level + " " if self.heading_level else "") + line)
        self.heading_level = 0

    def close(self) -> None:
        super().close()
        self._flush()


def parse_html(text: str, stem: str) -> dict[str, str | None]:
    parser = _HtmlArticle()
    parser.feed(text)
    parser.close()
    lines = parser.lines
    title = _text(parser.meta.get("title")) or parser.title
    first_h1 = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if first_h1 is not None:
        title = title or lines[first_h1][2:]
        if lines[first_h1][2:] == title:
            lines = lines[:first_h1] + lines[first_h1 + 1 :]
    return _record(parser.meta, title, "\n".join(lines), stem)


def _record(meta: dict, title: str | None, body: str, stem: str) -> dict[str, str | None]:
    if not title:
        raise ArticleProblem("no title: give `title` in the front matter or a `# heading`")
    if not body.strip():
        raise ArticleProblem("the article has no body text")
    record = {key: _text(meta.get(key)) for key in FIELDS}
    record.update(
        article_id=_text(meta.get("article_id") or meta.get("id")) or stem,
        title=title,
        body=body.strip(),
    )
    return record


class ArticleReader(JsonReader):
    """One markdown or HTML file -> one staged JSON record, loaded by JsonReader's SQL."""

    file_format = "markdown"

    def inspect(self) -> None:
        raw = self.path.read_bytes()
        if not raw.strip():
            self.is_empty = True
            return
        html = self.path.suffix.lower() in (".html", ".htm")
        self.file_format = "html" if html else "markdown"
        reason, record = None, None
        try:
            text = raw.decode("utf-8-sig")
            parse = parse_html if html else parse_markdown
            record = parse(text, self.path.stem)
        except UnicodeDecodeError as error:
            reason = f"not valid UTF-8 at byte {error.start}"
        except ArticleProblem as problem:
            reason = str(problem)
        raw_text = json.dumps(record) if record else raw.decode("utf-8", "replace")[:100_000]
        self.connection.execute(
            f"create temp table {self.staged} "
            "(record_number bigint, raw_text varchar, reason varchar)"
        )
        self.connection.execute(f"insert into {self.staged} values (1, ?, ?)", [raw_text, reason])
        self.expected_records = 1
        self._describe_staged()
        # A quarantined article still names the fields, so the load plans its columns and
        # the record lands in quarantine instead of failing the file.
        self.columns = list(FIELDS)
