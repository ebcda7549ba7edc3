"""Scopes of ONNX graphs (protos): what a subgraph reads from the enclosing scope, fresh
value names, and a subgraph's nodes inlined into the enclosing graph.

A subgraph (If branch, Loop/Scan body, SequenceMap body) may read any value of the scopes
around it by name; those names are its free names. Inlining renames every name the
subgraph defines, nested subgraphs included, so copies of one body never collide.
"""
from __future__ import annotations

import numpy as np
from onnx import (AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
                  TensorProto, TypeProto, helper, numpy_helper)


def subgraphs(node: NodeProto) -> list[GraphProto]:
    out = []
    for a in node.attribute:
        if a.type == AttributeProto.GRAPH:
            out.append(a.g)
        elif a.type == AttributeProto.GRAPHS:
            out.extend(a.graphs)
    return out


def graph_attr(node: NodeProto, name: str) -> GraphProto:
    return next(a.g for a in node.attribute if a.name == name)


def free_names(graph: GraphProto) -> list[str]:
    """Values graph reads from enclosing scopes, in order of first use."""
    defined = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    out: dict[str, None] = {}
    for n in graph.node:
        for name in list(n.input) + [x for s in subgraphs(n) for x in free_names(s)]:
            if name and name not in defined:
                out.setdefault(name)
        defined.update(o for o in n.output if o)
    for o in graph.output:
        if o.name not in defined:
            out.setdefault(o.name)
    return list(out)


def reads(node: NodeProto, keep_empty: bool = False) -> list[str]:
    """Every value node reads: its inputs (with the '' of omitted ones if keep_empty),
    then the others its subgraphs capture."""
    caps = [x for s in subgraphs(node) for x in free_names(s) if x not in node.input]
    return [i for i in node.input if i or keep_empty] + list(dict.fromkeys(caps))


def _defined(graph: GraphProto) -> list[str]:
    names = [i.name for i in graph.input] + [t.name for t in graph.initializer]
    for n in graph.node:
        names += [o for o in n.output if o]
        for s in subgraphs(n):
            names += _defined(s)
    return names


def _all_names(graph: GraphProto, out: set) -> set:
    out.update(_defined(graph))
    out.update(vi.name for vi in list(graph.output) + list(graph.value_info))
    for n in graph.node:
        out.update(n.input)
    return out


class Fresh:
    """Hands out value names no graph in the model uses yet."""

    def __init__(self, graph: GraphProto):
        self.used = _all_names(graph, set())

    def __call__(self, base: str) -> str:
        cand, k = base, 1
        while cand in self.used or not cand:
            cand, k = f"{base}_{k}", k + 1
        self.used.add(cand)
        return cand


def rename(graph: GraphProto, mapping: dict[str, str]) -> None:
    """Rename values in place, everywhere in graph and its nested subgraphs."""
    for vi in list(graph.input) + list(graph.output) + list(graph.value_info):
        vi.name = mapping.get(vi.name, vi.name)
    for t in graph.initializer:
        t.name = mapping.get(t.name, t.name)
    for n in graph.node:
        rename_node(n, mapping)


def rename_node(node: NodeProto, mapping: dict[str, str]) -> None:
    for field in (node.input, node.output):
        names = [mapping.get(x, x) if x else x for x in field]
        del field[:]
        field.extend(names)
    for s in subgraphs(node):
        rename(s, mapping)


def inline(graph: GraphProto, bind: dict[str, str], fresh: Fresh, tag: str,
           targets: list[str | None]) -> tuple[list[NodeProto], list[TensorProto], list]:
    """graph's nodes, to run in the enclosing graph.

    Formal input x reads bind[x]; every other name graph defines gets a fresh name
    starting with tag; output k is named targets[k] (None: a fresh name). Returns the
    nodes, the renamed initializers, and for each output (its name, or the name of the
    value to copy into targets[k] when graph does not compute that output itself: a
    formal input, an enclosing value, an initializer, a repeated output).
    """
    mapping = dict(bind)
    produced = {o for n in graph.node for o in n.output if o}
    outs = [o.name for o in graph.output]
    named = {}
    for o, t in zip(outs, targets):
        if t and o in produced and o not in named:
            named[o] = t
    for name in _defined(graph):
        if name not in mapping:
            mapping[name] = named.get(name) or fresh(f"{tag}{name}")
    g = GraphProto()
    g.CopyFrom(graph)
    rename(g, mapping)
    results = [mapping.get(o, o) for o in outs]
    return list(g.node), list(g.initializer), results


def subgraph_model(body: GraphProto, formal: list[TypeProto], outer: dict,
                   opsets: list[OperatorSetIdProto], outputs: list[bool] | None = None
                   ) -> ModelProto:
    """body as a model of its own, for fold_and_infer and the importer: formal input k
    typed formal[k], each value it reads from enclosing scopes an initializer when
    outer[name] is an array (so folding sees it) or an input of type outer[name];
    outputs[k] False drops output k, and each output kept is a value of its own (an
    Identity copies inputs, initializers and repeats)."""
    g = GraphProto()
    g.CopyFrom(body)
    keep = outputs or [True] * len(g.output)
    outs = [o.name for o, k in zip(g.output, keep) if k]
    del g.input[:]
    g.input.extend(helper.make_value_info(b.name, t) for b, t in zip(body.input, formal))
    for name in free_names(body):
        if isinstance(outer[name], np.ndarray):
            g.initializer.append(numpy_helper.from_array(outer[name], name))
        else:
            g.input.append(helper.make_value_info(name, outer[name]))
    names = {i.name for i in g.input} | {t.name for t in g.initializer}
    fresh, seen = Fresh(g), set()
    for k, o in enumerate(outs):
        if o in names or o in seen:
            outs[k] = fresh(f"{o}/copy")
            g.node.append(helper.make_node("Identity", [o], [outs[k]]))
        seen.add(outs[k])
    del g.output[:]
    g.output.extend(helper.make_value_info(o, TypeProto()) for o in outs)
    return helper.make_model(g, opset_imports=opsets)


def inputs_upstream(g, names: list[str]) -> list[str]:
    """The graph inputs (not initializers) the values `names` are computed from."""
    producers = {o: n for n in g.node for o in n.output if o}
    graph_inputs = {i.name for i in g.input} - {t.name for t in g.initializer}
    found, seen, stack = set(), set(), list(names)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in graph_inputs:
            found.add(n)
        elif n in producers:
            stack.extend(reads(producers[n]))
    return sorted(found)
