"""Dead-code removal: drop nodes none of whose outputs reach a graph output."""
from __future__ import annotations

from ..ir import Graph


def remove_dead_code(g: Graph) -> bool:
    needed = set(g.outputs)
    keep = []
    for node in reversed(g.nodes):
        if any(o in needed for o in node.outputs if o):
            keep.append(node)
            needed.update(i for i in node.inputs if i)
    changed = len(keep) != len(g.nodes)
    g.nodes = keep[::-1]
    live = needed | set(g.inputs) | {o for n in g.nodes for o in n.outputs}
    g.values = {k: v for k, v in g.values.items() if k in live}
    return changed
