"""Operand types against the operator schemas: every input of a type the schema allows,
and the inputs that share a type variable (Add's A and B are both T) of one type.

ONNX's strict type checking would say so too, but inference falls back to its lenient
mode for models it cannot fully check, and then Add(float, int64) or Concat(double,
float) would reach a kernel that reads one buffer as the other's type.
"""
from __future__ import annotations

import functools

from onnx import defs

from ..errors import CompileError
from ..ir import Graph, Node


@functools.lru_cache(maxsize=None)
def _schema(op_type: str, version: int, domain: str):
    try:
        return defs.get_schema(op_type, version, domain)
    except Exception:
        return None


def _types(schema, k: int) -> set[str]:
    formal = schema.inputs[min(k, len(schema.inputs) - 1)]
    constraints = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}
    return constraints.get(formal.type_str, {formal.type_str})


@functools.lru_cache(maxsize=None)
def _versions(op_type: str, domain: str) -> tuple:
    return tuple(s for s in defs.get_all_schemas_with_history()
                 if s.name == op_type and s.domain == domain and s.inputs)


def _family(dtype: str) -> str:
    """float, int, uint, bool or string: what an element is, whatever its width."""
    if dtype in ("bool", "string"):
        return dtype
    if "float" in dtype or dtype in ("double", "complex64", "complex128"):
        return "float"
    return "uint" if dtype.startswith("uint") else "int"


def _allowed(schema, k: int) -> set[str] | None:
    """The tensor types input k takes in any opset version of the op; None if not only
    tensors (left alone)."""
    types = _types(schema, k)
    if not types or not all(t.startswith("tensor(") for t in types):
        return None
    for other in _versions(schema.name, schema.domain):
        types = types | _types(other, k)
    return {t[7:-1] for t in types}


def _takes(allowed: set[str], dtype: str) -> bool:
    """Whether an input of dtype fits: one of the types, or of the same family as one
    (onnx2c's kernels move int4 through Concat or Gather, which the schemas list only
    8-bit and wider integers for); a bool Relu or a float Where condition does not."""
    return dtype in allowed or _family(dtype) in {_family(t) for t in allowed}


def check_node_types(node: Node, g: Graph) -> None:
    schema = _schema(node.op_type, node.version, node.domain)
    if schema is None or not schema.inputs:
        return
    bound: dict[str, tuple[str, str]] = {}       # type variable -> (dtype, input it came from)
    last = len(schema.inputs) - 1
    for k, name in enumerate(node.inputs):
        if not name or name not in g.values or k > last and \
                schema.inputs[last].option != defs.OpSchema.FormalParameterOption.Variadic:
            continue
        formal = schema.inputs[min(k, last)]
        allowed = _allowed(schema, k)
        if allowed is None:
            continue
        dtype = g.values[name].dtype.onnx_name
        if not _takes(allowed, dtype):
            kinds = sorted(allowed)
            raise CompileError(f"input {k} ('{name}') is {dtype}; {node.op_type} takes "
                               f"{', '.join(kinds)} there", node,
                               reason=f"{node.op_type}: input type")
        homogeneous = formal.option != defs.OpSchema.FormalParameterOption.Variadic or \
            formal.is_homogeneous
        if formal.type_str in bound and homogeneous and bound[formal.type_str][0] != dtype:
            other_dtype, other = bound[formal.type_str]
            raise CompileError(f"inputs '{other}' ({other_dtype}) and '{name}' ({dtype}) must "
                               f"have one type ({node.op_type}'s {formal.type_str})", node,
                               reason=f"{node.op_type}: input types differ")
        bound.setdefault(formal.type_str, (dtype, name))


def check_types(g: Graph) -> None:
    for node in g.nodes:
        check_node_types(node, g)
