"""Load, check, inline, pin shapes, freeze inputs, infer shapes, fold, import."""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import onnx
import onnx.inliner
from onnx import ModelProto, TensorProto, helper, numpy_helper

from ..errors import CompileError, NeedsConstant, UnknownShape
from ..ir import Graph, Node, Value
from .declared import infer_static
from .importer import import_graph
from .maps import resolve_maps
from .scope import free_names, subgraph_model
from .sequence_io import pin_inputs
from .tensors import check_graph_tensors
from .validate import check_nodes, check_text, check_versions


def read_model(model) -> ModelProto:
    """A ModelProto, or the model file (and its external data) at a path."""
    if isinstance(model, ModelProto):
        return model
    path = os.fspath(model)
    if not os.path.exists(path):
        raise CompileError(f"model file '{path}' does not exist")
    if os.path.isdir(path):
        raise CompileError(f"'{path}' is a folder, not a model file")
    try:
        return onnx.load(path, load_external_data=True)
    except Exception as e:  # protobuf gives long, unhelpful traces
        raise CompileError(f"'{path}' is not a readable ONNX model ({type(e).__name__}: "
                           f"{_first(e) or 'parse error'})") from None


def _first(e: Exception) -> str:
    """The gist of a long library message: its first lines joined, blanks collapsed."""
    return " ".join(" ".join(str(e).strip().splitlines()[:4]).split())[:400]


def _lenient(m: ModelProto) -> list:
    """What onnx.checker refuses but onnxruntime loads, made acceptable to the checker;
    returns how to undo it. Graph inputs and outputs without a shape (their rank is then
    inferred or asked for), and before IR 4 initializers that are not graph inputs."""
    undo = []
    for vi in list(m.graph.input) + list(m.graph.output):
        tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if tt is not None and not tt.HasField("shape"):
            tt.shape.SetInParent()
            undo.append(lambda tt=tt: tt.ClearField("shape"))
    listed = {i.name for i in m.graph.input}
    missing = [t for t in m.graph.initializer if t.name not in listed]
    if m.ir_version < 4 and missing:
        n = len(m.graph.input)
        m.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, t.dims)
                             for t in missing)
        undo.append(lambda: m.graph.input.__delitem__(slice(n, None)))
    return undo


def _check(m: ModelProto) -> None:
    check_text(m)
    check_versions(m)
    undo = _lenient(m)
    try:
        onnx.checker.check_model(m)
    except onnx.checker.ValidationError as e:
        raise CompileError(f"the model fails onnx.checker: {_first(e)}",
                           reason="onnx.checker") from None
    except UnicodeDecodeError:      # the checker's message quotes a damaged name
        raise CompileError("the model fails onnx.checker, and a name or string it would "
                           "quote is not valid UTF-8 (a damaged file?)",
                           reason="onnx.checker") from None
    finally:
        for fn in reversed(undo):
            fn()


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


def _frozen(vi: onnx.ValueInfoProto, arr) -> np.ndarray:
    """arr as the constant for graph input vi: its dtype and (declared) shape checked."""
    arr = np.asarray(arr)
    tt = vi.type.tensor_type
    want = helper.tensor_dtype_to_np_dtype(tt.elem_type) if tt.elem_type else arr.dtype
    if tt.elem_type == TensorProto.STRING:
        ok = arr.dtype.kind in "OUS"
    else:
        ok = arr.dtype == want
    if not ok:
        raise CompileError(f"--freeze {vi.name}: the array is {arr.dtype}, the input is "
                           f"{TensorProto.DataType.Name(tt.elem_type).lower()}; save it "
                           f"with that dtype (np.save(path, a.astype(np.{np.dtype(want).name})))")
    if tt.HasField("shape"):
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else None
                for d in tt.shape.dim]
        if len(dims) != arr.ndim or any(d is not None and d != k for d, k in zip(dims, arr.shape)):
            shown = "x".join("?" if d is None else str(d) for d in dims) or "scalar"
            raise CompileError(f"--freeze {vi.name}: the array has shape {list(arr.shape)}, "
                               f"the input is declared [{shown}]")
    return arr


def _freeze(m: ModelProto, freeze: Mapping[str, np.ndarray]) -> None:
    inputs = {i.name: i for i in m.graph.input}
    for name, arr in freeze.items():
        if name not in inputs:
            raise CompileError(f"--freeze names '{name}', which is not a graph input "
                               f"(inputs: {', '.join(inputs)})")
        arr = _frozen(inputs[name], arr)
        keep = [i for i in m.graph.input if i.name != name]
        del m.graph.input[:]
        m.graph.input.extend(keep)
        m.graph.initializer.append(numpy_helper.from_array(arr, name))


def load_graph(model, shapes: Mapping[str, tuple[int, ...]] | None = None,
               freeze: Mapping[str, np.ndarray] | None = None,
               capacity: Mapping[str, int] | None = None) -> Graph:
    """capacity bounds data-dependent output sizes by value name (see import_graph)."""
    m = ModelProto()
    m.CopyFrom(read_model(model))
    _check(m)
    check_graph_tensors(m.graph)
    if m.functions:
        m = onnx.inliner.inline_local_functions(m)
    check_nodes(m)
    _freeze(m, freeze or {})
    shapes = dict(shapes or {})
    labels = resolve_maps(m, shapes)
    _pin_shapes(m, pin_inputs(m, shapes))
    m, wrong = infer_static(m)
    g = import_graph(m, capacity)
    if wrong:
        raise wrong[0]
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
        m, wrong = infer_static(subgraph_model(body, [typ(v) for v in formal], outer, opsets,
                                               outputs))
        g = import_graph(m)
    except NeedsConstant as e:
        formal_sources = dict(zip([i.name for i in body.input], sources))
        ups = sorted({u for n in e.inputs if formal_sources.get(n, n)
                      for u in scope.inputs_upstream(formal_sources.get(n, n))})
        if ups:
            raise NeedsConstant(ups, node, f"a shape in its {key}") from None
        raise UnknownShape(f"{key}: {e}", node,
                           reason=f"{node.op_type}: value-dependent shape in {key}") from None
    if wrong:
        raise CompileError(f"{key}: {wrong[0]}", node, reason=wrong[0].reason)
    shared = [n for n in free_names(body) if scope.values[n].is_const and n in g.values]
    return g, g.inputs + shared
