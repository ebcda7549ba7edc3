"""'--freeze' advice, tried before it is given.

When a shape depends on graph inputs, compiling again with those inputs frozen to
values of their dtype and shape (ones, zeros, a -1 first: what a Reshape target or a
count would hold) shows whether freezing settles it: it does if the compile succeeds or
fails for another reason than an unknown shape (a dummy value may well be a wrong one,
e.g. contradict a declared output size). Then the advice stands, naming every input it
took; if not, the real problem is reported instead: most often what strict ONNX shape
inference said about a bad attribute or mismatched dims.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
from onnx import ModelProto, helper

from .errors import INFERENCE_PROBLEM, CompileError, NeedsConstant, UnknownShape

MAX_ATTEMPTS = 6


def _dims(vi, pins: Mapping) -> tuple[int, ...] | None:
    if vi.name in pins and isinstance(pins[vi.name], (tuple, list)) and \
            all(isinstance(d, int) for d in pins[vi.name]):
        return tuple(pins[vi.name])
    tt = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not tt.HasField("shape") or \
            not all(d.HasField("dim_value") and d.dim_value >= 0 for d in tt.shape.dim):
        return None
    return tuple(d.dim_value for d in tt.shape.dim)


def _candidates(vis: list, pins: Mapping) -> list[dict[str, np.ndarray]]:
    shapes = [_dims(vi, pins) for vi in vis]
    if any(s is None for s in shapes) or any(not vi.type.tensor_type.elem_type or
                                             vi.type.tensor_type.elem_type == 8 for vi in vis):
        return []
    out = []
    for fill in ("ones", "zeros", "minus"):
        cand = {}
        for vi, shape in zip(vis, shapes):
            dtype = helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type)
            arr = np.zeros(shape, np.float64) if fill == "zeros" else np.ones(shape, np.float64)
            if fill == "minus" and arr.size:
                arr.reshape(-1)[0] = -1
            cand[vi.name] = arr.astype(dtype)
        out.append(cand)
    return out


def _unsettled(error: NeedsConstant, problem: str | None, last) -> UnknownShape:
    detail = f"; ONNX shape inference says {problem}" if problem else \
        f"; with {', '.join(error.inputs)} frozen it still fails: {last}" if last else ""
    return UnknownShape(f"{error.what} cannot be computed at compile time{detail}", error.node,
                        reason="shape not computable")


def checked(error: NeedsConstant, model: ModelProto, pins: Mapping,
            attempt: Callable[[dict], object]) -> CompileError:
    """The error to report for `error`: itself (or a fuller one) if attempt(freeze),
    which compiles with those extra inputs frozen, succeeds for some candidate value."""
    problem = INFERENCE_PROBLEM.get()
    inputs = {vi.name: vi for vi in model.graph.input}
    names, tries, last = list(error.inputs), 0, None
    while tries < MAX_ATTEMPTS and all(n in inputs for n in names):
        grown = False
        for cand in _candidates([inputs[n] for n in names], pins):
            tries += 1
            try:
                attempt(cand)
            except NeedsConstant as e:
                more = [n for n in e.inputs if n not in names]
                if more:
                    names += more
                    grown = True
                    break
                continue
            except UnknownShape as e:
                last = e
                continue
            except CompileError:        # settled; the dummy value is what is wrong
                pass
            return error if names == error.inputs else NeedsConstant(names, error.node,
                                                                     error.what)
        if not grown:
            break
    return _unsettled(error, problem, last)
