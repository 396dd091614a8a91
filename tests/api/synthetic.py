"""A tiny labelled ticket set and a model registry trained on it with ml.training (real code)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ml.datasets import LabelledData, TextSpec, finish_labels
from ml.training import TrainingOptions, fit_task, save_as_current

CATEGORY_TEXT = {
    "Billing": ["I was charged twice on my invoice", "please refund the duplicate payment"],
    "Account": ["I cannot log in to my account", "the password reset email never arrives"],
    "Technical": ["the desktop app crashes on start", "file sync is stuck and never finishes"],
    "Security": [
        "someone logged in from another country",
        "a phishing email used your logo",
    ],
}
PRIORITY_TEXT = {
    "Urgent": ["production is down for all users, urgent!", "outage right now, fix immediately"],
    "High": ["this blocks my work today", "our team needs this fixed soon"],
    "Medium": ["when you have a moment", "please look into it this week"],
    "Low": ["no rush at all, just curious", "a small question for later"],
}
CHANNELS = ["Email", "Chat", "Web Form", "Phone"]


def make_training_frame(per_pair: int = 6, seed: int = 0) -> pd.DataFrame:
    """per_pair tickets for each (category, priority) pair: 16 * per_pair rows."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 6, 8, 0)
    rows = []
    for category, category_lines in CATEGORY_TEXT.items():
        for priority, priority_lines in PRIORITY_TEXT.items():
            for _ in range(per_pair):
                number = len(rows)
                rows.append(
                    {
                        "ticket_id": f"T-{number:04d}",
                        "subject": str(rng.choice(category_lines)).capitalize(),
                        "message": f"{rng.choice(category_lines)}. {rng.choice(priority_lines)}",
                        "channel": str(rng.choice(CHANNELS)),
                        "created_at": start + timedelta(hours=int(rng.integers(0, 24 * 60))),
                        "category": category,
                        "priority": priority,
                    }
                )
    return pd.DataFrame(rows)


def train_registry(models_dir: Path, frame: pd.DataFrame | None = None) -> dict[str, str]:
    """Fit priority and category on the frame and register both as current; task -> version."""
    frame = make_training_frame() if frame is None else frame
    versions = {}
    for task in ("priority", "category"):
        labelled = frame.drop(columns=["category", "priority"]).assign(label=frame[task])
        data = finish_labels(
            LabelledData(
                labelled, "tests:synthetic", TextSpec(("subject", "message"), task), len(frame)
            )
        )
        # The API tests exercise the compiled linear path with its time and meta features:
        # keep to the families that have them (on this easy data the plain baseline would win).
        options = TrainingOptions(
            task=task,
            quick=True,
            folds=3,
            zero_shot=False,
            min_class_rows=5,
            families=("linear_svm", "naive_bayes", "logistic_regression"),
        )
        versions[task] = save_as_current(fit_task(data, options), models_dir)
    return versions
