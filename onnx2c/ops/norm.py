"""Normalizations: statistics of a group of elements, then a per-element affine map.

Every op here views X (possibly reshaped, e.g. GroupNormalization splits C into groups) as
groups picked by some axes (the template's outer loops) whose members run along the other
axes (its inner loops); the ops differ only in C snippets for the statistics and the final
expression.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import broadcast_loops, inp, norm_axis, require_float, wanted
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class Normalization:
    """templates/ops/norm.c.j2: groups over the `outer` loops, members over the `inner`
    loops, n members a group (a literal of `acc`, the accumulator type); `members`: per
    loop of the view, in order, whether it runs over a group's members; x_strides,
    g_strides: element strides of X and of its group (the per-group outputs) per loop;
    `inputs`: (input k, its strides) of the per-element inputs; mean, spread, inv, y: C
    expressions (see _norm); stats: (output index, expression) of per-group statistics."""
    outer: list[int]
    inner: list[int]
    acc: str
    n: str
    members: list[bool]
    x_strides: list[int]
    g_strides: list[int]
    inputs: list[tuple[int, list[int]]]
    mean: str | None
    spread: str | None
    inv: str
    y: str
    stats: list[tuple[int, str]]


@dataclass(frozen=True)
class Lrn:
    """templates/ops/lrn.c.j2: N x C x S elements; each sums the squares of the `before`
    channels before and `after` after its own; bias, alpha, beta: literals."""
    n: int
    c: int
    s: int
    before: int
    after: int
    bias: str
    alpha: str
    beta: str


def _norm(node, ctx, view, inner, *, mean=None, spread=None, inv, y="d * inv", stats=(),
          params=(), acc=None) -> Kernel:
    """Kernel normalizing X (seen with shape `view`) over the `inner` axes of the view.

    `params` are (input index, shape broadcast against the view) of per-element inputs,
    referred to as {in<k>} in the snippets (the template reads them at its loops); mean
    is None (no centering), "pass" (the group mean) or an expression; `spread` is summed
    over d = x - mean into s; {n} is the group size. `inv` is the multiplier, `y` the
    result, `stats` (output index, expression) pairs of per-group outputs; {g<k>} reads
    input k at the group.
    """
    x = inp(node, ctx, 0)
    acc = acc or x.dtype.compute
    require_float(node, x)
    for k, shape in params:
        _check_param(node, inp(node, ctx, k), shape, view)
    group = [1 if k in inner else d for k, d in enumerate(view)]
    dims, strs = broadcast_loops(view, [view, group] + [s for _, s in params])
    members = [s == 0 for s in strs[1]]      # the group's offset does not move along them
    subs = {"n": scalar(math.prod(d for d, m in zip(dims, members) if m), acc),
            "f": "" if acc == "double" else "f", "acc": acc}
    # per-element inputs stay {in<k>}, {g<k>}: the template reads them at its loops
    subs.update({f"{at}{k}": f"{{{at}{k}}}" for k, _ in params for at in ("in", "g")})
    fmt = lambda e: e.format(**subs) if e else e
    y_val = ctx.graph.values[node.outputs[0]]
    # each group is read in full before its outputs are stored at the same offsets
    same = y_val.shape == x.shape and y_val.dtype.bits == x.dtype.bits
    return Kernel("ops/norm.c.j2", inplace=[0] if same else [], params=Normalization(
        [d for d, m in zip(dims, members) if not m], [d for d, m in zip(dims, members) if m],
        acc, subs["n"], members, strs[0], strs[1],
        [(k, s) for (k, _), s in zip(params, strs[2:])], fmt(mean), fmt(spread), fmt(inv), fmt(y),
        [(k, fmt(e)) for k, e in stats if wanted(node, k)]))


def _check_param(node, v, shape, view) -> None:
    """A scale, bias, mean or variance input holds exactly `shape`, which broadcasts
    against the view of X (the kernel indexes it that way)."""
    if v is None:
        return
    tail = list(view[len(view) - len(shape):]) if len(shape) <= len(view) else None
    if math.prod(shape) != v.size or tail is None or \
            any(a not in (1, b) for a, b in zip(shape, tail)):
        raise CompileError(f"'{v.name}' has shape {list(v.shape)}, which does not fit the "
                           f"input {list(view)}", node, reason=f"{node.op_type}: parameter shape")


def _eps(node, acc: str) -> str:
    return scalar(node.attrs.get("epsilon", 1e-5), acc)


def _stash(node, x) -> str:
    """Accumulate in double when the stash type or X asks for it, else in float."""
    return "double" if node.attrs.get("stash_type") == DType.DOUBLE else x.dtype.compute


def _affine(node, ctx, shape=None) -> tuple[list, str]:
    """Scale (input 1) and optional bias (input 2), seen with `shape` (default: their own,
    broadcast against X), and the y snippet."""
    params, y = [(1, shape or inp(node, ctx, 1).shape)], "d * inv * {in1}"
    if inp(node, ctx, 2) is not None:
        params.append((2, shape or inp(node, ctx, 2).shape))
        y += " + {in2}"
    return params, y


_STD = "({acc})1 / sqrt{f}(s / {n} + %s)"      # 1 / sqrt(variance + epsilon)


@op("LayerNormalization", since=17)
@op("RMSNormalization", since=23)
def lower_layer_norm(node, ctx):
    x = inp(node, ctx, 0)
    r = len(x.shape)
    axis = norm_axis(node.attrs.get("axis", -1), r, node)
    acc = _stash(node, x)
    params, y = _affine(node, ctx)
    if node.op_type == "RMSNormalization":
        return _norm(node, ctx, x.shape, range(axis, r), spread="d * d", inv=_STD % _eps(node, acc),
                     y=y, params=params, acc=acc)
    return _norm(node, ctx, x.shape, range(axis, r), mean="pass", spread="d * d",
                 inv=_STD % _eps(node, acc), y=y, params=params, acc=acc,
                 stats=[(1, "mean"), (2, "inv")])


@op("InstanceNormalization")
def lower_instance_norm(node, ctx):
    x = inp(node, ctx, 0)
    r = len(x.shape)
    params, y = _affine(node, ctx, (x.shape[1],) + (1,) * (r - 2))
    return _norm(node, ctx, x.shape, range(2, r), mean="pass", spread="d * d",
                 inv=_STD % _eps(node, x.dtype.compute), y=y, params=params)


# opset 18's per-group scale is deprecated: onnx.checker rejects it
@op("GroupNormalization", since=21)
def lower_group_norm(node, ctx):
    x = inp(node, ctx, 0)
    groups, (n, c, *rest) = node.attrs["num_groups"], x.shape
    if c % groups:
        raise CompileError(f"{c} channels do not split into {groups} groups", node,
                           reason="GroupNormalization: channels not divisible by groups")
    params, y = _affine(node, ctx, (groups, c // groups) + (1,) * len(rest))
    acc = _stash(node, x)
    return _norm(node, ctx, (n, groups, c // groups, *rest), range(2, 3 + len(rest)),
                 mean="pass", spread="d * d", inv=_STD % _eps(node, acc), y=y, params=params,
                 acc=acc)


@op("BatchNormalization")
def lower_batch_norm(node, ctx):
    x = inp(node, ctx, 0)
    r = len(x.shape)
    spatial = node.attrs.get("spatial", 1)
    shape = (x.shape[1],) + (1,) * (r - 2) if spatial else x.shape[1:]
    inner = [0] + (list(range(2, r)) if spatial else [])
    acc, params = x.dtype.compute, [(k, shape) for k in (1, 2, 3, 4)]
    eps, y = _eps(node, acc), "d * inv * {in1} + {in2}"
    training = node.attrs.get("training_mode", 0) if node.version >= 14 else \
        any(node.outputs[1:])
    if not training:
        return _norm(node, ctx, x.shape, inner, mean="{g3}", y=y, params=params,
                     inv=f"({{acc}})1 / sqrt{{f}}({{g4}} + {eps})")
    m = scalar(node.attrs.get("momentum", 0.9), acc)
    # running statistics blend in the batch's (population) mean and variance
    stats = [(1, f"{{g3}} * {m} + mean * (1 - {m})"),
             (2, f"{{g4}} * {m} + s / {{n}} * (1 - {m})"), (3, "mean"), (4, "s / {n}")]
    return _norm(node, ctx, x.shape, inner, mean="pass", spread="d * d", inv=_STD % eps, y=y,
                 params=params, stats=stats)


@op("MeanVarianceNormalization", since=9)
def lower_mvn(node, ctx):
    x = inp(node, ctx, 0)
    r = len(x.shape)
    axes = {norm_axis(a, r, node) for a in node.attrs.get("axes", [0, 2, 3])}
    # the ONNX function adds epsilon to the standard deviation, not to the variance
    return _norm(node, ctx, x.shape, axes, mean="pass", spread="d * d",
                 inv="({acc})1 / (sqrt{f}(s / {n}) + " + scalar(1e-9, x.dtype.compute) + ")")


@op("LpNormalization")
def lower_lp_norm(node, ctx):
    x = inp(node, ctx, 0)
    axis = norm_axis(node.attrs.get("axis", -1), len(x.shape), node)
    p = node.attrs.get("p", 2)
    if p not in (1, 2):
        raise CompileError(f"LpNormalization with p={p} is not supported (only 1 and 2)", node,
                           reason="LpNormalization: p not 1 or 2")
    norm = "s" if p == 1 else "sqrt{f}(s)"
    # a zero norm gives zeros, like the reference, rather than 0/0
    return _norm(node, ctx, x.shape, {axis}, spread="fabs{f}(d)" if p == 1 else "d * d",
                 inv="s == 0 ? ({acc})0 : ({acc})1 / " + norm)


@op("LRN")
def lower_lrn(node, ctx):
    x = inp(node, ctx, 0)
    if not x.dtype.is_float or len(x.shape) < 2:
        raise CompileError(f"LRN of {x.dtype.onnx_name} {list(x.shape)} is not supported", node,
                           reason="LRN: not a float tensor of rank >= 2")
    size, c = node.attrs["size"], x.dtype.compute
    n, ch, rest = x.shape[0], x.shape[1], math.prod(x.shape[2:])
    return Kernel("ops/lrn.c.j2", Lrn(
        n, ch, rest, (size - 1) // 2, size // 2, scalar(node.attrs.get("bias", 1.0), c),
        scalar(node.attrs.get("alpha", 1e-4) / size, c), scalar(node.attrs.get("beta", 0.75), c)))
