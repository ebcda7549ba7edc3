"""The plan as a table: per node what it writes, where, and for how long."""
from __future__ import annotations

from ..passes.fuse_epilogue import fused_label


def print_plan(r) -> None:
    g, plan = r.graph, r.plan
    print(f"{'step':>4}  {'op':<18} {'output':<24} {'shape':<16} {'bytes':>10} {'offset':>10}"
          f"  live")
    for step, (node, _) in enumerate(plan.steps):
        for o in node.outputs:
            if not o:
                continue
            v = g.values[o]
            b = plan.buffers.get(plan.root(o))
            where = f"{b.offset:>10}" if b else f"{'(output)' if o in g.outputs else '':>10}"
            live = f"{b.first}-{b.last}" if b else ""
            print(f"{step:>4}  {fused_label(node):<18} {o[:24]:<24} "
                  f"{'x'.join(map(str, v.shape)) or 'scalar':<16} {v.nbytes:>10} {where}  {live}")
    read = {i for node, _ in plan.steps for i in node.inputs if i}   # packed, not originals
    weights = sum(g.values[n].nbytes for n in read if g.values[n].is_const)
    print(f"workspace bytes: {plan.workspace_bytes} (packing: {plan.heuristic})")
    print(f"lower bound:     {plan.lower_bound} (most bytes live at one step)")
    print(f"without reuse:   {plan.no_reuse_bytes}")
    print(f"weight bytes:    {weights}")
