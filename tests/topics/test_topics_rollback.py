"""`supportlake topics rollback`: the registry's topic model moves back a version, and the
next run of the topics flow reads the rolled-back model (its topic ids)."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from typer.testing import CliRunner

from ml.topics import TopicModel, topic_task
from supportlake.cli import app

MODEL = "all-MiniLM-L6-v2"


def fitted(seed: int, topic_ids: list[int]) -> TopicModel:
    points = np.random.default_rng(seed).normal(size=(60, 8))
    kmeans = MiniBatchKMeans(n_clusters=3, random_state=seed, n_init=1).fit(points)
    return TopicModel(kmeans, topic_ids, max(topic_ids) + 1)


def run(models_dir, *arguments: str):
    return CliRunner().invoke(
        app,
        ["topics", "rollback", *arguments],
        env={"SUPPORTLAKE_MODELS_DIR": str(models_dir), "COLUMNS": "200"},
    )


def test_rollback_brings_back_the_previous_topic_model(tmp_path):
    models = tmp_path / "models"
    nothing = run(models)
    assert nothing.exit_code == 2 and "no topic model" in nothing.output

    fitted(0, [0, 1, 2]).register(models, MODEL, {"fit": 1})
    fitted(1, [0, 1, 3]).register(models, MODEL, {"fit": 2})
    fitted(2, [0, 3, 4]).register(models, MODEL, {"fit": 3})
    assert TopicModel.current(models, MODEL).topic_ids == [0, 3, 4]

    moved = run(models)
    assert moved.exit_code == 0, moved.output
    assert topic_task(MODEL) in moved.output and "supportlake topics --reuse" in moved.output
    assert TopicModel.current(models, MODEL).topic_ids == [0, 1, 3]

    again = run(models)
    assert again.exit_code == 0, again.output
    assert TopicModel.current(models, MODEL).topic_ids == [0, 1, 2]

    alone = tmp_path / "alone"
    fitted(0, [0, 1, 2]).register(alone, MODEL, {})
    nothing_earlier = run(alone)
    assert nothing_earlier.exit_code == 1 and "no earlier model" in nothing_earlier.output


def test_rollback_to_a_named_version_and_bad_names(tmp_path):
    models = tmp_path / "models"
    first = fitted(0, [0, 1, 2]).register(models, MODEL, {}).name
    fitted(1, [5, 6, 7]).register(models, MODEL, {})

    unknown = run(models, "--to", "v-nope")
    assert unknown.exit_code == 2 and "has no version 'v-nope'" in unknown.output
    wrong_model = run(models, "--model", "other-model")
    assert wrong_model.exit_code == 1 and "kmeans-other-model" in wrong_model.output

    named = run(models, "--to", first, "--model", MODEL)
    assert named.exit_code == 0, named.output
    assert TopicModel.current(models, MODEL).topic_ids == [0, 1, 2]

    fitted(2, [0, 1, 2]).register(models, "all-MiniLM-L6-v2-static", {})
    several = run(models)
    assert several.exit_code == 2 and "choose one with --model" in several.output
