"""Searches on one index run side by side (the API answers from a thread pool on several
cores); an update's swap waits for the searches in flight and holds back new ones."""

from __future__ import annotations

import threading

import pytest

from ml import dense_index
from ml.read_write_lock import ReadWriteLock
from ml.retrieval import HybridIndex
from supportlake.settings import Settings
from tests.retrieval.test_index_update import _corpus, _vectors


def test_two_searches_on_one_index_run_at_the_same_time(tmp_path, monkeypatch):
    documents = _corpus(200, seed=3)
    index = HybridIndex(
        list(documents), list(documents.values()), _vectors(list(documents)),
        Settings.in_folder(tmp_path),
    )  # fmt: skip
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


def test_a_waiting_writer_holds_back_new_readers_and_goes_first():
    lock = ReadWriteLock()
    order: list[str] = []
    reading = threading.Event()
    release_reader = threading.Event()

    def first_reader():
        with lock.reading():
            reading.set()
            release_reader.wait(10)
            order.append("first reader done")

    def writer():
        with lock.writing():
            order.append("writer")

    def late_reader():
        with lock.reading():
            order.append("late reader")

    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    assert reading.wait(10)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    while not lock._writers_waiting:  # the writer is queued behind the first reader
        threading.Event().wait(0.01)
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    threading.Event().wait(0.2)
    assert order == [], "the late reader passed a waiting writer"
    release_reader.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first reader done", "writer", "late reader"]


def test_a_failing_reader_or_writer_releases_the_lock():
    lock = ReadWriteLock()
    for hold in (lock.reading, lock.writing):
        with pytest.raises(RuntimeError), hold():
            raise RuntimeError("search failed")
    done = threading.Event()

    def writer():
        with lock.writing():
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert done.wait(10), "the lock stayed held after an exception"
    thread.join()
