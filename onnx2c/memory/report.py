"""The plan as a table: per node what it writes, where, and for how long."""
from __future__ import annotations

from ..passes.fuse_epilogue import fused_label


def plan_rows(r) -> list[tuple[str, ...]]:
    """(step, op, output, shape, bytes, offset, live) of every value a node writes."""
    g, plan = r.graph, r.plan
    rows = []
    for step, (node, _) in enumerate(plan.steps):
        for o in node.outputs:
            if not o:
                continue
            v = g.values[o]
            b = plan.buffers.get(plan.root(o))
            where = str(b.offset) if b else "(output)" if o in g.outputs else ""
            live = f"{b.first}-{b.last}" if b else ""
            rows.append((str(step), fused_label(node), o, "x".join(map(str, v.shape)) or "scalar",
                         str(v.nbytes), where, live))
    return rows


def print_plan(r) -> None:
    """The table, each column as wide as its longest entry: names are never cut."""
    g, plan = r.graph, r.plan
    head = ("step", "op", "output", "shape", "bytes", "offset", "live")
    rows = plan_rows(r)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    right = (True, False, False, False, True, True, False)
    for row in [head] + rows:
        print("  ".join(x.rjust(w) if ra else x.ljust(w)
                        for x, w, ra in zip(row, widths, right)).rstrip())
    read = {i for node, _ in plan.steps for i in node.inputs if i}   # packed, not originals
    weights = sum(g.values[n].nbytes for n in read if g.values[n].is_const)
    print(f"workspace bytes: {plan.workspace_bytes} (packing: {plan.heuristic})")
    print(f"lower bound:     {plan.lower_bound} (most bytes live at one step)")
    print(f"without reuse:   {plan.no_reuse_bytes}")
    print(f"weight bytes:    {weights}")
