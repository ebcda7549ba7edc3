"""The buffer every node function takes, as the function that calls it names it.

The memory plan puts each buffer somewhere: a parameter of the enclosing function (the
caller's input and output buffers, or a subgraph's parameters), a constant array, or a
place in the workspace `ws`. expr() is that place as a C expression; a call passes the
identifier __call__ returns instead: the parameter or array itself, or a local pointer
named after the ONNX tensor (Local), so a debugger shows `conv1_out`, not `ws + 32000`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..ir import Graph
from ..memory import Plan
from .constants import Constants

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(\.v)?")


@dataclass
class Local:
    """`type name = expr;` at the top of the calling function."""
    type: str              # e.g. `float *const`
    name: str
    expr: str
    comment: str | None    # the ONNX tensor, when name had to differ from it


class Pointers:
    """Keys are the plan's buffer keys: a value name, "scratch:NODE", or "dims:VALUE" (a
    bounded value's actual dims, named by `dims`). params maps values to parameter names;
    a constant among them is read from its array unless it is in `shared` (a subgraph's
    constants shared with the enclosing scope arrive as parameters), and the parameters
    in `shared` are read-only."""

    def __init__(self, g: Graph, plan: Plan, params: dict[str, str], consts: Constants,
                 namer, shared: set[str] = frozenset(),
                 dims: Callable[[str], str] | None = None):
        self.g, self.plan, self.params, self.consts = g, plan, params, consts
        self.namer, self.shared, self.dims = namer, shared, dims
        self.names: dict[str, str] = {}
        self.locals: list[Local] = []

    def expr(self, key: str) -> str:
        """Where buffer `key` is, as a C expression."""
        if key.startswith("dims:"):
            return self.dims(key[5:])
        if key.startswith("scratch:"):
            return f"(void *)(ws + {self.plan.buffers[key].offset})"
        root, at = self.plan.locate(key)
        v, rv = self.g.values[key], self.g.values[root]
        ctype = v.dtype.ctype
        if root in self.params and (root in self.shared or not rv.is_const):
            if not at:
                return self.params[root]
            if root in self.shared:
                return f"(const {ctype} *)(const void *)" \
                    f"((const unsigned char *){self.params[root]} + {at})"
            return f"({ctype} *)(void *)((unsigned char *){self.params[root]} + {at})"
        if rv.is_const:
            return self.consts.ref(root, rv)
        return f"({ctype} *)(void *)(ws + {self.plan.buffers[root].offset + at})"

    def _read_only(self, key: str) -> bool:
        root = self.plan.locate(key)[0]
        return root in self.shared or self.g.values[root].is_const

    def __call__(self, key: str) -> str:
        """The identifier a call passes for buffer `key`, declaring a Local on first use."""
        if key in self.names:
            return self.names[key]
        expr = self.expr(key)
        if _IDENTIFIER.fullmatch(expr):
            self.names[key] = expr
            return expr
        if key.startswith("scratch:"):
            node = key[8:]
            name, ptype = self.namer(node, prefix="scratch_"), "void *const"
            comment = None if name == f"scratch_{node}" else f"scratch of node '{node}'"
        else:
            ctype = self.g.values[key].dtype.ctype
            name = self.namer(key)
            ptype = f"const {ctype} *const" if self._read_only(key) else f"{ctype} *const"
            comment = None if name == key else f"'{key}'"
        self.locals.append(Local(ptype, name, expr, comment))
        self.names[key] = name
        return name
