"""onnxruntime as the benchmarks' reference: the same inputs through both, and one verdict.

A fast wrong answer is not a result, so every benchmark row says whether the C matched
(rtol 1e-3, atol 1e-5 for floats, exact for integers and booleans: the model tests' rule).
"""
from __future__ import annotations

import numpy as np

from onnx2c.harness.oracle import ort_session
from onnx2c.harness.verify import compare, random_input

RTOL, ATOL = 1e-3, 1e-5


def random_feeds(inputs, seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic inputs for a compile result's inputs, as the target tests make them."""
    rng = np.random.default_rng(seed)
    return {i.name: random_input(i.dtype, i.shape, rng) for i in inputs}


def session(model, threads: int = 1):
    """A CPU InferenceSession on one thread (intra- and inter-op), default optimisations."""
    return ort_session(model, threads)


def verdict(got: list[np.ndarray], want: list[np.ndarray]) -> str:
    """'ok', or 'MISMATCH' with the worst absolute error over the outputs."""
    worst, ok = 0.0, True
    for g, w in zip(got, want):
        if isinstance(w, list) and w and isinstance(w[0], dict):
            # ZipMap's {label: probability} per row; onnx2c gives the rows, labels in order
            w = np.array([list(row.values()) for row in w], np.float32).reshape(np.shape(g))
        same, err, _ = compare(np.asarray(g), np.asarray(w), RTOL, ATOL)
        ok &= same
        worst = max(worst, err)
    return "ok" if ok and len(got) == len(want) else f"MISMATCH (max abs err {worst:.3g})"


def check(model, output_names: list[str], feeds: dict, got: list[np.ndarray]) -> str:
    """The verdict against onnxruntime, or 'unchecked (...)' when onnxruntime cannot run it."""
    try:
        want = session(model).run(output_names, feeds)
    except Exception as e:      # onnxruntime lacks the op or rejects the model
        return f"unchecked ({str(e).splitlines()[0][:60]})"
    return verdict(got, want)


def error_status(e: BaseException) -> str:
    """A table cell for a model that failed to build or run: the error's first line."""
    text = str(e).strip()
    return f"error: {text.splitlines()[0][:100] if text else type(e).__name__}"
