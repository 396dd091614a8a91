"""Which files an ingest run loads, in which order, into which source, with which mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from supportlake.mapping import MAPPING_SUFFIX, ColumnMapping, load_mapping
from supportlake.settings import Settings, get_settings
from supportlake.sources import SOURCES, get_source

# suffix -> reader; a .json file holding one object per line is read as jsonl (see readers).
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    # One knowledge-base article per file (supportlake/ingest/articles.py).
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
ARTICLE_FORMATS = ("markdown", "html")
ARTICLE_SOURCE = "knowledge_base"


class IngestError(ValueError):
    """The run cannot start: a path, source or mapping that does not fit."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    source: str
    mapping: ColumnMapping | None = None  # from --mapping; sidecars are found at load time

    @property
    def name(self) -> str:
        return f"{self.source}/{self.path.name}"


@dataclass
class IngestPlan:
    root: Path
    files: list[LandingFile]
    unsupported: list[Path] = field(default_factory=list)  # files and folders left alone


def plan_ingest(
    path: str | Path | None = None,
    *,
    settings: Settings | None = None,
    source: str | None = None,
    mapping: str | Path | ColumnMapping | None = None,
) -> IngestPlan:
    """List the files under `path` (landing root, source folder or one file), sorted by path."""
    settings = settings or get_settings()
    root = Path(path) if path is not None else settings.landing
    if not root.exists():
        raise IngestError(f"{root} does not exist (expected a landing folder or a file)")
    if source is not None:
        try:
            get_source(source)
        except ValueError as error:
            raise IngestError(str(error)) from None
    if isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)

    if root.is_file():
        return IngestPlan(root, [_single_file(root, source, mapping)])
    if source is not None or root.name in SOURCES:
        folders = {source or root.name: root}
        unsupported = []
    else:
        folders = {child.name: child for child in root.iterdir() if child.name in SOURCES}
        unsupported = sorted(
            child
            for child in root.iterdir()
            if child.name not in SOURCES and not _hidden(child) and not _sidecar(child)
        )
    files: list[LandingFile] = []
    for folder_source, folder in sorted(folders.items()):
        for candidate in _data_files(folder):
            if file_format(candidate, folder_source) is None:
                unsupported.append(candidate)
            else:
                files.append(LandingFile(candidate, folder_source, mapping))
    return IngestPlan(root, files, unsupported)


def _single_file(path: Path, source: str | None, mapping: ColumnMapping | None) -> LandingFile:
    """One named file: its source from --source or its folder's name, a format we read."""
    file_source = source or path.parent.name
    if file_source not in SOURCES:
        raise IngestError(
            f"cannot tell which source {path} belongs to: pass --source "
            f"({'|'.join(sorted(SOURCES))}) or put it in a folder named after its source"
        )
    if file_format(path, file_source) is None:
        raise IngestError(
            f"{path}: unsupported file type (supported: {', '.join(sorted(FORMATS))})"
        )
    return LandingFile(path, file_source, mapping)


def _data_files(folder: Path) -> list[Path]:
    """Files under `folder` in path order, without hidden ones, those in hidden folders and
    mapping sidecars."""
    return [
        candidate
        for candidate in sorted(folder.rglob("*"))
        if candidate.is_file()
        and not any(_hidden(Path(part)) for part in candidate.relative_to(folder).parts)
        and not _sidecar(candidate)
    ]


def file_format(path: Path, source: str | None = None) -> str | None:
    """The reader for `path`; markdown and HTML only in the knowledge base (a README.md among
    ticket exports is left alone, not loaded as a ticket)."""
    found = FORMATS.get(path.suffix.lower())
    if found in ARTICLE_FORMATS and source is not None and source != ARTICLE_SOURCE:
        return None
    return found


def _hidden(path: Path) -> bool:
    # Dot and underscore files are partial writes or markers (_SUCCESS) by lake convention.
    return path.name.startswith((".", "_"))


def _sidecar(path: Path) -> bool:
    return path.name.endswith(MAPPING_SUFFIX) or path.name.endswith(".yaml")
