"""Load, check, inline, pin shapes, freeze inputs, infer shapes, fold, import."""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import onnx
import onnx.inliner
from onnx import ModelProto, numpy_helper

from ..errors import CompileError
from ..ir import Graph
from ..passes.fold import fold_and_infer
from .importer import import_graph
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
    _pin_shapes(m, pin_inputs(m, shapes or {}))
    m = fold_and_infer(m)
    return import_graph(m, capacity)
