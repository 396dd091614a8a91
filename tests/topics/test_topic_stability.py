"""Topic ids stay put across refits: new centres are matched to the previous model's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.metrics.cluster import contingency_matrix

from ml import registry
from ml.embedding_backends import MODEL_NAME, load_encoder
from ml.embeddings import embed_tickets
from ml.topic_matching import match_topics
from ml.topics import TopicModel, cluster_tickets, topic_task
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse
from tests.topics.ticket_fixtures import make_tickets, write_tickets


def test_matched_centres_keep_their_ids_and_a_new_topic_gets_a_fresh_one():
    old = np.eye(4)[:3]  # three topics, ids 7, 3 and 9
    new = np.vstack([old[2] + 0.05, old[0], np.eye(4)[3]])  # reordered, plus an unseen topic
    match = match_topics(old, [7, 3, 9], new, next_topic_id=10)
    assert match.topic_ids == [9, 7, 10]
    assert match.matched == 2
    # Topic 3 found no partner: it is retired, and its id is never handed out again.
    assert match.next_topic_id == 11


def test_without_a_previous_model_ids_are_the_centre_order():
    match = match_topics(None, [], np.eye(3), next_topic_id=0)
    assert match.topic_ids == [0, 1, 2] and match.next_topic_id == 3


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> Settings:
    """Six topics of tickets embedded with the real model (plain torch: no export to build)."""
    settings = Settings.in_folder(tmp_path_factory.mktemp("stability"))
    write_tickets(settings, make_tickets())
    with open_warehouse(settings) as connection:
        embed_tickets(connection, encoder=load_encoder("torch"))
    return settings


def best_kept_share(before: dict[str, int], after: dict[str, int]) -> float:
    """The most tickets any one-to-one renaming of `after`'s clusters could keep."""
    tickets = sorted(before)
    table = contingency_matrix([before[t] for t in tickets], [after[t] for t in tickets])
    rows, columns = linear_sum_assignment(table, maximize=True)
    return table[rows, columns].sum() / len(tickets)


def test_topic_ids_stay_stable_across_two_refits(embedded, tmp_path):
    settings, models = embedded, tmp_path / "topic-models"
    runs = []
    with open_warehouse(settings) as connection:
        for seed in (0, 1, 2):  # each seed numbers the k-means centres its own way
            result = cluster_tickets(
                connection,
                embedding_model=MODEL_NAME,
                models_dir=models,
                reports_dir=settings.reports,
                n_clusters=6,
                seed=seed,
                refit=True,
            )
            assigned = dict(
                connection.execute(
                    "select ticket_id, cluster_id from ml.ticket_clusters"
                ).fetchall()
            )
            order = TopicModel.current(models, MODEL_NAME).topic_ids
            runs.append((result, assigned, order))
        recorded = connection.execute(
            "select kept_topic_share from ml.clustering_runs order by fitted_at"
        ).fetchall()
    assert runs[0][0].kept_topic_share is None and recorded[0] == (None,)
    # The refits numbered their centres differently from the first fit...
    assert any(order != list(range(6)) for _, _, order in runs[1:])
    for (_, before, _), (result, after, _) in zip(runs, runs[1:], strict=False):
        kept = sum(after[t] == before[t] for t in before) / len(before)
        assert result.kept_topic_share == pytest.approx(kept)
        # ...yet the ids kept as many tickets as the best renaming of the new clusters can,
        # short of the tickets in topics the refit really changed (below the match bar, they
        # get a fresh id: a split or merged topic is a new topic).
        old_ids = set(before.values())
        in_new_topics = sum(after[t] not in old_ids for t in after) / len(after)
        assert kept >= best_kept_share(before, after) - in_new_topics - 0.02
        assert kept >= 0.6
        assert "kept their topic" in result.line()
    assert any(result.matched_topics == 6 for result, _, _ in runs[1:])
    assert [share for (share,) in recorded[1:]] == pytest.approx(
        [result.kept_topic_share for result, _, _ in runs[1:]]
    )
    # Each fit is a version in the registry, outside the classifier tasks; rollback works.
    task = topic_task(MODEL_NAME)
    assert len(registry.list_versions(models, task, kind=registry.TOPICS)) == 3
    assert registry.list_tasks(models) == []
    registry.rollback(models, task, kind=registry.TOPICS)
    assert TopicModel.current(models, MODEL_NAME).topic_ids == runs[1][2]
