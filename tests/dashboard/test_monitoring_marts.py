"""The monitoring marts account for what the API served, refused, escalated and was told."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from supportlake.warehouse import open_warehouse

PSI_FLOOR = 0.0001


def query(warehouse, sql: str) -> pd.DataFrame:
    with open_warehouse(warehouse.settings, read_only=True) as connection:
        return connection.execute(sql).df()


def test_requests_mart_counts_served_refused_and_escalated(monitored_warehouse):
    served = monitored_warehouse.served
    daily = query(monitored_warehouse, "select * from marts.agg_api_requests_daily")

    by_endpoint = daily.set_index("endpoint")
    single, batch = by_endpoint.loc["predict-ticket"], by_endpoint.loc["predict-tickets"]
    assert single["served_tickets"] == served.single_ok
    assert single["rejected_tickets"] == served.rejected
    assert single["rejection_rate"] == pytest.approx(served.rejected / (served.single_ok + 1))
    assert (batch["requests"], batch["tickets"]) == (1, served.batch_tickets)
    assert daily["failed_tickets"].sum() == 0 and daily["error_rate"].max() == 0
    assert daily["escalations"].sum() == served.escalated
    assert 0 < single["latency_p50_ms"] <= single["latency_p99_ms"] <= single["latency_max_ms"]


def test_prediction_volume_matches_the_responses(monitored_warehouse):
    volume = query(
        monitored_warehouse,
        "select predicted_class, predictions from marts.agg_predictions_daily "
        "where task = 'category'",
    )
    labels = [p["category"]["label"] for p in monitored_warehouse.predictions.values()]
    labels += monitored_warehouse.served.batch_categories
    expected = pd.Series(labels).value_counts().to_dict()

    assert volume.set_index("predicted_class")["predictions"].to_dict() == expected


def test_channel_drift_is_the_population_stability_index_against_the_tickets(
    monitored_warehouse,
):
    tickets = query(
        monitored_warehouse,
        "select coalesce(channel, '(missing)') as channel, count(*) as tickets "
        "from marts.tickets group by all",
    )
    reference = (tickets.set_index("channel")["tickets"] / tickets["tickets"].sum()).to_dict()
    channels = {"email": "Email"}
    logged = [channels.get(c, c) for c in monitored_warehouse.served.channels]
    logged += ["(missing)", "(missing)"]  # the batch sent no channel
    served = pd.Series(logged).value_counts(normalize=True).to_dict()
    expected = sum(
        (max(served.get(b, 0), PSI_FLOOR) - max(reference.get(b, 0), PSI_FLOOR))
        * math.log(max(served.get(b, 0), PSI_FLOOR) / max(reference.get(b, 0), PSI_FLOOR))
        for b in set(served) | set(reference)
    )

    drift = query(
        monitored_warehouse,
        "select drift_feature, psi, drift_level, predictions from marts.agg_prediction_drift_daily",
    ).set_index("drift_feature")

    assert drift.loc["channel", "psi"] == pytest.approx(expected, rel=1e-9)
    assert drift.loc["channel", "predictions"] == len(logged)
    assert set(drift.index) == {
        "text_length",
        "channel",
        "predicted_priority",
        "predicted_category",
    }


def test_feedback_agreement_compares_corrections_with_what_was_predicted(monitored_warehouse):
    predictions = monitored_warehouse.predictions
    agreement = query(monitored_warehouse, "select * from marts.agg_feedback_agreement")

    [row] = agreement.to_dict("records")
    expected_agreements = (predictions["API-1"]["category"]["label"] == "Billing") + (
        predictions["API-2"]["category"]["label"] == "Account"
    )
    assert row["task"] == "category"
    assert row["model_version"] == predictions["API-1"]["category"]["model_version"]
    assert (row["corrections"], row["agreements"]) == (2, expected_agreements)


def test_api_predictions_keep_hashes_not_text(monitored_warehouse):
    columns = query(monitored_warehouse, "describe marts.api_predictions")["column_name"]
    rows = query(monitored_warehouse, "select * from marts.api_predictions")

    assert not {"subject", "message"} & set(columns)
    assert rows["input_sha256"].dropna().str.fullmatch(r"[0-9a-f]{64}").all()
    assert rows["prediction_id"].is_unique
    assert set(rows["status"]) == {"ok", "rejected"}
