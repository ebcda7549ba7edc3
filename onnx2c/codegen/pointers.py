"""The C expression of every buffer a node function takes, from the memory plan: a
parameter of the enclosing function (the caller's input and output buffers, or a
subgraph's parameters), a constant array, or a place in the workspace `ws`."""
from __future__ import annotations

from typing import Callable

from ..ir import Graph
from ..memory import Plan
from .constants import Constants


def pointers(g: Graph, plan: Plan, params: dict[str, str], consts: Constants,
             shared: set[str] = frozenset(),
             dims: Callable[[str], str] | None = None) -> Callable[[str], str]:
    """ptr(key) for the plan's buffer keys: a value name, "scratch:NODE", or "dims:VALUE"
    (a bounded value's actual dims, named by `dims`). params maps values to parameter
    names; a constant among them is read from its array unless it is in `shared` (a
    subgraph's constants shared with the enclosing scope arrive as parameters)."""
    def ptr(key: str) -> str:
        if key.startswith("dims:"):
            return dims(key[5:])
        if key.startswith("scratch:"):
            return f"(void *)(ws + {plan.buffers[key].offset})"
        root, at = plan.locate(key)
        v, rv = g.values[key], g.values[root]
        if root in params and (root in shared or not rv.is_const):
            return f"({v.dtype.ctype} *)(void *)((unsigned char *){params[root]} + {at})" \
                if at else params[root]
        if rv.is_const:
            return consts.ref(root, rv)
        return f"({v.dtype.ctype} *)(void *)(ws + {plan.buffers[root].offset + at})"
    return ptr
