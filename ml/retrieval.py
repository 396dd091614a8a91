"""Hybrid retrieval: BM25 (DuckDB fts) and dense cosine search, fused by reciprocal rank fusion.

Lexical matching finds what embeddings blur (error codes, product names, order numbers);
embeddings find paraphrases that share no word. Each ranks its own top candidates and
reciprocal rank fusion (Cormack et al. 2009) merges the two lists by rank alone, so BM25
scores and cosines never have to be put on one scale.

The index lives in an in-memory DuckDB connection: the fts index is a set of tables
DuckDB's `create_fts_index` writes, and vss keeps HNSW indexes in memory only. Nothing here
opens a warehouse file; callers hand over ids, texts and vectors (see ml/resolved_index.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import duckdb
import numpy as np

from supportlake.extensions import load_extension, offline_config
from supportlake.settings import Settings

# RRF's constant (60 in the paper) and BM25's weight against dense search's 1.0, chosen on
# one half of the real support-tweet queries and checked on the other (docs/agent_assist.md):
# a smaller k trusts each list's first ranks more; BM25 alone is the weaker method there.
RRF_K = 10
BM25_WEIGHT = 0.3
CANDIDATES = 50  # each method's list depth before fusion
# Below this many documents an exact numpy scan is faster than building an HNSW graph and
# exact besides; above it the graph's log-time search pays for its build (docs/agent_assist.md).
HNSW_MIN_DOCS = 200_000
MODES = ("hybrid", "bm25", "dense")
# fts's default separators drop digits too, which would turn error code E1234 into "e".
TOKEN_SEPARATORS = r"(\.|[^a-z0-9])+"


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float  # fused RRF score (or the single method's score in bm25/dense mode)
    bm25_rank: int | None  # 1-based rank in the BM25 list, None when BM25 did not find it
    dense_rank: int | None
    bm25_score: float | None
    similarity: float | None  # cosine of the query vector and the document vector

    def to_dict(self) -> dict:
        return asdict(self)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Ids ordered by sum(weight / (k + rank)) over the lists they appear in; ties by id."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


# match_bm25's own formula, set-based: postings of the query's distinct stemmed terms only.
BM25_TOP_K = """
with
tokens as (
    select distinct stem(unnest(fts_main_docs.tokenize($query)), 'english') as term
),
query_terms as (
    select dict.termid, dict.df from fts_main_docs.dict as dict
    inner join tokens on dict.term = tokens.term
),
term_frequencies as (
    select postings.docid, postings.termid, count(*) as tf
    from fts_main_docs.terms as postings
    where postings.termid in (select termid from query_terms)
    group by postings.docid, postings.termid
),
scores as (
    select
        term_frequencies.docid,
        sum(
            log(((stats.num_docs - query_terms.df) + 0.5) / (query_terms.df + 0.5) + 1)
            * (term_frequencies.tf * (1.2 + 1))
            / (term_frequencies.tf + 1.2 * ((1 - 0.75) + 0.75 * (indexed.len / stats.avgdl)))
        ) as score
    from term_frequencies
    inner join query_terms on term_frequencies.termid = query_terms.termid
    inner join fts_main_docs.docs as indexed on term_frequencies.docid = indexed.docid
    cross join fts_main_docs.stats as stats
    group by term_frequencies.docid
)
select indexed.name as doc_id, scores.score
from scores
inner join fts_main_docs.docs as indexed on scores.docid = indexed.docid
order by scores.score desc, doc_id
limit $k
"""


class HybridIndex:
    """BM25 and dense search over one set of documents, in memory.

    ids: unique document ids; texts: what BM25 indexes; vectors: float32 (n, d), rows
    L2-normalised (as every encoder in ml/embedding_backends.py returns them).
    """

    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        vectors: np.ndarray,
        settings: Settings,
        *,
        hnsw_min_docs: int = HNSW_MIN_DOCS,
    ) -> None:
        ids = [str(doc_id) for doc_id in ids]
        if not (len(ids) == len(texts) == len(vectors)):
            raise ValueError(
                f"ids ({len(ids)}), texts ({len(texts)}) and vectors ({len(vectors)}) "
                "must be the same length"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique")
        self.ids = ids
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dimensions = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        self.connection = duckdb.connect(config=offline_config(settings))
        self.connection.execute("set enable_progress_bar = false")  # a library prints nothing
        load_extension(self.connection, "fts")
        self.connection.execute("create table docs (doc_id varchar primary key, body varchar)")
        if ids:
            import pyarrow as pa

            self.connection.register(
                "new_docs", pa.table({"doc_id": ids, "body": [text or "" for text in texts]})
            )
            self.connection.execute("insert into docs select * from new_docs")
            self.connection.unregister("new_docs")
            self.connection.execute(
                "pragma create_fts_index('docs', 'doc_id', 'body', "
                "stemmer = 'english', stopwords = 'english', "
                f"ignore = '{TOKEN_SEPARATORS}', overwrite = 1)"
            )
        self._local = threading.local()
        self.uses_hnsw = len(ids) >= hnsw_min_docs and len(ids) > 0
        if self.uses_hnsw:
            self._build_hnsw()

    def __len__(self) -> int:
        return len(self.ids)

    def close(self) -> None:
        self.connection.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection per thread to the same in-memory database: one DuckDB connection must
        not run queries from two threads at once (the API answers in a thread pool)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.connection.cursor()
        return cursor

    def _build_hnsw(self) -> None:
        from ml.embeddings import vectors_to_arrow

        load_extension(self.connection, "vss")
        import pyarrow as pa

        self.connection.register(
            "new_vectors",
            pa.table({"doc_id": self.ids, "embedding": vectors_to_arrow(self.vectors)}),
        )
        self.connection.execute(
            f"create table vectors as select doc_id, embedding::float[{self.dimensions}] "
            "as embedding from new_vectors"
        )
        self.connection.unregister("new_vectors")
        self.connection.execute(
            "create index vectors_hnsw on vectors using hnsw (embedding) with (metric = 'cosine')"
        )

    def bm25(self, query: str, k: int = CANDIDATES) -> list[tuple[str, float]]:
        """(doc_id, BM25 score) of the k best lexical matches; empty when no word matches.

        The scores are fts's match_bm25 (k1 1.2, b 0.75), computed for the query's terms in
        one pass over the postings instead of calling the macro once per document, whose
        cost grows with the whole index (docs/agent_assist.md).
        """
        if not self.ids or not query.strip():
            return []
        return self._cursor().execute(BM25_TOP_K, {"query": query, "k": k}).fetchall()

    def dense(self, query_vector: np.ndarray, k: int = CANDIDATES) -> list[tuple[str, float]]:
        """(doc_id, cosine similarity) of the k nearest documents."""
        if not self.ids:
            return []
        query = np.asarray(query_vector, dtype=np.float32).ravel()
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        if self.uses_hnsw:
            return self._dense_hnsw(query, k)
        similarities = self.vectors @ query
        k = min(k, len(similarities))
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.lexsort((top, -similarities[top]))]
        return [(self.ids[row], float(similarities[row])) for row in top]

    def _dense_hnsw(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        # The vector must be a constant in the plan for vss to swap in HNSW_INDEX_SCAN.
        literal = "[" + ",".join(repr(float(value)) for value in query) + "]"
        rows = (
            self._cursor()
            .execute(
                f"""
            select doc_id, 1 - array_cosine_distance(embedding, {literal}::float[{self.dimensions}])
            from vectors
            order by array_cosine_distance(embedding, {literal}::float[{self.dimensions}])
            limit {int(k)}
            """
            )
            .fetchall()
        )
        return [(doc_id, float(similarity)) for doc_id, similarity in rows]

    def search(
        self,
        query: str,
        query_vector: np.ndarray | None,
        k: int = 10,
        *,
        mode: str = "hybrid",
        candidates: int = CANDIDATES,
        rrf_k: int = RRF_K,
        bm25_weight: float = BM25_WEIGHT,
    ) -> list[Hit]:
        """The k best documents by `mode`: hybrid (RRF of both lists), bm25 or dense only.

        Every hit carries both methods' ranks where it appears in their candidate lists, so a
        caller can tell evidence both methods agree on from evidence only one found.
        """
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: choose one of {MODES}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        candidates = max(candidates, k)
        lexical = self.bm25(query, candidates) if mode != "dense" else []
        if mode != "bm25" and query_vector is None:
            raise ValueError(f"{mode} retrieval needs the query's vector")
        semantic = (
            self.dense(query_vector, candidates)
            if mode != "bm25" and query_vector is not None  # None was refused just above
            else []
        )
        bm25_ranks = {doc_id: (rank, score) for rank, (doc_id, score) in enumerate(lexical, 1)}
        dense_ranks = {doc_id: (rank, score) for rank, (doc_id, score) in enumerate(semantic, 1)}
        if mode == "hybrid":
            ranked = reciprocal_rank_fusion(
                [[d for d, _ in lexical], [d for d, _ in semantic]], rrf_k, [bm25_weight, 1.0]
            )
        else:
            ranked = lexical if mode == "bm25" else semantic
        hits = []
        for doc_id, score in ranked[:k]:
            bm25_rank, bm25_score = bm25_ranks.get(doc_id, (None, None))
            dense_rank, similarity = dense_ranks.get(doc_id, (None, None))
            if similarity is None and query_vector is not None:
                similarity = self.similarity(doc_id, query_vector)
            hits.append(Hit(doc_id, float(score), bm25_rank, dense_rank, bm25_score, similarity))
        return hits

    def similarity(self, doc_id: str, query_vector: np.ndarray) -> float:
        """Cosine of one document and the query (for hits only BM25 found)."""
        if not hasattr(self, "_rows"):
            self._rows = {doc_id: row for row, doc_id in enumerate(self.ids)}
        vector = self.vectors[self._rows[doc_id]]
        return float(vector @ np.asarray(query_vector, dtype=np.float32).ravel())
