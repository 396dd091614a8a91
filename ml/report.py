"""The training report: markdown + HTML + PNG plots + metrics.json in one folder per version.

Every score is shown beside the majority-class baseline, so a number can be judged on its own.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ml.classifiers import short_feature_name
from ml.evaluation import plot_confusion_matrix, plot_reliability


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    image: str | None = None  # file name inside the report folder


def _format(value) -> str:
    if isinstance(value, float | np.floating):
        return "" if pd.isna(value) else f"{value:.3f}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(_format(value) for value in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])


def html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_format(value))}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_markdown(title: str, sections: list[Section]) -> str:
    parts = [f"# {title}"]
    for section in sections:
        parts.append(f"## {section.title}")
        parts.extend(section.paragraphs)
        if section.table is not None:
            parts.append(markdown_table(section.table))
        if section.image:
            parts.append(f"![{section.title}]({section.image})")
    return "\n\n".join(parts) + "\n"


def render_html(title: str, sections: list[Section]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body.extend(f"<p>{html.escape(paragraph)}</p>" for paragraph in section.paragraphs)
        if section.table is not None:
            body.append(html_table(section.table))
        if section.image:
            body.append(
                f'<img src="{html.escape(section.image)}" alt="{html.escape(section.title)}">'
            )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em}"
        "th{background:#f3f3f3}img{max-width:100%}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _scores_table(outcome) -> pd.DataFrame:
    majority = outcome.evaluations["majority_class"]
    rows = []
    for key, evaluation in outcome.evaluations.items():
        rows.append(
            {
                "model": evaluation.name,
                "accuracy": evaluation.accuracy,
                "macro-F1": evaluation.macro_f1,
                "ECE": (
                    evaluation.calibration.expected_calibration_error
                    if evaluation.calibration
                    else float("nan")
                ),
                "majority accuracy": majority.accuracy,
                "majority macro-F1": majority.macro_f1,
                "routable at 90% precision": (
                    evaluation.routing.coverage if evaluation.routing else float("nan")
                ),
                "rows": evaluation.rows,
                "role": {
                    "chosen": "saved model",
                    "baseline": "plain baseline (to beat)",
                    "majority_class": "floor",
                    "zero_shot": "no labels used",
                }.get(key, key),
            }
        )
    return pd.DataFrame(rows)


def _cv_table(outcome) -> pd.DataFrame:
    majority = max(
        (c.cv_macro_f1 for c in outcome.candidates if c.family == "majority_class"),
        default=float("nan"),
    )
    rows = [
        {
            "family": candidate.family,
            "parameters": ", ".join(f"{k}={v}" for k, v in candidate.parameters.items()) or "-",
            "CV macro-F1": candidate.cv_macro_f1,
            "sd": candidate.cv_macro_f1_std,
            "majority CV macro-F1": majority,
            "fit s": candidate.fit_seconds,
            "status": candidate.status,
            "chosen": "yes"
            if candidate.family == outcome.family and candidate.cv_macro_f1 == outcome.cv_macro_f1
            else "",
        }
        for candidate in outcome.candidates
    ]
    return pd.DataFrame(rows).sort_values("CV macro-F1", ascending=False, na_position="last")


def _rare_table(outcome) -> pd.DataFrame:
    per_class = outcome.chosen.per_class.set_index("label")
    return pd.DataFrame(
        [
            {
                "label": rare.label,
                "training rows": rare.training_rows,
                "holdout rows": rare.holdout_rows,
                "handling": rare.handling,
                "holdout F1": (
                    per_class.loc[rare.label, "f1"]
                    if rare.label in per_class.index and rare.holdout_rows
                    else float("nan")
                ),
            }
            for rare in outcome.rare_labels
        ]
    )


def _routing_paragraphs(outcome) -> list[str]:
    routing = outcome.chosen.routing
    if routing is None or routing.threshold is None:
        return [
            "No confidence level of the saved model reaches 90% precision on the holdout: "
            "route every ticket through a person."
        ]
    return [
        f"At confidence >= {routing.threshold:.3f} the saved model's holdout predictions are "
        f"{routing.precision:.1%} precise; {routing.coverage:.1%} of holdout tickets clear it "
        "and can be routed without a person. `supportlake predict` marks each such row "
        "(`<task>_routable`).",
        "The threshold comes from the model fitted on the training part; the saved model may "
        "be refit on all rows, so treat it as an estimate and re-check on fresh tickets.",
    ]


def build_sections(outcome, version: str, metadata: dict) -> list[Section]:
    data = outcome.data
    chosen = outcome.chosen
    majority = outcome.evaluations["majority_class"]
    baseline = outcome.evaluations["baseline"]
    summary = [
        f"Task `{outcome.task}`, model version `{version}`: {outcome.family} "
        f"(calibrated), chosen by {outcome.folds}-fold stratified cross-validated macro-F1.",
        f"Holdout macro-F1 {chosen.macro_f1:.3f} (accuracy {chosen.accuracy:.3f}) against the "
        f"plain baseline's {baseline.macro_f1:.3f} ({baseline.accuracy:.3f}) and the "
        f"majority class's {majority.macro_f1:.3f} ({majority.accuracy:.3f}).",
        f"Data: {data.source}; {data.rows_read:,} rows read, {data.rows_unlabelled:,} without a "
        f"label dropped; {data.corrections_used:,} labels taken from human corrections.",
        f"Training rows {outcome.training_rows:,}; holdout {outcome.holdout_rows:,} rows "
        f"({outcome.holdout_source}); saved model fitted on {outcome.final_rows:,} rows.",
        "Features: " + "; ".join(outcome.feature_set.describe()) + ".",
        f"Labels ({len(outcome.labels)}): " + ", ".join(map(str, outcome.labels)) + ".",
        f"Training took {outcome.seconds:.1f} s; code {metadata.get('code_version') or 'unknown'}, "
        f"supportlake {metadata.get('package_version')}.",
    ]
    if metadata.get("command"):
        summary.append(f"Command: `{metadata['command']}`")
    sections = [
        Section("Summary", summary),
        Section(
            "Baseline and selection",
            [
                "The plain baseline is word 1-2-gram + char_wb 2-5-gram TF-IDF (sublinear tf, "
                "min_df 2) with balanced logistic regression (C=10), on the cleaned ticket text. "
                "It is a candidate in every search; another model is saved only when it beats "
                "the baseline's cross-validated macro-F1 on most folds.",
                f"Decision: {outcome.selection}.",
            ],
        ),
        Section(
            "Holdout scores",
            ["Majority-class scores repeat on every row so each score reads against the floor."],
            _scores_table(outcome),
        ),
        Section(
            "Model selection (grid search, stratified cross-validation)",
            [f"{outcome.folds} folds on the training rows; scoring macro-F1."],
            _cv_table(outcome),
        ),
        Section(
            "Per-class precision, recall, F1 (saved model family, holdout)",
            table=chosen.per_class.round(3),
        ),
        Section("Confusion matrix (holdout)", image="confusion_matrix.png"),
        Section(
            "Calibration",
            [
                "Expected calibration error (ECE): the row-weighted gap between confidence and "
                "share correct over 10 confidence bins; 0 is perfect.",
                f"Saved model ECE {chosen.calibration.expected_calibration_error:.3f}.",
            ],
            chosen.calibration.bins.round(3),
            image="reliability.png",
        ),
        Section(
            "Top features per class",
            [
                "The readable features (words, urgency, sentiment, time, meta) with the largest "
                "weight toward each class in the saved model."
            ],
            pd.DataFrame(
                {
                    "label": list(outcome.top_features),
                    "top features": [
                        ", ".join(short_feature_name(name) for name in names)
                        for names in outcome.top_features.values()
                    ],
                }
            ),
        ),
    ]
    sections.append(Section("Routing at 90% precision", _routing_paragraphs(outcome)))
    if outcome.languages is not None and len(outcome.languages):
        sections.append(
            Section(
                "Holdout scores per language",
                [
                    "Language of each holdout ticket (py3langid over en, nl, fr, de, es, it, "
                    "pt; `unknown` below 0.5 confidence). Word and character n-grams read every "
                    "language; the urgency keywords and VADER sentiment are English only."
                ],
                outcome.languages,
            )
        )
    if outcome.rare_labels:
        sections.append(
            Section(
                "Rare labels",
                [
                    f"Labels with fewer than {outcome.min_class_rows} training rows, or "
                    "found only in the holdout, and how each was handled. None was dropped."
                ],
                _rare_table(outcome),
            )
        )
    else:
        sections.append(
            Section(
                "Rare labels",
                [f"Every label has at least {outcome.min_class_rows} training rows; none is rare."],
            )
        )
    if outcome.notes:
        sections.append(Section("Notes", [f"- {note}" for note in outcome.notes]))
    return sections


def write_report(outcome, version: str, metadata: dict, folder: Path) -> dict[str, Path]:
    """Write report.md, report.html, metrics.json, per_class.csv and the plots into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plot_confusion_matrix(outcome.chosen, folder / "confusion_matrix.png")
    plot_reliability(list(outcome.evaluations.values()), folder / "reliability.png")
    outcome.chosen.per_class.to_csv(folder / "per_class.csv", index=False)
    title = f"Classification report: {outcome.task} ({version})"
    sections = build_sections(outcome, version, metadata)
    files = {
        "markdown": folder / "report.md",
        "html": folder / "report.html",
        "metrics": folder / "metrics.json",
        "confusion_matrix": folder / "confusion_matrix.png",
        "reliability": folder / "reliability.png",
        "per_class": folder / "per_class.csv",
    }
    files["markdown"].write_text(render_markdown(title, sections))
    files["html"].write_text(render_html(title, sections))
    files["metrics"].write_text(json.dumps(metadata, indent=2, default=str))
    return files
