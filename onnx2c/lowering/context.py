"""What a lowering function receives besides its node: the graph, the compile options,
and a way to compile a subgraph (an If branch, a Loop or Scan body) as a function."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import CompileError
from ..ir import Graph


OPTIMIZE = ("speed", "size")
REQUANT = ("float", "fixed")


@dataclass(frozen=True)
class Options:
    """Compile options that change what the op lowerings emit."""
    # "speed" or "size": where the two pull apart, fewer instructions or less flash
    optimize: str = "speed"
    # how int8 kernels requantize: "float" (float32 scale, bit-exact with onnxruntime) or
    # "fixed" (integer multiplier and shift, for cores without an FPU; not bit-exact)
    requant: str = "float"

    def __post_init__(self):
        for name, allowed in (("optimize", OPTIMIZE), ("requant", REQUANT)):
            if getattr(self, name) not in allowed:
                raise CompileError(f"--{name} {getattr(self, name)!r} is not one of "
                                   f"{', '.join(allowed)}")


@dataclass
class LoweringContext:
    graph: Graph
    options: Options = field(default_factory=Options)
    # the driver's subgraph compiler (every stage after the frontend), called with this
    # context first: see compile_subgraph
    subgraph_compiler: Callable | None = None

    def compile_subgraph(self, node, key: str, formal: list, sources: list,
                         outputs: list[bool] | None = None):
        """Graph attribute `key` of node (an If branch, a Loop or Scan body) lowered and
        planned like a model of its own: a codegen.subgraph.Subgraph.

        formal[k] (an ir.Value) types the subgraph's formal input k and sources[k] names
        the value of this graph it comes from (None if none), so a shape the subgraph
        cannot settle is explained in terms of the model's inputs; outputs[k] False drops
        output k."""
        return self.subgraph_compiler(self, node, key, formal, sources, outputs)

    def sub(self, graph: Graph) -> "LoweringContext":
        """The same options and subgraph compiler, for another graph."""
        return LoweringContext(graph, self.options, self.subgraph_compiler)
