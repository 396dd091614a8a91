"""Hybrid retrieval: BM25 finds the exact error code, dense finds the paraphrase, RRF keeps
both; the IVF path answers like the exact scan."""

from __future__ import annotations

import numpy as np
import pytest

from ml.retrieval import HybridIndex, reciprocal_rank_fusion

DOCS = {
    "sync-4012": "Desktop sync stops with error E4012 on shared folders",
    "sync-5001": "Desktop sync stops with error E5001 on shared folders",
    "billing": "I was charged twice for my subscription this month",
    "login": "I cannot log in after resetting my password",
    "export": "Exporting the report to CSV crashes the browser tab",
}


@pytest.fixture(scope="module")
def index(encoder, tmp_path_factory):
    from supportlake.settings import Settings

    settings = Settings.in_folder(tmp_path_factory.mktemp("index"))
    ids, texts = list(DOCS), list(DOCS.values())
    built = HybridIndex(ids, texts, encoder.encode(texts), settings)
    yield built
    built.close()


def test_rrf_prefers_what_both_lists_agree_on():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d", "a"]])
    assert [doc_id for doc_id, _ in fused] == ["b", "a", "d", "c"]


def test_rrf_weights_let_the_stronger_list_win_a_split_decision():
    both_first = [["lexical-top", "dense-top"], ["dense-top", "lexical-top"]]
    assert reciprocal_rank_fusion(both_first, weights=[0.3, 1.0])[0][0] == "dense-top"
    assert reciprocal_rank_fusion(both_first, weights=[1.0, 0.3])[0][0] == "lexical-top"
    with pytest.raises(ValueError, match="2 rankings but 1 weights"):
        reciprocal_rank_fusion(both_first, weights=[1.0])


def test_bm25_matches_the_whole_error_code_and_hybrid_ranks_it_first(index, encoder):
    # fts's default tokenizer drops digits: "E5001" would become "e" and match every code.
    query = "E5001 again"
    assert [doc_id for doc_id, _ in index.bm25(query)] == ["sync-5001"]
    [best] = index.search(query, encoder.encode([query])[0], k=1)
    assert (best.doc_id, best.bm25_rank, best.dense_rank) == ("sync-5001", 1, 1)


def test_dense_finds_a_paraphrase_that_shares_no_word(index, encoder):
    query = "billed two times on my card"
    vector = encoder.encode([query])[0]
    assert "billing" not in {doc_id for doc_id, _ in index.bm25(query)}
    [best] = index.search(query, vector, k=1)
    assert best.doc_id == "billing"
    assert best.bm25_rank is None and best.similarity > 0.4


def test_single_method_modes_and_bad_input(index, encoder):
    vector = encoder.encode(["password reset"])[0]
    assert index.search("password reset", None, k=1, mode="bm25")[0].doc_id == "login"
    assert index.search("", vector, k=1, mode="dense")[0].doc_id == "login"
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        index.search("x", vector, mode="fuzzy")
    with pytest.raises(ValueError, match="needs the query's vector"):
        index.search("x", None)


def test_ivf_index_answers_like_the_exact_scan(tmp_path):
    from supportlake.settings import Settings

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"d{row}" for row in range(3000)]
    texts = [f"text {row}" for row in range(3000)]
    settings = Settings.in_folder(tmp_path)
    exact = HybridIndex(ids, texts, vectors, settings)
    ivf = HybridIndex(ids, texts, vectors, settings, ann_min_docs=1000)
    assert not exact.uses_ann and ivf.uses_ann
    query = vectors[42] + 0.02 * rng.normal(size=384).astype(np.float32)
    found_exact, found_ivf = exact.dense(query, 5), ivf.dense(query, 5)
    assert found_ivf[0][0] == found_exact[0][0] == "d42"
    assert found_ivf[0][1] == pytest.approx(found_exact[0][1], abs=1e-4)
    # A hit only BM25 found gets its cosine from the vectors the IVF index keeps.
    assert ivf.similarity("d7", query) == pytest.approx(exact.similarity("d7", query), abs=1e-5)


def test_mismatched_inputs_are_refused(tmp_path):
    from supportlake.settings import Settings

    with pytest.raises(ValueError, match="same length"):
        HybridIndex(["a"], ["x", "y"], np.zeros((1, 384)), Settings.in_folder(tmp_path))
    with pytest.raises(ValueError, match="unique"):
        HybridIndex(["a", "a"], ["x", "y"], np.zeros((2, 384)), Settings.in_folder(tmp_path))


def test_searches_from_many_threads_at_once_agree_with_one_at_a_time(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from supportlake.settings import Settings

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(400, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"order {row} shipped late with error code E{row % 40}" for row in range(400)]
    index = HybridIndex(
        [f"d{row}" for row in range(400)], texts, vectors, Settings.in_folder(tmp_path)
    )
    queries = [(f"error E{row % 40} order {row}", vectors[row]) for row in range(64)]

    def run(query):
        return [hit.doc_id for hit in index.search(query[0], query[1], k=5)]

    serial = [run(query) for query in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(run, queries)) == serial


def test_bm25_top_k_scores_equal_the_fts_macro(tmp_path):
    from supportlake.settings import Settings

    rng = np.random.default_rng(2)
    words = ["refund", "invoice", "sync", "error", "password", "login", "order", "late", "E4012"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(300)]
    index = HybridIndex(
        [f"d{row}" for row in range(300)],
        texts,
        np.eye(300, 384, dtype=np.float32),
        Settings.in_folder(tmp_path),
    )
    for query in ("refund invoice", "sync error E4012", "the late order", "password"):
        reference = index.connection.execute(
            "select doc_id, score from (select doc_id, fts_main_docs.match_bm25(doc_id, ?) "
            "as score from docs) where score is not null order by score desc, doc_id limit 20",
            [query],
        ).fetchall()
        found = index.bm25(query, 20)
        assert [doc_id for doc_id, _ in found] == [doc_id for doc_id, _ in reference]
        assert [score for _, score in found] == pytest.approx([s for _, s in reference], rel=1e-9)
