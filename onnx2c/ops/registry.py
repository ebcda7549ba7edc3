"""Operator registry keyed by (domain, op_type) and the opset version an implementation starts at.

Each operator module registers a lowering function `lower(node, graph) -> Kernel`. The
lowering reads static shapes and attributes (schema defaults already filled in by the
importer) and picks a template under templates/ops/ with the parameters it needs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import CompileError
from ..ir import Graph, Node


@dataclass
class Kernel:
    template: str                      # path under templates/, e.g. "ops/binary.c.j2"
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


Lowering = Callable[[Node, Graph], Kernel]
_REGISTRY: dict[tuple[str, str], list[tuple[int, Lowering]]] = {}


def op(*op_types: str, domain: str = "", since: int = 1):
    """Register a lowering for op_types from opset version `since` on."""
    def deco(fn: Lowering) -> Lowering:
        for t in op_types:
            impls = _REGISTRY.setdefault((domain, t), [])
            impls.append((since, fn))
            impls.sort(key=lambda x: x[0])
        return fn
    return deco


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
