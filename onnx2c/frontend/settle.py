"""The frontend's rounds: ONNX shape inference (with data propagation), constant folding,
the type rules of ops ONNX cannot type, and the compile-time resolution of sequences,
optionals, If, Loop and Scan, repeated until nothing changes, so that every shape which
can be static is. Gradient nodes (ai.onnx.preview.training) are expanded once the first
inference has made shapes static.
"""
from __future__ import annotations

import onnx
from onnx import ModelProto

from ..errors import INFERENCE_PROBLEM, CompileError, UnknownShape
from ..limits import check_size, memory_cap
from .fold import fold_once
from .gradient import expand_gradients
from .resolve import finish, resolve
from .resolve.structure import where
from .type_rules import apply_type_rules

_MAX_ROUNDS = 50


def _problem(e: Exception) -> str:
    text = " ".join(str(e).split())
    for noise in ("[ShapeInferenceError]", "[TypeInferenceError]", "Inference error(s):"):
        text = text.replace(noise, "")
    return " ".join(text.split())


def _infer(m: ModelProto) -> ModelProto:
    """Strict ONNX shape inference, else lenient (its complaint kept in
    errors.INFERENCE_PROBLEM to explain a shape that stays unknown), under an
    address-space cap; then every size it found checked against the limits."""
    headroom = max(4 << 30, 3 * m.ByteSize())
    try:
        with memory_cap(headroom):
            m = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True,
                                                  data_prop=True)
    except MemoryError:
        raise CompileError("ONNX shape inference ran out of memory: some size or constant "
                           "in the model is absurd", reason="shape inference out of memory")
    except Exception as strict_error:
        if INFERENCE_PROBLEM.get() is None:
            INFERENCE_PROBLEM.set(_problem(strict_error))
        try:
            with memory_cap(headroom):
                m = onnx.shape_inference.infer_shapes(m, data_prop=True)
        except Exception:
            raise UnknownShape(f"ONNX shape inference failed: {_problem(strict_error)}",
                               reason="shape inference failed") from None
    _check_sizes(m)
    return m


def _check_sizes(m: ModelProto) -> None:
    """Every size inference found within the limits, before anything of it is folded
    (negative dims are the importer's to explain)."""
    made = {o: n for n in m.graph.node for o in n.output}
    for vi in list(m.graph.value_info) + list(m.graph.output):
        tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if tt is None or not tt.HasField("shape") or \
                not all(d.HasField("dim_value") and d.dim_value >= 0 for d in tt.shape.dim):
            continue
        try:
            check_size(f"value '{vi.name}'", [d.dim_value for d in tt.shape.dim],
                       tt.elem_type or 1)
        except CompileError as e:
            node = made.get(vi.name)
            raise CompileError(str(e), where(node) if node else None, reason=e.reason) from None


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
