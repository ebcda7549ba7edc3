"""Liveness intervals and arena offsets.

Every intermediate tensor and every kernel's scratch buffer gets an offset in the one
workspace. Graph inputs are read from the caller's buffers and graph outputs are written
straight into them. Zero-copy ops (Reshape & co.) alias their input's storage.
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
    alias: dict[str, str] = field(default_factory=dict)   # value -> value it shares bytes with
    buffers: dict[str, Buffer] = field(default_factory=dict)
    workspace_bytes: int = 0

    def root(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name


def _pack(buffers: list[Buffer]) -> int:
    """Greedy by size (largest first), each at the lowest offset free during its lifetime."""
    placed: list[Buffer] = []
    for b in sorted(buffers, key=lambda b: (-b.size, b.first, b.name)):
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
    for step, (node, kernel) in enumerate(plan.steps):
        for o in node.outputs:
            if o:
                first.setdefault(plan.root(o), step)
        for i in node.inputs:
            if i:
                last[plan.root(i)] = step
        if kernel.scratch:
            plan.buffers[f"scratch:{node.name}"] = Buffer(f"scratch:{node.name}", kernel.scratch,
                                                          step, step)
    end = len(plan.steps)
    for o in g.outputs:
        last[plan.root(o)] = end
    for name, step in first.items():
        v = g.values[name]
        if name in outputs or name in inputs or v.is_const:
            continue
        plan.buffers[name] = Buffer(name, v.nbytes, step, max(last.get(name, step), step))
    plan.workspace_bytes = _pack(list(plan.buffers.values()))
    return plan
