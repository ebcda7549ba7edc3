"""Reduce* and ArgMax/ArgMin: one (kept loops) x (reduced loops) nest, ops differ in C expressions.

Each op supplies its accumulators (type, name, start value), per pass over the reduced
loops the updates of them from the loaded element `a`, and the result expression. Accumulators: floats in their compute type; integer sums and
products wrap in the unsigned type of the compute width (like the numpy reference; C's
signed overflow is UB); integer Mean/L2/LogSum/LogSumExp go through double.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import const, inp, norm_axis, out, runtime, strides
from ..ir.optable import Kernel, op

_SUMS = {  # op -> (start value, the new acc, result); {f}: math suffix, {u}: cast
    "ReduceSum": (0, "acc + {u}a", "acc"),
    "ReduceMean": (0, "acc + {u}a", "acc / {n}"),
    "ReduceProd": (1, "acc * {u}a", "acc"),
    "ReduceSumSquare": (0, "acc + {u}a * {u}a", "acc"),
    "ReduceL1": (0, "acc + {abs}", "acc"),
    "ReduceL2": (0, "acc + {u}a * {u}a", "sqrt{f}(acc)"),
    "ReduceLogSum": (0, "acc + {u}a", "log{f}(acc)"),
}
_EXTREMES = {"ReduceMax", "ReduceMin", "ArgMax", "ArgMin"}
_VIA_DOUBLE = {"ReduceMean", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"}
_MAX_CASES = 8      # loop nests a run-time axes input may choose among


@dataclass(frozen=True)
class Accumulator:
    """A variable kept over the reduced loops, declared `ctype name = start` (start None:
    the lane's first element)."""
    ctype: str
    name: str
    start: str | None


@dataclass(frozen=True)
class Update:
    """Per element `a`: if `when` holds (always when None), each target takes its value."""
    assigns: tuple[tuple[str, str], ...]
    when: str | None = None


@dataclass(frozen=True)
class ReduceCase:
    """One loop nest: kept loops i* (`outer`), reduced loops r* (`red`), one pass of the
    reduced loops per entry of `passes`; run when `cond` holds (run-time axes only).
    Offsets are strides per loop: of the element in in0 (`kept` for i*, `reduced` for
    r*), of the result in out0 (`out`); with `position`, the updates read `pos`, the
    element's index along the reduced axes (strides of r*)."""
    outer: list[int]
    red: list[int]
    accumulators: list[Accumulator]
    passes: list[list[Update]]
    kept: list[int]
    reduced: list[int]
    out: list[int]
    result: str
    cond: str | None = None
    position: list[int] | None = None


@dataclass(frozen=True)
class Reduce:
    """Parameters of templates/ops/reduce.c.j2; fuse_chains fills the last two (`full`:
    whether input j of the fused kernel has the reduced shape, else one element)."""
    cases: list[ReduceCase]
    mask: str | None                # C expression computing the run-time axes' bit set
    empty: bool                     # the output has no element
    stages: list | None = None
    full: list[bool] | None = None


def _reduced_axes(node, ctx, rank: int) -> list[int] | None:
    """Sorted reduced axes; None means 'no axes given'."""
    axes = node.attrs.get("axes")
    if axes is None and inp(node, ctx, 1) is not None and inp(node, ctx, 1).size:
        axes = const(node, ctx, 1, "the reduced axes").reshape(-1).tolist()
    if axes is not None and len({norm_axis(int(a), rank, node) for a in axes}) != len(axes):
        raise CompileError(f"axes {list(axes)} name an axis twice", node,
                           reason=f"{node.op_type}: repeated axis")
    if axes is None or len(axes) == 0:
        return None
    return sorted({norm_axis(int(a), rank, node) for a in axes})


def _split(shape, axes: set[int]):
    """Loop extents and input strides of the kept and the reduced axes.

    Size-1 axes vanish and neighbouring axes of one kind merge into one loop."""
    st = strides(shape)
    loops = {False: ([], []), True: ([], [])}
    prev = None
    for k, d in enumerate(shape):
        if d == 1:
            continue
        dims, strs = loops[k in axes]
        if prev == (k in axes):
            dims[-1] *= d
            strs[-1] = st[k]
        else:
            dims.append(d)
            strs.append(st[k])
        prev = k in axes
    return loops[False], loops[True]


def _extreme(node, x: DType, acc: str):
    """ReduceMax/Min and ArgMax/Min: keep the best element (NaN wins, like numpy)."""
    t = node.op_type
    cmp = "<" if t.endswith("Min") else ">"
    if t.startswith("Reduce"):
        if x.is_float:
            start = -np.inf if cmp == ">" else np.inf
        elif x == DType.BOOL:
            start = 0 if cmp == ">" else 1
        else:
            start = np.iinfo(x.np).min if cmp == ">" else np.iinfo(x.np).max
        nan = " || a != a" if x.is_float else ""
        return ([Accumulator(acc, "acc", scalar(start, acc))],
                [[Update((("acc", "a"),), f"a {cmp} acc{nan}")]], "acc")
    # select_last_index: ties (and NaNs) replace the best so far, otherwise the first stays
    last = node.attrs.get("select_last_index", 0)
    take = f"a {cmp}= best" if last else f"a {cmp} best"
    if x.is_float:
        take += " || a != a" if last else " || (a != a && best == best)"
    take_it = Update((("best", "a"), ("idx", "(int64_t)pos")), take)
    return [Accumulator(acc, "best", None), Accumulator("int64_t", "idx", "0")], [[take_it]], "idx"


def _sum_like(node, x: DType, acc: str, count: int):
    """The other reductions: a running sum or product, then a final function."""
    t, f = node.op_type, "" if acc == "double" else "f"
    u = "" if acc == x.compute else f"({acc})"
    if t == "ReduceLogSumExp":
        # subtract the max so exp cannot overflow; an infinite max is the answer itself
        return ([Accumulator(acc, "m", scalar(-np.inf, acc)), Accumulator(acc, "acc", scalar(0, acc))],
                [[Update((("m", f"{u}a"),), "a > m")], [Update((("acc", f"acc + exp{f}({u}a - m)"),))]],
                f"isinf(m) ? m : m + log{f}(acc)")
    start, body, result = _SUMS[t]
    if x.is_float or acc == "double":
        absval = f"fabs{f}({u}a)"
    else:   # |INT_MIN| only exists unsigned
        absval = f"(a < 0 ? 0u - {u}a : {u}a)" if x.is_signed else f"{u}a"
    return ([Accumulator(acc, "acc", scalar(start, acc))],
            [[Update((("acc", body.format(u=u, abs=absval)),))]],
            result.format(f=f, n=scalar(count, acc)))


def _acc_type(node, x: DType) -> str:
    t = node.op_type
    if x.is_float or t in _EXTREMES:
        return x.compute
    if not x.is_int:
        raise CompileError(f"{t} of {x.onnx_name} is not supported", node,
                           reason=f"{t}: dtype {x.onnx_name}")
    if t in _VIA_DOUBLE:
        return "double"
    return "uint64_t" if x.bits == 64 else "uint32_t"


def _runtime_cases(node, x, y) -> list[tuple[str, list[int]]]:
    """For axes known only at run time: the reductions the static shapes allow, each with
    the C condition on the axes' bit mask that selects it.

    Reducing a size-1 axis changes no value, only (without keepdims) the rank: with
    keepdims the shapes fix the one reduction and size-1 axes are free to join it;
    without, each way of deleting axes from x's shape that leaves y's is a candidate,
    those differing only in size-1 axes sharing one loop nest."""
    xs, ys, r = list(x.shape), list(y.shape), len(x.shape)
    keep, groups = node.attrs.get("keepdims", 1), {}
    if keep and len(ys) == r and all(b in (1, a) for a, b in zip(xs, ys)):
        axes = [k for k in range(r) if xs[k] != 1 and ys[k] != xs[k]]
        free = sum(1 << k for k in range(r) if xs[k] == 1)
        mask = sum(1 << k for k in axes)
        return [(f"(mask & {~free & ((1 << r) - 1):#x}u) == {mask:#x}u" if free else
                 f"mask == {mask:#x}u", axes)]
    for gone in itertools.combinations(range(r), r - len(ys)) if not keep else ():
        if [d for k, d in enumerate(xs) if k not in gone] == ys:
            groups.setdefault(tuple(k for k in gone if xs[k] != 1), []).append(
                sum(1 << k for k in gone))
    if not groups:
        raise CompileError(f"output shape {ys} is no reduction of {xs}", node,
                           reason="reduce: inconsistent shapes")
    return [(" || ".join(f"mask == {m:#x}u" for m in masks),
             [k for k in range(r) if masks[0] >> k & 1]) for masks in groups.values()]


def _case(node, x, y, axes: list[int], cond: str | None) -> ReduceCase:
    """Template parameters of the reduction over `axes`."""
    (kdims, kstr), (rdims, rstr) = _split(x.shape, set(axes))
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    acc, arg = _acc_type(node, x.dtype), node.op_type.startswith("Arg")
    if node.op_type in _EXTREMES:
        if count == 0 and y.size and arg:
            raise CompileError(f"{node.op_type} over an empty axis has no answer", node,
                               reason=f"{node.op_type} of an empty axis")
        accumulators, passes, result = _extreme(node, x.dtype, acc)
    else:
        accumulators, passes, result = _sum_like(node, x.dtype, acc, count)
        if y.dtype.is_int and acc == "double":   # NaN or out of range must not reach a cast
            result = f"o2c_f64_to_i64({result})"
    return ReduceCase(kdims, rdims, accumulators, passes if count else [], kstr, rstr,
                      strides(kdims), result, cond, strides(rdims) if arg else None)


@op("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
    "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin")
def lower_reduce(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    rank, mask = len(x.shape), None
    if node.op_type.startswith("Arg"):
        cases = [(None, [norm_axis(node.attrs.get("axis", 0), rank, node)])]
    elif node.attrs.get("axes") is None and runtime(node, ctx, 1) and inp(node, ctx, 1).size:
        # (a rank beyond 16 would have too many ways to drop axes to enumerate)
        cases = _runtime_cases(node, x, y) if len(y.shape) <= rank <= 16 else []
        if not 0 < len(cases) <= _MAX_CASES:
            const(node, ctx, 1, "the reduced axes")      # more than a kernel can choose among
        mask = f"o2c_axes_mask(in1, {inp(node, ctx, 1).size}u, {rank}, &mask)"
    else:
        axes = _reduced_axes(node, ctx, rank)
        if axes is None:
            axes = [] if node.attrs.get("noop_with_empty_axes", 0) else list(range(rank))
        cases = [(None, axes)]
    params = Reduce([_case(node, x, y, axes, cond) for cond, axes in cases], mask, y.size == 0)
    return Kernel("ops/reduce.c.j2", params, inputs=[0, 1] if mask else [0])
