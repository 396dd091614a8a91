"""The answer log: every resolution recommendation as it was given, for the knowledge gaps.

`supportlake recommend` and POST /recommend-resolution each append one record per answer to
the landing zone's recommendation_answers folder (the source's columns, supportlake/sources.py);
the next ingest loads it like an exported file. An answer without confident evidence is a
knowledge gap whether or not an agent gives a verdict (marts.recommendation_answers,
int_anomalies_knowledge_gaps). Like every record the API lands, the question reaches the lake
as its sha256 only, unless the operator keeps caller text (settings.api_store_text): then with
e-mail addresses and phone numbers masked and cut to QUERY_TEXT_CHARS, enough to see what was
asked (the knowledge gaps' examples), not a copy of the ticket.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from ml.recommend import Recommendation
from supportlake.api.landing_log import LandingLog
from supportlake.api.masking import mask_pii
from supportlake.sources import RECOMMENDATION_ANSWERS

QUERY_TEXT_CHARS = 500


def answer_record(
    answer: Recommendation,
    *,
    channel: str,
    store_text: bool,
    ticket_id: str | None = None,
    asked_at: datetime | None = None,
) -> dict:
    """One recommendation_answers record: the source's columns, in its order."""
    shown = [item.citation for item in answer.articles] + [item.citation for item in answer.tickets]
    record = {
        "answer_id": answer.answer_id,
        "ticket_id": ticket_id,
        "asked_at": (asked_at or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "channel": channel,
        "query_sha256": hashlib.sha256(answer.text.encode("utf-8")).hexdigest(),
        "query_text": mask_pii(answer.text.strip()[:QUERY_TEXT_CHARS]) if store_text else None,
        "was_confident": answer.confident,
        "confidence": round(answer.confidence, 4),
        "min_confidence": answer.min_confidence,
        "nearest_ticket_id": answer.nearest_ticket_id,
        "nearest_ticket_similarity": (
            None
            if answer.nearest_ticket_similarity is None
            else round(answer.nearest_ticket_similarity, 4)
        ),
        "evidence_ids": ",".join(shown) or None,
    }
    assert tuple(record) == RECOMMENDATION_ANSWERS.columns  # one schema for writer and ingest
    return record


def answer_log(landing: Path, prefix: str) -> LandingLog:
    """The process's log of answers in `landing`/recommendation_answers."""
    return LandingLog(Path(landing) / RECOMMENDATION_ANSWERS.name, prefix)


def log_one_answer(landing: Path, record: dict) -> Path | None:
    """For a command that gives one answer: write it and close the file for the next ingest."""
    log = answer_log(landing, "cli-recommendation-answers")
    log.write(record)
    return log.close()
