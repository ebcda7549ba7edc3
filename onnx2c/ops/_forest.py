"""One representation of a tree ensemble, read from either attribute form.

TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml 1-3) name nodes by (tree
id, node id) with nodes_* and class_*/target_* lists (or *_as_tensor); TreeEnsemble
(ai.onnx.ml 5) indexes nodes and leaves with tree_roots and *_trueleafs. Both become a
Forest: the branch nodes of every tree in preorder, children as codes (>= 0 a branch
node, < 0 ~leaf), and the leaves' (target, weight) lists, checked here so the generated
walk needs no run-time check and always ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError

MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ",
         "BRANCH_MEMBER")
MEMBER = 6


@dataclass
class Forest:
    feature: list[int]          # per branch node, in preorder tree by tree
    mode: list[int]             # index into MODES
    threshold: list[float]
    missing: list[int]          # 1: a NaN feature takes the true branch
    members: list[list[float]]  # the set of a BRANCH_MEMBER node, else []
    true_next: list[int]        # child codes: >= 0 branch node, < 0 ~leaf
    false_next: list[int]
    roots: list[int]            # child code of each tree's root
    leaves: list[list[tuple[int, float]]]   # per leaf: (target, weight) in the order added


def _bad(node, what: str) -> CompileError:
    return CompileError(f"{node.op_type}: {what}", node,
                        reason=f"{node.op_type}: malformed trees")


def _attr(a: dict, name: str, dtype=None):
    """A list attribute or its *_as_tensor twin (None when neither is set)."""
    v = a.get(f"{name}_as_tensor")
    if v is None:
        v = a.get(name)
    return None if v is None else np.asarray(v, dtype=dtype).reshape(-1)


def _preorder(node, kids: dict[int, tuple], roots: list[int]) -> tuple[dict, list]:
    """New preorder numbers of the branch nodes reachable from roots (kids: branch ->
    (true, false) as ('n', i) or ('l', leaf)), refusing cycles."""
    order, state = {}, {}
    for r in roots:
        if r not in kids:
            continue
        stack = [(r, 0)]
        while stack:
            i, k = stack.pop()
            if k == 0:
                if state.get(i) == 1:
                    raise _bad(node, f"node {i} is its own descendant")
                if i in order:
                    continue
                state[i] = 1
                order[i] = len(order)
            if k < 2:
                stack.append((i, k + 1))
                kind, j = kids[i][k]
                if kind == "n":
                    stack.append((j, 0))
            else:
                state[i] = 2
    return order, [order[i] for i in order]


def _build(node, kids, roots, info, leaves) -> Forest:
    """Forest from branch nodes `kids` (index -> (true, false) children), root children
    and per-node (feature, mode, threshold, missing, members)."""
    order, _ = _preorder(node, kids, [r[1] for r in roots if r[0] == "n"])
    code = lambda c: order[c[1]] if c[0] == "n" else ~c[1]
    by_new = sorted(order, key=order.get)
    f = Forest([], [], [], [], [], [], [], [code(r) for r in roots], leaves)
    for i in by_new:
        feat, mode, thr, miss, members = info(i)
        f.feature.append(feat)
        f.mode.append(mode)
        f.threshold.append(thr)
        f.missing.append(miss)
        f.members.append(members)
        f.true_next.append(code(kids[i][0]))
        f.false_next.append(code(kids[i][1]))
    return f


def from_legacy(node, prefix: str, n_targets: int, features: int) -> Forest:
    """TreeEnsembleClassifier (prefix 'class') or TreeEnsembleRegressor ('target')."""
    a = node.attrs
    tree_ids, node_ids = list(a.get("nodes_treeids") or []), list(a.get("nodes_nodeids") or [])
    modes = [m.decode() if isinstance(m, bytes) else str(m) for m in a.get("nodes_modes") or []]
    n = len(tree_ids)
    values = _attr(a, "nodes_values", np.float64)
    feats = list(a.get("nodes_featureids") or [])
    tnext, fnext = list(a.get("nodes_truenodeids") or []), list(a.get("nodes_falsenodeids") or [])
    miss = list(a.get("nodes_missing_value_tracks_true") or []) + [0] * n
    if not n or any(len(v) != n for v in (node_ids, modes, feats, tnext, fnext)) or \
            values is None or len(values) != n:
        raise _bad(node, "the nodes_* attributes are missing or of different lengths")
    where = {}
    for i, key in enumerate(zip(tree_ids, node_ids)):
        if key in where:
            raise _bad(node, f"node {key[1]} of tree {key[0]} is defined twice")
        where[key] = i
    for m in modes:
        if m != "LEAF" and m not in MODES[:MEMBER]:
            raise _bad(node, f"node mode {m!r} is not one onnx2c knows")
    t_ids, t_nodes = list(a.get(f"{prefix}_ids") or []), list(a.get(f"{prefix}_nodeids") or [])
    t_trees = list(a.get(f"{prefix}_treeids") or [])
    weights = _attr(a, f"{prefix}_weights", np.float64)
    if weights is None or not len(t_ids) == len(t_nodes) == len(t_trees) == len(weights):
        raise _bad(node, f"the {prefix}_* attributes are of different lengths")
    # the weights of a leaf in the order onnxruntime adds them: by (tree, node), then as given
    per_leaf: dict[int, list] = {}
    for k in sorted(range(len(t_ids)), key=lambda k: (t_trees[k], t_nodes[k], k)):
        i = where.get((t_trees[k], t_nodes[k]))
        if i is None:
            raise _bad(node, f"a weight names node {t_nodes[k]} of tree {t_trees[k]}, "
                       "which does not exist")
        if modes[i] != "LEAF":
            continue        # onnxruntime ignores weights on branch nodes (old converters)
        if not 0 <= t_ids[k] < n_targets:
            raise _bad(node, f"a weight's {prefix} id {t_ids[k]} is out of range")
        per_leaf.setdefault(i, []).append((int(t_ids[k]), float(weights[k])))
    leaf_no, leaves = {}, []
    for i in range(n):
        if modes[i] == "LEAF":
            if i not in per_leaf:
                raise _bad(node, f"leaf {node_ids[i]} of tree {tree_ids[i]} has no weight")
            leaf_no[i] = len(leaves)
            leaves.append(per_leaf[i])

    def child(i, j):
        k = where.get((tree_ids[i], j))
        if k is None or k == i:
            raise _bad(node, f"node {node_ids[i]} of tree {tree_ids[i]} branches to "
                       f"node {j}, which {'is itself' if k == i else 'does not exist'}")
        return ("l", leaf_no[k]) if modes[k] == "LEAF" else ("n", k)
    kids = {i: (child(i, tnext[i]), child(i, fnext[i])) for i in range(n) if modes[i] != "LEAF"}
    roots = [i for i in range(n) if i == 0 or tree_ids[i] != tree_ids[i - 1]]
    if any(not 0 <= feats[i] < features for i in kids):
        raise _bad(node, f"a node reads a feature the input (of {features}) does not have")

    def info(i):
        return feats[i], MODES.index(modes[i]), float(values[i]), int(miss[i] == 1), []
    return _build(node, kids, [("l", leaf_no[r]) if modes[r] == "LEAF" else ("n", r)
                               for r in roots], info, leaves)


def from_v5(node, n_targets: int, features: int) -> Forest:
    """TreeEnsemble (ai.onnx.ml 5)."""
    a = node.attrs
    modes = [int(m) for m in np.asarray(a["nodes_modes"]).reshape(-1)]
    n = len(modes)
    feats = list(a["nodes_featureids"])
    splits = np.asarray(a.get("nodes_splits", np.zeros(n)), np.float64).reshape(-1)
    miss = list(a.get("nodes_missing_value_tracks_true") or [0] * n)
    weights = np.asarray(a["leaf_weights"], np.float64).reshape(-1)
    targets = list(a["leaf_targetids"])
    if any(not 0 <= m < len(MODES) for m in modes) or any(not 0 <= f < features for f in feats):
        raise _bad(node, "a node's mode or feature is out of range")
    if any(not 0 <= t < n_targets for t in targets) or len(weights) != len(targets) or \
            not len(feats) == len(splits) == n:
        raise _bad(node, "leaf targets or weights are inconsistent")

    def child(i, leaf):
        if not 0 <= i < (len(weights) if leaf else n):
            raise _bad(node, f"branch to {'leaf' if leaf else 'node'} {i} out of range")
        return ("l", i) if leaf else ("n", i)
    kids = {i: (child(a["nodes_truenodeids"][i], a["nodes_trueleafs"][i]),
                child(a["nodes_falsenodeids"][i], a["nodes_falseleafs"][i])) for i in range(n)}
    roots = []
    for r in a["tree_roots"]:
        t, f = kids[child(r, 0)[1]]
        roots.append(t if t[0] == "l" and t == f else ("n", r))   # a single-leaf tree
    sets = np.asarray(a.get("membership_values", np.zeros(0)), np.float64).reshape(-1)
    groups = iter(np.split(sets, np.flatnonzero(np.isnan(sets))) if sets.size else [])
    members = {i: [float(v) for v in next(groups, np.zeros(0)) if v == v]
               for i in range(n) if modes[i] == MEMBER}

    def info(i):
        return feats[i], modes[i], float(splits[i]), int(miss[i] == 1), members.get(i, [])
    leaves = [[(int(t), float(w))] for t, w in zip(targets, weights)]
    return _build(node, kids, roots, info, leaves)
