"""A node's compiled subgraphs (If branches, Loop/Scan bodies) as static C functions.

Each subgraph becomes `static int FN_KEY(inputs..., outputs..., void *workspace)`, shaped
like NAME_run: its inputs are the subgraph's formal inputs then every value it reads from
the enclosing scope, its outputs the subgraph's outputs, and `workspace` the part of the
node's scratch that the subgraph's own memory plan asks for. The text (its constants,
node functions and the function itself) is emitted right before the node's function,
every file-scope name prefixed with that function's name.

Constants the subgraph reads from the enclosing scope arrive as parameters, so weights
shared with the enclosing graph are stored once; constants the subgraph folds itself are
its own static arrays (never in a weights blob).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jinja2

from ..errors import CompileError
from ..ir import Graph
from ..memory import Plan
from . import emit as _emit
from .cnames import Namer
from .constants import Constants


@dataclass
class Subgraph:
    """A subgraph lowered and planned like a model (compiler.compile_subgraph)."""
    graph: Graph
    plan: Plan
    # the function's input parameters: the graph's inputs (formal inputs, then run-time
    # values of the enclosing scope), then the enclosing constants it shares
    inputs: list[str] = field(default_factory=list)

    @property
    def workspace_bytes(self) -> int:
        return self.plan.workspace_bytes


def _pointers(g: Graph, plan: Plan, home: dict[str, str], inputs: set, consts: Constants):
    def ptr(vname: str) -> str:
        if vname.startswith("scratch:"):
            return f"(void *)(ws + {plan.buffers[vname].offset})"
        root, at = plan.locate(vname)
        v, rv = g.values[vname], g.values[root]
        # parameters, except outputs that are constants (copied from their array at the
        # end): even constants shared with the enclosing scope arrive as ones
        if root in home and (root in inputs or not rv.is_const):
            return f"({v.dtype.ctype} *)(void *)((unsigned char *){home[root]} + {at})" \
                if at else home[root]
        if rv.is_const:
            return consts.ref(root, rv)
        return f"({v.dtype.ctype} *)(void *)(ws + {plan.buffers[root].offset + at})"
    return ptr


def _function(sub: Subgraph, fn: str, namer: Namer) -> str:
    g, plan = sub.graph, sub.plan
    if any(v.bounded for v in g.values.values()):
        raise CompileError(f"subgraph '{g.name}' has a value whose size depends on run-time "
                           "data; onnx2c supports those only as graph outputs",
                           reason="bounded value in a subgraph")
    params = {v: namer(v) for v in sub.inputs + g.outputs}
    consts = Constants(fn, namer, None)
    ptr = _pointers(g, plan, params, set(sub.inputs), consts)
    fns = []
    for step, (node, kernel) in enumerate(plan.steps):
        if all(g.values[o].size == 0 for o in node.outputs if o):
            continue        # nothing to compute into an empty tensor
        fns.append(_emit._node_fn(g, node, kernel, namer(node.name, prefix=f"{fn}_n{step}_"),
                                  ptr, namer))
    written = {o for node, _ in plan.steps for o in node.outputs}
    copies = [(params[v], ptr(v), g.values[v].nbytes) for v in g.outputs
              if v not in written and g.values[v].nbytes]
    decls = [f"const {g.values[v].dtype.ctype} *{params[v]}" for v in sub.inputs] + \
        [f"{g.values[v].dtype.ctype} *{params[v]}" for v in g.outputs] + ["void *workspace"]
    try:
        return _emit.environment().get_template("subgraph.c.j2").render(
            fn=fn, graph=g, decls=decls, params=list(dict.fromkeys(params.values())),
            consts=consts.arrays(), fns=fns, copies=copies, workspace=plan.workspace_bytes)
    except jinja2.TemplateError as e:
        raise CompileError(f"internal error rendering subgraph.c.j2: {e}") from None


def subgraph_functions(kernel, fn: str, namer: Namer) -> tuple[str, dict[str, str]]:
    """(C text to emit before function fn, the C name of each of kernel's subgraphs)."""
    names, texts = {}, []
    for key, sub in kernel.subgraphs.items():
        names[key] = namer(key, prefix=f"{fn}_")
        texts.append(_function(sub, names[key], namer))
    return "\n".join(texts), names
