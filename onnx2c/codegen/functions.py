"""C functions: one per node (its template rendered as the body of a static function),
and one per compiled subgraph (If branches, Loop/Scan bodies) that a node's function calls.

A subgraph becomes `static int FN_KEY(inputs..., outputs..., void *workspace)`, shaped
like NAME_run: its inputs are the subgraph's formal inputs then every value it reads from
the enclosing scope, its outputs the subgraph's outputs, and `workspace` the part of the
node's scratch that the subgraph's own memory plan asks for. The text (its constants,
node functions and the function itself) is emitted right before the node's function,
every file-scope name prefixed with that function's name.

Constants the subgraph reads from the enclosing scope arrive as parameters, so weights
shared with the enclosing graph are stored once; constants the subgraph folds itself are
its own (in NAME_weights.c or static, never in a weights blob).
"""
from __future__ import annotations

from dataclasses import dataclass

import jinja2

from ..errors import CompileError
from ..ir import Graph, Value
from ..memory import Subgraph
from ..csyntax.cnames import Namer, c_comment
from .environment import environment
from .pointers import Pointers


@dataclass
class Arg:
    """One tensor argument of a node function, as the templates see it."""
    name: str            # the C parameter name inside the node function
    value: Value

    def __getattr__(self, attr):
        return getattr(self.value, attr)

    @property
    def ctype(self) -> str:
        return self.value.dtype.ctype

    @property
    def dims(self) -> str | None:
        """The int64_t[rank] a kernel writes a bounded output's actual dims to."""
        return f"{self.name}_dims" if self.value.bounded else None


@dataclass
class NodeFn:
    fn: str
    comment: str
    params: list[str]          # C parameter declarations
    body: str
    call_args: list[str]       # the identifiers the calling function passes
    prelude: str = ""          # C emitted before the function (its subgraphs' functions)


def node_function(g: Graph, node, kernel, fn_name: str, ptr: Pointers) -> NodeFn:
    idxs = kernel.inputs if kernel.inputs is not None else \
        [i for i, n in enumerate(node.inputs) if n]
    ins = [None] * len(node.inputs)
    params, args = [], []
    for i in idxs:
        v = g.values[node.inputs[i]]
        ins[i] = Arg(f"in{i}", v)
        params.append(f"const {v.dtype.ctype} *in{i}")
        args.append(ptr(v.name))
    outs = []
    for i, o in enumerate(node.outputs):
        if not o:
            outs.append(None)
            continue
        v = g.values[o]
        outs.append(Arg(f"out{i}", v))
        params.append(f"{v.dtype.ctype} *out{i}")
        args.append(ptr(o))
        if v.bounded:
            params.append(f"int64_t *out{i}_dims")
            args.append(ptr(f"dims:{o}"))
    if kernel.scratch:
        params.append("void *scratch")
        args.append(ptr(f"scratch:{node.name}"))
    prelude, sub = subgraph_functions(kernel, fn_name, ptr) if kernel.subgraphs else ("", {})
    try:
        body = environment().get_template(kernel.template).render(
            node=node, ins=ins, outs=outs, p=kernel.params, sub=sub)
    except jinja2.TemplateError as e:
        raise CompileError(f"internal error rendering {kernel.template}: {e}", node) from None
    shapes = lambda names: ", ".join("x".join(map(str, g.values[n].shape)) or "scalar"
                                     for n in names if n)
    comment = f"{node.op_type} '{node.name}': {shapes(node.inputs)} -> {shapes(node.outputs)}"
    return NodeFn(fn_name, c_comment(comment), params or ["void"], body, args, prelude)


def parameters(inputs: list[str], outputs: list[str], namer: Namer):
    """(input, C name) and (output, C name) pairs of a function's parameters, and each
    value's home parameter. An output that is also an input, or repeats an earlier output,
    gets a parameter of its own (filled by a copy at the end); such a value lives in its
    input parameter, else in its first output's."""
    ins = [(v, namer(v)) for v in inputs]
    outs = [(v, namer(v) if v not in inputs and v not in outputs[:k] else
             namer(v, prefix="out_")) for k, v in enumerate(outputs)]
    home: dict[str, str] = {}
    for v, cn in outs:
        home.setdefault(v, cn)
    home.update(ins)
    return ins, outs, home


def _function(sub: Subgraph, fn: str, outer: Pointers) -> str:
    g, plan = sub.graph, sub.plan
    if any(v.bounded for v in g.values.values()):
        raise CompileError(f"subgraph '{g.name}' has a value whose size depends on run-time "
                           "data; onnx2c supports those only as graph outputs",
                           reason="bounded value in a subgraph")
    namer = outer.namer
    ins, outs, params = parameters(sub.inputs, g.outputs, namer)
    consts = outer.consts.sub(fn)
    ptr = Pointers(g, plan, params, consts, namer, shared=set(sub.inputs))
    fns = []
    for step, (node, kernel) in enumerate(plan.steps):
        if all(g.values[o].size == 0 for o in node.outputs if o):
            continue        # nothing to compute into an empty tensor
        fns.append(node_function(g, node, kernel, namer(node.name, prefix=f"{fn}_n{step}_"),
                                  ptr))
    written = {o for node, _ in plan.steps for o in node.outputs}
    copies = [(cn, ptr(v), g.values[v].nbytes) for v, cn in outs
              if (v not in written or params[v] != cn) and g.values[v].nbytes and ptr(v) != cn]
    decls = [f"const {g.values[v].dtype.ctype} *{cn}" for v, cn in ins] + \
        [f"{g.values[v].dtype.ctype} *{cn}" for v, cn in outs] + ["void *workspace"]
    try:
        return environment().get_template("subgraph.c.j2").render(
            fn=fn, graph=g, decls=decls, params=[cn for _, cn in ins + outs],
            consts=consts.arrays(), fns=fns, locals=ptr.locals, copies=copies,
            workspace=plan.workspace_bytes)
    except jinja2.TemplateError as e:
        raise CompileError(f"internal error rendering subgraph.c.j2: {e}") from None


def subgraph_functions(kernel, fn: str, outer: Pointers) -> tuple[str, dict[str, str]]:
    """(C text to emit before function fn, the C name of each of kernel's subgraphs);
    outer: the pointers of the function that calls fn."""
    names, texts = {}, []
    for key, sub in kernel.subgraphs.items():
        names[key] = outer.namer(key, prefix=f"{fn}_")
        texts.append(_function(sub, names[key], outer))
    return "\n".join(texts), names
