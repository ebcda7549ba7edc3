"""Elementwise ops fused into the loop of the elementwise op or reduction that consumes
them, so their intermediate tensors never exist.

Sub -> Abs -> ReduceSum over a 300x400x3 image (examples/seed_motion) becomes one pass
over the image: per element, the Sub and Abs bodies run on values in registers and the
sum takes the result. Without it, two image-sized intermediates (2.9 MB as int64) are
written and read back. Likewise a per-channel Mul -> Add -> Relu after a convolution is
one loop instead of three.

This runs on the lowered steps, like materialise_splats: only a kernel says whether an op
is an elementwise body over its operands (templates/ops/elementwise.c.j2). A producer
joins its consumer's loop when

* its output is read by that one node only, and is not a graph output;
* its output has the shape the consumer's loop runs over (the consumer's output, or a
  reduction's input), so it is computed once per element; its operands broadcast to
  that shape (for a reduction: have it, or hold one element);
* the output's element type is one a C variable holds exactly (not float16, int4, ...).
  Each stage narrows its result to that type, as the store between the two kernels did,
  so a fused chain computes the same values, operation for operation.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..ir import DType, Graph, Node
from ..ir.optable import Kernel
from ..ops._util import broadcast_loops, strides
from ..passes.fuse_epilogue import DOMAIN      # the compiler's own ops

ELEMENTWISE = "ops/elementwise.c.j2"
REDUCE = "ops/reduce.c.j2"
# ArgMax/ArgMin read element 0 outside the loop, LogSumExp runs two passes over it
_REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
               "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceSumSquare")
_EXACT = {DType.FLOAT, DType.DOUBLE, DType.BOOL, DType.INT8, DType.INT16, DType.INT32,
          DType.INT64, DType.UINT8, DType.UINT16, DType.UINT32, DType.UINT64}


@dataclass(frozen=True)
class Operand:
    """Operand a<pos> of a stage: earlier stage `stage` (its value as `compute`), or the
    element of the fused node's input `input`."""
    pos: int
    stage: int | None = None
    compute: str = ""
    input: int | None = None


@dataclass(frozen=True)
class Stage:
    """One absorbed op: r takes the value of each of its steps in turn (expressions over
    its operands and r); the result is kept in a variable of the output's element type
    (templates/ops/_stages.j2)."""
    dtype: DType
    steps: list[str]
    operands: list[Operand]


@dataclass
class _Group:
    loop_shape: tuple               # what every stage's output has
    broadcast: bool                 # operands may broadcast (else: loop_shape or one element)
    stages: list[Stage] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)     # the fused node's inputs
    absorbed: list[Node] = field(default_factory=list)

    def input_index(self, name: str) -> int:
        if name not in self.inputs:
            self.inputs.append(name)
        return self.inputs.index(name)


def _plain(kernel: Kernel, template: str) -> bool:
    return kernel.template == template and not (kernel.scratch or kernel.alias or
                                                kernel.subgraphs or kernel.packed)


def _present(node: Node, kernel: Kernel) -> list[int]:
    return [i for i in (kernel.inputs if kernel.inputs is not None else range(len(node.inputs)))
            if node.inputs[i]]


class _Fuser:
    def __init__(self, g: Graph, steps: list):
        self.g = g
        self.producer = {o: (n, k) for n, k in steps for o in n.outputs}
        self.readers: dict[str, set[int]] = {}
        for n, k in steps:
            for name in n.inputs:
                self.readers.setdefault(name, set()).add(id(n))

    def _shape(self, name: str) -> tuple:
        return self.g.values[name].shape

    def _numpy_broadcast(self, node: Node, kernel: Kernel) -> bool:
        """The kernel's loads broadcast its operands as numpy does (not PRelu's old
        axis rules), so offsets recomputed from the shapes address the same elements."""
        present = _present(node, kernel)
        _, strs = broadcast_loops(self._shape(node.outputs[0]),
                                  [self._shape(node.inputs[i]) for i in present])
        return all(kernel.params.strides[i] == s for i, s in zip(present, strs))

    def _fits(self, name: str, group: _Group) -> bool:
        shape = self._shape(name)
        if shape == group.loop_shape or self.g.values[name].size == 1:
            return True
        return group.broadcast and len(shape) <= len(group.loop_shape) and all(
            d in (1, e) for d, e in zip(reversed(shape), reversed(group.loop_shape)))

    def _joins(self, name: str, group: _Group) -> tuple[Node, Kernel] | None:
        """The step producing `name` if it can run inside the group's loop."""
        hit = self.producer.get(name)
        if hit is None or name in self.g.outputs or len(self.readers.get(name, ())) != 1:
            return None
        node, kernel = hit
        v = self.g.values[name]
        if len(node.outputs) != 1 or v.shape != group.loop_shape or v.dtype not in _EXACT or \
                not _plain(kernel, ELEMENTWISE) or not self._numpy_broadcast(node, kernel):
            return None
        present = [node.inputs[i] for i in _present(node, kernel)]
        return hit if all(self._fits(x, group) for x in present) else None

    def _operand(self, group: _Group, pos: int, name: str) -> Operand:
        """Operand a<pos> reading `name`: a stage if its producer joins, else a load."""
        hit = self._joins(name, group)
        if hit is None:
            return Operand(pos, input=group.input_index(name))
        self._absorb(group, *hit)
        return Operand(pos, stage=len(group.stages) - 1, compute=self.g.values[name].dtype.compute)

    def _absorb(self, group: _Group, node: Node, kernel: Kernel) -> None:
        """node as the next stage, after the stages of the producers it absorbs."""
        operands = [self._operand(group, i, node.inputs[i]) for i in _present(node, kernel)]
        group.stages.append(Stage(self.g.values[node.outputs[0]].dtype,
                                  list(kernel.params.steps), operands))
        group.absorbed.append(node)

    def _elementwise(self, node: Node, kernel: Kernel) -> tuple[_Group, object] | None:
        y = self.g.values[node.outputs[0]]
        if not self._numpy_broadcast(node, kernel):
            return None
        group = _Group(y.shape, broadcast=True)
        operands = [self._operand(group, i, node.inputs[i]) for i in _present(node, kernel)]
        dims, strs = broadcast_loops(y.shape, [self._shape(x) for x in group.inputs])
        return group, replace(kernel.params, stages=group.stages, operands=operands, dims=dims,
                           input_strides=strs, out_strides=strides(dims))

    def _reduction(self, node: Node, kernel: Kernel) -> tuple[_Group, object] | None:
        p, x = kernel.params, node.inputs[0]
        if node.op_type not in _REDUCTIONS or node.domain or p.mask is not None or \
                p.empty or len(p.cases) != 1:
            return None
        group = _Group(self._shape(x), broadcast=False)
        head = self._joins(x, group)
        if head is None:
            return None
        self._absorb(group, *head)
        return group, replace(p, stages=group.stages,
                              full=[self._shape(n) == group.loop_shape for n in group.inputs])

    def fuse(self, node: Node, kernel: Kernel) -> tuple[Node, Kernel, list[Node]] | None:
        """The fused step replacing (node, kernel), and the nodes it absorbs, if any
        producer joins it."""
        if len(node.outputs) != 1:
            return None
        if _plain(kernel, ELEMENTWISE):
            hit = self._elementwise(node, kernel)
        elif _plain(kernel, REDUCE):
            hit = self._reduction(node, kernel)
        else:
            return None
        if hit is None or not hit[0].stages:
            return None
        group, params = hit
        fused = Node(node.name, node.op_type, DOMAIN, node.version, group.inputs,
                     list(node.outputs),
                     dict(node.attrs, absorbed=[n.op_type for n in group.absorbed]))
        y = self.g.values[node.outputs[0]]
        # element o of a same-shape input is read before element o of the output is written
        inplace = [i for i, name in enumerate(group.inputs)
                   if kernel.template == ELEMENTWISE and self._shape(name) == y.shape
                   and self.g.values[name].dtype.bits == y.dtype.bits and not y.dtype.is_packed]
        return fused, Kernel(kernel.template, params, inputs=list(range(len(group.inputs))),
                             inplace=inplace), group.absorbed


def fuse_chains(g: Graph, steps: list) -> list:
    """steps with elementwise producers merged into their consumers' kernels; the graph
    loses the absorbed nodes and their outputs."""
    fuser, gone, out = _Fuser(g, steps), set(), []
    for node, kernel in reversed(steps):      # consumers first: a chain joins its end
        if id(node) in gone:
            continue
        hit = fuser.fuse(node, kernel)
        if hit is None:
            out.append((node, kernel))
            continue
        fused, fused_kernel, absorbed = hit
        for n in absorbed:
            gone.add(id(n))
            g.values.pop(n.outputs[0])
        out.append((fused, fused_kernel))
    out.reverse()
    g.nodes = [n for n, _ in out]
    return out
