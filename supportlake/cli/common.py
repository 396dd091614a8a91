"""What several command groups share: a clear error exit, comma lists, the --backend option."""

from __future__ import annotations

from typing import NoReturn

import typer

from supportlake.console import console

BACKEND_HELP = (
    "auto (GPU, else the fastest compiled variant that keeps cosine >= 0.99), torch, onnx, "
    "onnx-int8, openvino-int8, static; gpu: torch on the GPU, an error without one"
)
GPU_NAMES = ("gpu", "cuda")


def fail(message: str, code: int = 2) -> NoReturn:
    """One red line and a non-zero exit (2: the arguments or inputs are wrong)."""
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def split_names(value: str | None) -> tuple[str, ...]:
    """`a, b,c` -> ("a", "b", "c"); None or blank -> ()."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def checked_backend(backend: str) -> str:
    """The embedding backend to load, or a clear error (exit 2) before any model loads: an
    unknown name, or `gpu` on a machine where torch sees no CUDA device."""
    # imported when a command runs: numpy and the backends cost ~0.3 s of `--help`
    from ml.embedding_backends import BACKENDS, gpu_available

    if backend in GPU_NAMES:
        if gpu_available():
            return "torch"  # the torch backend runs on the GPU whenever torch sees one
        fail(
            f"--backend {backend}: torch sees no CUDA GPU on this machine; "
            "use --backend auto (the fastest CPU variant here) or one of "
            f"{', '.join(BACKENDS)}"
        )
    if backend not in (*BACKENDS, "auto"):
        fail(f"unknown --backend {backend!r}: choose auto, gpu or one of {', '.join(BACKENDS)}")
    return backend
