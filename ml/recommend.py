"""Resolution recommendations for a new ticket text, from past resolved tickets.

Hybrid retrieval (ml/retrieval.py) finds the candidates; a candidate is evidence only when
its cosine similarity to the text clears the bar (MIN_CONFIDENCE). The suggested reply is
assembled from the evidence only, each sentence carrying the ids it came from, so an agent
can check every claim. When no candidate clears the bar the answer says so and suggests
nothing: a wrong confident answer costs more than no answer.

Confidence is the best evidence's cosine similarity (all-MiniLM-L6-v2, 0..1 in practice):
the same measure as the bar, so "confidence 0.62, bar 0.50" reads at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from ml.resolved_index import ResolvedIndex, ResolvedTicket, resolved_index
from ml.retrieval import Hit

MIN_CONFIDENCE = 0.5  # cosine: below it paraphrases of other problems start to rank first
DEFAULT_TICKETS = 5


@dataclass(frozen=True)
class Evidence:
    ticket: ResolvedTicket
    similarity: float
    bm25_rank: int | None  # None: only the embeddings found it
    dense_rank: int | None

    @property
    def citation(self) -> str:
        return self.ticket.ticket_id

    def to_dict(self) -> dict:
        return {
            **self.ticket.to_dict(),
            "how_resolved": self.ticket.how_resolved(),
            "similarity": round(self.similarity, 4),
            "bm25_rank": self.bm25_rank,
            "dense_rank": self.dense_rank,
        }


@dataclass(frozen=True)
class ReplySentence:
    text: str
    citations: tuple[str, ...]  # ids of the evidence the sentence is taken from

    def render(self) -> str:
        return f"{self.text} [{', '.join(self.citations)}]"


@dataclass
class Recommendation:
    text: str
    confidence: float  # best evidence's similarity; the closest candidate's when none qualifies
    min_confidence: float
    tickets: list[Evidence] = field(default_factory=list)
    reply: list[ReplySentence] = field(default_factory=list)
    missing_embeddings: int = 0  # resolved texts the index could not see yet

    @property
    def confident(self) -> bool:
        return bool(self.tickets)

    @property
    def verdict(self) -> str:
        if self.confident:
            return (
                f"confidence {self.confidence:.2f} (bar {self.min_confidence:.2f}): "
                f"{len(self.tickets)} similar resolved tickets"
            )
        return (
            f"no confident answer: the closest resolved ticket is {self.confidence:.2f} similar, "
            f"under the bar of {self.min_confidence:.2f}; nothing is suggested"
        )

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "confident": self.confident,
            "confidence": round(self.confidence, 4),
            "min_confidence": self.min_confidence,
            "verdict": self.verdict,
            "tickets": [evidence.to_dict() for evidence in self.tickets],
            "suggested_reply": [
                {"text": sentence.text, "citations": list(sentence.citations)}
                for sentence in self.reply
            ],
            "missing_embeddings": self.missing_embeddings,
        }


def assemble_reply(evidence: list[Evidence]) -> list[ReplySentence]:
    """Sentences stated by the evidence itself, identical statements merged with all their ids.

    The marts hold no agent reply text for tickets, so a ticket's evidence is how it was
    resolved (outcome, queue, category, time); the resolution times' median is stated once.
    """
    by_line: dict[str, list[str]] = {}
    for item in evidence:
        ticket = item.ticket
        parts = [ticket.status or "Resolved"]
        if ticket.queue:
            parts.append(f"by the {ticket.queue} queue")
        if ticket.category:
            parts.append(f"as {ticket.category}")
        if ticket.product_line:
            parts.append(f"on {ticket.product_line}")
        by_line.setdefault(" ".join(parts) + ".", []).append(item.citation)
    sentences = [ReplySentence(line, tuple(ids)) for line, ids in by_line.items()]
    timed = [item for item in evidence if item.ticket.resolution_minutes is not None]
    if timed:
        hours = median(item.ticket.resolution_minutes for item in timed) / 60
        sentences.append(
            ReplySentence(
                f"Median time to resolution: {hours:.1f} h.",
                tuple(item.citation for item in timed),
            )
        )
    reopened = [item.citation for item in evidence if item.ticket.is_reopened]
    if reopened:
        sentences.append(ReplySentence("Reopened before it was resolved.", tuple(reopened)))
    return sentences


def recommend_from_index(
    built: ResolvedIndex,
    text: str,
    query_vector,
    *,
    k: int = DEFAULT_TICKETS,
    min_confidence: float = MIN_CONFIDENCE,
) -> Recommendation:
    hits: list[Hit] = built.index.search(text, query_vector, k=k)
    closest = max((hit.similarity or 0.0 for hit in hits), default=0.0)
    evidence = [
        Evidence(built.tickets[hit.doc_id], hit.similarity, hit.bm25_rank, hit.dense_rank)
        for hit in hits
        if hit.similarity is not None and hit.similarity >= min_confidence
    ]
    return Recommendation(
        text=text,
        confidence=closest,
        min_confidence=min_confidence,
        tickets=evidence,
        reply=assemble_reply(evidence),
        missing_embeddings=built.missing_embeddings,
    )


def recommend_resolution(
    text: str,
    settings=None,
    *,
    k: int = DEFAULT_TICKETS,
    min_confidence: float = MIN_CONFIDENCE,
    backend: str = "auto",
) -> Recommendation:
    """Recommendation for `text` from the serving copy the settings name (see ml/resolved_index)."""
    from ml.embedding_backends import load_encoder
    from ml.embeddings import normalize_text
    from supportlake.settings import get_settings

    settings = settings or get_settings()
    normalized = normalize_text(text)
    if not normalized:
        raise ValueError("cannot recommend a resolution: the text is empty")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence}")
    encoder = load_encoder(backend, settings.models_dir)
    built = resolved_index(settings, encoder.embedding_model)
    vector = encoder.encode([normalized])[0]
    return recommend_from_index(built, text, vector, k=k, min_confidence=min_confidence)
