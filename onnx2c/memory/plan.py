"""Liveness intervals, in-place decisions and arena offsets.

Every intermediate tensor and every kernel's scratch buffer gets an offset in the one
workspace. Graph inputs are read from the caller's buffers and graph outputs are written
straight into them. Zero-copy ops (Reshape & co.) alias their input's storage, and a kernel
that allows it writes its output over an input that dies at that node.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph

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
    buffers: dict[str, Buffer] = field(default_factory=dict)
    workspace_bytes: int = 0
    lower_bound: int = 0       # the most bytes live at one step under this order
    no_reuse_bytes: int = 0    # every intermediate tensor and scratch buffer side by side
    heuristic: str = ""

    def root(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name


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


def plan_memory(g: Graph, steps: list) -> Plan:
    plan = Plan([])
    outputs, inputs = set(g.outputs), set(g.inputs)
    for node, kernel in steps:
        if kernel.alias and node.outputs[0] not in outputs:
            plan.alias[node.outputs[0]] = node.inputs[0]
        else:
            plan.steps.append((node, kernel))

    first: dict[str, int] = {}
    last: dict[str, int] = {}
    end = len(plan.steps)
    for step, (node, _) in enumerate(plan.steps):
        for o in node.outputs:
            if o:
                first.setdefault(plan.root(o), step)
        for i in node.inputs:
            if i:
                last[plan.root(i)] = step
    for o in g.outputs:
        last[plan.root(o)] = end

    def in_workspace(name: str) -> bool:
        return name not in outputs and name not in inputs and not g.values[name].is_const

    scratch = sum(_align(k.scratch) for _, k in plan.steps)
    plan.no_reuse_bytes = scratch + sum(_align(g.values[n].nbytes) for n in first
                                        if in_workspace(n))

    # in place: the output takes over an input's buffer when that input dies here
    for step, (node, kernel) in enumerate(plan.steps):
        out = node.outputs[0] if node.outputs else ""
        if not kernel.inplace or not out or not in_workspace(out):
            continue
        for i in kernel.inplace:
            src = plan.root(node.inputs[i])
            if in_workspace(src) and last.get(src) == step and \
                    g.values[src].nbytes == g.values[out].nbytes:
                plan.alias[out] = src
                last[src] = last.get(out, step)
                break

    for step, (node, kernel) in enumerate(plan.steps):
        if kernel.scratch:
            name = f"scratch:{node.name}"
            plan.buffers[name] = Buffer(name, kernel.scratch, step, step)
    for name, step in first.items():
        if in_workspace(name) and name not in plan.alias:
            plan.buffers[name] = Buffer(name, g.values[name].nbytes, step,
                                        max(last.get(name, step), step))
    buffers = list(plan.buffers.values())
    plan.workspace_bytes, plan.heuristic = _pack(buffers)
    plan.lower_bound = _lower_bound(buffers, end)
    return plan
