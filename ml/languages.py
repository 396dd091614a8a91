"""Which language each ticket is written in, so scores can be reported per language.

py3langid (langid.py's naive Bayes over byte n-grams, model shipped in the wheel) restricted
to the languages support teams here write in; a text it cannot place with some confidence,
or an empty one, is `unknown`. The classifiers themselves need no language: word and
character n-grams (accents stripped) work for nl, fr and de as for en.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

LANGUAGES = ("en", "nl", "fr", "de", "es", "it", "pt")
UNKNOWN = "unknown"
MIN_CONFIDENCE = 0.5
MAX_CHARS = 1_000  # the opening says the language; long threads cost time for nothing


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: object) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return UNKNOWN
    text = str(text).strip()[:MAX_CHARS]
    if not text:
        return UNKNOWN
    language, confidence = _identifier().classify(text)
    return language if confidence >= MIN_CONFIDENCE else UNKNOWN


def ticket_languages(frame: pd.DataFrame) -> pd.Series:
    """The language of each ticket's subject and message together."""
    parts = [
        frame[column].fillna("").astype(str)
        if column in frame
        else pd.Series("", index=frame.index)
        for column in ("subject", "message")
    ]
    return (parts[0] + "\n" + parts[1]).map(detect_language)


def scores_by_language(
    languages: pd.Series, truth, predictions: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Rows, and accuracy and macro-F1 of each model, per language (most rows first)."""
    languages = pd.Series(np.asarray(languages), dtype=object)
    truth = np.asarray(truth, dtype=object)
    records = []
    for language, count in languages.value_counts().items():
        mask = (languages == language).to_numpy()
        record = {"language": language, "rows": int(count)}
        for name, predicted in predictions.items():
            predicted = np.asarray(predicted, dtype=object)
            record[f"{name} accuracy"] = accuracy_score(truth[mask], predicted[mask])
            record[f"{name} macro-F1"] = f1_score(
                truth[mask],
                predicted[mask],
                labels=sorted(set(truth[mask])),
                average="macro",
                zero_division=0,
            )
        records.append(record)
    return pd.DataFrame(records)
