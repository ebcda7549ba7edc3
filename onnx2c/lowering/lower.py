"""Lowering: each node of the graph to a Kernel (template, parameters, scratch bytes) by
the lowering its op module registered in the op table."""
from __future__ import annotations

from ..errors import CompileError, NeedsConstant
from ..ir import Node
from ..ir import DType
from ..ir.optable import Kernel, lookup, takes_strings
from .context import LoweringContext


def _check_bounded_inputs(node: Node, ctx: LoweringContext) -> None:
    """A bounded value's actual dims reach the caller but no other kernel yet: consumers
    would need them at run time."""
    g = ctx.graph
    for name in node.inputs:
        if name and g.values[name].bounded:
            shape = "x".join(map(str, g.values[name].shape))
            what = (f"the size of '{name}' (data-dependent, at most {shape}), which "
                    f"{node.op_type} needs exactly,")
            ups = g.inputs_upstream(name)
            if ups:
                raise NeedsConstant(ups, node, what)
            raise CompileError(f"{what} is only known at run time; onnx2c supports such "
                               "values only as graph outputs", node, reason="bounded input")


def _check_string_support(node: Node, ctx: LoweringContext) -> None:
    if takes_strings(node):
        return
    for name in node.inputs + node.outputs:
        if name and ctx.graph.values[name].dtype == DType.STRING:
            raise CompileError(f"{node.op_type} of string tensors is not supported ('{name}')",
                               node, reason=f"{node.op_type}: dtype string")


def lower(ctx: LoweringContext) -> list[tuple[Node, Kernel]]:
    """(node, kernel) for every node of ctx.graph, in order; errors name the node."""
    steps = []
    for node in ctx.graph.nodes:
        try:
            _check_bounded_inputs(node, ctx)
            _check_string_support(node, ctx)
            kernel = lookup(node)(node, ctx)
        except CompileError as e:
            if e.node is None:
                raise CompileError(str(e), node, reason=e.reason) from None
            raise
        steps.append((node, kernel))
    return steps
