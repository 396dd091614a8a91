"""BM25 over DuckDB fts tokens, answered from a sparse matrix instead of a postings scan.

DuckDB's fts extension tokenizes, stems and drops stop words when it builds its index
(fts_main_<table>.dict / docs / terms / stats); its `match_bm25` macro then scores one
document per call, and even a set-based query over the postings reads every posting of the
index, so a query's cost grows with the collection (145 ms p50 at 100,000 documents). Here
the index's term counts are read once into scipy matrices (documents x terms): a query sums
the columns of its own terms, so it touches only those terms' postings.

The weights are match_bm25's own formula (k1 1.2, b 0.75, the same idf, DuckDB's log is
base 10), computed from the term counts, the document lengths and the document frequencies
kept here, so documents can be added and removed later (`updated`) without tokenizing the
others again: the new documents get an fts index of their own, their words join the term
dictionary, and every weight is recomputed from the counts (the collection's size and mean
length change every document's weight). The query is tokenized and stemmed by the first
index's macros, with the same stemmer, stop words and separators as every later one.
"""

from __future__ import annotations

import copy

import duckdb
import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
# Below this share of the documents a query's postings are summed per matched document;
# above it one dense accumulator over all documents is cheaper than sorting the postings.
SPARSE_SHARE = 0.125

# (row, term id, count) of an fts index built on table `{table}` (doc_id, body, row_number).
TERM_COUNTS = """
select documents.row_number::bigint as row_number, postings.termid::bigint as termid,
    count(*)::double as tf
from fts_main_{table}.terms as postings
inner join fts_main_{table}.docs as indexed on postings.docid = indexed.docid
inner join {table} as documents on indexed.name = documents.doc_id
group by documents.row_number, postings.termid
"""
LENGTHS = """
select documents.row_number::bigint as row_number, indexed.len::double as len
from fts_main_{table}.docs as indexed
inner join {table} as documents on indexed.name = documents.doc_id
"""

QUERY_TERMS = "select distinct stem(unnest(fts_main_docs.tokenize($query)), 'english') as term"


class Bm25Matrix:
    """BM25 weights of the documents indexed by fts on table `docs` (doc_id, body,
    row_number) of `connection`, and of those `update` adds; rows are row_number, columns
    term ids (the first index's, then each new word's in order of arrival)."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, documents: int, tie_rank: np.ndarray
    ) -> None:
        self.documents = documents  # rows, removed ones included
        self.tie_rank = tie_rank  # per row: its doc_id's place in sorted order (ties by id)
        terms = connection.execute("select term, termid from fts_main_docs.dict").fetchall()
        self.term_ids: dict[str, int] = dict(terms)
        columns = max(self.term_ids.values(), default=-1) + 1
        found = connection.execute(TERM_COUNTS.format(table="docs")).fetchnumpy()
        self.counts = sparse.csc_array(
            (found["tf"], (found["row_number"], found["termid"])), shape=(documents, columns)
        )
        self.lengths = np.zeros(documents)
        lengths = connection.execute(LENGTHS.format(table="docs")).fetchnumpy()
        self.lengths[lengths["row_number"]] = lengths["len"]
        self.alive = np.ones(documents, dtype=bool)
        self._weigh()

    def _weigh(self) -> None:
        """The weights of every posting from the counts: idf(term) x BM25's saturated,
        length-normalised term frequency."""
        alive = int(self.alive.sum())
        mean_length = float(self.lengths[self.alive].sum()) / alive if alive else 0.0
        frequency = np.diff(self.counts.indptr).astype(np.float64)  # documents per term
        idf = np.log10(((alive - frequency) + 0.5) / (frequency + 0.5) + 1)
        columns = np.repeat(np.arange(self.counts.shape[1]), np.diff(self.counts.indptr))
        rows = self.counts.indices
        counts = self.counts.data
        norm = (1 - B) + B * (self.lengths[rows] / mean_length if mean_length else 0.0)
        weights = idf[columns] * (counts * (K1 + 1)) / (counts + K1 * norm)
        self.weights = sparse.csc_array(
            (weights, self.counts.indices, self.counts.indptr), shape=self.counts.shape
        )

    def updated(
        self,
        connection: duckdb.DuckDBPyConnection,
        removed_rows: np.ndarray,
        added_table: str | None,
        documents: int,
        tie_rank: np.ndarray,
    ) -> Bm25Matrix:
        """A new matrix without the documents of `removed_rows` and with those of table
        `added_table` (doc_id, body, row_number; rows from the current count on), which has an
        fts index of its own; `documents` rows in all, `tie_rank` for every row. This one is
        left as it is, so searches may go on reading it meanwhile."""
        removed_rows = np.asarray(removed_rows, dtype=np.int64)
        term_ids = dict(self.term_ids)
        added = sparse.csc_array((documents - self.documents, self.counts.shape[1]))
        added_lengths = np.zeros(documents - self.documents)
        if added_table is not None:
            local = dict(
                connection.execute(
                    f"select termid, term from fts_main_{added_table}.dict"
                ).fetchall()
            )
            for term in local.values():  # new words get the next ids
                term_ids.setdefault(term, len(term_ids))
            to_global = np.zeros(max(local, default=-1) + 1, dtype=np.int64)
            for termid, term in local.items():
                to_global[termid] = term_ids[term]
            found = connection.execute(TERM_COUNTS.format(table=added_table)).fetchnumpy()
            added = sparse.csc_array(
                (found["tf"], (found["row_number"] - self.documents, to_global[found["termid"]])),
                shape=(documents - self.documents, len(term_ids)),
            )
            lengths = connection.execute(LENGTHS.format(table=added_table)).fetchnumpy()
            added_lengths[lengths["row_number"] - self.documents] = lengths["len"]
        kept = self.counts
        if len(removed_rows):
            keep = np.ones(self.documents)
            keep[removed_rows] = 0
            kept = sparse.csc_array(sparse.diags_array(keep) @ kept)
            kept.eliminate_zeros()
        else:
            kept = kept.copy()  # resized below: this matrix's counts must stay as they are
        kept.resize((self.documents, len(term_ids)))
        added.resize((documents - self.documents, len(term_ids)))
        result = copy.copy(self)
        result.term_ids = term_ids
        result.counts = sparse.csc_array(sparse.vstack([kept, added], format="csc"))
        result.alive = np.concatenate([self.alive, np.ones(len(added_lengths), dtype=bool)])
        result.alive[removed_rows] = False
        result.lengths = np.concatenate([self.lengths, added_lengths])
        result.documents = documents
        result.tie_rank = tie_rank
        result._weigh()
        return result

    def query_terms(self, cursor: duckdb.DuckDBPyConnection, query: str) -> list[int]:
        """The term ids of the query's distinct stemmed words, in the words' order (stop words
        and words no document has are not in the dictionary, so they drop out). Ordered by
        word, not by id: a score is summed in the same order in any index of the same
        documents, so an updated index and a new one give bit-equal scores and ties."""
        stems = cursor.execute(QUERY_TERMS, {"query": query}).fetchall()
        return [
            self.term_ids[stem] for stem in sorted(s for (s,) in stems) if stem in self.term_ids
        ]

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
            kept = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kept
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((self.tie_rank[candidates], -scores))[:k]
        return [(int(candidates[i]), float(scores[i])) for i in order]
