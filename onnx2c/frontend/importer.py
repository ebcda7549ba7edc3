"""ModelProto (after shape inference and folding) -> IR Graph with static shapes."""
from __future__ import annotations

import re

import onnx
from onnx import ModelProto, helper, numpy_helper

from ..errors import CompileError, NeedsConstant
from ..ir import DType, Graph, Node, Value


def _dtype(name: str, elem_type: int) -> DType:
    try:
        return DType.from_onnx(elem_type)
    except ValueError:
        raise CompileError(f"tensor '{name}' has element type {elem_type}, "
                           "which onnx2c does not know") from None


def _value(vi, what: str) -> Value:
    t = vi.type
    if not t.HasField("tensor_type"):
        kind = t.WhichOneof("value")
        raise CompileError(f"{what} '{vi.name}' is a {kind}; only tensors are supported",
                           reason=f"{kind} types are not supported")
    tt = t.tensor_type
    dtype = _dtype(vi.name, tt.elem_type)
    if not tt.HasField("shape"):
        raise CompileError(f"{what} '{vi.name}' has no known rank; "
                           "give it a shape with --shape", reason="unknown shape")
    dims = []
    for axis, d in enumerate(tt.shape.dim):
        if not d.HasField("dim_value") or d.dim_value < 0:
            sym = d.dim_param or "?"
            hint = (f"pin it with --shape {vi.name}=..." if what == "graph input"
                    else "pin the graph inputs' dimensions with --shape")
            raise CompileError(f"{what} '{vi.name}' has unknown dimension '{sym}' at axis {axis}; "
                               f"{hint}", reason="symbolic or unknown dimension")
        dims.append(d.dim_value)
    return Value(vi.name, dtype, tuple(dims))


def _is_static(vi) -> bool:
    t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    return bool(t and t.HasField("shape") and
                all(d.HasField("dim_value") and d.dim_value >= 0 for d in t.shape.dim))


def schema_defaults(op_type: str, version: int, domain: str) -> dict:
    try:
        schema = onnx.defs.get_schema(op_type, version, domain)
    except Exception:
        return {}
    out = {}
    for name, a in schema.attributes.items():
        if a.default_value is not None and a.default_value.name:
            out[name] = _decode(helper.get_attribute_value(a.default_value))
    return out


def _decode(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    return v


def _shape_deciding_inputs(g, node) -> list[str]:
    """Graph inputs upstream of node: the run-time values its unknown output shape may need.

    Integer-typed ones first, since shapes, axes and counts are integers."""
    producers = {o: n for n in g.node for o in n.output}
    types = {i.name: i.type.tensor_type.elem_type for i in g.input}
    found, seen, stack = [], set(), [i for i in node.input if i]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in types:
            found.append(name)
        elif name in producers:
            stack.extend(i for i in producers[name].input if i)
    ints = [n for n in found if types[n] in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)]
    return sorted(ints or found)


def import_graph(m: ModelProto) -> Graph:
    g = m.graph
    opsets = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in m.opset_import}
    values: dict[str, Value] = {}
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        values[init.name] = Value(init.name, _dtype(init.name, init.data_type),
                                  tuple(arr.shape), arr)
    inputs = [i.name for i in g.input if i.name not in values]
    for vi in g.input:
        if vi.name not in values:
            values[vi.name] = _value(vi, "graph input")
    # inferred types win over what the file declares for its outputs, except where
    # inference could not settle a shape that the declaration pins (a graph output whose
    # shape depends on a run-time input, e.g. Reduce* with axes given at run time)
    known = {vi.name: vi for vi in list(g.output) + list(g.value_info)}
    for vi in g.output:
        if not _is_static(known[vi.name]) and _is_static(vi) and \
                known[vi.name].type.tensor_type.elem_type == vi.type.tensor_type.elem_type:
            known[vi.name] = vi
    nodes = []
    used_names: set[str] = set()
    for idx, n in enumerate(g.node):
        domain = "" if n.domain == "ai.onnx" else n.domain
        version = opsets.get(domain, 1)
        base = n.name or f"{n.op_type}_{idx}"
        name = base if base not in used_names else f"{base}_{idx}"
        used_names.add(name)
        attrs = schema_defaults(n.op_type, version, domain)
        attrs.update({a.name: _decode(helper.get_attribute_value(a)) for a in n.attribute})
        node = Node(name, n.op_type, domain, version, list(n.input), list(n.output), attrs)
        for o in n.output:
            if not o or o in values:
                continue
            if o not in known:
                ups = _shape_deciding_inputs(g, n)
                if ups:
                    raise NeedsConstant(ups, node, f"the shape of '{o}'")
                raise CompileError(f"the shape of output '{o}' is unknown after shape inference",
                                   node, reason=f"{n.op_type}: output shape not inferred")
            try:
                values[o] = _value(known[o], "value")
            except CompileError as e:
                ups = _shape_deciding_inputs(g, n)
                if ups:
                    raise NeedsConstant(ups, node, f"the shape of '{o}'") from None
                raise CompileError(str(e), node, reason=e.reason) from None
        nodes.append(node)
    outputs = [o.name for o in g.output]
    for o in g.output:
        if o.name not in values:
            values[o.name] = _value(o, "graph output")
    name = re.sub(r"\W", "_", g.name or "model")
    return Graph(name, inputs, outputs, values, nodes, opsets)
