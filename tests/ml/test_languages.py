"""Tickets in Dutch, French and German are classified and scored per language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.datasets import LabelledData, TextSpec, finish_labels
from ml.languages import detect_language
from ml.training import TrainingOptions, fit_task

PHRASES = {
    "Billing": {
        "en": ["I was charged twice on my invoice", "please refund the duplicate payment"],
        "nl": ["ik heb twee keer betaald voor mijn factuur", "graag het dubbele bedrag terug"],
        "fr": ["j'ai été facturé deux fois sur ma facture", "merci de rembourser le paiement"],
        "de": ["ich wurde auf meiner Rechnung doppelt belastet", "bitte erstatten Sie die Zahlung"],
    },
    "Account": {
        "en": ["I cannot log in after the password reset", "my account is locked"],
        "nl": [
            "ik kan niet inloggen na het wijzigen van mijn wachtwoord",
            "mijn account is geblokkeerd",
        ],
        "fr": ["je ne peux pas me connecter après la réinitialisation", "mon compte est bloqué"],
        "de": ["ich kann mich nach dem Zurücksetzen nicht anmelden", "mein Konto ist gesperrt"],
    },
}


def multilingual_tickets(per_pair: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for label, languages in PHRASES.items():
        for phrases in languages.values():
            for _ in range(per_pair):
                first, second = rng.permutation(phrases)
                rows.append({"subject": first, "message": f"{first}. {second}.", "label": label})
    return pd.DataFrame(rows)


def test_languages_are_told_apart():
    assert detect_language("Ik kan niet inloggen op mijn account") == "nl"
    assert detect_language("Je ne peux pas me connecter à mon compte") == "fr"
    assert detect_language("Ich kann mich nicht bei meinem Konto anmelden") == "de"
    assert detect_language("I cannot log in to my account") == "en"
    assert detect_language("") == "unknown" and detect_language(None) == "unknown"


def test_holdout_scores_are_reported_per_language():
    frame = multilingual_tickets()
    data = finish_labels(LabelledData(frame, "multilingual.csv", TextSpec(), rows_read=len(frame)))
    options = TrainingOptions(task="category", quick=True, folds=3, zero_shot=False, advanced=())

    outcome = fit_task(data, options)

    table = outcome.languages.set_index("language")
    assert {"en", "nl", "fr", "de"} <= set(table.index)
    assert table["rows"].sum() == outcome.holdout_rows
    assert (table.loc[["en", "nl", "fr", "de"], "saved model macro-F1"] > 0.8).all()
