"""The per-client moving window: a budget per client, freed request by request as time passes."""

from __future__ import annotations

from supportlake.api import rate_limit
from supportlake.api.rate_limit import ClientRateLimit


def test_the_window_moves_one_request_at_a_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(rate_limit.time, "monotonic", lambda: now[0])
    limit = ClientRateLimit("3/minute")

    answers = []
    for second in (0, 10, 20, 30):
        now[0] = 1000.0 + second
        answers.append(limit.retry_after("10.0.0.1"))
    assert answers == [None, None, None, 30]  # the first request leaves the window at 60 s
    assert limit.retry_after("10.0.0.2") is None  # another client has its own budget

    now[0] = 1060.5  # the first request has left the window, the second not yet
    assert limit.retry_after("10.0.0.1") is None
    assert limit.retry_after("10.0.0.1") == 10


def test_idle_clients_are_forgotten(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(rate_limit.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(rate_limit, "SWEEP_EVERY", 5)
    limit = ClientRateLimit("100/minute")
    for client in range(4):
        limit.retry_after(f"client-{client}")

    now[0] = 120.0
    limit.retry_after("late")  # the fifth hit sweeps

    assert list(limit._times) == ["late"]
