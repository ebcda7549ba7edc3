"""Liveness intervals, in-place decisions and arena offsets.

Every intermediate tensor and every kernel's scratch buffer gets an offset in the one
workspace. Graph inputs are read from the caller's buffers and graph outputs are written
straight into them. Three ways avoid copies and buffers:
- zero-copy ops (Reshape & co.) alias their input's storage;
- a kernel that allows it writes its output over an input that dies at that node;
- a Concat whose inputs are contiguous slices of its output has them written there
  by their producers, and disappears.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph
from .order import candidate_orders

ALIGN = 16


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass
class Buffer:
    name: str          # tensor name, or "scratch:<node>"
    size: int
    first: int         # step of the first write
    last: int          # step of the last read
    offset: int = 0


@dataclass
class Plan:
    steps: list                              # [(node, kernel)] still emitted, in order
    alias: dict[str, str] = field(default_factory=dict)   # value -> value whose bytes it uses
    at: dict[str, int] = field(default_factory=dict)      # byte offset inside that value
    buffers: dict[str, Buffer] = field(default_factory=dict)
    workspace_bytes: int = 0
    lower_bound: int = 0       # the most bytes live at one step under this order
    no_reuse_bytes: int = 0    # every intermediate tensor and scratch buffer side by side
    heuristic: str = ""
    order: str = ""

    def root(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def locate(self, name: str) -> tuple[str, int]:
        """(the value that owns the storage, byte offset of name inside it)."""
        offset = 0
        while name in self.alias:
            offset += self.at.get(name, 0)
            name = self.alias[name]
        return name, offset


def _place(order: list[Buffer]) -> int:
    """Each buffer in turn at the lowest offset free during its lifetime (first fit)."""
    placed: list[Buffer] = []
    for b in order:
        overlapping = sorted((p for p in placed if p.first <= b.last and b.first <= p.last),
                             key=lambda p: p.offset)
        offset = 0
        for p in overlapping:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        b.offset = offset
        placed.append(b)
    return max((_align(b.offset + b.size) for b in placed), default=0)


_HEURISTICS = {
    "size": lambda b: (-b.size, b.first, b.name),
    "area": lambda b: (-b.size * (b.last - b.first + 1), b.first, b.name),
    "lifetime": lambda b: (-(b.last - b.first), -b.size, b.name),
    "first-use": lambda b: (b.first, -b.size, b.name),
}


def _pack(buffers: list[Buffer]) -> tuple[int, str]:
    """Try every ordering heuristic and keep the smallest arena."""
    best = None
    for name, key in _HEURISTICS.items():
        total = _place(sorted(buffers, key=key))
        if best is None or total < best[0]:
            best = (total, name, {b.name: b.offset for b in buffers})
    total, name, offsets = best
    for b in buffers:
        b.offset = offsets[b.name]
    return total, name


def _lower_bound(buffers: list[Buffer], steps: int) -> int:
    live = [0] * (steps + 1)
    for b in buffers:
        for s in range(b.first, b.last + 1):
            live[s] += _align(b.size)
    return max(live, default=0)


class _Planner:
    def __init__(self, g: Graph, steps: list):
        self.g, self.plan = g, Plan([])
        self.outputs, self.inputs = set(g.outputs), set(g.inputs)
        for node, kernel in steps:
            if kernel.alias and node.outputs[0] not in self.outputs:
                self.plan.alias[node.outputs[0]] = node.inputs[0]
            else:
                self.plan.steps.append((node, kernel))

    def in_workspace(self, name: str) -> bool:
        return name not in self.outputs and name not in self.inputs and \
            not self.g.values[name].is_const

    def place_concats(self) -> None:
        """Let producers write straight into a Concat's output when every input can.

        An input may have other readers (a U-Net skip connection feeds a pooling layer
        and, much later, the Concat): they read it from inside the Concat's buffer, which
        is then simply alive from the input's production on, as the input was anyway."""
        plan = self.plan
        produced = {plan.root(o) for n, _ in plan.steps for o in n.outputs if o}
        keep = []
        for node, kernel in plan.steps:
            roots = [plan.root(i) for i in node.inputs]
            ok = kernel.places is not None and node.outputs[0] not in self.inputs and \
                len(set(roots)) == len(roots) and all(
                    r in produced and self.in_workspace(r) and r not in plan.alias
                    for r in roots)
            if not ok:
                keep.append((node, kernel))
                continue
            for r, offset in zip(roots, kernel.places):
                plan.alias[r], plan.at[r] = node.outputs[0], offset
        plan.steps = keep

    def liveness(self) -> tuple[dict, dict]:
        plan, first, last = self.plan, {}, {}
        for step, (node, _) in enumerate(plan.steps):
            for o in node.outputs:
                if o:
                    first.setdefault(plan.root(o), step)
            for i in node.inputs:
                if i:
                    last[plan.root(i)] = step
        for o in self.g.outputs:
            last[plan.root(o)] = len(plan.steps)
        return first, last

    def in_place(self, last: dict) -> None:
        """The output takes over an input's buffer when that input dies at the node."""
        plan, g = self.plan, self.g
        for step, (node, kernel) in enumerate(plan.steps):
            out = node.outputs[0] if node.outputs else ""
            if not kernel.inplace or not out or not self.in_workspace(out) or out in plan.alias:
                continue
            for i in kernel.inplace:
                src = plan.root(node.inputs[i])
                if self.in_workspace(src) and last.get(src) == step and \
                        g.values[src].nbytes == g.values[out].nbytes:
                    plan.alias[out] = src
                    last[src] = last.get(out, step)
                    break

    def run(self) -> Plan:
        plan, g = self.plan, self.g
        self.place_concats()
        first, last = self.liveness()
        scratch = sum(_align(k.scratch) for _, k in plan.steps)
        plan.no_reuse_bytes = scratch + sum(_align(g.values[n].nbytes) for n in first
                                            if self.in_workspace(n) and n not in plan.alias)
        self.in_place(last)
        for step, (node, kernel) in enumerate(plan.steps):
            if kernel.scratch:
                name = f"scratch:{node.name}"
                plan.buffers[name] = Buffer(name, kernel.scratch, step, step)
        for name, step in first.items():
            if self.in_workspace(name) and name not in plan.alias:
                plan.buffers[name] = Buffer(name, g.values[name].nbytes, step,
                                            max(last.get(name, step), step))
        buffers = list(plan.buffers.values())
        plan.workspace_bytes, plan.heuristic = _pack(buffers)
        plan.lower_bound = _lower_bound(buffers, len(plan.steps))
        return plan


def plan_memory(g: Graph, steps: list) -> Plan:
    """The smallest plan over the candidate execution orders."""
    best = None
    for label, order in candidate_orders(g, steps):
        plan = _Planner(g, order).run()
        plan.order = label
        if best is None or plan.workspace_bytes < best.workspace_bytes:
            best = plan
    return best
