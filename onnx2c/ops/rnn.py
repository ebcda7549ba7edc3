"""LSTM, GRU and RNN: one recurrent loop (templates/ops/rnn.c.j2) with per-op gate math.

Biases, peepholes, initial states and sequence_lens are read at run time; sequence_lens
is validated before use. Gate pre-activations are GEMMs of one row (runtime_c/o2c_gemm.h):
float32 weights that are constants are packed at compile time as the B operand of
x . W^T and h . R^T (GRU's R in two parts: the rows its reset gate scales separately),
float32 weights given at run time go to the generic GEMM, double to o2c_rnn.h.

With one direction and as many hidden units as inputs, Y may overwrite X: step t reads
X[t] whole before it writes Y[t], which has the same bytes (the memory planner decides).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..csyntax.literals import scalar as lit
from ..errors import CompileError
from ..ir import DType
from ._util import inp, wanted
from .packing import pack_b
from ..ir.optable import Kernel, op

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
_DEFAULT_ACTS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
# C expression of {x} per activation ({a}, {b}: alpha, beta; {f}: the float suffix)
_ACTS = {
    "relu": "({x} > 0 ? {x} : 0)",
    "tanh": "tanh{f}({x})",
    "sigmoid": "1 / (1 + exp{f}(-{x}))",
    "affine": "{a} * {x} + {b}",
    "leakyrelu": "({x} >= 0 ? {x} : {a} * {x})",
    "thresholdedrelu": "({x} > {a} ? {x} : 0)",
    "scaledtanh": "{a} * tanh{f}({b} * {x})",
    "hardsigmoid": "fmax{f}(0, fmin{f}(1, {a} * {x} + {b}))",
    "elu": "({x} >= 0 ? {x} : {a} * (exp{f}({x}) - 1))",
    "softsign": "{x} / (1 + fabs{f}({x}))",
    "softplus": "log{f}(1 + exp{f}({x}))",
}
# defaults of the alpha (and beta) an activation takes, those of the matching ONNX op;
# activation_alpha/beta are consumed in order by the activations that take them
_PARAMS = {"affine": (1.0, 0.0), "leakyrelu": (0.01,), "thresholdedrelu": (1.0,),
           "scaledtanh": (1.0, 1.0), "hardsigmoid": (0.2, 0.5), "elu": (1.0,)}


def _activations(node, dirs: int, ct: str) -> list:
    """Per activation slot (f, g, h), a C format string of {x}, or the (forward, backward)
    pair of them when the function differs between the directions (the template chooses
    on the direction at run time)."""
    a, per = node.attrs, len(_DEFAULT_ACTS[node.op_type])
    names = a.get("activations") or _DEFAULT_ACTS[node.op_type] * dirs
    if dirs == 1 and len(names) == 2 * per:
        names = names[:per]     # RNN's schema default names both directions' functions
    if len(names) != per * dirs:
        raise CompileError(f"expected {per * dirs} activations, got {len(names)}", node,
                           reason=f"{node.op_type} activations")
    alphas, betas = list(a.get("activation_alpha") or []), list(a.get("activation_beta") or [])
    exprs = []
    for name in names:
        key = name.lower()
        if key not in _ACTS:
            raise CompileError(f"unknown activation '{name}'", node,
                               reason=f"{node.op_type} activation {name}")
        dflt = _PARAMS.get(key, ())
        alpha = (alphas.pop(0) if alphas else dflt[0]) if len(dflt) > 0 else 0.0
        beta = (betas.pop(0) if betas else dflt[1]) if len(dflt) > 1 else 0.0
        exprs.append(_ACTS[key].format(x="{x}", a=lit(alpha, ct), b=lit(beta, ct),
                                       f="f" if ct == "float" else ""))
    slots = []
    for k in range(per):
        fwd, bwd = exprs[k], exprs[(dirs - 1) * per + k]
        slots.append(fwd if fwd == bwd else (fwd, bwd))
    return slots


_VECTOR_ACTS = {"sigmoid": "SIGMOID", "tanh": "TANH", "relu": "RELU"}


def _vector_slots(node, dirs: int) -> list[str] | None:
    """O2C_ACT_ names of the activation slots when each is the same parameterless
    function in every direction and o2c_act_run_f32 computes it; else None."""
    per = len(_DEFAULT_ACTS[node.op_type])
    names = [n.lower() for n in (node.attrs.get("activations") or
                                 _DEFAULT_ACTS[node.op_type] * dirs)]
    names = names[:per] if dirs == 1 else names
    if len(names) != per * dirs:
        return None
    slots = []
    for k in range(per):
        fwd, bwd = names[k], names[(dirs - 1) * per + k]
        if fwd != bwd or fwd not in _VECTOR_ACTS:
            return None
        slots.append(_VECTOR_ACTS[fwd])
    return slots


@dataclass(frozen=True)
class Recurrence:
    """Parameters of templates/ops/rnn.c.j2. T steps, B batch rows, I inputs, H hidden
    units, D directions, G gates (the shapes' letters in the ONNX spec)."""
    kind: str                       # "RNN", "GRU" or "LSTM"
    T: int
    B: int
    I: int  # noqa: E741
    H: int
    D: int
    G: int
    direction: str                  # "forward", "reverse" or "bidirectional"
    bias: bool                      # which optional inputs are present
    seq_lens: bool
    init_h: bool
    init_c: bool
    peep: bool
    y: bool                         # which outputs are wanted
    y_h: bool
    y_c: bool
    r_bias_rows: int                # rows of R's bias added with the others (GRU: not h~'s)
    lbr: bool                       # GRU's linear_before_reset
    input_forget: bool
    clip: str | None                # C literal of the cell clip, or None
    act: list                       # per slot: its activation, or (forward, backward) ones
    gemv: str                       # "packed", "generic" (float32) or "f64"
    vec: list | None                # vector activation per slot, or None for scalar gates
    xs: tuple[int, int]             # element strides of X by (t, b)
    ys: tuple[int, int, int]        # of Y by (t, d, b)
    hs: tuple[int, int]             # of the initial and final states by (d, b)
    w_at: list[int] = field(default_factory=list)   # packed W, R: where each part starts
    r_at: list[int] = field(default_factory=list)


def _strides(layout: int, seq: int, batch: int, dirs: int, hidden: int, size: int) -> dict:
    """Element strides of X by (t, b), Y by (t, d, b), initial and final states by (d, b)."""
    if layout:
        return {"xs": (size, seq * size), "ys": (dirs * hidden, hidden, seq * dirs * hidden),
                "hs": (hidden, dirs * hidden)}
    return {"xs": (batch * size, size), "ys": (dirs * batch * hidden, batch * hidden, hidden),
            "hs": (batch * hidden, hidden)}


def _check_weights(node, ctx, dirs: int, rows: int, size: int, hidden: int, batch: int) -> None:
    """W, R, B, sequence_lens, initial states and peepholes have the shapes the spec
    gives for these sizes (the kernel indexes them so)."""
    want = {1: (dirs, rows, size), 2: (dirs, rows, hidden), 3: (dirs, 2 * rows),
            4: (batch,), 5: (dirs, batch, hidden), 6: (dirs, batch, hidden), 7: (dirs, 3 * hidden)}
    if node.attrs.get("layout", 0):
        want.update({5: (batch, dirs, hidden), 6: (batch, dirs, hidden)})
    if node.domain not in ("", "ai.onnx"):      # the 8-bit LSTM: W and R come packed
        del want[1], want[2]
    for i, shape in want.items():
        v = inp(node, ctx, i)
        if v is not None and v.shape != shape:
            raise CompileError(f"input {i} ('{v.name}') has shape {list(v.shape)}; "
                               f"hidden_size={hidden} and the input need {list(shape)}", node,
                               reason=f"{node.op_type}: weight shapes")


def _packed(w: np.ndarray, parts: list[int]) -> tuple[np.ndarray, list[int]]:
    """W (dirs, rows, cols) as packed B operands of x . W^T, one per direction and per
    row range `parts` splits the rows into, one after the other; and where each part of
    direction 0 starts (direction d adds d times their total)."""
    blocks, starts, at = [], [], 0
    for d in range(w.shape[0]):
        lo = 0
        for n in parts:
            blocks.append(pack_b(w[d, lo:lo + n].T))
            if d == 0:
                starts.append(at)
                at += blocks[-1].size
            lo += n
    return np.concatenate(blocks), starts + [at]


@op("RNN", "GRU", "LSTM", since=7)
def lower_rnn(node, ctx):
    x, kind, a = inp(node, ctx, 0), node.op_type, node.attrs
    if x.dtype.compute not in ("float", "double") or x.dtype.ctype == "uint16_t":
        raise CompileError(f"{kind} is supported for float and double, not {x.dtype.onnx_name}",
                           node, reason=f"{kind} {x.dtype.onnx_name}")
    direction, layout, ct = a.get("direction", "forward"), a.get("layout", 0), x.dtype.compute
    if direction not in ("forward", "reverse", "bidirectional"):
        raise CompileError(f"unknown direction '{direction}'", node, reason=f"{kind} direction")
    dirs, gates = (2 if direction == "bidirectional" else 1), _GATES[kind]
    seq, batch = (x.shape[1], x.shape[0]) if layout else (x.shape[0], x.shape[1])
    hidden, size = a.get("hidden_size") or inp(node, ctx, 2).shape[-1], x.shape[2]
    if 0 in (seq, batch, hidden):
        raise CompileError(f"{kind} with an empty sequence, batch or state", node,
                           reason=f"empty {kind}")
    _check_weights(node, ctx, dirs, gates * hidden, size, hidden, batch)
    has = lambda i: inp(node, ctx, i) is not None
    lstm, clip = kind == "LSTM", a.get("clip")
    params = Recurrence(
        kind=kind, T=seq, B=batch, I=size, H=hidden, D=dirs, G=gates,
        direction=direction,
        bias=has(3), seq_lens=has(4), init_h=has(5), init_c=lstm and has(6), peep=lstm and has(7),
        y=wanted(node, 0), y_h=wanted(node, 1), y_c=lstm and wanted(node, 2),
        # GRU adds R's bias of the candidate gate with R's product, not with the others
        r_bias_rows=(2 if kind == "GRU" else gates) * hidden,
        lbr=bool(a.get("linear_before_reset", 0)), input_forget=bool(a.get("input_forget", 0)),
        clip=None if clip is None else lit(clip, ct), act=_activations(node, dirs, ct),
        gemv="f64" if ct == "double" else "generic",
        # float gates apply their activations in vector passes (o2c_act_run_f32)
        vec=_vector_slots(node, dirs) if ct == "float" and not (lstm and has(7)) else None,
        **_strides(layout, seq, batch, dirs, hidden, size))
    w, r = inp(node, ctx, 1), inp(node, ctx, 2)
    packed = {}
    if ct == "float" and w.dtype == DType.FLOAT and w.is_const and r.is_const:
        rows = gates * hidden
        packed[1], w_at = _packed(w.data, [rows])
        bias_rows = params.r_bias_rows
        packed[2], r_at = _packed(r.data, [bias_rows] + ([rows - bias_rows] if kind == "GRU" else []))
        params = replace(params, w_at=w_at, r_at=r_at, gemv="packed")
    # gate pre-activations, the state h (and c) of every batch row, GRU's candidate product
    floats = gates * hidden + batch * hidden * (2 if lstm else 1) + (hidden if kind == "GRU" else 0)
    inplace = [0] if dirs == 1 and size == hidden else []
    return Kernel("ops/rnn.c.j2", params, scratch=floats * (4 if ct == "float" else 8),
                  packed=packed, inplace=inplace)
