"""A subgraph (If branch, Loop or Scan body) lowered and planned like a model of its own."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph
from .plan import Plan


@dataclass
class Subgraph:
    """What LoweringContext.compile_subgraph returns; codegen emits it as a function."""
    graph: Graph
    plan: Plan
    # the function's input parameters: the graph's inputs (formal inputs, then run-time
    # values of the enclosing scope), then the enclosing constants it shares
    inputs: list[str] = field(default_factory=list)

    @property
    def workspace_bytes(self) -> int:
        return self.plan.workspace_bytes
