"""The tree ensembles against onnxruntime: every aggregate and post-transform, every
branch mode at its thresholds in both forms (tables and if/else), missing-value tracks,
double thresholds as tensors, integer features, and the classifiers' binary cases."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.verify import compare
from onnx2c.ops import _forest, _tree_tables
from tests.conftest import compile_host, oracle_run
from tests.ml.helpers import X, check, ml_model


def forest(modes=("BRANCH_LEQ",) * 2, targets=1, prefix="target", thresholds=(0.5, 1.0),
           missing=(0, 0), weights=None):
    """Two trees: tree 0 splits on feature 0 then feature 1; tree 1 is one split on
    feature 2. Leaf weights: one per target per leaf (or `weights` rows)."""
    a = dict(nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1], nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2],
             nodes_featureids=[0, 1, 0, 0, 0, 2, 0, 0],
             nodes_modes=[modes[0], modes[1], "LEAF", "LEAF", "LEAF", modes[1], "LEAF", "LEAF"],
             nodes_values=[thresholds[0], thresholds[1], 0, 0, 0, thresholds[0], 0, 0],
             nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0], nodes_falsenodeids=[4, 3, 0, 0, 0, 2, 0, 0],
             nodes_missing_value_tracks_true=[missing[0], missing[1], 0, 0, 0, missing[1], 0, 0])
    leaves = [(0, 2), (0, 3), (0, 4), (1, 1), (1, 2)]
    rows = weights or [[0.1 * (k + 1) * (t + 1) - 0.25 * t for t in range(targets)]
                       for k in range(len(leaves))]
    ids, nodes, trees, ws = [], [], [], []
    for (tree, node), row in zip(leaves, rows):
        for t, w in enumerate(row):
            if w is not None:
                trees.append(tree), nodes.append(node), ids.append(t), ws.append(w)
    if prefix == "target":
        a["n_targets"] = targets
    a.update({f"{prefix}_treeids": trees, f"{prefix}_nodeids": nodes, f"{prefix}_ids": ids,
              f"{prefix}_weights": ws})
    return a


@pytest.mark.parametrize("agg", ["SUM", "AVERAGE", "MIN", "MAX"])
@pytest.mark.parametrize("post", ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"])
@pytest.mark.parametrize("targets", [1, 3])
def test_tree_regressor_aggregates_and_transforms(agg, post, targets, tmp_path):
    if post == "PROBIT":        # probit needs scores in (0, 1)
        a = forest(targets=targets, weights=[[0.05 * (k + 1)] * targets for k in range(5)])
    else:
        a = forest(targets=targets)
    m = ml_model("TreeEnsembleRegressor", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, targets])],
                 aggregate_function=agg, post_transform=post,
                 base_values=[0.1 * (t + 1) for t in range(targets)] if targets > 1 else [0.1], **a)
    check(m, {"x": X}, tmp_path)


@pytest.mark.parametrize("mode", ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT",
                                  "BRANCH_EQ", "BRANCH_NEQ"])
@pytest.mark.parametrize("form", ["table", "code"])
def test_tree_branch_modes_at_thresholds(mode, form, tmp_path, monkeypatch):
    monkeypatch.setattr(_tree_tables, "choose_form", lambda *a: form)
    m = ml_model("TreeEnsembleRegressor", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, 1])],
                 **forest(modes=(mode, "BRANCH_LT" if mode == "BRANCH_LEQ" else "BRANCH_LEQ")))
    x = X.copy()
    x[:3, 0], x[3:, 1] = 0.5, 1.0       # exactly at the thresholds
    c = check(m, {"x": x}, tmp_path)
    assert ("switch (t)" in (c.result.out_dir / "model.c").read_text()) == (form == "code")


def test_tree_form_follows_optimize(tmp_path):
    """A tiny tree is smaller as if/else code, a bigger one as tables (--optimize size)."""
    small = _forest.Forest([0], [0], [0.5], [0], [[]], [-1], [-2], [0], [[(0, 1.0)], [(0, 2.0)]])
    assert _tree_tables.choose_form(small, "size", 4, 3) == "code"
    big = _forest.Forest([0] * 40, [0] * 40, [0.5] * 40, [0] * 40, [[]] * 40,
                         list(range(1, 40)) + [-1], [-(k + 2) for k in range(40)], [0],
                         [[(0, float(k))] for k in range(41)])
    assert _tree_tables.choose_form(big, "size", 4, 3) == "table"
    assert _tree_tables.choose_form(big, "speed", 4, 3) == "table"


@pytest.mark.parametrize("missing", [(1, 0), (0, 1), (1, 1)])
def test_tree_missing_value_tracks(missing, tmp_path):
    m = ml_model("TreeEnsembleRegressor", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, 1])],
                 **forest(missing=missing))
    x = X.copy()
    x[0, 0] = x[1, 1] = x[2, 2] = x[3, 0] = x[3, 1] = np.nan
    check(m, {"x": x}, tmp_path)


def test_tree_double_thresholds_as_tensors(tmp_path):
    a = forest(thresholds=(0.1, 1.0 / 3.0))
    values = a.pop("nodes_values")
    weights = a.pop("target_weights")
    a["nodes_values_as_tensor"] = helper.make_tensor("v", TP.DOUBLE, [len(values)], values)
    a["target_weights_as_tensor"] = helper.make_tensor("w", TP.DOUBLE, [len(weights)], weights)
    m = ml_model("TreeEnsembleRegressor", [("x", TP.DOUBLE, [6, 3])], [("y", TP.FLOAT, [6, 1])], **a)
    x = X.astype(np.float64)
    x[0, 0], x[1, 1] = 0.1, 1.0 / 3.0
    x[2, 1] = np.nextafter(1.0 / 3.0, 1.0)     # between the float and the double threshold
    check(m, {"x": x}, tmp_path)


def test_tree_integer_features_compare_as_float(tmp_path):
    # onnxruntime takes integer features in TreeEnsembleClassifier (not the regressor)
    w = [[0.3, 0.7], [0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.6, 0.4]]
    m = ml_model("TreeEnsembleClassifier", [("x", TP.INT64, [6, 3])],
                 [("label", TP.INT64, [6]), ("scores", TP.FLOAT, [6, 2])],
                 classlabels_int64s=[0, 1],
                 **forest(thresholds=(16777216.5, 2.0), targets=2, prefix="class", weights=w))
    x = np.array([[16777216, 2, 1], [16777217, 3, 0], [16777215, 1, 5], [2 ** 40, -1, 2],
                  [-5, 2, 1], [16777218, 0, 0]], np.int64)
    check(m, {"x": x}, tmp_path)


@pytest.mark.parametrize("case", ["both_columns", "positive_only", "mixed_sign", "class0_only"])
@pytest.mark.parametrize("post", ["NONE", "LOGISTIC"])
@pytest.mark.parametrize("base", [None, [0.2], [0.1, -0.3]])
def test_tree_classifier_binary_cases(case, post, base, tmp_path):
    w = {"both_columns": [[0.3, 0.7], [0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.6, 0.4]],
         "positive_only": [[None, 0.3], [None, 0.9], [None, 0.1], [None, 0.6], [None, 0.45]],
         "mixed_sign": [[None, -0.3], [None, 0.9], [None, -0.1], [None, 0.6], [None, -0.45]],
         "class0_only": [[0.3, None], [-0.2, None], [0.1, None], [0.6, None], [-0.4, None]]}[case]
    a = forest(targets=2, prefix="class", weights=w)
    if base:
        a["base_values"] = base
    m = ml_model("TreeEnsembleClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.INT64, [6]), ("scores", TP.FLOAT, [6, 2])],
                 classlabels_int64s=[3, 7], post_transform=post, **a)
    check(m, {"x": X}, tmp_path)


@pytest.mark.parametrize("post", ["NONE", "SOFTMAX", "SOFTMAX_ZERO", "LOGISTIC"])
def test_tree_classifier_multiclass_string_labels(post, tmp_path):
    w = [[0.5, 0.0, None], [None, 0.2, 0.3], [0.1, 0.1, 0.1], [0.0, 0.7, 0.2], [0.4, None, 0.0]]
    m = ml_model("TreeEnsembleClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.STRING, [6]), ("scores", TP.FLOAT, [6, 3])],
                 classlabels_strings=["cat", "dog", "eel"], post_transform=post,
                 base_values=[0.05, -0.1, 0.0],
                 **forest(targets=3, prefix="class", weights=w))
    check(m, {"x": X}, tmp_path)


def _v5(aggregate: int, post: int, targets: int = 2):
    """TreeEnsemble (ai.onnx.ml 5): tree 0 splits on feature 0 <= 0.5, then feature 1 in
    {-1, 3} (BRANCH_MEMBER); tree 1 is one split on feature 2 < 0.25."""
    f32 = lambda v: helper.make_tensor("t", TP.FLOAT, [len(v)], v)
    u8 = lambda v: helper.make_tensor("m", TP.UINT8, [len(v)], v)
    return ml_model("TreeEnsemble", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, targets])],
                    opsets={"": 21, "ai.onnx.ml": 5}, n_targets=targets,
                    aggregate_function=aggregate, post_transform=post, tree_roots=[0, 2],
                    nodes_featureids=[0, 1, 2], nodes_splits=f32([0.5, 0.0, 0.25]),
                    nodes_modes=u8([0, 6, 1]), nodes_truenodeids=[1, 0, 3],
                    nodes_trueleafs=[0, 1, 1], nodes_falsenodeids=[2, 1, 4],
                    nodes_falseleafs=[1, 1, 1], membership_values=f32([-1.0, 3.0, np.nan]),
                    leaf_targetids=[k % targets for k in (0, 1, 0, 1, 0)],
                    leaf_weights=f32([0.4, -0.3, 1.2, 0.7, -0.9]))


@pytest.mark.parametrize("aggregate", [0, 1, 2, 3])
@pytest.mark.parametrize("targets", [1, 2])
def test_tree_ensemble_v5_aggregates(aggregate, targets, tmp_path):
    """Against the ONNX reference: onnxruntime starts MIN and MAX from 0 where no leaf
    reaches a target, the specification from the largest float."""
    check(_v5(aggregate, 0, targets), {"x": X}, tmp_path, oracle="reference")


@pytest.mark.parametrize("post", [1, 2, 3, 4])
def test_tree_ensemble_v5_post_transforms(post, tmp_path):
    """Against onnxruntime (the reference ignores post_transform), which reads 1 as
    LOGISTIC and 2 as SOFTMAX, the other way round from the specification: its model
    gets the swapped code."""
    swapped = {1: 2, 2: 1}.get(post, post)
    _, host = compile_host(_v5(1, post), tmp_path)
    x = (X * 0.1).astype(np.float32)
    status, got = host.run({"x": x})
    want = oracle_run(_v5(1, swapped), {"x": x})
    assert status == 0 and compare(got[0], want[0], 1e-5, 1e-6)[0], (got[0], want[0])
