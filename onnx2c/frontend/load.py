"""Load, check, inline, pin shapes, freeze inputs, infer shapes, fold, import."""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import onnx
import onnx.inliner
from onnx import ModelProto, helper, numpy_helper

from ..errors import CompileError, NeedsConstant
from ..ir import Graph, Node, Value
from .settle import settle
from .importer import import_graph
from .maps import resolve_maps
from .scope import free_names, subgraph_model
from .sequence_io import pin_inputs


def _read(model) -> ModelProto:
    if isinstance(model, ModelProto):
        return model
    path = os.fspath(model)
    if not os.path.exists(path):
        raise CompileError(f"model file '{path}' does not exist")
    try:
        return onnx.load(path, load_external_data=True)
    except Exception as e:  # protobuf gives long, unhelpful traces
        raise CompileError(f"'{path}' is not a readable ONNX model ({type(e).__name__}: "
                           f"{str(e).splitlines()[0] if str(e) else 'parse error'})") from None


def _check(m: ModelProto) -> None:
    try:
        onnx.checker.check_model(m)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0]
        raise CompileError(f"the model fails onnx.checker: {first}") from None


def _pin_shapes(m: ModelProto, shapes: Mapping[str, tuple[int, ...]]) -> None:
    inputs = {i.name: i for i in m.graph.input}
    for name, dims in shapes.items():
        if name not in inputs:
            raise CompileError(f"--shape names '{name}', which is not a graph input "
                               f"(inputs: {', '.join(inputs)})")
        t = inputs[name].type.tensor_type
        if len(t.shape.dim) and len(t.shape.dim) != len(dims):
            raise CompileError(f"--shape {name} has rank {len(dims)} but the input has rank "
                               f"{len(t.shape.dim)}")
        t.shape.Clear()
        for d in dims:
            t.shape.dim.add().dim_value = int(d)


def _freeze(m: ModelProto, freeze: Mapping[str, np.ndarray]) -> None:
    names = [i.name for i in m.graph.input]
    for name, arr in freeze.items():
        if name not in names:
            raise CompileError(f"--freeze names '{name}', which is not a graph input "
                               f"(inputs: {', '.join(names)})")
        keep = [i for i in m.graph.input if i.name != name]
        del m.graph.input[:]
        m.graph.input.extend(keep)
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(arr), name))


def _loosen_outputs(m: ModelProto) -> dict:
    """Clears the declared shapes of the graph outputs nodes compute, returning them:
    inference, not a declaration, decides a shape (converters declare some wrongly, such
    as onnxmltools' [1] for a label of N rows); _restore_outputs puts back those it could
    not settle (a Reduce* over axes given at run time)."""
    made = {o for n in m.graph.node for o in n.output}
    declared = {}
    for vi in m.graph.output:
        if vi.name in made and vi.type.HasField("tensor_type") and \
                vi.type.tensor_type.HasField("shape"):
            declared[vi.name] = [d.dim_value if d.HasField("dim_value") else None
                                 for d in vi.type.tensor_type.shape.dim]
            vi.type.tensor_type.ClearField("shape")
    return declared


def _restore_outputs(m: ModelProto, declared: dict) -> None:
    for vi in m.graph.output:
        t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if vi.name not in declared or t is None:
            continue
        if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
            continue
        t.ClearField("shape")
        t.shape.SetInParent()
        for d in declared[vi.name]:
            dim = t.shape.dim.add()
            if d is not None:
                dim.dim_value = d


def load_graph(model, shapes: Mapping[str, tuple[int, ...]] | None = None,
               freeze: Mapping[str, np.ndarray] | None = None,
               capacity: Mapping[str, int] | None = None) -> Graph:
    """capacity bounds data-dependent output sizes by value name (see import_graph)."""
    m = ModelProto()
    m.CopyFrom(_read(model))
    _check(m)
    if m.functions:
        m = onnx.inliner.inline_local_functions(m)
    _freeze(m, freeze or {})
    shapes = dict(shapes or {})
    labels = resolve_maps(m, shapes)
    _pin_shapes(m, pin_inputs(m, shapes))
    declared = _loosen_outputs(m)
    m = settle(m)
    _restore_outputs(m, declared)
    g = import_graph(m, capacity)
    g.labels = labels
    return g


def load_subgraph(node: Node, key: str, formal: list[Value], sources: list[str | None],
                  scope: Graph, outputs: list[bool] | None = None) -> tuple[Graph, list[str]]:
    """Graph attribute `key` of node (an If branch, a Loop or Scan body) settled and
    imported like a model of its own, and the names its function takes as parameters
    (its inputs, then the constants of the enclosing scope it reads).

    formal[k] types the subgraph's formal input k and sources[k] names the value of the
    scope it comes from (a Loop's iteration number: the trip count, which unrolls the loop
    once frozen), so a shape the subgraph cannot settle is explained in terms of the
    model's inputs; outputs[k] False drops output k."""
    body = node.attrs[key]
    typ = lambda v: helper.make_tensor_type_proto(int(v.dtype), list(v.shape))
    outer = {n: scope.values[n].data if scope.values[n].is_const else typ(scope.values[n])
             for n in free_names(body)}
    opsets = [helper.make_opsetid(d, v) for d, v in scope.opsets.items()]
    try:
        g = import_graph(settle(subgraph_model(body, [typ(v) for v in formal], outer, opsets,
                                               outputs)))
    except NeedsConstant as e:
        formal_sources = dict(zip([i.name for i in body.input], sources))
        ups = sorted({u for n in e.inputs if formal_sources.get(n, n)
                      for u in scope.inputs_upstream(formal_sources.get(n, n))})
        if ups:
            raise NeedsConstant(ups, node, f"a shape in its {key}") from None
        raise CompileError(f"{key}: {e}", node,
                           reason=f"{node.op_type}: value-dependent shape in {key}") from None
    shared = [n for n in free_names(body) if scope.values[n].is_const and n in g.values]
    return g, g.inputs + shared
