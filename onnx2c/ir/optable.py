"""The op table: what each operator module registers, keyed by (domain, op_type).

* a lowering `lower(node, graph) -> Kernel` per opset version an implementation starts
  at: it reads static shapes and attributes (schema defaults already filled in by the
  importer) and picks a template under templates/ops/ with the parameters it needs;
* a type rule, for ops ONNX shape inference cannot type (ai.onnx.ml, com.microsoft):
  the frontend applies it between rounds of inference;
* a capacity rule, for ops whose output size depends on run-time values.

The op modules fill it when `onnx2c.ops` is imported; the stages that read it (frontend,
lowering, docs) never import an op module themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import CompileError
from .dtypes import DType
from .graph import Node

# the domain of the ops the compiler's own passes make (fused Conv/Gemm epilogues,
# fused elementwise chains, the integer kernels under ".int8"); no model may use it
COMPILER_DOMAIN = "onnx2c"


def is_compiler_domain(domain: str) -> bool:
    return domain == COMPILER_DOMAIN or domain.startswith(COMPILER_DOMAIN + ".")


@dataclass
class Kernel:
    template: str                      # path under templates/, e.g. "ops/elementwise.c.j2"
    params: Any = field(default_factory=dict)   # what the template sees as `p`
    scratch: int = 0                   # bytes of workspace the kernel needs during the call
    alias: bool = False                # output 0 holds input 0's bytes unchanged (Reshape...)
    inputs: list[int] | None = None    # which node inputs become C parameters (default: all present)
    inplace: list[int] = field(default_factory=list)  # inputs output 0 may overwrite if they die
    places: list[int] | None = None    # output 0 is just input k at byte offset places[k]
    # compiled subgraphs (If branches, Loop/Scan bodies) by key: codegen emits each as a
    # static function before the kernel's, and the template calls it as sub[key]
    subgraphs: dict = field(default_factory=dict)
    # constant inputs the kernel reads in a layout of its own (ops/packing.py): input
    # index -> the array in that layout; passes/pack.py makes each a constant
    packed: dict[int, np.ndarray] = field(default_factory=dict)


# lower(node, ctx: lowering.LoweringContext) -> Kernel
Lowering = Callable[[Node, Any], Kernel]
_REGISTRY: dict[tuple[str, str], list[tuple[int, Lowering]]] = {}


# ops whose lowerings know string cells (README: the C ABI); any other op meeting a
# string tensor would take a cell for a char, so it is refused before lowering
_STRING_OPS: set[tuple[str, str]] = set()


def op(*op_types: str, domain: str = "", since: int = 1, strings: bool = False):
    """Register a lowering for op_types from opset version `since` on; strings=True if it
    handles string tensors."""
    def deco(fn: Lowering) -> Lowering:
        for t in op_types:
            impls = _REGISTRY.setdefault((domain, t), [])
            impls.append((since, fn))
            impls.sort(key=lambda x: x[0])
            if strings:
                _STRING_OPS.add((domain, t))
        return fn
    return deco


def takes_strings(node: Node) -> bool:
    return (node.domain, node.op_type) in _STRING_OPS


def lookup(node: Node) -> Lowering:
    impls = _REGISTRY.get((node.domain, node.op_type))
    if not impls:
        dom = f" in domain '{node.domain}'" if node.domain else ""
        raise CompileError(f"operator {node.op_type}{dom} is not supported by onnx2c", node,
                           reason=f"unsupported op {node.op_type}")
    chosen = [fn for since, fn in impls if since <= node.version]
    if not chosen:
        raise CompileError(f"{node.op_type} is supported from opset {impls[0][0]} on, the model "
                           f"uses opset {node.version}; convert it with onnx.version_converter",
                           node, reason=f"{node.op_type} opset too old")
    return chosen[-1]


def registered() -> dict[tuple[str, str], list[int]]:
    """(domain, op_type) -> the opset versions implementations start at; for docs."""
    return {k: [s for s, _ in v] for k, v in sorted(_REGISTRY.items())}


class Bound(int):
    """A dimension that depends on run-time values, at most this many elements."""


CapacityRule = Callable[[Node, dict], list]
_CAPACITY: dict[tuple[str, str], CapacityRule] = {}


def capacity(*op_types: str, domain: str = ""):
    """Register the static upper bound of a data-dependent op's output shapes.

    The rule gets the node and the importer's values (ir.Value by name: dtype, shape, and
    data for constants) and returns one shape per node output: ints where the dimension is
    exact, Bound(n) where only n is known to bound it, None for an output whose shape
    inference must settle. The importer marks outputs with a Bound dimension `bounded`;
    only the op's own lowering then deals with the run-time dims."""
    def deco(fn: CapacityRule) -> CapacityRule:
        for t in op_types:
            _CAPACITY[(domain, t)] = fn
        return fn
    return deco


def capacity_rule(node: Node) -> CapacityRule | None:
    return _CAPACITY.get((node.domain, node.op_type))


OutputType = tuple[DType, tuple[int, ...]]
TypeRule = Callable[[Node, list], list]
_TYPES: dict[tuple[str, str], TypeRule] = {}


def type_rule(*op_types: str, domain: str = ""):
    """Register the output types of an op that ONNX shape inference leaves untyped.

    The rule gets the node (attributes with schema defaults) and its input values
    (ir.Value: dtype, static shape, and data for constants; None for an omitted input)
    and returns one (DType, shape) per node output, or None for an output it cannot
    type. It runs only once every input present has a static type."""
    def deco(fn: TypeRule) -> TypeRule:
        for t in op_types:
            _TYPES[(domain, t)] = fn
        return fn
    return deco


def type_rule_for(domain: str, op_type: str) -> TypeRule | None:
    return _TYPES.get((domain, op_type))
