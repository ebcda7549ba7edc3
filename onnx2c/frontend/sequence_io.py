"""Sequence and optional graph inputs and outputs in the C ABI.

Every tensor a sequence holds is its own parameter of NAME_run, named NAME[k] in the
descriptor tables (C identifier NAME_k_): a sequence input's length and element shapes
are fixed at compile time (--shape NAME=[2x3,4] for two elements, --shape NAME=[] for
none), a sequence output's are whatever the model makes them. An optional input is
present unless pinned empty (--shape NAME=none, and then it has no parameter); a present
optional is the tensor or sequence it holds; an empty optional output has no parameter.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from onnx import ModelProto, TypeProto, helper

from ..errors import CompileError
from .resolve.structure import element_name, kind_of


def _held(t: TypeProto) -> TypeProto:
    """The type an optional holds (itself for a tensor or sequence)."""
    return t.optional_type.elem_type if kind_of(t) == "optional" else t


def pin_inputs(m: ModelProto, shapes: Mapping) -> dict:
    """Sequence and optional inputs become tensor inputs (and the sequence or optional
    built from them); returns the --shape entries for plain tensor inputs."""
    g, rest, front, inputs = m.graph, dict(shapes), [], []
    for vi in g.input:
        kind = kind_of(vi.type)
        if kind == "tensor":
            inputs.append(vi)
            continue
        spec = rest.pop(vi.name, ...)
        held = _held(vi.type)
        if kind == "optional" and spec is None:
            front.append(helper.make_node("Optional", [], [vi.name], type=held))
        elif kind_of(held) == "tensor":
            t = helper.make_tensor_value_info(vi.name, held.tensor_type.elem_type, None)
            t.type.CopyFrom(held)
            if spec is not ...:
                rest[vi.name] = spec
            inputs.append(t)
        elif kind_of(held) == "sequence" and isinstance(spec, (list, tuple)) and \
                all(isinstance(s, (list, tuple)) for s in spec):
            dtype = held.sequence_type.elem_type.tensor_type.elem_type
            names = [element_name(vi.name, k) for k in range(len(spec))]
            inputs += [helper.make_tensor_value_info(n, dtype, [int(d) for d in s])
                       for n, s in zip(names, spec)]
            front.append(helper.make_node("SequenceConstruct", names, [vi.name]) if names else
                         helper.make_node("SequenceEmpty", [], [vi.name], dtype=dtype))
        else:
            raise CompileError(f"graph input '{vi.name}' is a {kind}: give its length and "
                               f"element shapes with --shape {vi.name}=[D0xD1,...] (one shape "
                               "per element, [] when empty" +
                               (", none when absent)" if kind == "optional" else ")"),
                               reason=f"{kind} input needs --shape")
    if any(kind_of(vi.type) != "tensor" for vi in g.input):
        del g.input[:]
        g.input.extend(inputs)
        nodes = front + list(g.node)
        del g.node[:]
        g.node.extend(nodes)
    return rest


def _static(t: TypeProto) -> bool:
    return kind_of(t) == "tensor" and t.tensor_type.HasField("shape") and \
        all(d.HasField("dim_value") for d in t.tensor_type.shape.dim)


def pins_for(model: ModelProto, values: Mapping) -> dict:
    """--shape entries that fix the inputs of model whose shape or structure it leaves
    open (symbolic dims, sequences, optionals) to those of example values (arrays, a
    list of arrays per sequence, None for an empty optional)."""
    out = {}
    for vi in model.graph.input:
        v = values.get(vi.name, ...)
        if not _static(vi.type) and v is not ...:
            out[vi.name] = None if v is None else \
                [np.shape(a) for a in v] if isinstance(v, list) else np.shape(v)
    return out


def flatten(values: Mapping) -> dict:
    """Values by graph input or output name (arrays, lists of arrays for sequences, None
    for empty optionals) -> arrays by C ABI name."""
    out = {}
    for name, v in values.items():
        if isinstance(v, list):
            out.update({element_name(name, k): a for k, a in enumerate(v)})
        elif v is not None:
            out[name] = v
    return out
