"""Nearest neighbours by cosine over L2-normalised vectors: an exact scan for small
collections, a faiss inverted-file (IVF) index for large ones.

An exact scan reads every vector per query: 1M x 384 float32 is 1.5 GB, 100+ ms on two
cores. The IVF index clusters the vectors once (k-means, sqrt(n) lists) and a query scans
only the NPROBE lists nearest to it, a few percent of the vectors, with exact inner products
inside them. DuckDB's vss HNSW index was the first choice, but its graph build took 160 s for
20,000 vectors on the two shared cores (docs/agent_assist.md): hours at 1M, on every new
serving copy. faiss builds the IVF index over 1M vectors in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import faiss
import numpy as np

# From this many documents the IVF index answers; below it the exact scan is fast and exact.
ANN_MIN_DOCS = 50_000
NPROBE = 32  # lists scanned per query: at 1M (1,000 lists) about 3% of the vectors
TRAIN_PER_LIST = 40  # k-means sample size per list (faiss warns below 39)
SEED = 0


@dataclass
class DenseUpdate:
    """What DenseIndex.prepare_update worked out, for apply_update."""

    removed_rows: np.ndarray
    added: np.ndarray
    alive: np.ndarray
    lists: np.ndarray | None = None  # IVF: the list each added vector is filed under
    vectors: np.ndarray | None = None  # exact scan: the next matrix
    ivf: faiss.IndexIVFFlat | None = None  # exact scan grown past ann_min_docs


class DenseIndex:
    """vectors: float32 (n, d), rows L2-normalised; answers (row, cosine) pairs. `update`
    removes rows and appends new ones; a removed row is never answered."""

    def __init__(self, vectors: np.ndarray, *, ann_min_docs: int = ANN_MIN_DOCS) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.rows = len(vectors)
        self.dimensions = vectors.shape[1] if vectors.ndim == 2 else 0
        self.ann_min_docs = ann_min_docs
        self.uses_ann = self.rows >= ann_min_docs and self.rows > 0
        self.vectors: np.ndarray | None = None
        self.ivf: faiss.IndexIVFFlat | None = None
        self.alive = np.ones(self.rows, dtype=bool)
        if self.uses_ann:
            self.ivf = build_ivf(vectors)
        else:
            self.vectors = vectors

    def update(self, removed_rows: np.ndarray, added: np.ndarray) -> None:
        """Remove `removed_rows` and append `added` (float32, unit rows) as the next rows. The
        IVF index keeps its lists (trained on the first vectors) and files the new vectors
        under the nearest; an exact scan that grows past ann_min_docs becomes an IVF index."""
        self.apply_update(self.prepare_update(removed_rows, added))

    def prepare_update(self, removed_rows: np.ndarray, added: np.ndarray) -> DenseUpdate:
        """The costly half of `update`, which searches may run beside: the new vectors'
        lists (IVF), or the next exact matrix or the IVF index it becomes. Reads only."""
        removed_rows = np.asarray(removed_rows, dtype=np.int64)
        added = np.ascontiguousarray(added, dtype=np.float32).reshape(-1, self.dimensions)
        alive = np.concatenate([self.alive, np.ones(len(added), dtype=bool)])
        alive[removed_rows] = False
        prepared = DenseUpdate(removed_rows, added, alive)
        if self.ivf is not None:
            if len(added):
                _, lists = self.ivf.quantizer.search(added, 1)
                prepared.lists = np.ascontiguousarray(lists.ravel(), dtype=np.int64)
            return prepared
        assert self.vectors is not None
        vectors = np.concatenate([self.vectors, added])
        vectors[removed_rows] = 0.0  # never a neighbour: search skips removed rows
        if int(alive.sum()) >= self.ann_min_docs:
            prepared.ivf = build_ivf(vectors, alive)
        else:
            prepared.vectors = vectors
        return prepared

    def apply_update(self, prepared: DenseUpdate) -> None:
        """The quick half, while no search runs: drop the removed rows and file the new ones
        under their lists, or swap in the prepared matrix or index."""
        new_rows = np.arange(self.rows, self.rows + len(prepared.added), dtype=np.int64)
        self.rows += len(prepared.added)
        self.alive = prepared.alive
        if self.ivf is not None:
            if len(prepared.removed_rows):
                self.ivf.remove_ids(faiss.IDSelectorArray(prepared.removed_rows))
            if len(prepared.added):
                assert prepared.lists is not None
                self.ivf.add_core(
                    len(prepared.added),
                    faiss.swig_ptr(prepared.added),
                    faiss.swig_ptr(new_rows),
                    faiss.swig_ptr(prepared.lists),
                )
        elif prepared.ivf is not None:
            self.ivf, self.vectors, self.uses_ann = prepared.ivf, None, True
        else:
            self.vectors = prepared.vectors

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(row, cosine) of the k nearest vectors, nearest first, ties by row."""
        alive = int(self.alive.sum())
        if not alive:
            return []
        k = min(k, alive)
        if self.ivf is not None:
            similarities, rows = self.ivf.search(query.reshape(1, -1), k)
            return [
                (int(row), float(similarity))
                for row, similarity in zip(rows[0], similarities[0], strict=True)
                if row >= 0  # faiss pads with -1 when the probed lists hold fewer than k
            ]
        assert self.vectors is not None
        similarities = self.vectors @ query
        similarities[~self.alive] = -np.inf
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.lexsort((top, -similarities[top]))]
        return [(int(row), float(similarities[row])) for row in top]

    def vector(self, row: int) -> np.ndarray:
        if self.ivf is not None:
            return np.asarray(self.ivf.reconstruct(int(row)), dtype=np.float32)
        assert self.vectors is not None
        return self.vectors[row]


def build_ivf(vectors: np.ndarray, alive: np.ndarray | None = None) -> faiss.IndexIVFFlat:
    """An inner-product IVF index over `vectors` (the inner product of unit vectors is the
    cosine; row numbers are the ids), trained on a seeded sample so the same vectors give
    the same index; `alive`: the rows to index (all by default)."""
    rows = np.arange(len(vectors), dtype=np.int64) if alive is None else np.flatnonzero(alive)
    lists = max(1, int(math.sqrt(len(rows))))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED
    sample = min(len(rows), TRAIN_PER_LIST * lists)
    picked = np.random.default_rng(SEED).choice(len(rows), size=sample, replace=False)
    index.train(vectors[rows[np.sort(picked)]])
    # A hash map from id to list entry: reconstruct(row) (the cosine of hits only BM25
    # found) and remove_ids, which an array map does not allow.
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    index.add_with_ids(np.ascontiguousarray(vectors[rows]), rows)
    index.nprobe = min(NPROBE, lists)
    return index
