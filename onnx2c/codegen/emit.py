"""Assemble NAME.h and NAME.c from the lowered graph and its memory plan."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np

from ..errors import CompileError
from ..ir import Graph, Value
from ..memory import Plan
from . import cexpr, literals
from .cnames import Namer


def data_dir(name: str) -> Path:
    """templates/ or runtime_c/: inside the installed package, or beside it in a checkout."""
    packaged = resources.files("onnx2c") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


@functools.lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(load=cexpr.load, store=cexpr.store, narrow=cexpr.narrow, fn=cexpr.fn,
                       ctype=cexpr.ctype, compute=cexpr.compute, lit=literals.scalar,
                       zip=zip, enumerate=enumerate, range=range, len=len)
    return env


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


@dataclass
class NodeFn:
    fn: str
    comment: str
    params: list[str]          # C parameter declarations
    body: str
    call_args: list[str]       # C expressions passed by the run function


def _node_fn(g: Graph, node, kernel, fn_name: str, ptr) -> NodeFn:
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
    if kernel.scratch:
        params.append("void *scratch")
        args.append(ptr(f"scratch:{node.name}"))
    try:
        body = environment().get_template(kernel.template).render(
            node=node, ins=ins, outs=outs, p=kernel.params)
    except jinja2.TemplateError as e:
        raise CompileError(f"internal error rendering {kernel.template}: {e}", node) from None
    shapes = lambda names: ", ".join("x".join(map(str, g.values[n].shape)) or "scalar"
                                     for n in names if n)
    comment = f"{node.op_type} '{node.name}': {shapes(node.inputs)} -> {shapes(node.outputs)}"
    return NodeFn(fn_name, comment.replace("*/", "* /"), params or ["void"], body, args)


def generate(g: Graph, plan: Plan, name: str) -> tuple[dict[str, str], list, list]:
    namer = Namer(reserved=[name])
    io_in = [(v, namer(v)) for v in g.inputs]
    io_out = [(v, namer(v)) for v in g.outputs]
    home = dict(io_out)
    home.update(io_in)               # a value that is both is read from the input
    consts: dict[str, tuple[str, Value]] = {}

    def ptr(vname: str) -> str:
        if vname.startswith("scratch:"):
            return f"(void *)(ws + {plan.buffers[vname].offset})"
        root, at = plan.locate(vname)
        v, rv = g.values[vname], g.values[root]
        if rv.is_const:
            if root not in consts:
                consts[root] = (namer(root, prefix=f"{name}_c_"), rv)
            return consts[root][0]
        if root in home:
            if not at:
                return home[root]
            return f"({v.dtype.ctype} *)(void *)((unsigned char *){home[root]} + {at})"
        return f"({v.dtype.ctype} *)(void *)(ws + {plan.buffers[root].offset + at})"

    fns = []
    for step, (node, kernel) in enumerate(plan.steps):
        if all(g.values[o].size == 0 for o in node.outputs if o):
            continue        # nothing to compute into an empty tensor
        fns.append(_node_fn(g, node, kernel, namer(node.name, prefix=f"n{step}_"), ptr))

    # graph outputs no kernel writes (constants, graph inputs) are copied at the end
    written = {o for node, _ in plan.steps for o in node.outputs}
    copies = [(cn, ptr(vn), g.values[vn].nbytes) for vn, cn in io_out
              if vn not in written and g.values[vn].nbytes and ptr(vn) != cn]

    const_list = [(cn, v, literals.array_body(v.data, v.dtype),
                   max(1, len(literals.storage_array(v.data, v.dtype))))
                  for cn, v in consts.values()]
    desc = lambda items: [(vn, cn, g.values[vn]) for vn, cn in items]
    ctx = dict(name=name, graph=g, fns=fns, consts=const_list, copies=copies,
               inputs=desc(io_in), outputs=desc(io_out), workspace=plan.workspace_bytes)
    env = environment()
    files = {f"{name}.h": env.get_template("model.h.j2").render(ctx),
             f"{name}.c": env.get_template("model.c.j2").render(ctx)}
    return files, ctx["inputs"], ctx["outputs"]


def shape_literal(shape) -> str:
    return ", ".join(str(int(d)) for d in shape) if len(shape) else "0"


environment().globals.update(shape_literal=shape_literal, np=np)
