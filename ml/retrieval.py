"""Hybrid retrieval: BM25 (DuckDB fts) and dense cosine search, fused.

Lexical matching finds what embeddings blur (error codes, product names, order numbers);
embeddings find paraphrases that share no word. Each ranks its own top candidates; the union
is ordered by a convex combination of the scores (Bruch et al. 2023, "An Analysis of Fusion
Functions for Hybrid Retrieval"): cosine + BM25_WEIGHT x BM25 / the query's best BM25, so a
document's BM25 counts relative to the best lexical match of the same query. Reciprocal rank
fusion (Cormack et al. 2009), which fuses ranks only, stays available (`fusion="rrf"`): on the
real support tweets it tied dense search alone, the convex combination beat it
(docs/agent_assist.md).

The lexical index is DuckDB's fts index in an in-memory connection, scored from a sparse
matrix (ml/lexical.py); the dense one is an exact scan or a faiss IVF index (ml/dense_index.py).
Nothing here opens a warehouse file; callers hand over ids, texts and vectors (see
ml/resolved_index.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import duckdb
import fasteners
import numpy as np
import pyarrow as pa

from ml.dense_index import ANN_MIN_DOCS, DenseIndex
from ml.lexical import Bm25Matrix
from supportlake.extensions import load_extension, offline_config
from supportlake.settings import Settings

# The weight of the query-normalised BM25 score (0..1) against the cosine, chosen on one half
# of the real support-tweet queries and checked on the other half (docs/agent_assist.md).
BM25_WEIGHT = 0.1
# Reciprocal rank fusion's constant and BM25's weight against dense search's 1.0, chosen the
# same way when RRF was the product's fusion.
RRF_K = 10
RRF_BM25_WEIGHT = 0.3
CANDIDATES = 50  # each method's list depth before fusion
MODES = ("hybrid", "bm25", "dense")
FUSIONS = ("convex", "rrf")
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
        ann_min_docs: int = ANN_MIN_DOCS,
    ) -> None:
        ids = [str(doc_id) for doc_id in ids]
        if not (len(ids) == len(texts) == len(vectors)):
            raise ValueError(
                f"ids ({len(ids)}), texts ({len(texts)}) and vectors ({len(vectors)}) "
                "must be the same length"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique")
        self.ids: list[str | None] = list(ids)  # per row; None once a row is removed
        self.connection = duckdb.connect(config=offline_config(settings))
        self.connection.execute("set enable_progress_bar = false")  # a library prints nothing
        load_extension(self.connection, "fts")
        self._local = threading.local()
        # Searchers' cursors come from a connection of their own: `connection` runs an
        # update's statements meanwhile, and one DuckDB connection serves one thread at a time.
        self._cursors = self.connection.cursor()
        self.lexical: Bm25Matrix | None = None
        self._index_text("docs", ids, texts, first_row=0)
        if ids:
            self.lexical = Bm25Matrix(self.connection, len(ids), self._tie_rank(self.ids))
        self.dense_index = DenseIndex(vectors, ann_min_docs=ann_min_docs)
        self.uses_ann = self.dense_index.uses_ann
        self._rows = {doc_id: row for row, doc_id in enumerate(ids)}
        self._updates = 0
        # An update swaps in the matrices and changes the faiss index that searches read:
        # searches run side by side (the API answers from a thread pool), the swap alone.
        # A waiting update goes before new searches. The public methods take the read lock
        # once; a search calls their unlocked twins (_bm25, _dense, _similarity) so its hot
        # path does not take it again for every candidate.
        self._lock = fasteners.ReaderWriterLock()
        self._updating = threading.Lock()

    def _index_text(
        self, table: str, ids: Sequence[str], texts: Sequence[str], first_row: int
    ) -> None:
        """Table `table` (doc_id, body, row_number from first_row) with an fts index: every
        index here tokenizes, stems and drops stop words the same way."""
        self.connection.execute(
            f"create table {table} (doc_id varchar primary key, body varchar, row_number bigint)"
        )
        if not ids:
            return
        self.connection.register(
            "new_docs",
            pa.table(
                {
                    "doc_id": list(ids),
                    "body": [text or "" for text in texts],
                    "row_number": np.arange(first_row, first_row + len(ids), dtype=np.int64),
                }
            ),
        )
        self.connection.execute(f"insert into {table} select * from new_docs")
        self.connection.unregister("new_docs")
        self.connection.execute(
            f"pragma create_fts_index('{table}', 'doc_id', 'body', "
            "stemmer = 'english', stopwords = 'english', "
            f"ignore = '{TOKEN_SEPARATORS}', overwrite = 1)"
        )

    def __len__(self) -> int:
        return len(self._rows)

    @staticmethod
    def _tie_rank(ids: Sequence[str | None]) -> np.ndarray:
        """Per row, its document id's place in sorted order (a removed row's is last)."""
        keys = np.array([doc_id if doc_id is not None else "\uffff" for doc_id in ids])
        tie_rank = np.empty(len(keys), dtype=np.int64)
        tie_rank[np.argsort(keys, kind="stable")] = np.arange(len(keys))
        return tie_rank

    def update(
        self,
        removed_ids: Sequence[str],
        added_ids: Sequence[str],
        added_texts: Sequence[str],
        added_vectors: np.ndarray,
    ) -> None:
        """Bring the index to the next set of documents without indexing the others again:
        remove `removed_ids`, then add the new documents. BM25 scores equal those of an index
        built on the resulting documents (ml/lexical.py keeps the term counts); dense search
        is exact, or the IVF index's lists trained on the first documents.

        Searches go on while the new state is worked out (new documents' fts index, BM25
        weights, their lists); they wait only while it is swapped in."""
        with self._updating:  # one update at a time; the state below changes only here
            prepared = self._prepare_update(
                removed_ids, [str(d) for d in added_ids], added_texts, added_vectors
            )
            with self._lock.write_lock():
                self._apply_update(*prepared)

    def _prepare_update(self, removed_ids, added_ids, added_texts, added_vectors):
        if not (len(added_ids) == len(added_texts) == len(added_vectors)):
            raise ValueError("added ids, texts and vectors must be the same length")
        if self.lexical is None:
            raise ValueError("an index built without documents cannot be updated: build it")
        missing = [doc_id for doc_id in removed_ids if doc_id not in self._rows]
        if missing:
            raise ValueError(f"not in the index, cannot remove: {missing[:5]}")
        staying = set(self._rows).difference(removed_ids)
        if len(set(added_ids)) != len(added_ids) or not staying.isdisjoint(added_ids):
            raise ValueError("added document ids must be unique and new to the index")
        removed_rows = np.array([self._rows[doc_id] for doc_id in removed_ids], np.int64)
        ids: list[str | None] = list(self.ids)
        for row in removed_rows:
            ids[row] = None
        first = len(ids)
        ids.extend(added_ids)
        table = None
        if added_ids:
            self._updates += 1
            table = f"added_{self._updates}"
            self._index_text(table, added_ids, added_texts, first_row=first)
        lexical = self.lexical.updated(
            self.connection, removed_rows, table, len(ids), self._tie_rank(ids)
        )
        if table is not None:  # its counts are in the matrix now
            self.connection.execute(f"pragma drop_fts_index('{table}')")
            self.connection.execute(f"drop table {table}")
        dense = self.dense_index.prepare_update(
            removed_rows, np.asarray(added_vectors, dtype=np.float32)
        )
        added_rows = {doc_id: first + n for n, doc_id in enumerate(added_ids)}
        return removed_ids, added_rows, ids, lexical, dense

    def _apply_update(self, removed_ids, added_rows, ids, lexical, dense) -> None:
        for doc_id in removed_ids:
            del self._rows[doc_id]
        self._rows.update(added_rows)
        self.ids, self.lexical = ids, lexical
        self.dense_index.apply_update(dense)
        self.uses_ann = self.dense_index.uses_ann

    def close(self) -> None:
        self.connection.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection per thread to the same in-memory database: one DuckDB connection must
        not run queries from two threads at once (the API answers in a thread pool)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._cursors.cursor()
        return cursor

    def bm25(self, query: str, k: int = CANDIDATES) -> list[tuple[str, float]]:
        """(doc_id, BM25 score) of the k best lexical matches; empty when no word matches.

        The scores are fts's match_bm25 (k1 1.2, b 0.75), summed over the postings of the
        query's own terms only (ml/lexical.py), so a query's cost follows its terms, not the
        size of the index.
        """
        with self._lock.read_lock():
            return self._bm25(query, k)

    def _bm25(self, query: str, k: int) -> list[tuple[str, float]]:
        if self.lexical is None or not query.strip():
            return []
        terms = self.lexical.query_terms(self._cursor(), query)
        return [(self._doc(row), score) for row, score in self.lexical.top(terms, k)]

    def dense(self, query_vector: np.ndarray, k: int = CANDIDATES) -> list[tuple[str, float]]:
        """(doc_id, cosine similarity) of the k nearest documents (approximate from
        ANN_MIN_DOCS documents on: ml/dense_index.py)."""
        with self._lock.read_lock():
            return self._dense(query_vector, k)

    def _dense(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self._rows:
            return []
        query = np.asarray(query_vector, dtype=np.float32).ravel()
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        hits = self.dense_index.search(query, k)
        return [(self._doc(row), score) for row, score in hits]

    def _doc(self, row: int) -> str:
        doc_id = self.ids[row]
        assert doc_id is not None, f"row {row} was removed, no search may return it"
        return doc_id

    def search(
        self,
        query: str,
        query_vector: np.ndarray | None,
        k: int = 10,
        *,
        mode: str = "hybrid",
        candidates: int = CANDIDATES,
        fusion: str = "convex",
        bm25_weight: float | None = None,
        rrf_k: int = RRF_K,
    ) -> list[Hit]:
        """The k best documents by `mode`: hybrid (both lists fused), bm25 or dense only.

        Every hit carries both methods' ranks where it appears in their candidate lists, so a
        caller can tell evidence both methods agree on from evidence only one found.
        bm25_weight: BM25_WEIGHT for the convex fusion, RRF_BM25_WEIGHT for rrf by default.
        """
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: choose one of {MODES}")
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}: choose one of {FUSIONS}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if mode != "bm25" and query_vector is None:
            raise ValueError(f"{mode} retrieval needs the query's vector")
        with self._lock.read_lock():
            return self._search(
                query, query_vector, k, mode, max(candidates, k), fusion, bm25_weight, rrf_k
            )

    def _search(self, query, query_vector, k, mode, candidates, fusion, bm25_weight, rrf_k):
        lexical = self._bm25(query, candidates) if mode != "dense" else []
        semantic = (
            self._dense(query_vector, candidates)
            if mode != "bm25" and query_vector is not None  # None was refused just above
            else []
        )
        bm25_ranks = {doc_id: (rank, score) for rank, (doc_id, score) in enumerate(lexical, 1)}
        dense_ranks = {doc_id: (rank, score) for rank, (doc_id, score) in enumerate(semantic, 1)}
        if mode == "hybrid" and fusion == "rrf":
            weight = RRF_BM25_WEIGHT if bm25_weight is None else bm25_weight
            ranked = reciprocal_rank_fusion(
                [[d for d, _ in lexical], [d for d, _ in semantic]], rrf_k, [weight, 1.0]
            )
        elif mode == "hybrid":
            weight = BM25_WEIGHT if bm25_weight is None else bm25_weight
            ranked = self._convex(query, query_vector, lexical, semantic, weight)
        else:
            ranked = lexical if mode == "bm25" else semantic
        hits = []
        for doc_id, score in ranked[:k]:
            bm25_rank, bm25_score = bm25_ranks.get(doc_id, (None, None))
            dense_rank, similarity = dense_ranks.get(doc_id, (None, None))
            if similarity is None and query_vector is not None:
                similarity = self._similarity(doc_id, query_vector)
            hits.append(Hit(doc_id, float(score), bm25_rank, dense_rank, bm25_score, similarity))
        return hits

    def _convex(
        self,
        query: str,
        query_vector,
        lexical: list[tuple[str, float]],
        semantic: list[tuple[str, float]],
        weight: float,
    ) -> list[tuple[str, float]]:
        """The union of both candidate lists by cosine + weight x BM25 / the best BM25; each
        candidate's missing score is computed, not taken as 0."""
        pool = list(dict.fromkeys([d for d, _ in semantic] + [d for d, _ in lexical]))
        cosines = dict(semantic)
        for doc_id in pool:
            if doc_id not in cosines:
                cosines[doc_id] = self._similarity(doc_id, query_vector)
        lexical_scores = dict(lexical)
        best = lexical[0][1] if lexical else 0.0
        missing = [d for d in pool if d not in lexical_scores]
        if best > 0 and missing and self.lexical is not None:
            terms = self.lexical.query_terms(self._cursor(), query)
            found = self.lexical.scores(terms, [self._rows[d] for d in missing])
            lexical_scores.update(zip(missing, found.tolist(), strict=True))
        scale = weight / best if best > 0 else 0.0
        fused = [(d, cosines[d] + scale * lexical_scores.get(d, 0.0)) for d in pool]
        return sorted(fused, key=lambda item: (-item[1], item[0]))

    def similarity(self, doc_id: str, query_vector: np.ndarray) -> float:
        """Cosine of one document and the query (for hits only BM25 found)."""
        with self._lock.read_lock():
            return self._similarity(doc_id, query_vector)

    def _similarity(self, doc_id: str, query_vector: np.ndarray) -> float:
        vector = self.dense_index.vector(self._rows[doc_id])
        return float(vector @ np.asarray(query_vector, dtype=np.float32).ravel())
