"""Assemble NAME.h, NAME.c and NAME_weights.c from the lowered graph and its memory plan."""
from __future__ import annotations

from ..csyntax import literals
from ..csyntax.cnames import Namer, c_bytes, c_string
from ..errors import CompileError
from ..ir import DType, Graph
from ..memory import Plan
from .constants import Constants
from .environment import environment
from .functions import node_function, parameters
from .pointers import Pointers
from .runtime import runtime_headers

# identifiers the run function declares itself
LOCALS = ("ws", "wts", "st", "workspace", "weights")


def generate(g: Graph, plan: Plan, name: str, weights_threshold: int | None = None
             ) -> tuple[dict[str, str], list, list, bytes | None]:
    """NAME.h, NAME.c, NAME_weights.c (if the model has weights) and the runtime headers
    NAME.c uses, the inputs and outputs, and the weights blob (with a weights_threshold:
    constants of at least that many bytes are read from it)."""
    namer = Namer(name, reserved=LOCALS)
    io_in, io_out, home = parameters(g.inputs, g.outputs, namer)
    # a bounded output's actual dims go to the caller's array after its buffer; those of
    # a bounded value nobody reads go to an array local to the run function
    dims = {vn: namer(f"{cn}_dims") for vn, cn in io_out if g.values[vn].bounded}
    local_dims: dict[str, tuple[str, int]] = {}
    consts = Constants(name, namer, weights_threshold)

    def dims_array(vname: str) -> str:
        if vname in dims:
            return dims[vname]
        if vname not in local_dims:
            local_dims[vname] = (namer(f"{vname}_dims"), len(g.values[vname].shape))
        return local_dims[vname][0]

    ptr = Pointers(g, plan, home, consts, namer, shared=set(g.inputs), dims=dims_array)

    fns = []
    for step, (node, kernel) in enumerate(plan.steps):
        outs = [g.values[o] for o in node.outputs if o]
        if all(v.size == 0 and not v.bounded for v in outs):
            continue        # nothing to compute into an empty tensor
        fns.append(node_function(g, node, kernel, namer(node.name, prefix=f"n{step}_"), ptr))

    # graph outputs no kernel writes into their parameter (constants, graph inputs, a
    # second output of one value) are copied at the end
    written = {o for node, _ in plan.steps for o in node.outputs}
    copies = [(cn, ptr(vn), g.values[vn].nbytes) for vn, cn in io_out
              if (vn not in written or home[vn] != cn) and g.values[vn].nbytes and ptr(vn) != cn]

    blob = consts.blob()
    desc = lambda items: [(vn, cn, g.values[vn]) for vn, cn in items]
    # what the kernels call decides the runtime headers (model.c.j2 itself needs only
    # o2c_abi.h, which NAME.h includes)
    headers = runtime_headers("\n".join(f.prelude + f.body for f in fns))
    names, name_arrays = _descriptor_names(name, g.inputs + g.outputs)
    ctx = dict(name=name, graph=g, fns=fns, consts=consts.arrays(), copies=copies,
               weights=consts.header(blob), weight_arrays=consts.weight_arrays(),
               names=names, name_arrays=name_arrays,
               labels=_label_tables(g, name, io_out), includes=headers.direct,
               locals=ptr.locals, inputs=desc(io_in), outputs=desc(io_out),
               workspace=plan.workspace_bytes, dims=dims, local_dims=list(local_dims.values()))
    env = environment()
    files = {f"{name}.h": env.get_template("model.h.j2").render(ctx),
             f"{name}.c": env.get_template("model.c.j2").render(ctx)}
    if ctx["weight_arrays"]:
        files[f"{name}_weights.c"] = env.get_template("model_weights.c.j2").render(ctx)
    files.update(headers.files)
    return files, ctx["inputs"], ctx["outputs"], blob


def _descriptor_names(name: str, names: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The C expression of each descriptor's name (a string literal, or an array for a
    name too long for one) and the (array name, initializer) of those arrays."""
    exprs, arrays = [], []
    for k, text in enumerate(names):
        lit = c_string(text)
        if lit is None:
            arrays.append((f"{name}_name{k}", c_bytes(text)))
            lit = arrays[-1][0]
        exprs.append(lit)
    return exprs, arrays


def _label_tables(g: Graph, name: str, io_out) -> list[tuple[str, str, str, list[str]]]:
    """(C name, element type, dims suffix, literals) of each ZipMap output's label table:
    int64_t labels, or string cells like every string tensor of the ABI."""
    tables = []
    for vn, cn in io_out:
        labels = g.labels.get(vn)
        if labels is None:
            continue
        if labels.dtype == object:
            cell = DType.STRING.nbytes(1)
            for s in labels:
                if len(str(s).encode("utf-8")) >= cell:
                    raise CompileError(f"class label {s!r} of '{vn}' does not fit a {cell}-byte "
                                       "string cell; raise --string-bytes")
            tables.append((f"{name}_{cn}_labels", "char", f"[{len(labels)}][{cell}]",
                           [literals.string_literal(str(s)) for s in labels]))
        else:
            tables.append((f"{name}_{cn}_labels", "int64_t", f"[{len(labels)}]",
                           [literals.scalar(int(v), "int64_t") for v in labels]))
    return tables
