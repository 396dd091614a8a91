"""`supportlake recommend` names each answer by an answer_id, the id agents' verdicts
(POST /recommendation-feedback) refer to: printed, in the JSON, new for every answer."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from supportlake.cli import app
from tests.quality.conftest import environment_for

runner = CliRunner()


def test_every_answer_has_its_own_id_in_text_and_json(served, monkeypatch):
    settings, _ = served
    environment_for(monkeypatch, settings)
    arguments = ["recommend", "I was charged twice this month", "--backend", "torch"]
    printed = runner.invoke(app, arguments)
    assert printed.exit_code == 0, printed.output
    shown = re.search(r"answer id ([0-9a-f]{32})", " ".join(printed.output.split()))
    assert shown, printed.output

    first = json.loads(runner.invoke(app, [*arguments, "--json"]).output)
    second = json.loads(runner.invoke(app, [*arguments, "--json"]).output)
    assert re.fullmatch(r"[0-9a-f]{32}", first["answer_id"])
    assert len({shown.group(1), first["answer_id"], second["answer_id"]}) == 3
