"""The ai.onnx.ml operators without strings: ArrayFeatureExtractor, Binarizer and
TreeEnsemble (opset 5).

TreeEnsemble's trees are attributes, so they become static const tables, validated here:
every branch must lead to a leaf of a known target through features the input has, with
no cycle, so the generated walk needs no run-time check and always ends.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._elementwise import elementwise
from ._util import inp, out, require_float
from .gather import lower_gather
from ..ir.optable import Kernel, op

_ML = "ai.onnx.ml"


@op("ArrayFeatureExtractor", domain=_ML)
def lower_array_feature_extractor(node, ctx):
    # Gather along the last axis: the output only reshapes Gather's (same element order)
    return lower_gather(dataclasses.replace(node, attrs={"axis": -1}), ctx)


@op("Binarizer", domain=_ML)
def lower_binarizer(node, ctx):
    thr = scalar(float(node.attrs.get("threshold", 0.0)), "double")
    return elementwise(node, ctx, f"r = (double)a0 > {thr} ? 1 : 0;")


_MODES = ("<=", "<", ">=", ">", "==", "!=", "member")
_AGGREGATE = ("AVERAGE", "SUM", "MIN", "MAX")
_POST = ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO")


def _bad(node, what: str):
    return CompileError(f"TreeEnsemble: {what}", node, reason="TreeEnsemble: malformed trees")


def _tables(node, features: int, targets: int) -> dict:
    """The trees as C tables: per node its feature, mode, threshold, NaN direction and
    next entries (a node index, or ~leaf for a leaf), members[lo:hi] of a set node."""
    a = node.attrs
    modes = [int(m) for m in np.asarray(a["nodes_modes"]).reshape(-1)]
    n = len(modes)
    feats = list(a["nodes_featureids"])
    splits = np.asarray(a.get("nodes_splits", np.zeros(n))).reshape(-1)
    miss = list(a.get("nodes_missing_value_tracks_true") or [0] * n)
    weights = np.asarray(a["leaf_weights"]).reshape(-1)
    leaf_targets = list(a["leaf_targetids"])
    if any(not 0 <= m < len(_MODES) for m in modes) or any(not 0 <= f < features for f in feats):
        raise _bad(node, "a node's mode or feature is out of range")
    if any(not 0 <= t < targets for t in leaf_targets) or len(weights) != len(leaf_targets):
        raise _bad(node, "leaf targets or weights are inconsistent")

    def code(i, leaf):
        if not 0 <= i < (len(weights) if leaf else n):
            raise _bad(node, f"branch to {'leaf' if leaf else 'node'} {i} out of range")
        return ~i if leaf else i
    nxt = [(code(a["nodes_truenodeids"][i], a["nodes_trueleafs"][i]),
            code(a["nodes_falsenodeids"][i], a["nodes_falseleafs"][i])) for i in range(n)]
    roots = []
    for r in a["tree_roots"]:
        t, f = nxt[code(r, 0)]
        roots.append(t if t < 0 and t == f else r)     # a tree that is a single leaf
    state = [0] * n      # 0 unseen, 1 on the current path, 2 done

    def visit(i):        # iterative DFS: deep trees must not hit Python's recursion limit
        stack = [(i, 0)]
        while stack:
            j, k = stack.pop()
            if k == 0:
                if state[j] == 1:
                    raise _bad(node, f"node {j} is its own descendant")
                if state[j] == 2:
                    continue
                state[j] = 1
            if k < 2:
                stack.append((j, k + 1))
                if nxt[j][k] >= 0:
                    stack.append((nxt[j][k], 0))
            else:
                state[j] = 2
    for r in roots:
        if r >= 0:
            visit(r)
    sets = np.asarray(a.get("membership_values", np.zeros(0))).reshape(-1)
    groups = np.split(sets, np.flatnonzero(np.isnan(sets))) if sets.size else []
    members, ranges, k = [], [], 0
    for m in modes:
        if m == 6:
            vals = groups[k][~np.isnan(groups[k])] if k < len(groups) else []
            ranges.append((len(members), len(members) + len(vals)))
            members += list(vals)
            k += 1
        else:
            ranges.append((0, 0))
    return dict(feats=feats, modes=modes, splits=list(splits), miss=miss, nxt=nxt,
                roots=roots, weights=list(weights), leaf_targets=leaf_targets,
                members=members, ranges=ranges)


@op("TreeEnsemble", domain=_ML, since=5)
def lower_tree_ensemble(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    require_float(node, x)
    agg, post = node.attrs.get("aggregate_function", 1), node.attrs.get("post_transform", 0)
    if not 0 <= agg < len(_AGGREGATE) or not 0 <= post < len(_POST):
        raise CompileError(f"post_transform {post} (PROBIT needs erfinv) or aggregate_function "
                           f"{agg} is not supported", node, reason="TreeEnsemble: post_transform")
    ct = x.dtype.compute
    t = _tables(node, x.shape[1] if len(x.shape) > 1 else 1, y.shape[-1])
    lits = lambda vals: ", ".join(scalar(v, ct) for v in vals) or "0"
    big = float(np.finfo(x.dtype.np).max)
    start = {"AVERAGE": 0.0, "SUM": 0.0, "MIN": big, "MAX": -big}[_AGGREGATE[agg]]
    return Kernel("ops/tree_ensemble.c.j2", dict(
        rows=x.shape[0], cols=x.shape[1] if len(x.shape) > 1 else 1, targets=y.shape[-1],
        nodes=len(t["modes"]), trees=len(t["roots"]), agg=_AGGREGATE[agg], post=_POST[post],
        start=scalar(start, ct), splits=lits(t["splits"]), weights=lits(t["weights"]),
        members=lits(t["members"]), n_members=max(1, len(t["members"])),
        ints={k: ", ".join(str(int(v)) for v in vals) or "0" for k, vals in (
            ("feat", t["feats"]), ("mode", t["modes"]), ("miss", t["miss"]),
            ("tnext", [p[0] for p in t["nxt"]]), ("fnext", [p[1] for p in t["nxt"]]),
            ("root", t["roots"]), ("target", t["leaf_targets"]),
            ("mlo", [r[0] for r in t["ranges"]]), ("mhi", [r[1] for r in t["ranges"]]))},
        has_sets=6 in t["modes"], n_trees=scalar(max(1, len(t["roots"])), ct)),
        scratch=y.shape[-1] * (8 if ct == "double" else 4))
