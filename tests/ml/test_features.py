"""The feature pipeline: one fitted object from raw ticket columns to a classifier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.classifiers import (
    LINEAR_SVM,
    NAIVE_BAYES,
    explain_predictions,
    make_classifier,
    top_features_per_class,
)
from ml.features import (
    SentimentFeatures,
    TemporalFeatures,
    TicketPreparer,
    UrgencyFeatures,
    build_pipeline,
    detect_feature_set,
    feature_names,
)


def test_pipeline_fits_and_predicts_on_ticket_columns(tickets):
    features = tickets.drop(columns=["category", "priority"])
    feature_set = detect_feature_set(features)
    assert feature_set.subject and feature_set.created_at
    assert feature_set.categorical == ("channel", "queue", "product_line")

    pipeline = build_pipeline(
        feature_set, make_classifier(LINEAR_SVM), training_rows=len(features)
    ).fit(features, tickets["category"])

    assert (pipeline.predict(features) == tickets["category"]).mean() > 0.95
    names = set(feature_names(pipeline))
    assert {"urgency:has_urgency_keyword", "sentiment:sentiment_negative"} <= names
    assert "temporal:is_weekend" in names and "meta:channel_Email".lower() in {
        name.lower() for name in names
    }


def test_text_only_data_needs_no_meta_columns_and_tolerates_them_at_prediction(tickets):
    texts = pd.DataFrame({"message": tickets["message"]})
    feature_set = detect_feature_set(texts)
    assert not feature_set.subject and not feature_set.created_at and not feature_set.categorical

    pipeline = build_pipeline(
        feature_set, make_classifier(NAIVE_BAYES), training_rows=len(texts)
    ).fit(texts, tickets["category"])

    # A frame with extra or missing columns predicts the same: only `message` is read.
    assert list(pipeline.predict(tickets.head(5))) == list(pipeline.predict(texts.head(5)))
    assert len(pipeline.predict(pd.DataFrame({"subject": ["refund please"]}))) == 1


def test_all_features_are_non_negative_so_naive_bayes_can_use_them(tickets):
    features = tickets.drop(columns=["category", "priority"])
    pipeline = build_pipeline(
        detect_feature_set(features), make_classifier(NAIVE_BAYES), training_rows=len(features)
    ).fit(features, tickets["priority"])
    matrix = pipeline.named_steps["features"].transform(
        pipeline.named_steps["prepare"].transform(features)
    )
    assert matrix.min() >= 0


def test_urgency_and_sentiment_read_what_a_person_would():
    texts = pd.Series(["URGENT: system down, fix it asap!!!", "No rush, thanks a lot, great work"])
    urgency = UrgencyFeatures().fit_transform(texts).toarray()
    assert urgency[0, 0] > 0 and urgency[0, 1] == 1 and urgency[0, 2] > 0
    assert urgency[1].tolist() == [0.0, 0.0, 0.0, 0.0]
    angry_or_happy = pd.Series(["Terrible service, I am furious", "Great work, thanks a lot"])
    sentiment = SentimentFeatures().fit_transform(angry_or_happy).toarray()
    negative, positive, compound = 0, 2, 3
    assert sentiment[0, negative] > sentiment[1, negative]
    assert sentiment[1, positive] > sentiment[0, positive]
    assert sentiment[0, compound] < 0.5 < sentiment[1, compound]  # compound moved to 0..1


def test_temporal_features_mark_weekends_off_hours_and_missing_times():
    times = pd.DataFrame({"created_at": ["2025-03-08 23:30", "2025-03-10 10:00", None, "bad"]})
    transformer = TemporalFeatures().fit(times)
    matrix = transformer.transform(times).toarray()
    names = list(transformer.get_feature_names_out())
    column = {name: matrix[:, names.index(name)] for name in names}
    assert column["is_weekend"].tolist() == [1, 0, 0, 0]  # 8 March 2025 was a Saturday
    assert column["is_off_hours"].tolist() == [1, 0, 0, 0]
    assert column["created_at_missing"].tolist() == [0, 0, 1, 1]
    assert column["age_log_days"][0] > column["age_log_days"][1] == 0  # newest is the reference


def test_preparer_cleans_text_and_normalizes_meta():
    prepared = TicketPreparer().transform(
        pd.DataFrame(
            {
                "subject": ["Re: refund"],
                "message": ["<p>Hi, charged twice</p>"],
                "channel": ["  EMAIL "],
            }
        )
    )
    assert prepared.loc[0, "text"] == "Re: refund\ncharged twice"
    assert prepared.loc[0, "channel"] == "email"
    assert prepared.loc[0, "queue"] == "(missing)"


def test_top_features_and_reasons_name_the_words_behind_a_class(tickets):
    features = tickets.drop(columns=["category", "priority"])
    pipeline = build_pipeline(
        detect_feature_set(features), make_classifier(LINEAR_SVM), training_rows=len(features)
    ).fit(features, tickets["category"])

    top = top_features_per_class(pipeline, count=15)
    assert any("refund" in name or "charged" in name for name in top["Billing"])
    assert not any(name.startswith("chars:") for names in top.values() for name in names)

    sample = pd.DataFrame({"subject": ["Refund"], "message": ["Please refund, charged twice"]})
    matrix = pipeline.named_steps["features"].transform(
        pipeline.named_steps["prepare"].transform(sample)
    )
    [reason] = explain_predictions(pipeline, matrix, np.asarray(["Billing"]), count=3)
    assert len(reason.split(", ")) == 3
    assert "refund" in reason or "charged" in reason
