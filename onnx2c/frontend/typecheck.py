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


def _allowed(schema, formal) -> set[str] | None:
    """The tensor types a formal parameter takes (None: not only tensors, left alone)."""
    constraints = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}
    types = constraints.get(formal.type_str, {formal.type_str})
    return types if types and all(t.startswith("tensor(") for t in types) else None


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
        allowed = _allowed(schema, formal)
        if allowed is None:
            continue
        dtype = g.values[name].dtype.onnx_name
        if f"tensor({dtype})" not in allowed:
            kinds = sorted(t[7:-1] for t in allowed)
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
