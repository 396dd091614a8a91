"""Ingest: landing files (CSV, JSON array, JSON lines, parquet) into raw.<source>.

Conventions (see `supportlake ingest --help` and supportlake/mappings/README.md):
- The landing folder has one sub-folder per source (tickets/, chats/, ...); files load in
  path order. Names starting with `.` or `_` are skipped (partial writes, markers).
- A file loads in one transaction with its raw.load_manifest row and its raw.quarantine rows;
  the manifest's sha256 makes a second load of the same content a no-op, unless `--reload`
  (reload.py): the earlier load is then retired in the same transaction.
- Nothing vanishes: CSV records are counted apart from DuckDB (records.py) and the load fails
  when loaded + quarantined differs; the encoding comes from a BOM, UTF-16's NUL bytes or the
  mapping (supportlake/encoding.py); a full disk is named as such (faults.py).
- Column mappings: `--mapping`, else `<file>.mapping.yaml` / `<stem>.mapping.yaml` next to the
  file, else `_mapping.yaml` in its folder; without one, matching column names load as is.
"""

from supportlake.ingest.discovery import IngestError, IngestPlan, LandingFile, plan_ingest
from supportlake.ingest.loader import ingest_file, ingest_path, load_file
from supportlake.ingest.results import FileResult, IngestSummary
from supportlake.mapping import ColumnMapping, MappingError, load_mapping

__all__ = [
    "ColumnMapping",
    "FileResult",
    "IngestError",
    "IngestPlan",
    "IngestSummary",
    "LandingFile",
    "MappingError",
    "ingest_file",
    "ingest_path",
    "load_file",
    "load_mapping",
    "plan_ingest",
]
