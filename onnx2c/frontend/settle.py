"""The frontend's rounds: ONNX shape inference (with data propagation), constant folding,
the type rules of ops ONNX cannot type, and the compile-time resolution of sequences,
optionals, If, Loop and Scan, repeated until nothing changes, so that every shape which
can be static is. Gradient nodes (ai.onnx.preview.training) are expanded once the first
inference has made shapes static.
"""
from __future__ import annotations

import onnx
from onnx import ModelProto

from ..errors import CompileError
from .fold import fold_once
from .gradient import expand_gradients
from .resolve import finish, resolve
from .type_rules import apply_type_rules

_MAX_ROUNDS = 50


def _infer(m: ModelProto) -> ModelProto:
    try:
        return onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True,
                                                 data_prop=True)
    except Exception as strict_error:
        try:
            return onnx.shape_inference.infer_shapes(m, data_prop=True)
        except Exception:
            first = str(strict_error).strip().splitlines()[0]
            raise CompileError(f"ONNX shape inference failed: {first}",
                               reason="shape inference failed") from None


def settle(m: ModelProto) -> ModelProto:
    """Rounds of ONNX shape inference, constant folding, type rules and the resolution of
    sequences, optionals, If, Loop and Scan, until nothing changes: every shape that can
    be static is."""
    # weights listed as graph inputs (IR < 4 models) are constants to us
    inits = {t.name for t in m.graph.initializer}
    real_inputs = [i for i in m.graph.input if i.name not in inits]
    del m.graph.input[:]
    m.graph.input.extend(real_inputs)
    # IR 4 is where initializers need not be inputs: before it, shape inference ignores
    # the types of the ones just taken off the input list (and of every folded value)
    m.ir_version = max(m.ir_version, 4)
    m = _infer(m)
    if expand_gradients(m):     # needs static shapes; its nodes then fold as usual
        m = _infer(m)
    waiting = []
    for _ in range(_MAX_ROUNDS):
        folded = fold_once(m)
        resolved, waiting = resolve(m, settle)   # sequences, optionals, If, Loop unrolls
        typed = apply_type_rules(m)      # ops ONNX inference cannot type
        if not (folded or resolved or typed):
            break
        m = _infer(m)
    finish(m, waiting)
    return m
