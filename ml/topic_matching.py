"""Stable topic ids across refits: a refitted k-means numbers its centres arbitrarily, so each
new centre is matched to an old one and keeps that topic's id.

The match is a one-to-one assignment that maximises the total cosine similarity of matched
centres (Hungarian algorithm, scipy's linear_sum_assignment); a pair below a minimum
similarity is no match, and the new centre gets a fresh id that was never used before (an old
topic that found no partner is retired, its id not reused). Labels and merges a user keyed to
a topic id (seeds/topic_overrides.csv) therefore stay on the same topic after a refit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy.optimize import linear_sum_assignment

# Centres of the same topic refitted on more tickets sit at cosine ~0.9+ of each other in
# MiniLM space; distinct support topics sit below ~0.8 (docs/topics.md).
MIN_MATCH_SIMILARITY = 0.8


@dataclass(frozen=True)
class TopicMatch:
    topic_ids: list[int]  # per new centre (model index), its stable topic id
    matched: int  # new centres that kept an old id
    next_topic_id: int  # the first id never used yet


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def match_topics(
    old_centres: np.ndarray | None,
    old_ids: list[int],
    new_centres: np.ndarray,
    next_topic_id: int,
    min_similarity: float = MIN_MATCH_SIMILARITY,
) -> TopicMatch:
    """Ids for `new_centres`: the matched old centre's id, else a fresh one."""
    count = len(new_centres)
    if old_centres is None or len(old_centres) == 0:
        return TopicMatch(list(range(count)), 0, max(next_topic_id, count))
    similarity = _unit(new_centres) @ _unit(old_centres).T
    rows, columns = linear_sum_assignment(similarity, maximize=True)
    ids: list[int | None] = [None] * count
    matched = 0
    for row, column in zip(rows, columns, strict=True):
        if similarity[row, column] >= min_similarity:
            ids[row] = int(old_ids[column])
            matched += 1
    fresh = max([next_topic_id, *[i + 1 for i in old_ids]])
    for row in range(count):
        if ids[row] is None:
            ids[row] = fresh
            fresh += 1
    return TopicMatch([int(cast(int, i)) for i in ids], matched, fresh)  # every slot is filled
