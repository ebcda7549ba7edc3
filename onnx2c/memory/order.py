"""Execution orders worth trying: the file's own, and a greedy one that keeps few bytes live.

Any topological order computes the same results; on branchy graphs (skip connections,
U-Net, Inception) the order decides how many tensors are alive at once.
"""
from __future__ import annotations


from ..ir import Graph


def greedy_order(g: Graph, steps: list) -> list:
    """List scheduling: among the ready nodes run the one that grows live memory least.

    Growth = bytes its outputs add minus bytes of inputs it is the last reader of; ties
    keep the file's order, so the result is deterministic."""
    producer = {o: k for k, (n, _) in enumerate(steps) for o in n.outputs if o}
    readers: dict[str, set[int]] = {}
    deps = [set() for _ in steps]
    for k, (n, _) in enumerate(steps):
        for i in n.inputs:
            if i in producer:
                deps[k].add(producer[i])
            if i:
                readers.setdefault(i, set()).add(k)
    users = [[] for _ in steps]
    for k, ds in enumerate(deps):
        for d in ds:
            users[d].append(k)
    keep = set(g.outputs) | set(g.inputs)

    def growth(k: int, done: set[int]) -> int:
        n, _ = steps[k]
        add = sum(g.values[o].nbytes for o in n.outputs if o and o not in keep)
        free = sum(g.values[i].nbytes for i in set(n.inputs)
                   if i and i in producer and i not in keep
                   and readers.get(i, set()) - done == {k})
        return add - free

    waiting = [len(ds) for ds in deps]
    done: set[int] = set()
    ready = [k for k, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        k = min(ready, key=lambda k: (growth(k, done), k))
        ready.remove(k)
        done.add(k)
        order.append(steps[k])
        for u in users[k]:
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.append(u)
    return order if len(order) == len(steps) else steps


def candidate_orders(g: Graph, steps: list) -> list[tuple[str, list]]:
    greedy = greedy_order(g, steps)
    same = [id(n) for n, _ in greedy] == [id(n) for n, _ in steps]
    return [("file order", steps)] + ([] if same else [("least live memory", greedy)])
