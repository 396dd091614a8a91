"""Resolution recommendations: cited evidence when it is there, a plain "no confident answer"
when it is not; from the library and from `supportlake recommend`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from supportlake.assist import recommend_resolution
from supportlake.cli import app
from tests.quality.conftest import environment_for

runner = CliRunner()


def test_a_billing_question_gets_billing_evidence_and_a_fully_cited_reply(served):
    settings, tickets = served
    answer = recommend_resolution(
        "I was billed two times this month, please refund me", settings, backend="torch"
    )
    assert answer.confident and answer.confidence >= answer.min_confidence
    assert answer.tickets[0].ticket.category == "Billing"
    evidence_ids = {item.ticket.ticket_id for item in answer.tickets}
    resolved = set(tickets.loc[tickets["is_resolved"], "ticket_id"])
    assert evidence_ids <= resolved
    assert all(item.similarity >= answer.min_confidence for item in answer.tickets)
    assert answer.reply, "a confident answer suggests a reply"
    for sentence in answer.reply:
        assert sentence.citations and set(sentence.citations) <= evidence_ids
    cited = {ticket_id for sentence in answer.reply for ticket_id in sentence.citations}
    assert cited == evidence_ids  # every piece of evidence is used, nothing else
    assert "Resolved by the Billing desk queue as Billing on Ledgerly." in [
        sentence.text for sentence in answer.reply
    ]


def test_an_unrelated_question_gets_no_answer_instead_of_a_guess(served):
    settings, _ = served
    answer = recommend_resolution(
        "What is a good recipe for banana bread with walnuts?", settings, backend="torch"
    )
    assert not answer.confident
    assert answer.tickets == [] and answer.reply == []
    assert answer.confidence < answer.min_confidence
    assert answer.verdict.startswith("no confident answer")
    assert answer.to_dict()["suggested_reply"] == []


def test_a_lower_bar_lets_weaker_evidence_through(served):
    settings, _ = served
    text = "my laptop fan is very loud"
    strict = recommend_resolution(text, settings, backend="torch", min_confidence=0.9)
    loose = recommend_resolution(text, settings, backend="torch", min_confidence=0.0)
    assert not strict.confident and loose.confident
    assert len(loose.tickets) == 5


def test_cli_prints_the_evidence_the_reply_and_the_verdict(served, monkeypatch):
    settings, _ = served
    environment_for(monkeypatch, settings)
    confident = runner.invoke(
        app, ["recommend", "The password reset email never arrives", "--backend", "torch"]
    )
    assert confident.exit_code == 0, confident.output
    output = " ".join(confident.output.split())
    assert "suggested reply (each sentence cites its evidence):" in output
    assert "Resolved by the Account desk queue as Account on Helix CRM. [T-ACC-" in output
    assert "similar resolved tickets" in output

    unsure = runner.invoke(
        app, ["recommend", "banana bread recipe with walnuts", "--backend", "torch", "--json"]
    )
    assert unsure.exit_code == 0, unsure.output
    answer = json.loads(unsure.output)
    assert answer["confident"] is False and answer["tickets"] == []
    assert answer["verdict"].startswith("no confident answer")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["recommend", "   "], "error: cannot recommend a resolution: the text is empty"),
        (["recommend", "refund please"], "error: no serving copy at"),
    ],
)
def test_cli_refuses_clearly_without_input_or_data(settings, monkeypatch, arguments, message):
    environment_for(monkeypatch, settings)
    result = runner.invoke(app, [*arguments, "--backend", "torch"])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
