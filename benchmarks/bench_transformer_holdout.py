"""The fine-tuned all-MiniLM-L6-v2 classifier on real tickets, on the CPU, beside the linear
models: does it pay for its cost where `supportlake train` never gets to cross-validate it?

    .venv/bin/python benchmarks/bench_transformer_holdout.py [--epochs 4] [--max-length 96]
        [--data ../shared/data/tickets/it_service_topic.csv --text Document --label Topic_group]

One fine-tune (ml.transformer_classifier.TransformerClassifier, the product's candidate) on
the same stratified 80% split bench_classify and `supportlake train` use (seed 0), scored on
the 20% holdout, beside the plain baseline (word 1-2 + char_wb 2-5 TF-IDF, balanced logistic
regression C=10) and the product's usual winner (the same features, balanced linear SVM
C=0.1 calibrated by 5-fold sigmoid), and their probability averages with the fine-tune at
transformer weights 0.3-0.6. The averages' weights are read on the holdout itself, so the
best of them is an optimistic bound, not a model one could ship as is. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_classify import _raw_text, add_data_arguments, parse_data_arguments, split  # noqa: E402  (after the path setup above)


def text_features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )


def main() -> None:
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from ml.transformer_classifier import TransformerClassifier, device_name

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=96)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    arguments = parse_data_arguments(parser)

    _, train, test = split(arguments.data, arguments.text, arguments.label)
    train_text, test_text = list(_raw_text(train)), list(_raw_text(test))
    train_labels, test_labels = train["label"].to_numpy(), test["label"].to_numpy()
    classes = np.unique(train_labels)

    def macro_f1(probabilities) -> float:
        predicted = classes[probabilities.argmax(1)]
        return round(float(f1_score(test_labels, predicted, average="macro")), 4)

    started, cpu = time.perf_counter(), time.process_time()
    fine_tuned = TransformerClassifier(
        epochs=arguments.epochs,
        max_length=arguments.max_length,
        learning_rate=arguments.learning_rate,
    ).fit(train_text, train_labels)
    fit_wall, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    transformer = fine_tuned.predict_proba(test_text)
    baseline = (
        make_pipeline(
            text_features(), LogisticRegression(class_weight="balanced", C=10, max_iter=1000)
        )
        .fit(train_text, train_labels)
        .predict_proba(test_text)
    )
    svm = (
        make_pipeline(
            text_features(),
            CalibratedClassifierCV(LinearSVC(C=0.1, class_weight="balanced"), cv=5),
        )
        .fit(train_text, train_labels)
        .predict_proba(test_text)
    )
    averages = {
        f"{weight} x fine-tuned + {1 - weight:.1f} x {name}": macro_f1(
            weight * transformer + (1 - weight) * other
        )
        for name, other in (("plain baseline", baseline), ("linear SVM", svm))
        for weight in (0.3, 0.4, 0.5, 0.6)
    }
    print(
        json.dumps(
            {
                "data": str(arguments.data.name),
                "train_rows": len(train_text),
                "holdout_rows": len(test_text),
                "device": device_name(),
                "cpu_count": os.cpu_count(),
                "load_average_after": os.getloadavg(),
                "epochs": arguments.epochs,
                "max_length": arguments.max_length,
                "fit_wall_s": round(fit_wall, 1),
                "fit_cpu_s": round(fit_cpu, 1),
                "macro_f1": {
                    "fine-tuned all-MiniLM-L6-v2": macro_f1(transformer),
                    "plain baseline": macro_f1(baseline),
                    "linear SVM (calibrated)": macro_f1(svm),
                    **averages,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
