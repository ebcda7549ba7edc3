"""If decided or flattened at compile time (frontend/resolve/structure.py rules).

- A constant condition: the taken branch's nodes, inlined.
- Branches returning sequences or optionals of the same structure: each branch resolved on
  its own, and an If over the tensors they hold, which then runs at run time like any
  other (ops/control.py).
- Any If, Loop or Scan whose subgraphs read a sequence or optional of this scope gets a
  copy of its canonical node inside, so only tensors cross into compiled subgraphs.
"""
from __future__ import annotations

import numpy as np
from onnx import GraphProto, NodeProto, helper

from ...errors import CompileError
from ..scope import free_names, graph_attr, subgraph_model, subgraphs
from .structure import Ctx, element_name, kind_of, rule


def reads_structures(node, ctx: Ctx) -> list[str]:
    """The sequences and optionals of this scope node's subgraphs read."""
    return [n for s in subgraphs(node) for n in free_names(s)
            if ctx.kind(n) in ("sequence", "optional")]


def localize(node, ctx: Ctx) -> list | None:
    """A copy of node whose subgraphs build the sequences and optionals they read from
    this scope (reads_structures) themselves, from the tensors those hold, so only
    tensors cross into a compiled subgraph; None until they are resolved."""
    made = {n: ctx.producer.get(n) for n in reads_structures(node, ctx)}
    if any(p is None or p.op_type not in ("SequenceConstruct", "SequenceEmpty", "Optional")
           for p in made.values()):
        return ctx.wait(node, "a subgraph reads a sequence or optional onnx2c cannot resolve")
    twin = NodeProto()
    twin.CopyFrom(node)
    for g in subgraphs(twin):
        local = [made[n] for n in free_names(g) if n in made]
        nodes = local + list(g.node)
        del g.node[:]
        g.node.extend(nodes)
    return [twin]


@rule("If")
def if_(node, ctx: Ctx):
    c = ctx.const(node.input[0])
    if c is None:
        return localize(node, ctx) if reads_structures(node, ctx) else _if_elements(node, ctx)
    taken = "then_branch" if bool(np.asarray(c).reshape(-1)[0]) else "else_branch"
    return ctx.inline(graph_attr(node, taken), {}, list(node.output), f"{node.output[0]}/")[0]


def _flat_branch(ctx: Ctx, body: GraphProto) -> tuple[GraphProto, list[list[str]]] | None:
    """body resolved on its own, its sequence and optional outputs flattened into the
    tensors they hold, and those tensors per original output; None if it cannot be."""
    outer = {n: ctx.consts[n] if n in ctx.consts else ctx.type(n) for n in free_names(body)}
    if any(v is None for v in outer.values()):
        return None
    m = subgraph_model(body, [], outer, ctx.opsets)
    names = [o.name for o in m.graph.output]
    try:
        g = ctx.settle_model(m).graph
    except CompileError:
        return None
    del g.input[:]                             # the enclosing values, read by name again
    inits = [t for t in g.initializer if t.name not in outer]
    del g.initializer[:]
    g.initializer.extend(inits)
    groups = [[o.name for o in g.output if o.name == n or o.name.startswith(n + "[")]
              for n in names]
    return g, groups


def _if_elements(node, ctx: Ctx):
    """Run-time condition, sequence or optional outputs: an If over the tensors they hold,
    when both branches give the same structure."""
    declared = graph_attr(node, "then_branch").output
    kinds = [kind_of(vi.type) or ctx.kind(o) for o, vi in zip(node.output, declared)]
    if all(k == "tensor" for k in kinds) or None in kinds:
        return None
    then, other = (_flat_branch(ctx, graph_attr(node, b)) for b in ("then_branch", "else_branch"))
    if then is None or other is None or \
            [len(x) for x in then[1]] != [len(x) for x in other[1]]:
        return ctx.wait(node, "the branches return sequences or optionals of different "
                        "lengths, which need the condition at compile time", [node.input[0]])
    outs, nodes = [], []
    for o, vi, kind, group in zip(node.output, declared, kinds, then[1]):
        if kind == "tensor":
            outs.append(o)
            continue
        names = [ctx.fresh(element_name(o, k)) for k in range(len(group))]
        outs += names
        held = (vi.type if vi.type.WhichOneof("value") else ctx.type(o))
        held = held.optional_type.elem_type if kind == "optional" else held
        if kind == "optional" and not names:
            nodes.append(helper.make_node("Optional", [], [o], type=held))
            continue
        inner = o if kind == "sequence" else names[0]
        if kind_of(held) == "sequence":
            inner = o if kind == "sequence" else ctx.fresh(f"{o}/held")
            nodes.append(ctx.construct(inner, names, ctx.elem_type(o)))
        if kind == "optional":
            nodes.append(helper.make_node("Optional", [inner], [o]))
    flat = helper.make_node("If", [node.input[0]], outs, name=node.name,
                            then_branch=then[0], else_branch=other[0])
    return [flat] + nodes
