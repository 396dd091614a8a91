"""Searches on one index run side by side (the API answers from a thread pool on several
cores); an update's swap waits for the searches in flight and holds back new ones."""

from __future__ import annotations

import threading

import pytest

from ml import dense_index
from ml.retrieval import HybridIndex
from supportlake.settings import Settings
from tests.retrieval.test_index_update import _corpus, _vectors


def _index(tmp_path) -> HybridIndex:
    documents = _corpus(200, seed=3)
    return HybridIndex(
        list(documents), list(documents.values()), _vectors(list(documents)),
        Settings.in_folder(tmp_path),
    )  # fmt: skip


def _update(index: HybridIndex) -> None:
    index.update([], ["T-new"], ["sync error on the new laptop"], _vectors(["T-new"]))


def test_two_searches_on_one_index_run_at_the_same_time(tmp_path, monkeypatch):
    index = _index(tmp_path)
    both_inside = threading.Barrier(2, timeout=10)
    search = dense_index.DenseIndex.search

    def meeting_search(self, query, k):
        both_inside.wait()  # broken (and the search fails) unless the other is in here too
        return search(self, query, k)

    monkeypatch.setattr(dense_index.DenseIndex, "search", meeting_search)
    answers: list = []
    searches = [
        threading.Thread(
            target=lambda: answers.append(index.search("sync error", _vectors(["q"])[0], 5))
        )
        for _ in range(2)
    ]
    for thread in searches:
        thread.start()
    for thread in searches:
        thread.join(30)
    assert len(answers) == 2, "the second search waited for the first to finish"
    assert answers[0] == answers[1]
    index.close()


def test_a_waiting_update_goes_before_searches_that_come_after_it(tmp_path, monkeypatch):
    index = _index(tmp_path)
    order: list[str] = []
    first_inside, release_first = threading.Event(), threading.Event()
    search, swap = dense_index.DenseIndex.search, HybridIndex._apply_update

    def held_search(self, query, k):
        if not first_inside.is_set():  # the first search stays inside until released
            first_inside.set()
            release_first.wait(10)
        return search(self, query, k)

    def recorded_swap(self, *prepared):
        swap(self, *prepared)
        order.append("update")

    monkeypatch.setattr(dense_index.DenseIndex, "search", held_search)
    monkeypatch.setattr(HybridIndex, "_apply_update", recorded_swap)

    def searcher(name):
        index.search("sync error", _vectors(["q"])[0], 5)
        order.append(name)

    threads = [threading.Thread(target=searcher, args=("first search",))]
    threads[0].start()
    assert first_inside.wait(10)
    threads.append(threading.Thread(target=_update, args=(index,)))
    threads[1].start()
    while not index._lock.has_pending_writers:  # the update's swap waits for the first search
        threading.Event().wait(0.01)
    threads.append(threading.Thread(target=searcher, args=("late search",)))
    threads[2].start()
    threading.Event().wait(0.2)
    assert order == [], "a search that came after the waiting update went first"
    release_first.set()
    for thread in threads:
        thread.join(30)
    assert order == ["first search", "update", "late search"]
    index.close()


def test_a_failed_search_does_not_hold_updates_back(tmp_path, monkeypatch):
    index = _index(tmp_path)

    def failing_search(self, query, k):
        raise RuntimeError("search failed")

    with monkeypatch.context() as patch:
        patch.setattr(dense_index.DenseIndex, "search", failing_search)
        with pytest.raises(RuntimeError, match="search failed"):
            index.search("sync error", _vectors(["q"])[0], 5)
    updater = threading.Thread(target=_update, args=(index,))
    updater.start()
    updater.join(30)
    assert not updater.is_alive(), "the update waited on a search that had failed"
    assert "T-new" in {hit.doc_id for hit in index.search("new laptop", _vectors(["T-new"])[0], 5)}
    index.close()
