"""The driver of the compile-time rules (frontend/resolve/structure.py): one pass over the graph per
shape-inference round, then, once nothing changes, the check that no sequence or optional
is left.

A pass walks the nodes in order; a node a rule replaces gives way to the replacement
nodes, which are walked next (so an inlined branch is resolved in the same pass). Then
sequence and optional graph outputs are flattened into the tensors they hold, and
sequence and optional nodes nothing reads any more are removed.
"""
from __future__ import annotations

from collections import deque

from onnx import ModelProto, NodeProto, TypeProto, helper

from ...errors import CompileError, NeedsConstant
from . import branches, scan, sequences, unroll  # noqa: F401  (register the rules)
from ..scope import inputs_upstream, reads, rename_node
from .structure import RULES, STRUCTURAL, Ctx, element_name, kind_of, where


def _flatten_outputs(ctx: Ctx, done: list[NodeProto]) -> list[NodeProto]:
    """Sequence graph outputs become one output per element, named NAME[k]; an optional
    output the value it holds (nothing when empty). An element a node of done computes
    is renamed to its output name; others are copied (Identity nodes, returned)."""
    nodes, outs, g, renames = [], [], ctx.g, {}
    fixed = {i.name for i in g.input} | {o.name for o in g.output} | set(ctx.consts)
    for o in g.output:
        kind = kind_of(o.type) or ctx.kind(o.name)
        held = ctx.presence(o.name) if kind == "optional" else o.name
        els = None if kind not in ("sequence", "optional") or not held else \
            ctx.elements(held) if ctx.kind(held) == "sequence" else [held]
        if held == "":
            continue                    # an empty optional: no output at all
        if els is None:
            outs.append(o)
            continue
        names = [o.name] if ctx.kind(held) != "sequence" else \
            [element_name(o.name, k) for k in range(len(els))]
        renames[o.name] = ctx.fresh(f"{o.name}/whole")     # frees the name for a tensor
        for name, e in zip(names, els):
            if e in ctx.producer and e not in fixed and e not in renames:
                renames[e] = name
            elif e != name:
                nodes.append(helper.make_node("Identity", [renames.get(e, e)], [name]))
            outs.append(helper.make_value_info(name, TypeProto()))
    if [o.name for o in outs] != [o.name for o in g.output]:
        del g.output[:]
        g.output.extend(outs)
    for n in done if renames else []:
        rename_node(n, renames)
    return nodes


def _remove_dead(ctx: Ctx, nodes: list[NodeProto]) -> list[NodeProto]:
    needed = {o.name for o in ctx.g.output}
    keep = []
    for n in reversed(nodes):
        if n.op_type in STRUCTURAL and n.domain in ("", "ai.onnx") and \
                not any(o in needed for o in n.output if o) and \
                (n.op_type != "Identity" or ctx.kind(n.input[0]) != "tensor"):
            continue
        keep.append(n)
        needed.update(reads(n))
    return keep[::-1]


def resolve(m: ModelProto, settle) -> tuple[bool, list]:
    """One pass of every rule over the graph: whether it changed, and the rules waiting.
    settle is frontend.settle, which rules call on subgraphs."""
    ctx, g = Ctx(m, settle), m.graph
    outputs = [o.name for o in g.output]
    queue, done, changed = deque(g.node), [], False
    while queue:
        node = queue.popleft()
        fn = RULES.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        new = fn(node, ctx) if fn else None
        if new is None:
            done.append(node)
            ctx.producer.update({o: node for o in node.output if o})
            continue
        changed = True
        queue.extendleft(reversed(new))
    flat = _flatten_outputs(ctx, done)
    kept = _remove_dead(ctx, done + flat)
    changed |= bool(ctx.inits or flat) or len(kept) != len(g.node) or ctx.settled or \
        [o.name for o in g.output] != outputs
    if changed:
        del g.node[:]
        g.node.extend(kept)
        g.initializer.extend(ctx.inits)
        folded = {t.name for t in ctx.inits}
        vis = [vi for vi in g.value_info if vi.name not in folded]
        del g.value_info[:]
        g.value_info.extend(vis)
    return changed, ctx.waiting


def finish(m: ModelProto, waiting: list) -> None:
    """After the last round: any sequence or optional left is an error, best explained by
    the first rule still waiting (naming the graph inputs to freeze when it waits for a
    constant)."""
    g = m.graph
    for node, message, needs in waiting:
        ups = inputs_upstream(g, needs)
        if ups:
            raise NeedsConstant(ups, where(node), message)
        raise CompileError(message, where(node), reason=f"{node.op_type}: {message}")
    types = {vi.name: vi.type for vi in list(g.value_info) + list(g.output) + list(g.input)}
    for n in g.node:
        for name in list(n.output) + list(n.input):
            if kind_of(types.get(name)) in ("sequence", "optional") or \
                    n.op_type in STRUCTURAL - {"Identity"}:
                raise CompileError(f"'{name}' is a sequence or optional onnx2c cannot resolve "
                                   "at compile time", where(n),
                                   reason=f"{n.op_type}: unresolved sequence")
