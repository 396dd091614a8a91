"""An index brought to the next serving copy's documents by `update` answers as an index
built on those documents from scratch: the same BM25 scores (the collection's statistics
follow the removals and additions), the same nearest neighbours."""

from __future__ import annotations

import threading
import zlib

import numpy as np
import pytest

from ml.retrieval import HybridIndex
from supportlake.settings import Settings

WORDS = [
    "sync",
    "stops",
    "error",
    "E4012",
    "shared",
    "folder",
    "invoice",
    "charged",
    "twice",
    "refund",
    "password",
    "reset",
    "login",
    "export",
    "report",
    "crashes",
    "browser",
    "printer",
    "offline",
    "driver",
    "laptop",
    "battery",
    "screen",
    "flicker",
]
QUERIES = [
    "sync error E4012 on a shared folder",
    "charged twice, I want a refund",
    "printer driver offline",
    "zebra quantum",  # words only the added documents have
    "battery flicker",
]


def _corpus(count: int, seed: int, extra: str = "") -> dict[str, str]:
    rng = np.random.default_rng(seed)
    return {
        f"T-{seed}-{n:04d}": " ".join(rng.choice(WORDS, size=rng.integers(3, 12))) + extra
        for n in range(count)
    }


def _vectors(ids: list[str]) -> np.ndarray:
    """A fixed unit vector per document id, whatever index it is in."""
    vectors = np.stack(
        [np.random.default_rng(zlib.crc32(doc_id.encode())).normal(size=32) for doc_id in ids]
    ).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _rounded(hits: list[tuple[str, float]], digits: int = 9) -> list[tuple[str, float]]:
    return [(doc, round(score, digits)) for doc, score in hits]


def _answers(index: HybridIndex, query_vectors: np.ndarray) -> list:
    answers = []
    for query, vector in zip(QUERIES, query_vectors, strict=True):
        answers.append(_rounded(index.bm25(query, 20)))
        answers.append(_rounded(index.dense(vector, 20), 6))
        hits = index.search(query, vector, 10)
        answers.append([(hit.doc_id, round(hit.score, 6)) for hit in hits])
    return answers


@pytest.mark.parametrize("ann_min_docs", [10_000, 50])  # exact scan; IVF from 50 documents
def test_an_updated_index_answers_like_one_built_from_scratch(tmp_path, ann_min_docs):
    settings = Settings.in_folder(tmp_path)
    first = _corpus(300, seed=1)
    added = _corpus(60, seed=2, extra=" zebra quantum")
    removed = list(first)[::7]  # every 7th document left (reopened, or its text changed)
    final = {doc: text for doc, text in first.items() if doc not in removed} | added
    query_vectors = _vectors([f"query-{n}" for n in range(len(QUERIES))])

    updated = HybridIndex(list(first), list(first.values()), _vectors(list(first)), settings)
    updated.update(removed, list(added), list(added.values()), _vectors(list(added)))
    fresh = HybridIndex(list(final), list(final.values()), _vectors(list(final)), settings)

    assert len(updated) == len(fresh) == len(final)
    if ann_min_docs == 10_000:  # exact dense search: every answer equal
        assert _answers(updated, query_vectors) == _answers(fresh, query_vectors)
    else:  # IVF lists trained on other documents: BM25 equal, dense finds what is there
        ivf = HybridIndex(
            list(first), list(first.values()), _vectors(list(first)), settings,
            ann_min_docs=ann_min_docs,
        )  # fmt: skip
        ivf.update(removed, list(added), list(added.values()), _vectors(list(added)))
        assert ivf.uses_ann
        for query, vector in zip(QUERIES, query_vectors, strict=True):
            assert _rounded(ivf.bm25(query, 20)) == _rounded(fresh.bm25(query, 20))
            assert not {doc for doc, _ in ivf.dense(vector, 50)} & set(removed)
        new_doc = next(iter(added))
        assert ivf.dense(_vectors([new_doc])[0], 1)[0][0] == new_doc
    # removed documents are gone from both methods, added ones are found by their words
    assert not {doc for doc, _ in updated.bm25("sync error refund printer", 400)} & set(removed)
    assert {doc for doc, _ in updated.bm25("zebra", 100)} == set(added)
    for index in (updated, fresh):
        index.close()


def test_an_update_that_names_unknown_or_existing_documents_is_refused(tmp_path):
    docs = _corpus(20, seed=3)
    index = HybridIndex(list(docs), list(docs.values()), _vectors(list(docs)), Settings())
    with pytest.raises(ValueError, match="not in the index"):
        index.update(["T-nope"], [], [], np.zeros((0, 32), np.float32))
    existing = next(iter(docs))
    with pytest.raises(ValueError, match="new to the index"):
        index.update([], [existing], ["text"], _vectors([existing]))
    assert len(index) == 20  # a refused update changes nothing


@pytest.mark.parametrize("ann_min_docs", [10_000, 50])
def test_searches_answer_while_an_update_is_worked_out(tmp_path, monkeypatch, ann_min_docs):
    """The costly part of an update (new documents' fts index, every BM25 weight, their IVF
    lists) runs beside searches, which answer from the previous documents meanwhile; only
    the swap makes them wait. Held in the middle of its work, the update must not block a
    search."""
    from ml import lexical

    first = _corpus(300, seed=1)
    added = _corpus(60, seed=2, extra=" zebra quantum")
    removed = list(first)[:30]
    index = HybridIndex(
        list(first), list(first.values()), _vectors(list(first)), Settings.in_folder(tmp_path),
        ann_min_docs=ann_min_docs,
    )  # fmt: skip
    working, may_finish = threading.Event(), threading.Event()
    weigh = lexical.Bm25Matrix._weigh

    def held_weigh(matrix):
        if matrix is not index.lexical:  # the new matrix of the update, not the first one
            working.set()
            assert may_finish.wait(30), "the search never came"
        weigh(matrix)

    monkeypatch.setattr(lexical.Bm25Matrix, "_weigh", held_weigh)
    updating = threading.Thread(
        target=index.update,
        args=(removed, list(added), list(added.values()), _vectors(list(added))),
    )
    updating.start()
    assert working.wait(30)
    answers: list = []
    searching = threading.Thread(
        target=lambda: answers.append(index.search("sync error", _vectors(["q"])[0], 5))
    )
    searching.start()
    searching.join(10)
    assert answers, "a search waited for the whole update"
    assert not {hit.doc_id for hit in answers[0]} & set(added)  # the previous documents
    may_finish.set()
    updating.join(30)
    assert {doc for doc, _ in index.bm25("zebra", 100)} == set(added)
    assert not {doc for doc, _ in index.bm25("sync error refund printer", 400)} & set(removed)
    index.close()
