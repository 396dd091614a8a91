"""How far a labelled set goes: model families, a learning curve and the split's own spread.

    .venv/bin/python benchmarks/bench_classify_ceiling.py [--record]
        [--data ../shared/data/tickets/it_service_topic.csv --text Document --label Topic_group]

Issue 13 asks for macro-F1 >= 0.86 on it_service_topic's holdout. Before asking the search
for more, this measures what the data supports, on the same stratified 80/20 split (seed 0)
that `supportlake train` and bench_classify use, raw text, no calibration:

1. families: the plain baseline and a dozen other text classifiers a data scientist would try
   (linear SVMs over wider n-grams, L1, NB-SVM, naive Bayes, frozen all-MiniLM-L6-v2 sentence
   embeddings alone and beside TF-IDF), each fitted on the training part, scored on the holdout;
2. a learning curve: the best linear family fitted on 1/8 .. all of the training part (three
   stratified subsamples per size), always scored on the same holdout: how much would more
   labelled rows buy;
3. the split's spread: the plain baseline and that family on five stratified 80/20 splits
   (seeds 0-4): how much of a holdout figure is the luck of one split.

Prints the tables; with --record appends them to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_classify import (  # noqa: E402  (after the path setup above)
    _raw_text,
    add_data_arguments,
    holdout_split,
    parse_data_arguments,
    split,
)
from measure import append_section  # noqa: E402

SEEDS = range(5)
CURVE_SHARES = (0.125, 0.25, 0.5, 0.75, 1.0)
CURVE_SUBSAMPLES = 3


def tfidf(words=(1, 2), chars=(2, 5), analyzer="char_wb"):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(ngram_range=words, sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer=analyzer, ngram_range=chars, sublinear_tf=True, min_df=2),
    )


def wide_svm():
    """The strongest family of the table below: word 1-3 + char 1-6 TF-IDF, linear SVM."""
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(tfidf((1, 3), (1, 6), "char"), LinearSVC(C=0.1, class_weight="balanced"))


def plain_baseline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(tfidf(), LogisticRegression(class_weight="balanced", C=10, max_iter=1000))


class NbSvm:
    """Wang & Manning's NB-SVM: one-vs-rest linear SVMs over features scaled by the
    naive-Bayes log-count ratio of their class (binary presence counts)."""

    def __init__(self, features, C=0.1):
        self.features, self.C = features, C

    def fit(self, texts, labels):
        import numpy as np
        from sklearn.svm import LinearSVC

        matrix = self.features.fit_transform(texts)
        present = (matrix > 0).astype(float)
        self.classes_ = np.unique(labels)
        self.ratios_, self.models_ = [], []
        for label in self.classes_:
            inside = labels == label
            p = np.asarray(present[inside].sum(0) + 1).ravel()
            q = np.asarray(present[~inside].sum(0) + 1).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            self.ratios_.append(ratio)
            scaled = matrix.multiply(ratio).tocsr()
            self.models_.append(LinearSVC(C=self.C, class_weight="balanced").fit(scaled, inside))
        return self

    def predict(self, texts):
        import numpy as np

        matrix = self.features.transform(texts)
        scores = [
            model.decision_function(matrix.multiply(ratio).tocsr())
            for ratio, model in zip(self.ratios_, self.models_, strict=True)
        ]
        return self.classes_[np.argmax(np.vstack(scores).T, axis=1)]


class WithEmbeddings:
    """A classifier over TF-IDF and/or the frozen sentence embeddings of the same texts."""

    def __init__(self, classifier, embed, features=None, weight=1.0):
        self.classifier, self.embed, self.features, self.weight = (
            classifier,
            embed,
            features,
            weight,
        )

    def _matrix(self, texts, fit):
        from scipy import sparse

        dense = sparse.csr_matrix(self.embed(texts) * self.weight)
        if self.features is None:
            return dense
        words = self.features.fit_transform(texts) if fit else self.features.transform(texts)
        return sparse.hstack([words, dense]).tocsr()

    def fit(self, texts, labels):
        self.classifier.fit(self._matrix(texts, fit=True), labels)
        return self

    def predict(self, texts):
        return self.classifier.predict(self._matrix(texts, fit=False))


def families(embed) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    def svm(C=0.1, **kwargs):
        return LinearSVC(C=C, class_weight="balanced", **kwargs)

    return {
        "plain baseline: word 1-2 + char_wb 2-5, balanced logistic regression C=10": (
            plain_baseline()
        ),
        "word 1-2 + char_wb 2-5, linear SVM C=0.1 (the product's usual winner)": make_pipeline(
            tfidf(), svm()
        ),
        "word 1-3 + char 1-6, linear SVM C=0.1": wide_svm(),
        "word 1-3 + char 1-6, linear SVM C=0.05": make_pipeline(
            tfidf((1, 3), (1, 6), "char"), svm(0.05)
        ),
        "word 1-3 + char 1-6, linear SVM C=0.2": make_pipeline(
            tfidf((1, 3), (1, 6), "char"), svm(0.2)
        ),
        "word 1-3 + char 1-6, L1 linear SVM C=1": make_pipeline(
            tfidf((1, 3), (1, 6), "char"), svm(1.0, penalty="l1", dual=False)
        ),
        "word 1-3 + char 1-6, balanced logistic regression C=30": make_pipeline(
            tfidf((1, 3), (1, 6), "char"),
            LogisticRegression(C=30, class_weight="balanced", max_iter=2000),
        ),
        "word 1-3 + char 1-6, NB-SVM C=0.1": NbSvm(tfidf((1, 3), (1, 6), "char")),
        "word 1-2 TF-IDF, complement naive Bayes alpha=0.3": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), ComplementNB(alpha=0.3)
        ),
        "frozen all-MiniLM-L6-v2 embeddings, balanced logistic regression C=10": (
            WithEmbeddings(LogisticRegression(C=10, class_weight="balanced", max_iter=3000), embed)
        ),
        "word 1-2 + char_wb 2-5 and the embeddings side by side, linear SVM C=0.3": (
            WithEmbeddings(svm(0.3), embed, features=tfidf())
        ),
    }


def macro_f1(model, train_text, train_labels, test_text, test_labels) -> float:
    from sklearn.metrics import f1_score

    model.fit(train_text, train_labels)
    return float(f1_score(test_labels, model.predict(test_text), average="macro"))


def family_table(train, test, embed) -> list[str]:
    train_text, test_text = _raw_text(train), _raw_text(test)
    rows = []
    for name, model in families(embed).items():
        started = time.process_time()
        score = macro_f1(model, train_text, train["label"].to_numpy(), test_text, test["label"])
        rows.append((score, name, time.process_time() - started))
        print(f"{score:.3f}  {name}", flush=True)
    lines = ["| model | holdout macro-F1 | fit + score CPU s |", "|---|---:|---:|"]
    lines += [f"| {name} | {score:.3f} | {cpu:.1f} |" for score, name, cpu in sorted(rows)[::-1]]
    return lines


def learning_curve(train, test) -> tuple[list[str], list[tuple[int, float]]]:
    import numpy as np
    from sklearn.model_selection import train_test_split

    points, lines = [], ["| training rows | share | holdout macro-F1 (mean of subsamples) |"]
    lines.append("|---:|---:|---:|")
    for share in CURVE_SHARES:
        scores = []
        for seed in range(CURVE_SUBSAMPLES if share < 1 else 1):
            part = (
                train
                if share == 1
                else train_test_split(
                    train, train_size=share, stratify=train["label"], random_state=seed
                )[0]
            )
            scores.append(
                macro_f1(
                    wide_svm(),
                    _raw_text(part),
                    part["label"].to_numpy(),
                    _raw_text(test),
                    test["label"],
                )
            )
        points.append((len(part), float(np.mean(scores))))
        lines.append(f"| {len(part):,} | {share:.3g} | {np.mean(scores):.3f} |")
        print(f"curve {len(part)} rows: {np.mean(scores):.3f}", flush=True)
    return lines, points


def rows_for(goal: float, points: list[tuple[int, float]]) -> float:
    """Training rows at which a straight line in log(rows), fitted to the curve's upper half,
    reaches the goal (an extrapolation: read it as an order of magnitude)."""
    import numpy as np

    upper = points[len(points) // 2 :]
    slope, intercept = np.polyfit(np.log([n for n, _ in upper]), [s for _, s in upper], 1)
    return float(np.exp((goal - intercept) / slope)) if slope > 0 else float("inf")


def split_spread(labelled) -> list[str]:
    import numpy as np

    lines = ["| split seed | plain baseline | word 1-3 + char 1-6 linear SVM |", "|---:|---:|---:|"]
    both = []
    for seed in SEEDS:
        train, test = holdout_split(labelled.frame, seed)
        scores = [
            macro_f1(
                make(), _raw_text(train), train["label"].to_numpy(), _raw_text(test), test["label"]
            )
            for make in (plain_baseline, wide_svm)
        ]
        both.append(scores)
        lines.append(
            f"| {seed}{' (the product split)' if seed == 0 else ''} | "
            f"{scores[0]:.3f} | {scores[1]:.3f} |"
        )
        print(f"split {seed}: {scores[0]:.3f} {scores[1]:.3f}", flush=True)
    mean, spread = np.mean(both, axis=0), np.std(both, axis=0)
    lines.append(
        f"| mean +- sd | {mean[0]:.3f} +- {spread[0]:.3f} | {mean[1]:.3f} +- {spread[1]:.3f} |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--goal", type=float, default=0.86)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    arguments = parse_data_arguments(parser)
    from ml.encoders import TorchEncoder

    started = time.perf_counter()
    labelled, train, test = split(arguments.data, arguments.text, arguments.label)
    encoder = TorchEncoder()
    cache: dict[str, object] = {}

    def embed(texts):
        import numpy as np

        missing = [text for text in dict.fromkeys(texts) if text not in cache]
        if missing:
            cache.update(zip(missing, encoder.encode(missing), strict=True))
        return np.vstack([cache[text] for text in texts])

    family_lines = family_table(train, test, embed)
    curve_lines, points = learning_curve(train, test)
    needed = rows_for(arguments.goal, points)
    spread_lines = split_spread(labelled)
    body = "\n".join(
        [
            f"`benchmarks/bench_classify_ceiling.py`: {arguments.data.name}, "
            f"{len(train):,} training rows, {len(test):,} holdout rows (the stratified 80/20 "
            f"split of `supportlake train`, seed 0), raw text, no calibration; "
            f"os.cpu_count() = {os.cpu_count()}, load average "
            f"{os.getloadavg()[0]:.1f} at the end, {time.perf_counter() - started:.0f} s in all.",
            "",
            "Model families, fitted on the training part, scored on the holdout:",
            "",
            *family_lines,
            "",
            "Learning curve of the word 1-3 + char 1-6 linear SVM (the same holdout; "
            f"{CURVE_SUBSAMPLES} stratified subsamples per size):",
            "",
            *curve_lines,
            "",
            f"A straight line in log(rows) through the upper half of the curve reaches "
            f"{arguments.goal:.2f} at about {needed:,.0f} training rows "
            f"({needed / len(train):.1f}x what the set has): an extrapolation, an order of "
            "magnitude.",
            "",
            "The same two models on five stratified 80/20 splits:",
            "",
            *spread_lines,
        ]
    )
    print(body)
    if arguments.record:
        append_section(f"Classification: how far {arguments.data.stem} goes", body)
        print("-> docs/benchmarks.md")


if __name__ == "__main__":
    main()
