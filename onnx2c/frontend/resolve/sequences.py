"""Sequence and optional ops rewritten towards their canonical forms (frontend/resolve/structure.py).

Each rule returns the nodes that replace its node, or None to keep it (after ctx.wait
when a constant or a static shape is missing). Elements are cut and joined with Slice,
Gather, Reshape and Concat, in the input forms every opset with sequences shares.
"""
from __future__ import annotations

import numpy as np
from onnx import NodeProto, helper

from ...errors import CompileError
from .structure import Ctx, rule, where


def _attr(node: NodeProto, name: str, default=None):
    a = next((a for a in node.attribute if a.name == name), None)
    return default if a is None else helper.get_attribute_value(a)


def position(node: NodeProto, value: np.ndarray, n: int, what: str) -> int:
    """A position in a sequence of n tensors, negative ones counting from the back (an
    insert position may also be n: append)."""
    p = int(np.asarray(value).reshape(-1)[0])
    if not -n <= p < n + (what == "insert"):
        raise CompileError(f"{what} position {p} is out of range for a sequence of {n} "
                           "tensors", where(node),
                           reason=f"{node.op_type}: position out of range")
    return p + n if p < 0 else p


def _reshape(ctx: Ctx, x: str, shape) -> tuple[NodeProto, str]:
    out = ctx.fresh(f"{x}/reshaped")
    shp = ctx.add_const(f"{out}/shape", np.array(shape, np.int64))
    return helper.make_node("Reshape", [x, shp], [out]), out


@rule("Identity")
def copy(node, ctx: Ctx):
    """Identity of a sequence or optional (how the other rules copy them): a twin of its
    canonical producer."""
    p = ctx.producer.get(node.input[0])
    if p is None or p.op_type not in ("SequenceConstruct", "SequenceEmpty", "Optional"):
        return None
    twin = NodeProto()
    twin.CopyFrom(p)
    twin.name = node.name
    del twin.output[:]
    twin.output.append(node.output[0])
    return [twin]


@rule("SequenceInsert", "SequenceErase")
def insert_erase(node, ctx: Ctx):
    els = ctx.elements(node.input[0])
    if els is None:
        return None
    insert = node.op_type == "SequenceInsert"
    k = 2 if insert else 1
    if len(node.input) > k and node.input[k]:
        c = ctx.const(node.input[k])
        if c is None:
            return ctx.wait(node, "the position is only known at run time", [node.input[k]])
        pos = position(node, c, len(els), "insert" if insert else "erase")
    else:
        pos = len(els) if insert else len(els) - 1
    new = els[:pos] + [node.input[1]] + els[pos:] if insert else els[:pos] + els[pos + 1:]
    return [ctx.construct(node.output[0], new, ctx.elem_type(node.input[0]))]


@rule("SequenceAt")
def sequence_at(node, ctx: Ctx):
    els = ctx.elements(node.input[0])
    if els is None:
        return None
    c = ctx.const(node.input[1])
    if c is not None:
        return [helper.make_node("Identity", [els[position(node, c, len(els), "at")]],
                                 [node.output[0]])]
    shapes = {ctx.shape(e) for e in els}
    if len(shapes) != 1 or None in shapes:
        return ctx.wait(node, "the position is only known at run time and the elements' "
                        "shapes differ", [node.input[1]])
    # equal shapes: stack the elements and gather the one asked for (a checked index)
    stacked = ctx.fresh(f"{node.input[0]}/stacked")
    seq = ctx.fresh(f"{node.input[0]}/copy")
    return [helper.make_node("SequenceConstruct", els, [seq]),
            helper.make_node("ConcatFromSequence", [seq], [stacked], axis=0, new_axis=1),
            helper.make_node("Gather", [stacked, node.input[1]], [node.output[0]], axis=0)]


@rule("SequenceLength")
def sequence_length(node, ctx: Ctx):
    els = ctx.elements(node.input[0])
    if els is None:
        return None
    ctx.add_const("", np.array(len(els), np.int64), name=node.output[0])
    return []


@rule("ConcatFromSequence")
def concat_from_sequence(node, ctx: Ctx):
    els = ctx.elements(node.input[0])
    if els is None:
        return None
    if not els:
        raise CompileError("ConcatFromSequence of an empty sequence", where(node),
                           reason="ConcatFromSequence: empty sequence")
    shapes = [ctx.shape(e) for e in els]
    if None in shapes:
        return ctx.wait(node, "an element's shape is not static", [])
    new_axis = _attr(node, "new_axis", 0)
    rank = len(shapes[0]) + bool(new_axis)
    axis = _attr(node, "axis")
    if not -rank <= axis < rank:
        raise CompileError(f"axis {axis} is out of range", where(node), reason="axis out of range")
    axis %= rank
    nodes, parts = [], list(els)
    if new_axis:
        for k, (e, s) in enumerate(zip(els, shapes)):
            n, parts[k] = _reshape(ctx, e, s[:axis] + (1,) + s[axis:])
            nodes.append(n)
    if len(parts) == 1:
        return nodes + [helper.make_node("Identity", parts, [node.output[0]])]
    return nodes + [helper.make_node("Concat", parts, [node.output[0]], axis=axis)]


def _split_sizes(node, ctx: Ctx, n: int) -> tuple[list[int], bool] | None:
    if len(node.input) < 2 or not node.input[1]:
        return [1] * n, bool(_attr(node, "keepdims", 1))
    c = ctx.const(node.input[1])
    if c is None:
        return ctx.wait(node, "the split sizes are only known at run time", [node.input[1]])
    if c.ndim == 0:
        size = int(c)
        if size <= 0:
            raise CompileError(f"split size {size} is not positive", where(node),
                               reason="bad split")
        return [size] * (n // size) + ([n % size] if n % size else []), True
    if int(c.sum()) != n or (c < 0).any():
        raise CompileError(f"split sizes {c.tolist()} do not add up to {n}", where(node),
                           reason="bad split")
    return [int(s) for s in c], True


@rule("SplitToSequence")
def split_to_sequence(node, ctx: Ctx):
    x = node.input[0]
    shape = ctx.shape(x)
    if shape is None:
        return ctx.wait(node, "the input's shape is not static", [])
    axis = _attr(node, "axis", 0)
    if not -len(shape) <= axis < len(shape):
        raise CompileError(f"axis {axis} is out of range", where(node), reason="axis out of range")
    axis %= len(shape)
    sizes = _split_sizes(node, ctx, shape[axis])
    if sizes is None:
        return None
    sizes, keep = sizes
    nodes, els, start = [], [], 0
    axes = ctx.add_const(f"{x}/axis", np.array([axis], np.int64)) if keep else None
    for size in sizes:
        name = ctx.fresh(f"{node.output[0]}/{len(els)}")
        begin = ctx.add_const(f"{name}/start", np.array([start] if keep else start, np.int64))
        if keep:
            end = ctx.add_const(f"{name}/end", np.array([start + size], np.int64))
            nodes.append(helper.make_node("Slice", [x, begin, end, axes], [name]))
        else:           # one index along axis, which the element drops: a Gather
            nodes.append(helper.make_node("Gather", [x, begin], [name], axis=axis))
        els.append(name)
        start += size
    return nodes + [ctx.construct(node.output[0], els, ctx.elem_type(x))]


@rule("OptionalHasElement")
def has_element(node, ctx: Ctx):
    held = ctx.presence(node.input[0] if node.input else "")
    if held is None:
        return None
    ctx.add_const("", np.array(held != ""), name=node.output[0])
    return []


@rule("OptionalGetElement")
def get_element(node, ctx: Ctx):
    held = ctx.presence(node.input[0])
    if held is None:
        return None
    if held == "":
        raise CompileError("OptionalGetElement of an optional that is always empty", where(node),
                           reason="OptionalGetElement: empty optional")
    return [helper.make_node("Identity", [held], [node.output[0]])]
