"""If and Loop at run time: each subgraph is compiled on its own (LoweringContext.compile_subgraph)
into a static C function that the node's kernel calls, writing straight into the node's
outputs. Values a subgraph reads from the enclosing scope are the node's trailing inputs
(the importer appends them) and reach the function as parameters.

What the compile time decides never gets here: frontend/resolve/branches.py inlines an If with a
constant condition, frontend/resolve/unroll.py unrolls a Loop carrying sequences or whose shapes
depend on the iteration. A Loop's state keeps its shape; its scan outputs have as many
rows as the static shape says (a constant trip count, or the model's declared output
shape), and a run that makes a different number fails with O2C_ERR_CAPACITY (more) or
O2C_ERR_VALUE (fewer).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CompileError, NeedsConstant
from ..ir import DType, Value
from ._util import inp
from ..ir.optable import Kernel, op


class Scratch:
    """The node's scratch bytes, handed out in 16-byte aligned pieces."""

    def __init__(self):
        self.size = 0

    def take(self, nbytes: int) -> int:
        at = self.size
        self.size += -(-max(nbytes, 1) // 16) * 16
        return at

    def ptr(self, ctype: str, nbytes: int) -> str:
        return f"({ctype} *)(void *)(ws + {self.take(nbytes)})"


def params(node, sub, formal: dict[str, str | Slice | LoopCounter],
           outputs: list[str | Slice], ws: str) -> tuple[list, set]:
    """The C arguments of a call to sub (its inputs, outputs and workspace), and the node
    inputs they read: formal inputs from `formal`, enclosing values from the node's."""
    args, used = [], set()
    for name in sub.inputs:
        if name in formal:
            args.append(formal[name])
        else:
            k = node.inputs.index(name)
            args.append(f"in{k}")
            used.add(k)
    return args + outputs + [ws], used


def check_outputs(node, sub, values: list[Value], what: str, first: int = 0) -> None:
    """The subgraph's outputs from `first` on have the types and shapes of values."""
    for v, s in zip(values, sub.graph.outputs[first:]):
        w = sub.graph.values[s]
        if (v.dtype, v.shape) != (w.dtype, w.shape):
            raise CompileError(f"{what} gives '{v.name}' as {w.dtype.onnx_name}{list(w.shape)}, "
                               f"not {v.dtype.onnx_name}{list(v.shape)}", node,
                               reason=f"{node.op_type}: subgraph output shape differs")


@dataclass(frozen=True)
class Slice:
    """A pointer that moves with the loop, which the template spells since it declares
    the loop variables: `base` plus `batch` elements per Scan batch, plus `step` elements
    per position along the loop, the iteration count or, when `last` is set, last minus it
    (a backward scan)."""
    base: str
    batch: int = 0
    step: int = 0
    last: int | None = None


@dataclass(frozen=True)
class LoopCounter:
    """A body argument: the address of the iteration counter (Loop's iteration_num), a
    variable the template declares."""


@dataclass(frozen=True)
class LoopState:
    """A loop-carried value of `nbytes` bytes of `ctype`, starting from `init`; cur and
    nxt swap between the buffers a and b; `out`: b is the node's output."""
    ctype: str
    init: str | Slice
    a: str
    b: str | Slice
    out: bool
    nbytes: int


@dataclass(frozen=True)
class LoopParams:
    """templates/ops/loop.c.j2 for Loop (kind "loop": fewer iterations than `trip`, a C
    expression, if set, and while the body's condition output, starting from `cond`, if
    set) and Scan (kind "scan": `count` steps, in `batch` outer batches): the body is
    called with `args`; `rows`: a scan output's capacity along the loop (None:
    unbounded); gathers and scatters (ops/scan.SliceCopy) copy slices to and from the
    temps (C type, name, pointer) in scratch."""
    kind: str
    states: list[LoopState]
    args: list[str | Slice | LoopCounter]
    rows: int | None
    scratch: bool
    gathers: list = field(default_factory=list)
    scatters: list = field(default_factory=list)
    temps: list[tuple[str, str, str]] = field(default_factory=list)
    trip: str | None = None
    cond: str | None = None
    count: int | None = None
    batch: int | None = None


@dataclass(frozen=True)
class IfCalls:
    """templates/ops/if.c.j2: the C arguments of each branch function, by branch key."""
    calls: dict[str, list[str]]


def state(ctype: str, init: str | Slice, nbytes: int, out_ptr: str | Slice | None,
          scratch: Scratch) -> LoopState:
    """A loop-carried value: the body reads cur, writes nxt, and the two swap between a
    scratch buffer and the output (or a second scratch buffer when the output is unused)."""
    a = scratch.ptr(ctype, nbytes)
    b = out_ptr or scratch.ptr(ctype, nbytes)
    return LoopState(ctype, init, a, b, out_ptr is not None, nbytes)


@op("If", since=1)
def lower_if(node, ctx):
    keep = [bool(o) for o in node.outputs]
    outs = [o for o in node.outputs if o]
    subs, used, calls = {}, {0}, {}
    for key in ("then_branch", "else_branch"):
        sub = ctx.compile_subgraph(node, key, [], [], keep)
        try:
            check_outputs(node, sub, [ctx.graph.values[o] for o in outs], key.replace("_", " "))
        except CompileError:
            ups = ctx.graph.inputs_upstream(node.inputs[0])
            if ups:
                raise NeedsConstant(ups, node, "which branch runs (their shapes differ)")
            raise
        subs[key] = sub
    scratch = max(s.workspace_bytes for s in subs.values())
    for key, sub in subs.items():
        calls[key], u = params(node, sub, {}, [f"out{k}" for k, o in enumerate(node.outputs)
                                              if o], "scratch" if scratch else "NULL")
        used |= u
    return Kernel("ops/if.c.j2", IfCalls(calls), scratch=scratch, inputs=sorted(used),
                  subgraphs=subs)


def _declared(vi, dtype: DType) -> Value:
    t = vi.type.tensor_type
    dims = [d.dim_value for d in t.shape.dim] if t.HasField("shape") else []
    ok = t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim)
    return Value(vi.name, dtype, tuple(dims) if ok else ())


@op("Loop", since=1)
def lower_loop(node, ctx):
    body = node.attrs["body"]
    n_state = len(body.input) - 2
    n_scan = len(body.output) - 1 - n_state
    trip, cond = inp(node, ctx, 0), inp(node, ctx, 1)
    if trip is None and cond is None:
        raise CompileError("a Loop with neither a trip count nor a condition never ends",
                           node, reason="Loop: endless")
    init = [inp(node, ctx, 2 + k) for k in range(n_state)]
    scan_outs = node.outputs[n_state:n_state + n_scan]
    formal = [_declared(body.input[0], DType.INT64), _declared(body.input[1], DType.BOOL)]
    sub = ctx.compile_subgraph(node, "body", formal + init, node.inputs[:2 + n_state],
                           [True] * (1 + n_state) + [bool(o) for o in scan_outs])
    check_outputs(node, sub, init, "the body's state output", first=1)
    scratch, states = Scratch(), []
    outs_state = node.outputs[:n_state]
    for k, v in enumerate(init):
        states.append(state(v.dtype.ctype, f"in{2 + k}", v.nbytes,
                            f"out{k}" if k < len(outs_state) and outs_state[k] else None,
                            scratch))
    rows, scan_args = None, []
    for j, o in enumerate(scan_outs):
        if not o:
            continue
        y, s = ctx.graph.values[o], sub.graph.values[sub.graph.outputs[1 + n_state + len(scan_args)]]
        if rows not in (None, y.shape[0]) or y.shape[1:] != s.shape or y.dtype != s.dtype:
            raise CompileError(f"scan output '{o}' is {list(y.shape)}, each iteration gives "
                               f"{list(s.shape)}", node, reason="Loop: scan output shape")
        rows = y.shape[0]
        scan_args.append(Slice(f"out{n_state + j}", step=s.size))
    ws = f"ws + {scratch.take(sub.workspace_bytes)}" if sub.workspace_bytes else "NULL"
    formal_c = {body.input[0].name: LoopCounter(), body.input[1].name: "&cond"}
    formal_c.update({body.input[2 + k].name: f"cur{k}" for k in range(n_state)})
    args, used = params(node, sub, formal_c, ["&cond_out"] + [f"nxt{k}" for k in
                                                               range(n_state)] + scan_args, ws)
    first_cond = None if cond is None else "in1[0] != 0" if cond.data is None else \
        str(int(bool(cond.data.reshape(-1)[0])))
    p = LoopParams("loop", states, args, rows, scratch.size > 0,
                   trip=trip_expr(trip) if trip is not None else None, cond=first_cond)
    used |= {k for k in (0, 1) if inp(node, ctx, k) is not None and inp(node, ctx, k).data is None}
    used |= set(range(2, 2 + n_state))
    return Kernel("ops/loop.c.j2", p, scratch=scratch.size, inputs=sorted(used),
                  subgraphs={"body": sub})


def trip_expr(trip: Value) -> str:
    return "in0[0]" if trip.data is None else f"INT64_C({int(trip.data.reshape(-1)[0])})"
