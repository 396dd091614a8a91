"""Every answer is logged as it is given: a real server's /recommend-resolution answers and a
`supportlake recommend` answer land in landing/recommendation_answers, and the next ingest and
dbt build turn them into marts.recommendation_answers, reconciled per load; an answer without
confident evidence is a knowledge gap with no agent's verdict. The question's words reach the
lake only where the operator keeps caller text, and then masked; else only their sha256."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from supportlake.ingest import ingest_path
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse
from tests.api.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}
SUPPORTLAKE = str(Path(sys.executable).with_name("supportlake"))
ANSWER_MODELS = [
    "build",
    "--select",
    "stg_recommendation_answers",
    "recommendation_answers",
    "recommendation_answer_reconciliations",
]


def test_every_answer_lands_as_a_source_and_unconfident_ones_are_gaps(recommend_api):
    running, settings = recommend_api
    asked = {
        "charged": {
            "text": "I was charged twice this month, mail me at jane.doe@example.com",
            "ticket_id": "T-NEW-1",
        },
        "banana": {"text": "banana bread recipe"},
    }
    answers = {}
    for name, body in asked.items():
        response = running.client.post("/recommend-resolution", json=body, headers=KEY)
        assert response.status_code == 200, response.text
        answers[name] = response.json()
    assert answers["charged"]["confident"] and not answers["banana"]["confident"]
    running.stop()  # closes the API's log file, as a stopping server does

    # The command as a user runs it, in a process of its own (its imports start from nothing).
    environment = os.environ | {
        "SUPPORTLAKE_WAREHOUSE": str(settings.warehouse),
        "SUPPORTLAKE_SERVING_WAREHOUSE": str(settings.serving_warehouse),
        "SUPPORTLAKE_LAKE": str(settings.lake),
        "SUPPORTLAKE_MODELS_DIR": str(settings.models_dir),
        "SUPPORTLAKE_API_STORE_TEXT": "true",  # this operator keeps the question's words
    }
    printed = subprocess.run(
        [SUPPORTLAKE, "recommend", "The sync crashes on start", "--ticket", "T-NEW-2"]
        + ["--backend", "torch"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert printed.returncode == 0, printed.stdout + printed.stderr
    assert "recommendation_answers" in " ".join(printed.stdout.split())  # where it was logged

    folder = settings.landing / "recommendation_answers"
    landed = sorted(folder.glob("*.jsonl"))
    assert [path.name.split("-recommendation-answers-")[0] for path in landed] == ["api", "cli"]
    # What a torn or hand-edited log holds: a record without an id, and one that is not JSON.
    (folder / "edited.jsonl").write_text(
        json.dumps({"answer_id": "", "asked_at": "2025-12-01T10:00:00Z", "was_confident": True})
        + "\n{not json\n"
    )
    ingest_path(folder, settings)
    run_dbt(ANSWER_MODELS, settings)

    with open_warehouse(settings, read_only=True) as connection:
        rows = connection.execute(
            "select answer_id, ticket_id, channel, query_text, was_confident, is_knowledge_gap, "
            "nearest_ticket_id, evidence_ids, query_sha256 from marts.recommendation_answers "
            "order by channel, was_confident"
        ).fetchall()
        reconciled = connection.execute(
            "select sum(rows_read), sum(rows_quarantined), sum(invalid_rows), "
            "sum(answers_kept), bool_and(is_reconciled) "
            "from marts.recommendation_answer_reconciliations"
        ).fetchone()
    by_id = {row[0]: row for row in rows}
    charged = by_id[answers["charged"]["answer_id"]]
    assert charged[1:4] == ("T-NEW-1", "api", None)  # the default: no caller text in the lake
    assert charged[8] == hashlib.sha256(asked["charged"]["text"].encode()).hexdigest()
    assert charged[4:6] == (True, False)
    cited = [item["chunk_id"] for item in answers["charged"]["articles"]] + [
        item["ticket_id"] for item in answers["charged"]["tickets"]
    ]
    assert charged[7] == ",".join(cited)

    banana = by_id[answers["banana"]["answer_id"]]
    assert banana[1:6] == (None, "api", None, False, True)
    assert banana[6] is not None and banana[7] is None  # its topic: the nearest resolved ticket
    [cli] = [row for row in rows if row[2] == "cli"]
    assert cli[1] == "T-NEW-2" and cli[3] == "The sync crashes on start"
    # 2 + 1 + 2 records read, the line that is not JSON quarantined, the one without an id
    # invalid; the three answers kept.
    assert reconciled == (5, 1, 1, 3, True)


def test_kept_question_text_is_masked(served):
    from supportlake.api.answer_log import answer_record
    from supportlake.assist import recommend_resolution

    settings, _ = served
    text = "Charged twice, mail jane.doe@example.com or call +31 6 1234 5678"
    answer = recommend_resolution(text, settings, backend="torch")
    kept = answer_record(answer, channel="api", store_text=True)["query_text"]
    assert kept == "Charged twice, mail [email] or call [phone]"
    assert answer_record(answer, channel="api", store_text=False)["query_text"] is None
