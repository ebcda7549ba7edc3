"""Loop and SequenceMap expanded at compile time (frontend/resolve/structure.py rules), or a Loop
prepared for the C loop of ops/control.py; body_types serves Scan too (frontend/resolve/scan.py).

A Loop runs as a C loop when its body, with the iteration number known only at run
time, has static shapes and keeps its state's; its outputs then get the static types
ONNX inference leaves open. Otherwise (it carries sequences or optionals, whose
structure changes per iteration, or its shapes depend on the iteration) it is unrolled:
one copy of the body per iteration, which needs a constant trip count and a condition
that stays true. SequenceMap becomes one copy of its body per element.
"""
from __future__ import annotations

import numpy as np
from onnx import GraphProto, helper

from ...errors import CompileError
from .branches import localize, reads_structures
from ..scope import free_names, graph_attr, subgraph_model
from .structure import Ctx, kind_of, rule, where

MAX_UNROLL = 1024        # iterations a Loop may be unrolled to


def _passes_cond(body: GraphProto) -> bool:
    """Whether body's condition output is its condition input, unchanged."""
    name, made = body.output[0].name, {o: n for n in body.node for o in n.output}
    while name in made and made[name].op_type == "Identity":
        name = made[name].input[0]
    return name == body.input[1].name


def body_types(ctx: Ctx, body: GraphProto, formal: list) -> list | None:
    """The types of body's outputs when it runs on inputs of the types formal, if every
    shape in it is then static (a C loop can run it); [] if not, None until the types
    are known. Folding the body with the outer constants settles what ONNX inference of
    the whole graph cannot, e.g. an Unsqueeze whose axes the body reads from outside."""
    outer = {n: ctx.consts[n] if n in ctx.consts else ctx.types.get(n)
             for n in free_names(body)}
    if any(t is None for t in formal + list(outer.values())):
        return None
    try:
        m = ctx.settle_model(subgraph_model(body, formal, outer, ctx.opsets))
    except CompileError:
        return []
    types = {vi.name: vi.type for vi in list(m.graph.value_info) + list(m.graph.output)}
    made = [types.get(o) for n in m.graph.node for o in n.output if o]
    outs = [types.get(o.name) for o in m.graph.output]
    return outs if all(static(t) for t in made + outs) else []


def _static_body(node, ctx: Ctx, body: GraphProto) -> list | None:
    """body_types of a Loop's body run with an iteration number known only at run time,
    [] also when it changes the shape of its state."""
    scalar = lambda t: helper.make_tensor_type_proto(t, [])
    states = [ctx.type(s) for s in node.input[2:]]
    outs = body_types(ctx, body, [scalar(7), scalar(9)] + states)
    return [] if outs and any(o != s for o, s in zip(outs[1:], states)) else outs


def static(t) -> bool:
    return t is not None and kind_of(t) == "tensor" and t.tensor_type.HasField("shape") and \
        all(d.HasField("dim_value") for d in t.tensor_type.shape.dim)


def _settle(node, ctx: Ctx, outs: list) -> None:
    """Give a C loop's outputs the static types ONNX inference leaves open: the states'
    from the body, the scan outputs' one row per iteration of a constant trip count."""
    trip = ctx.const(node.input[0]) if node.input[0] else None
    n_state = len(node.input) - 2
    for k, (o, t) in enumerate(zip(node.output, outs[1:])):
        if not o or static(ctx.type(o)) or (k >= n_state and trip is None):
            continue
        if k >= n_state:
            dims = [int(np.asarray(trip).reshape(-1)[0])] + \
                [d.dim_value for d in t.tensor_type.shape.dim]
            t = helper.make_tensor_type_proto(t.tensor_type.elem_type, dims)
        ctx.settle(o, t)


@rule("Loop")
def loop(node, ctx: Ctx):
    states = list(node.input[2:])
    kinds = [ctx.kind(s) for s in states]
    if None in kinds:
        return None
    body = graph_attr(node, "body")
    if all(k == "tensor" for k in kinds):
        if reads_structures(node, ctx):
            return localize(node, ctx)
        outs = _static_body(node, ctx, body)
        if outs:
            _settle(node, ctx, outs)
        if outs is None or outs:
            return None             # a C loop (ops/control.py)
        why = "its body's shapes depend on the iteration"
    else:
        why = "it carries sequences"
    trip = ctx.const(node.input[0]) if node.input[0] else None
    cond = ctx.const(node.input[1]) if len(node.input) > 1 and node.input[1] else True
    if trip is None or cond is None or not (cond is True or _passes_cond(body)):
        return ctx.wait(node, f"this Loop runs unrolled ({why}), which needs a compile-time "
                        "trip count and a condition that stays true", node.input[:2])
    n = int(np.asarray(trip).reshape(-1)[0]) if bool(np.asarray(cond).reshape(-1)[0]) else 0
    if n > MAX_UNROLL:
        raise CompileError(f"this Loop runs unrolled ({why}) and runs {n} iterations; onnx2c "
                           f"unrolls at most {MAX_UNROLL}", where(node),
                           reason="Loop: too many iterations to unroll")
    n_scan = len(body.output) - 1 - len(states)
    if n_scan and n == 0:
        raise CompileError("a Loop that runs no iteration has empty scan outputs of unknown "
                           "shape", where(node), reason="Loop: empty scan output")
    true = ctx.add_const(f"{node.output[0]}/true", np.array(True))
    cond_in, nodes, scans = node.input[1] or true, [], [[] for _ in range(n_scan)]
    for it in range(n):
        last = it == n - 1
        i = ctx.add_const(f"{node.output[0]}/i{it}", np.array(it, np.int64))
        bind = dict(zip([x.name for x in body.input], [i, cond_in] + states))
        targets = [None] + (list(node.output[:len(states)]) if last else [None] * len(states))
        new, outs = ctx.inline(body, bind, targets + [None] * n_scan, f"{node.output[0]}/{it}/")
        nodes += new
        states = outs[1:1 + len(states)]
        for k, s in enumerate(outs[1 + len(states):]):
            scans[k].append(s)
    if n == 0:
        nodes += [helper.make_node("Identity", [s], [o])
                  for s, o in zip(states, node.output) if o]
    for k, parts in enumerate(scans):
        out = node.output[len(states) + k] if len(node.output) > len(states) + k else ""
        if not out:
            continue
        seq = ctx.fresh(f"{out}/iterations")
        nodes += [helper.make_node("SequenceConstruct", parts, [seq]),
                  helper.make_node("ConcatFromSequence", [seq], [out], axis=0, new_axis=1)]
    return nodes


@rule("SequenceMap")
def sequence_map(node, ctx: Ctx):
    body = graph_attr(node, "body")
    elements = {x: ctx.elements(x) for x in node.input if ctx.kind(x) != "tensor"}
    if any(v is None for v in elements.values()) or any(ctx.kind(x) is None for x in node.input):
        return None
    lengths = {len(v) for v in elements.values()}
    if len(lengths) != 1:
        raise CompileError(f"SequenceMap over sequences of lengths {sorted(lengths)}",
                           where(node), reason="SequenceMap: lengths differ")
    n = lengths.pop()
    nodes, results = [], [[] for _ in node.output]
    for k in range(n):
        bind = {f.name: elements[x][k] if x in elements else x
                for f, x in zip(body.input, node.input)}
        new, outs = ctx.inline(body, bind, [None] * len(node.output), f"{node.output[0]}/{k}/")
        nodes += new
        for r, o in zip(results, outs):
            r.append(o)
    types = [o.type.tensor_type.elem_type if kind_of(o.type) == "tensor" else None
             for o in body.output]
    return nodes + [ctx.construct(o, r, t) for o, r, t in zip(node.output, results, types) if o]
