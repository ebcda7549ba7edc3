"""Scan: the body subgraph (compiled like a Loop's, ops/control.py) run once per position
along each scan input's axis, forwards or backwards. Slices along axis 0 are contiguous
and passed in place; other axes are gathered into (scattered from) scratch. Opset 8's
batch axis, axis 0 of every input and output, is an outer loop around the same scan.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..errors import CompileError
from ..ir import Value
from ._strided import Moves
from ._util import inp, norm_axis, out
from .control import LoopParams, Scratch, Slice, check_outputs, params, state
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class SliceCopy:
    """Steps (ops/_strided.Move) copying the slice of a scan input (`gather`) or output
    along a non-leading axis between the tensor, where the template points them at the
    slice of the iteration (`at`), and the temp in scratch."""
    at: Slice
    temp: str
    gather: bool
    steps: list


def _slice_copy(v: Value, axis: int, at: Slice, backward: bool, temp: str,
                gather: bool) -> SliceCopy:
    outer, n, inner = prod(v.shape[:axis]), v.shape[axis], prod(v.shape[axis + 1:])
    m = Moves(v.dtype)
    at = Slice(at.base, at.batch, inner, n - 1 if backward else None)
    if gather:
        m.move(temp, at.base, [outer, inner], [inner, 1], [n * inner, 1])
    else:
        m.move(at.base, temp, [outer, inner], [n * inner, 1], [inner, 1])
    return SliceCopy(at, temp, gather, m.steps)


def _sequence_lens(node, ctx, batch: int, n: int) -> None:
    lens = inp(node, ctx, 0)
    if lens is None:
        return
    if lens.data is None or (lens.data.reshape(-1) != n).any():
        raise CompileError("Scan with sequence_lens shorter than the scan axis is not "
                           "supported", node, reason="Scan: sequence_lens")


@op("Scan", since=8)
def lower_scan(node, ctx):
    body, a = node.attrs["body"], node.attrs
    v8 = node.version < 9
    first, n_in = int(v8), a["num_scan_inputs"]
    n_state = len(body.input) - n_in
    n_out = len(body.output) - n_state
    ins = [inp(node, ctx, first + k) for k in range(n_state + n_in)]
    outs = [out(node, ctx, k) if node.outputs[k] else None for k in range(n_state + n_out)]
    if any(v is not None and v.dtype.is_packed for v in ins + outs):
        raise CompileError("Scan of 4- or 2-bit tensors is not supported", node,
                           reason="Scan: packed dtype")
    batch = ins[n_state].shape[0] if v8 else 1
    per = lambda v: Value(v.name, v.dtype, v.shape[1:] if v8 else v.shape)   # one batch's
    axes_in = [0] * n_in if v8 else [norm_axis(x, len(v.shape), node) for x, v in
                                     zip(a.get("scan_input_axes") or [0] * n_in, ins[n_state:])]
    dirs_in = a.get("directions" if v8 else "scan_input_directions") or [0] * n_in
    axes_out = [0] * n_out if v8 else a.get("scan_output_axes") or [0] * n_out
    dirs_out = [0] * n_out if v8 else a.get("scan_output_directions") or [0] * n_out
    xs = [per(v) for v in ins[n_state:]]
    steps = xs[0].shape[axes_in[0]]
    if any(x.shape[ax] != steps for x, ax in zip(xs, axes_in)):
        raise CompileError("the scan inputs differ in length", node, reason="Scan: lengths")
    if v8:
        _sequence_lens(node, ctx, batch, steps)
    slices = [Value(x.name, x.dtype, x.shape[:ax] + x.shape[ax + 1:])
              for x, ax in zip(xs, axes_in)]
    keep = [True] * n_state + [o is not None for o in outs[n_state:]]
    sub = ctx.compile_subgraph(node, "body", [per(v) for v in ins[:n_state]] + slices,
                               node.inputs[first:first + n_state + n_in], keep)
    check_outputs(node, sub, [per(v) for v in ins[:n_state]], "the body's state output")

    scratch, states, temps, gathers, scatters = Scratch(), [], [], [], []
    # one batch's part of a tensor (opset 8 batches along axis 0)
    batched = lambda base, v: Slice(base, prod(per(v).shape) if batch > 1 else 0)
    for k, v in enumerate(ins[:n_state]):
        size = prod(per(v).shape)
        states.append(state(v.dtype.ctype, batched(f"in{first + k}", v), v.dtype.nbytes(size),
                            batched(f"out{k}", v) if outs[k] is not None else None, scratch))
    formal = {body.input[k].name: f"cur{k}" for k in range(n_state)}
    for j, (x, ax, s) in enumerate(zip(xs, axes_in, slices)):
        at = batched(f"in{first + n_state + j}", ins[n_state + j])
        if ax == 0:
            formal[body.input[n_state + j].name] = Slice(
                at.base, at.batch, s.size, steps - 1 if dirs_in[j] else None)
            continue
        tmp = f"g{j}"
        temps.append((x.dtype.ctype, tmp, scratch.ptr(x.dtype.ctype, s.nbytes)))
        gathers.append(_slice_copy(x, ax, at, dirs_in[j], tmp, True))
        formal[body.input[n_state + j].name] = tmp
    results = [f"nxt{k}" for k in range(n_state)]
    for j, y in enumerate(outs[n_state:]):
        if y is None:
            continue
        s = sub.graph.values[sub.graph.outputs[len(results)]]
        ax = norm_axis(axes_out[j], len(s.shape) + 1, node)
        y1 = per(y)
        at = batched(f"out{n_state + j}", y)
        if y1.shape != s.shape[:ax] + (steps,) + s.shape[ax:]:
            raise CompileError(f"scan output '{y.name}' is {list(y.shape)}, not the body's "
                               f"{list(s.shape)} stacked {steps} times", node,
                               reason="Scan: output shape")
        if ax == 0:
            results.append(Slice(at.base, at.batch, s.size, steps - 1 if dirs_out[j] else None))
            continue
        tmp = f"s{j}"
        temps.append((y.dtype.ctype, tmp, scratch.ptr(y.dtype.ctype, s.nbytes)))
        scatters.append(_slice_copy(y1, ax, at, dirs_out[j], tmp, False))
        results.append(tmp)
    ws = f"ws + {scratch.take(sub.workspace_bytes)}" if sub.workspace_bytes else "NULL"
    args, used = params(node, sub, formal, results, ws)
    p = LoopParams("scan", states, args, None, scratch.size > 0, gathers, scatters, temps,
                   count=steps, batch=batch)
    used |= set(range(first, first + n_state + n_in))
    return Kernel("ops/loop.c.j2", p, scratch=scratch.size, inputs=sorted(used),
                  subgraphs={"body": sub})
