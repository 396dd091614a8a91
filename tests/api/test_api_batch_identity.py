"""One inference path: the API (real HTTP server) and `supportlake predict` (the real command)
give the same labels, confidences and reasons for the same tickets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ml.inference import REASON_COUNT
from tests.api.conftest import start_api
from tests.api.synthetic import make_training_frame

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")
TASKS = ("category", "priority")


def _tickets() -> pd.DataFrame:
    frame = make_training_frame(per_pair=1, seed=21)
    tickets = frame[["subject", "message", "channel", "created_at"]].copy()
    tickets["created_at"] = pd.to_datetime(tickets["created_at"], utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    odd = pd.DataFrame(
        [
            {"subject": "", "message": "URGENT!!! the portal is DOWN", "channel": "SOCIAL"},
            {"subject": "Re: invoice", "message": "<b>charged</b> twice &amp; more"},
            {"subject": "naïve ☃", "message": "ça ne marche pas", "created_at": None},
        ]
    )
    return pd.concat([tickets, odd], ignore_index=True)


def test_api_and_predict_command_agree_on_labels_confidences_and_reasons(api_settings, tmp_path):
    tickets = _tickets()
    data, out = tmp_path / "tickets.csv", tmp_path / "predicted.csv"
    tickets.to_csv(data, index=False)
    environment = {**os.environ, "SUPPORTLAKE_MODELS_DIR": str(api_settings.models_dir)}
    command = [str(SUPPORTLAKE), "predict", "--data", str(data), "--out", str(out)]
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    batch = pd.read_csv(out, keep_default_na=False)

    api = start_api(api_settings)
    try:
        answers = []
        for row in tickets.itertuples():
            body = {"subject": row.subject, "message": row.message}
            if isinstance(row.channel, str):
                body["channel"] = row.channel
            if isinstance(row.created_at, str):
                body["created_at"] = row.created_at
            response = api.client.post("/predict-ticket", json=body)
            assert response.status_code == 200, response.text
            answers.append(response.json())
    finally:
        api.stop()

    assert len(batch) == len(answers) == len(tickets)
    with_reasons = 0
    for position, answer in enumerate(answers):
        for task in TASKS:
            served = answer[task]
            reasons = [reason["feature"] for reason in served["reasons"]]
            assert served["label"] == batch.loc[position, f"predicted_{task}"]
            assert served["confidence"] == batch.loc[position, f"{task}_confidence"]
            assert ", ".join(reasons) == batch.loc[position, f"{task}_reasons"]
            assert served["model_version"] == batch.loc[position, f"{task}_model_version"]
            assert len(reasons) <= REASON_COUNT
            with_reasons += bool(reasons)
    assert with_reasons >= len(tickets)  # real tickets get reasons; not all are empty
