"""The `openvino-int8` backend: all-MiniLM-L6-v2 statically quantized to int8 with NNCF.

The plain ONNX export is read by OpenVINO and quantized once with NNCF's transformer recipe
(SmoothQuant, then fast bias correction; activations calibrated on shipped ticket texts), then
cached as OpenVINO IR under models_dir. Against onnxruntime's dynamic int8 it runs the whole
graph in int8 kernels (VNNI where the CPU has them) and keeps closer to the plain model
(docs/benchmarks.md).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np

from ml.encoders import (
    CompiledEncoder,
    artifacts_dir,
    export_plain_onnx,
    keep_offline,
    load_tokenizer,
    model_inputs,
    pad_encodings,
)

BACKEND = "openvino-int8"
CALIBRATION_TEXTS = 1024
CALIBRATION_BATCH = 16
CALIBRATION_FILE = Path(__file__).with_name("data") / "calibration_texts.txt"


def import_openvino():
    """`import openvino` without its usage report.

    Importing openvino sends an event to Google Analytics from a forked helper process (a
    network call, and a fork inside a threaded process that crashed a test run here). Its only
    switch short of writing a consent file into the user's home is a CI marker, read once,
    at import; nncf's own report is off through NNCF_CI (see `keep_offline`).
    """
    keep_offline()
    marker = os.environ.get("CI")
    os.environ["CI"] = "true"
    try:
        import openvino
    finally:
        if marker is None:
            del os.environ["CI"]
        else:
            os.environ["CI"] = marker
    return openvino


def quantized_model_dir(models_dir: Path) -> Path:
    return artifacts_dir(models_dir) / BACKEND


def calibration_texts(count: int = CALIBRATION_TEXTS) -> list[str]:
    """Normalised ticket texts shipped with the package (ml/data/calibration_texts.txt, one a
    line, made once from generated tickets): deterministic, offline, shaped like real tickets."""
    lines = CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line][:count]


def quantize_openvino(models_dir: Path) -> Path:
    """Build the int8 IR once (about half a minute on 2 cores); its folder is the cache."""
    target = quantized_model_dir(models_dir)
    if (target / "model.xml").exists():
        return target / "model.xml"
    source = export_plain_onnx(models_dir)
    openvino = import_openvino()  # first: nncf imports it too
    import nncf

    tokenizer = load_tokenizer()
    texts = calibration_texts()
    step = CALIBRATION_BATCH
    batches = [
        model_inputs(*pad_encodings(tokenizer.encode_batch(texts[start : start + step])))
        for start in range(0, len(texts), step)
    ]
    quantized = nncf.quantize(
        openvino.Core().read_model(str(source)),
        nncf.Dataset(batches),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(batches),
    )
    # Written to a side folder and renamed: a crash never leaves a half-written model behind.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    openvino.save_model(quantized, str(partial / "model.xml"), compress_to_fp16=False)
    shutil.rmtree(target, ignore_errors=True)  # an older, incomplete build
    partial.rename(target)
    return target / "model.xml"


class OpenVinoEncoder(CompiledEncoder):
    """The int8 IR compiled for the CPU; one infer request per thread (the API is threaded)."""

    backend = BACKEND
    batch_size = 32  # the fastest of 8, 16 and 32 on 2 cores, by ~10% over 8

    def __init__(self, model_file: Path) -> None:
        openvino = import_openvino()
        super().__init__()
        # f32 for what stays unquantized: bf16 would make results depend on the CPU model.
        self.compiled = openvino.Core().compile_model(
            str(model_file),
            "CPU",
            {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"},
        )
        self.output = self.compiled.output(0)
        self._requests = threading.local()

    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        return request.infer(model_inputs(ids, mask))[self.output]


def build_openvino_encoder(models_dir: Path) -> OpenVinoEncoder:
    return OpenVinoEncoder(quantize_openvino(models_dir))
