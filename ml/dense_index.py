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

import faiss
import numpy as np

# From this many documents the IVF index answers; below it the exact scan is fast and exact.
ANN_MIN_DOCS = 50_000
NPROBE = 32  # lists scanned per query: at 1M (1,000 lists) about 3% of the vectors
TRAIN_PER_LIST = 40  # k-means sample size per list (faiss warns below 39)
SEED = 0


class DenseIndex:
    """vectors: float32 (n, d), rows L2-normalised; answers (row, cosine) pairs."""

    def __init__(self, vectors: np.ndarray, *, ann_min_docs: int = ANN_MIN_DOCS) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.rows = len(vectors)
        self.dimensions = vectors.shape[1] if vectors.ndim == 2 else 0
        self.uses_ann = self.rows >= ann_min_docs and self.rows > 0
        self.vectors: np.ndarray | None = None
        self.ivf: faiss.IndexIVFFlat | None = None
        if self.uses_ann:
            self.ivf = build_ivf(vectors)
        else:
            self.vectors = vectors

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(row, cosine) of the k nearest vectors, nearest first, ties by row."""
        if not self.rows:
            return []
        k = min(k, self.rows)
        if self.ivf is not None:
            similarities, rows = self.ivf.search(query.reshape(1, -1), k)
            return [
                (int(row), float(similarity))
                for row, similarity in zip(rows[0], similarities[0], strict=True)
                if row >= 0  # faiss pads with -1 when the probed lists hold fewer than k
            ]
        assert self.vectors is not None
        similarities = self.vectors @ query
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.lexsort((top, -similarities[top]))]
        return [(int(row), float(similarities[row])) for row in top]

    def vector(self, row: int) -> np.ndarray:
        if self.ivf is not None:
            return np.asarray(self.ivf.reconstruct(int(row)), dtype=np.float32)
        assert self.vectors is not None
        return self.vectors[row]


def build_ivf(vectors: np.ndarray) -> faiss.IndexIVFFlat:
    """An inner-product IVF index over `vectors` (the inner product of unit vectors is the
    cosine), trained on a seeded sample so the same vectors give the same index."""
    lists = max(1, int(math.sqrt(len(vectors))))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED
    sample = min(len(vectors), TRAIN_PER_LIST * lists)
    picked = np.random.default_rng(SEED).choice(len(vectors), size=sample, replace=False)
    index.train(vectors[np.sort(picked)])
    index.add(vectors)
    index.make_direct_map()  # reconstruct(row): the cosine of hits only BM25 found
    index.nprobe = min(NPROBE, lists)
    return index
