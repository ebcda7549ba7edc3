"""Tree ensembles: TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml 1-3) and
TreeEnsemble (ai.onnx.ml 5), one template (templates/ops/ml_trees.c.j2).

Semantics of the older two are onnxruntime's, which is what converted models are checked
against: trees summed in order, thresholds and sums in float (double for a double input),
an integer feature compared as float; a single-target regressor applies only PROBIT; a
classifier picks its label as onnxruntime's TreeAggregatorClassifier does, including the
binary special cases with one weight column. TreeEnsemble follows its specification and
the ONNX reference where onnxruntime 1.32 departs from them (post_transform 1 is SOFTMAX
and 2 LOGISTIC; MIN and MAX start from the largest float). The trees become static tables walked by one loop,
or if/else code (ops/_tree_tables.py: --optimize chooses).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from . import _forest, _tree_leaves, _tree_tables
from ._ml import (ML, POST_V5, class_labels, floats, label_dtype, label_literals, post_code,
                  rows_cols, rows_of)
from ._util import inp, out
from .strings import cell

_AGGREGATE = ("AVERAGE", "SUM", "MIN", "MAX")


@dataclass
class TreeParams:
    walk: _tree_tables.Walk
    leaves: _tree_leaves.Leaves
    kind: str                   # "regress" or "classify"
    rows: int
    cols: int
    targets: int
    agg: str
    post: int                   # O2C_POST_* (runtime_c/o2c_ml.h)
    base: list[float]           # per target, or [] when not one per target
    origin: float               # a single target's base value
    need_has: bool
    z_at: int                   # scratch offsets of the float scores and the has flags
    has_at: int
    labels: list[str]
    # TreeEnsemble (opset 5) as its specification and the ONNX reference define it: MIN
    # and MAX start from the largest magnitude, post_transform applies to one target too
    spec: bool = False
    start: str = "0"            # C literal every sum starts from
    direct: bool = False        # float scores summed in the float output row itself
    identity_labels: bool = False   # int64 labels 0..targets-1: the label is the index
    label_string: bool = False
    cell: int = 0
    binary_case: bool = False
    all_positive: bool = False
    bin_labels: tuple[str, str] = ("0", "1")


def _scratch(targets: int, thr_bytes: int, direct: bool, need_has: bool
             ) -> tuple[int, int, int]:
    """Offsets of the float scores and the has flags after the sums, and the bytes in
    all; the sums and scores need none when they are the float output row itself."""
    z_at = 0 if direct else -(-targets * thr_bytes // 4) * 4
    has_at = z_at + (0 if direct else 4 * targets)
    return z_at, has_at, has_at + (targets if need_has else 0)


def _params(node, ctx, forest, targets: int, kind: str, agg: str, post: int,
            base: list[float], spec: bool = False, **extra) -> tuple[TreeParams, int]:
    x = inp(node, ctx, 0)
    rows, cols = rows_cols(x)
    thr_t = "double" if x.dtype == DType.DOUBLE else "float"
    if not forest.roots:
        raise CompileError(f"{node.op_type} has no trees", node,
                           reason=f"{node.op_type}: no trees")
    if targets == 1:        # onnxruntime adds a single target's first weight only
        forest.leaves = [p[:1] for p in forest.leaves]
    leaves, leaf_of = _tree_leaves.encode(forest, targets, thr_t, agg in ("SUM", "AVERAGE"))
    form = _tree_tables.choose_form(forest, ctx.options.optimize, 8 if thr_t == "double" else 4,
                                    cols)
    walk = _tree_tables.walk(forest, leaf_of, thr_t, cols, form)
    y = out(node, ctx, 1 if kind == "classify" else 0)
    direct = thr_t == "float" and y.dtype == DType.FLOAT
    # which targets a leaf reached matters to MIN/MAX and to the classifier's argmax,
    # unless every leaf reaches every target
    need_has = (agg in ("MIN", "MAX") and not spec) or \
        (kind == "classify" and not leaves.covers_all)
    big = float(np.finfo(np.float64 if thr_t == "double" else np.float32).max)
    start = scalar({"MIN": big, "MAX": -big}.get(agg, 0.0) if spec else 0.0, thr_t)
    z_at, has_at, size = _scratch(targets, 8 if thr_t == "double" else 4, direct, need_has)
    params = TreeParams(walk, leaves, kind, rows, cols, targets, agg, post,
                        base if len(base) == targets else [], base[0] if len(base) == 1 else 0.0,
                        need_has, z_at, has_at, [], spec, start, direct=direct, **extra)
    return params, size


@op("TreeEnsembleRegressor", domain=ML)
def lower_tree_regressor(node, ctx):
    targets = int(node.attrs.get("n_targets", 1))
    agg = node.attrs.get("aggregate_function", "SUM")
    agg = agg.decode() if isinstance(agg, bytes) else agg
    if agg not in _AGGREGATE or targets < 1:
        raise CompileError(f"aggregate_function {agg!r} or n_targets {targets} is not valid",
                           node, reason="TreeEnsembleRegressor: attributes")
    forest = _forest.from_legacy(node, "target", targets, rows_cols(inp(node, ctx, 0))[1])
    p, size = _params(node, ctx, forest, targets, "regress", agg, post_code(node),
                      floats(node, "base_values"))
    return Kernel("ops/ml_trees.c.j2", p, scratch=size)


@op("TreeEnsembleClassifier", domain=ML, strings=True)
def lower_tree_classifier(node, ctx):
    labels, strings = class_labels(node)
    if len(labels) < 2:
        raise CompileError("a TreeEnsembleClassifier needs at least two class labels", node,
                           reason="TreeEnsembleClassifier: one class")
    x = inp(node, ctx, 0)
    forest = _forest.from_legacy(node, "class", len(labels), rows_cols(x)[1])
    base = floats(node, "base_values")
    if len(base) > len(labels):
        raise CompileError("more base_values than classes", node,
                           reason="TreeEnsembleClassifier: base_values")
    weights = floats(node, "class_weights")
    lits = label_literals(node, labels, strings)
    binary_case = len(labels) == 2 and len(set(node.attrs.get("class_ids") or [])) == 1
    # with both classes weighted onnxruntime returns label 1 or 0 itself (an index for
    # string labels): only the single-column binary case reads classlabels
    bin_labels = (lits[0], lits[1]) if binary_case or strings else ("0", "1")
    p, size = _params(node, ctx, forest, len(labels), "classify", "SUM", post_code(node), base,
                      label_string=strings, cell=cell(), binary_case=binary_case,
                      all_positive=all(w >= 0 for w in weights), bin_labels=bin_labels)
    p.base, p.labels = base, lits
    p.identity_labels = not strings and labels == list(range(len(labels)))
    return Kernel("ops/ml_trees.c.j2", p, scratch=size)


@op("TreeEnsemble", domain=ML, since=5)
def lower_tree_ensemble(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    if not x.dtype.is_float:
        raise CompileError(f"TreeEnsemble of {x.dtype.onnx_name} is not supported", node,
                           reason=f"TreeEnsemble: dtype {x.dtype.onnx_name}")
    agg, post = node.attrs.get("aggregate_function", 1), node.attrs.get("post_transform", 0)
    if not 0 <= agg < len(_AGGREGATE) or not 0 <= post < len(POST_V5):
        raise CompileError(f"aggregate_function {agg} or post_transform {post} is not valid",
                           node, reason="TreeEnsemble: attributes")
    targets = y.shape[-1]
    forest = _forest.from_v5(node, targets, rows_cols(x)[1])
    p, size = _params(node, ctx, forest, targets, "regress", _AGGREGATE[agg], POST_V5[post], [],
                      spec=True)
    return Kernel("ops/ml_trees.c.j2", p, scratch=size)


@type_rule("TreeEnsembleClassifier", domain=ML)
def _classifier_types(node, inputs):
    n, classes = rows_of(inputs[0]), len(class_labels(node)[0])
    return [(label_dtype(node), (n,)), (DType.FLOAT, (n, classes))]


@type_rule("TreeEnsembleRegressor", domain=ML)
def _regressor_types(node, inputs):
    return [(DType.FLOAT, (rows_of(inputs[0]), int(node.attrs.get("n_targets", 1))))]
