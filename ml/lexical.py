"""BM25 over a DuckDB fts index, answered from a sparse matrix instead of a postings scan.

DuckDB's fts extension tokenizes, stems and drops stop words when it builds its index
(fts_main_docs.dict / docs / terms / stats); its `match_bm25` macro then scores one document
per call, and even a set-based query over the postings reads every posting of the index, so
a query's cost grows with the collection (145 ms p50 at 100,000 documents). Here the same
index is read once into a scipy CSC matrix of BM25 weights (documents x terms): a query
sums the columns of its own terms, so it touches only those terms' postings.

The weights are match_bm25's own formula (k1 1.2, b 0.75, the same idf), so the scores equal
the macro's; the query is tokenized and stemmed by the index's own macros.
"""

from __future__ import annotations

import duckdb
import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
# Below this share of the documents a query's postings are summed per matched document;
# above it one dense accumulator over all documents is cheaper than sorting the postings.
SPARSE_SHARE = 0.125

WEIGHTS = f"""
select documents.row_number::integer as row_number, postings.termid::integer as termid,
    log(((stats.num_docs - dict.df) + 0.5) / (dict.df + 0.5) + 1)
    * (count(*) * ({K1} + 1))
    / (count(*) + {K1} * ((1 - {B}) + {B} * (indexed.len / stats.avgdl))) as weight
from fts_main_docs.terms as postings
inner join fts_main_docs.docs as indexed on postings.docid = indexed.docid
inner join fts_main_docs.dict as dict on postings.termid = dict.termid
inner join docs as documents on indexed.name = documents.doc_id
cross join fts_main_docs.stats as stats
group by documents.row_number, postings.termid, dict.df, indexed.len, stats.num_docs, stats.avgdl
"""

QUERY_TERMS = "select distinct stem(unnest(fts_main_docs.tokenize($query)), 'english') as term"


class Bm25Matrix:
    """BM25 weights of an fts index built on table `docs` (doc_id, body, row_number) of
    `connection`; rows are `docs.row_number` (0..n-1), columns the index's term ids."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, documents: int, tie_rank: np.ndarray
    ) -> None:
        self.documents = documents
        self.tie_rank = tie_rank  # per row: its doc_id's place in sorted order (ties by id)
        found = connection.execute(WEIGHTS).fetchnumpy()
        terms = connection.execute("select term, termid from fts_main_docs.dict").fetchall()
        self.term_ids: dict[str, int] = dict(terms)
        columns = max(self.term_ids.values(), default=-1) + 1
        self.weights = sparse.csc_array(
            (
                found["weight"].astype(np.float64),
                (found["row_number"].astype(np.int64), found["termid"].astype(np.int64)),
            ),
            shape=(documents, columns),
        )

    def query_terms(self, cursor: duckdb.DuckDBPyConnection, query: str) -> list[int]:
        """The index's term ids of the query's distinct stemmed words (stop words and words
        no document has are not in the index's dictionary, so they drop out)."""
        stems = cursor.execute(QUERY_TERMS, {"query": query}).fetchall()
        return sorted({self.term_ids[stem] for (stem,) in stems if stem in self.term_ids})

    def scores(self, term_ids: list[int], rows: list[int]) -> np.ndarray:
        """BM25 scores of the given documents (0 for a document with none of the terms)."""
        if not term_ids or not rows:
            return np.zeros(len(rows))
        return np.asarray(self.weights[:, term_ids][rows].sum(axis=1)).ravel()

    def top(self, term_ids: list[int], k: int) -> list[tuple[int, float]]:
        """(row, score) of the k best documents, best first, ties by document id; only
        documents with at least one of the terms."""
        if not term_ids or k < 1:
            return []
        pointers = self.weights.indptr
        rows = np.concatenate(
            [self.weights.indices[pointers[t] : pointers[t + 1]] for t in term_ids]
        )
        weights = np.concatenate(
            [self.weights.data[pointers[t] : pointers[t + 1]] for t in term_ids]
        )
        if len(rows) < SPARSE_SHARE * self.documents:
            candidates, position = np.unique(rows, return_inverse=True)
            scores = np.bincount(position, weights=weights)
        else:
            totals = np.bincount(rows, weights=weights, minlength=self.documents)
            candidates = np.flatnonzero(totals)
            scores = totals[candidates]
        if len(candidates) > k:
            # Keep every document tied with the k-th score, then order them exactly.
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kth
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((self.tie_rank[candidates], -scores))[:k]
        return [(int(candidates[i]), float(scores[i])) for i in order]
