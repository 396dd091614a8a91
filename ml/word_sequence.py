"""The text as a sparse matrix a sequence model can read back and occlusion can edit.

A fine-tuned transformer reads words in order, but the pipeline hands classifiers a sparse
matrix, and ml.explain finds reasons by zeroing one named column at a time. WordPositions
bridges the two: one column per training word (`words:<word>`), holding 1 + the position of
the word's first occurrence in the ticket. `texts_from_positions` puts the words back in that
order; zeroing a column removes that word from the text the model reads, so occlusion
reasons mean "without this word the model was less sure".

What is lost: repeated words after their first occurrence, and words never seen in training
(the model would only have seen them as unknown sub-words).
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

_TOKEN = re.compile(r"\w+", re.UNICODE)
DEFAULT_MAX_WORDS = 128  # distinct words kept per ticket: the transformer reads 128 tokens


def tokens(text: str, max_words: int) -> list[str]:
    """Distinct lower-cased words in order of first occurrence, at most `max_words`."""
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(str(text or "").lower()):
        seen.setdefault(match.group(0), None)
        if len(seen) >= max_words:
            break
    return list(seen)


def _as_texts(values) -> list[str]:
    if hasattr(values, "iloc") and getattr(values, "ndim", 1) == 2:
        values = values.iloc[:, 0]
    return ["" if value is None else str(value) for value in values]


class WordPositions(TransformerMixin, BaseEstimator):
    """texts -> csr matrix (rows x training vocabulary) of 1 + first position of each word."""

    def __init__(self, max_words: int = DEFAULT_MAX_WORDS):
        self.max_words = max_words

    def fit(self, texts, y=None):
        vocabulary = sorted({word for text in _as_texts(texts) for word in tokens(text, 10**9)})
        self.vocabulary_ = {word: index for index, word in enumerate(vocabulary)}
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        texts = _as_texts(texts)
        rows, columns, values = [], [], []
        for row, text in enumerate(texts):
            known = [word for word in tokens(text, 10**9) if word in self.vocabulary_]
            for position, word in enumerate(known[: self.max_words]):
                rows.append(row)
                columns.append(self.vocabulary_[word])
                values.append(position + 1.0)
        shape = (len(texts), len(self.vocabulary_))
        return sparse.csr_matrix((values, (rows, columns)), shape=shape, dtype=np.float64)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)


def texts_from_positions(matrix, vocabulary: np.ndarray) -> list[str]:
    """The words of each row in position order (columns set to zero are left out)."""
    matrix = sparse.csr_matrix(matrix)
    vocabulary = np.asarray(vocabulary, dtype=object)
    texts = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns, positions = matrix.indices[start:end], matrix.data[start:end]
        present = positions > 0
        order = np.argsort(positions[present], kind="stable")
        texts.append(" ".join(vocabulary[columns[present][order]]))
    return texts
