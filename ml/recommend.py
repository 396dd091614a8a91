"""Resolution recommendations for a new ticket text, from past resolved tickets and the
knowledge base's article chunks.

Hybrid retrieval (ml/retrieval.py) finds the candidates; a candidate is evidence only when
its cosine similarity to the text clears the bar (MIN_CONFIDENCE). The suggested reply is
assembled from the evidence only, each sentence carrying the ids it came from, so an agent
can check every claim. When no candidate clears the bar the answer says so and suggests
nothing: a wrong confident answer costs more than no answer.

Confidence is the best evidence's cosine similarity (all-MiniLM-L6-v2, 0..1 in practice):
the same measure as the bar, so "confidence 0.62, bar 0.50" reads at a glance.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from statistics import median
from typing import cast

from ml.article_index import ArticleChunk, ArticleIndex
from ml.resolved_index import ResolvedIndex, ResolvedTicket
from ml.retrieval import Hit

MIN_CONFIDENCE = 0.5  # cosine: below it paraphrases of other problems start to rank first
DEFAULT_TICKETS = 5
DEFAULT_ARTICLES = 3
REPLY_ARTICLE_SENTENCES = 4  # taken from the best article chunk, in its own order
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


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
class ArticleEvidence:
    chunk: ArticleChunk
    similarity: float
    bm25_rank: int | None
    dense_rank: int | None

    @property
    def citation(self) -> str:
        return self.chunk.chunk_id

    def to_dict(self) -> dict:
        return {
            **self.chunk.to_dict(),
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
    articles: list[ArticleEvidence] = field(default_factory=list)
    reply: list[ReplySentence] = field(default_factory=list)
    missing_embeddings: int = 0  # resolved texts the index could not see yet
    # The closest resolved ticket, above the bar or not: where a question without a ticket of
    # its own belongs among the topics (1-nearest neighbour), for the knowledge-gap marts.
    nearest_ticket_id: str | None = None
    nearest_ticket_similarity: float | None = None
    # What agents' feedback (the recommendation_feedback source) refers to this answer by.
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def confident(self) -> bool:
        return bool(self.tickets or self.articles)

    @property
    def verdict(self) -> str:
        if self.confident:
            return (
                f"confidence {self.confidence:.2f} (bar {self.min_confidence:.2f}): "
                f"{len(self.articles)} article sections, "
                f"{len(self.tickets)} similar resolved tickets"
            )
        return (
            f"no confident answer: the closest evidence is {self.confidence:.2f} similar, "
            f"under the bar of {self.min_confidence:.2f}; nothing is suggested"
        )

    def to_dict(self) -> dict:
        return {
            "answer_id": self.answer_id,
            "text": self.text,
            "confident": self.confident,
            "confidence": round(self.confidence, 4),
            "min_confidence": self.min_confidence,
            "verdict": self.verdict,
            "articles": [evidence.to_dict() for evidence in self.articles],
            "tickets": [evidence.to_dict() for evidence in self.tickets],
            "suggested_reply": [
                {"text": sentence.text, "citations": list(sentence.citations)}
                for sentence in self.reply
            ],
            "missing_embeddings": self.missing_embeddings,
        }


def article_sentences(articles: list[ArticleEvidence]) -> list[ReplySentence]:
    """The best article section's own sentences, verbatim and in order, each citing it."""
    if not articles:
        return []
    best = articles[0]
    sentences = [part.strip() for part in SENTENCE_END.split(best.chunk.chunk_text)]
    return [
        ReplySentence(sentence, (best.citation,))
        for sentence in sentences[:REPLY_ARTICLE_SENTENCES]
        if sentence
    ]


def assemble_reply(
    evidence: list[Evidence], articles: list[ArticleEvidence] | None = None
) -> list[ReplySentence]:
    """Sentences stated by the evidence itself: first the best article section's, then how the
    similar tickets were resolved, identical statements merged with all their ids.

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
    sentences = article_sentences(articles or [])
    sentences += [ReplySentence(line, tuple(ids)) for line, ids in by_line.items()]
    timed = [item for item in evidence if item.ticket.resolution_minutes is not None]
    if timed:
        hours = median(cast(float, item.ticket.resolution_minutes) for item in timed) / 60
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
    built: ResolvedIndex | None,
    text: str,
    query_vector,
    *,
    articles: ArticleIndex | None = None,
    k: int = DEFAULT_TICKETS,
    k_articles: int = DEFAULT_ARTICLES,
    min_confidence: float = MIN_CONFIDENCE,
) -> Recommendation:
    ticket_hits: list[Hit] = built.index.search(text, query_vector, k=k) if built else []
    article_hits: list[Hit] = (
        articles.index.search(text, query_vector, k=k_articles)
        if articles and articles.index and k_articles
        else []
    )
    closest = max((hit.similarity or 0.0 for hit in ticket_hits + article_hits), default=0.0)
    nearest = max(
        (hit for hit in ticket_hits if hit.similarity is not None),
        key=lambda hit: cast(float, hit.similarity),
        default=None,
    )

    def clears(hit: Hit) -> bool:
        return hit.similarity is not None and hit.similarity >= min_confidence

    # Hits come only from an index that is there, and clears() keeps those with a similarity.
    evidence = [
        Evidence(
            cast(ResolvedIndex, built).tickets[hit.doc_id],
            cast(float, hit.similarity),
            hit.bm25_rank,
            hit.dense_rank,
        )
        for hit in ticket_hits
        if clears(hit)
    ]
    # Best section first by similarity: the reply quotes the first one.
    article_evidence = sorted(
        (
            ArticleEvidence(
                cast(ArticleIndex, articles).chunks[hit.doc_id],
                cast(float, hit.similarity),
                hit.bm25_rank,
                hit.dense_rank,
            )
            for hit in article_hits
            if clears(hit)
        ),
        key=lambda item: -item.similarity,
    )
    return Recommendation(
        text=text,
        confidence=closest,
        min_confidence=min_confidence,
        tickets=evidence,
        articles=article_evidence,
        reply=assemble_reply(evidence, article_evidence),
        missing_embeddings=built.missing_embeddings if built else 0,
        nearest_ticket_id=(
            cast(ResolvedIndex, built).tickets[nearest.doc_id].ticket_id if nearest else None
        ),
        nearest_ticket_similarity=cast(float, nearest.similarity) if nearest else None,
    )
