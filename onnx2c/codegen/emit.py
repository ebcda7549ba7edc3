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
from .cnames import Namer, c_bytes, c_comment, c_string
from .constants import Constants
from .subgraph import subgraph_functions


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
    call_args: list[str]       # C expressions passed by the run function
    prelude: str = ""          # C emitted before the function (its subgraphs' functions)


def _node_fn(g: Graph, node, kernel, fn_name: str, ptr, namer=None) -> NodeFn:
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
    prelude, sub = subgraph_functions(kernel, fn_name, namer) if kernel.subgraphs else ("", {})
    try:
        body = environment().get_template(kernel.template).render(
            node=node, ins=ins, outs=outs, p=kernel.params, sub=sub)
    except jinja2.TemplateError as e:
        raise CompileError(f"internal error rendering {kernel.template}: {e}", node) from None
    shapes = lambda names: ", ".join("x".join(map(str, g.values[n].shape)) or "scalar"
                                     for n in names if n)
    comment = f"{node.op_type} '{node.name}': {shapes(node.inputs)} -> {shapes(node.outputs)}"
    return NodeFn(fn_name, c_comment(comment), params or ["void"], body, args, prelude)


def generate(g: Graph, plan: Plan, name: str, weights_threshold: int | None = None
             ) -> tuple[dict[str, str], list, list, bytes | None]:
    """NAME.h and NAME.c, the inputs and outputs, and the weights blob (with a
    weights_threshold: constants of at least that many bytes are read from it)."""
    namer = Namer(name, reserved=LOCALS)
    io_in = [(v, namer(v)) for v in g.inputs]
    # an output that is also an input, or an earlier output, gets a parameter of its own
    # (and a copy at the end)
    io_out = [(v, namer(v) if v not in g.inputs and v not in g.outputs[:k] else
               namer(v, prefix="out_")) for k, v in enumerate(g.outputs)]
    home = {}
    for vn, cn in io_out:
        home.setdefault(vn, cn)
    home.update(io_in)               # a value that is both is read from the input
    # a bounded output's actual dims go to the caller's array after its buffer; those of
    # a bounded value nobody reads go to an array local to the run function
    dims = {vn: namer(f"{cn}_dims") for vn, cn in io_out if g.values[vn].bounded}
    local_dims: dict[str, tuple[str, int]] = {}
    consts = Constants(name, namer, weights_threshold)

    def ptr(vname: str) -> str:
        if vname.startswith("dims:"):
            vn = vname[5:]
            if vn in dims:
                return dims[vn]
            if vn not in local_dims:
                local_dims[vn] = (namer(f"{vn}_dims"), len(g.values[vn].shape))
            return local_dims[vn][0]
        if vname.startswith("scratch:"):
            return f"(void *)(ws + {plan.buffers[vname].offset})"
        root, at = plan.locate(vname)
        v, rv = g.values[vname], g.values[root]
        if rv.is_const:
            return consts.ref(root, rv)
        if root in home:
            if not at:
                return home[root]
            return f"({v.dtype.ctype} *)(void *)((unsigned char *){home[root]} + {at})"
        return f"({v.dtype.ctype} *)(void *)(ws + {plan.buffers[root].offset + at})"

    fns = []
    for step, (node, kernel) in enumerate(plan.steps):
        outs = [g.values[o] for o in node.outputs if o]
        if all(v.size == 0 and not v.bounded for v in outs):
            continue        # nothing to compute into an empty tensor
        fns.append(_node_fn(g, node, kernel, namer(node.name, prefix=f"n{step}_"), ptr, namer))

    # graph outputs no kernel writes (constants, graph inputs) are copied at the end
    written = {o for node, _ in plan.steps for o in node.outputs}
    copies = [(cn, ptr(vn), g.values[vn].nbytes) for vn, cn in io_out
              if (vn not in written or home[vn] != cn) and g.values[vn].nbytes and ptr(vn) != cn]

    blob = consts.blob()
    desc = lambda items: [(vn, cn, g.values[vn]) for vn, cn in items]
    labels, label_arrays = _labels(name, g.inputs + g.outputs)
    ctx = dict(name=name, graph=g, fns=fns, consts=consts.arrays(), copies=copies,
               labels=labels, label_arrays=label_arrays,
               weights=consts.header(blob),
               inputs=desc(io_in), outputs=desc(io_out), workspace=plan.workspace_bytes,
               dims=dims, local_dims=list(local_dims.values()))
    env = environment()
    files = {f"{name}.h": env.get_template("model.h.j2").render(ctx),
             f"{name}.c": env.get_template("model.c.j2").render(ctx)}
    return files, ctx["inputs"], ctx["outputs"], blob


# identifiers the run function declares itself
LOCALS = ("ws", "wts", "st", "workspace", "weights")


def _labels(name: str, names: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The C expression of each descriptor's name (a string literal, or an array for a
    name too long for one) and the (array name, initializer) of those arrays."""
    labels, arrays = [], []
    for k, text in enumerate(names):
        lit = c_string(text)
        if lit is None:
            arrays.append((f"{name}_name{k}", c_bytes(text)))
            lit = arrays[-1][0]
        labels.append(lit)
    return labels, arrays


def shape_literal(shape) -> str:
    return ", ".join(str(int(d)) for d in shape) if len(shape) else "0"


environment().globals.update(shape_literal=shape_literal, np=np)
environment().filters.update(comment=c_comment)
