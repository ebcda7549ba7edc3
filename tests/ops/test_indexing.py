"""Data movement and indexing ops: the generated C against onnxruntime (or the onnx reference
evaluator where onnxruntime lacks a dtype or mode), on cases the ONNX node tests leave out,
and out-of-range run-time indices, which must give a negative status instead of a crash."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from tests.conftest import O2C_ERR_INDEX, one_node_model, run_and_compare, strict_compile

_model = partial(one_node_model, opset=21)
EXACT = dict(rtol=0, atol=0)


rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5)).astype(np.float32)
I4 = rng.integers(-8, 8, (3, 5)).astype(np.int8)

# (id, model, feeds, oracle)
CASES = [
    ("transpose_f16", _model("Transpose", [("x", TP.FLOAT16, [3, 4, 5])],
                             [("y", TP.FLOAT16, None)], perm=[2, 0, 1]),
     {"x": X.astype(np.float16)}, "ort"),
    ("transpose_int4", _model("Transpose", [("x", TP.INT4, [3, 5])], [("y", TP.INT4, None)]),
     {"x": I4}, "ref"),
    ("concat_int4_axis1", _model("Concat", [("a", TP.INT4, [3, 5]), ("b", TP.INT4, [3, 5])],
                                 [("y", TP.INT4, None)], axis=1), {"a": I4, "b": -I4 // 2}, "ref"),
    ("split_uneven", _model("Split", [("x", TP.FLOAT, [3, 4, 5])],
                            [("a", TP.FLOAT, None), ("b", TP.FLOAT, None)], opset=18, axis=2,
                            num_outputs=2), {"x": X}, "ort"),
    ("slice_neg_steps_clamped", _model(
        "Slice", [("x", TP.FLOAT, [3, 4, 5]), ("s", TP.INT64, [3]), ("e", TP.INT64, [3]),
                  ("a", TP.INT64, [3]), ("t", TP.INT64, [3])], [("y", TP.FLOAT, None)],
        inits=[("s", [100, -1, 1]), ("e", [-100, 0, 99]), ("a", [2, 1, 0]), ("t", [-2, -1, 1])]),
     {"x": X}, "ort"),
    ("expand_bool", _model("Expand", [("x", TP.BOOL, [4, 1]), ("s", TP.INT64, [3])],
                           [("y", TP.BOOL, None)], inits=[("s", [2, 1, 3])]),
     {"x": np.array([[True], [False], [True], [True]])}, "ort"),
    ("tile_int8", _model("Tile", [("x", TP.INT8, [3, 5]), ("r", TP.INT64, [2])],
                         [("y", TP.INT8, None)], inits=[("r", [2, 3])]), {"x": I4}, "ort"),
    ("pad_negative_and_edge", _model(
        "Pad", [("x", TP.FLOAT, [3, 4, 5]), ("p", TP.INT64, [6])], [("y", TP.FLOAT, None)],
        inits=[("p", [-1, 2, 0, 1, -2, 3])], mode="edge"), {"x": X}, "ort"),
    ("pad_reflect_wide", _model(
        "Pad", [("x", TP.FLOAT, [3, 4, 5]), ("p", TP.INT64, [6])], [("y", TP.FLOAT, None)],
        inits=[("p", [7, 0, 9, 11, 1, 6])], mode="reflect"), {"x": X}, "ref"),
    ("pad_wrap_wide_axes", _model(
        "Pad", [("x", TP.FLOAT, [3, 4, 5]), ("p", TP.INT64, [4]), ("",), ("a", TP.INT64, [2])],
        [("y", TP.FLOAT, None)], inits=[("p", [5, 0, 2, 11]), ("a", [0, -1])], mode="wrap"),
     {"x": X}, "ref"),
    ("pad_constant_f16_value", _model(
        "Pad", [("x", TP.FLOAT16, [3, 4, 5]), ("p", TP.INT64, [6]), ("v", TP.FLOAT16, [])],
        [("y", TP.FLOAT16, None)], inits=[("p", [0, 1, 2, 1, 0, 3])]),
     {"x": X.astype(np.float16), "v": np.array(2.5, np.float16)}, "ort"),
    ("gathernd_batch_slices", _model(
        "GatherND", [("x", TP.FLOAT, [3, 4, 5]), ("i", TP.INT64, [3, 2, 1])],
        [("y", TP.FLOAT, None)], batch_dims=1),
     {"x": X, "i": np.array([[[1], [-1]], [[0], [2]], [[3], [-4]]])}, "ref"),
    ("gather_int4_rows", _model("Gather", [("x", TP.INT4, [3, 5]), ("i", TP.INT64, [4])],
                                [("y", TP.INT4, None)]), {"x": I4, "i": np.array([2, -1, 0, -3])},
     "ref"),
    ("pad_int4_value", _model(
        "Pad", [("x", TP.INT4, [3, 5]), ("p", TP.INT64, [4]), ("v", TP.INT4, [])],
        [("y", TP.INT4, None)], inits=[("p", [1, 2, 0, 3])]),
     {"x": I4, "v": np.array(-3, np.int8)}, "ref"),
    ("dropout_mask", _model("Dropout", [("x", TP.FLOAT16, [3, 4, 5])],
                            [("y", TP.FLOAT16, None), ("m", TP.BOOL, None)]),
     {"x": X.astype(np.float16)}, "ort"),
    ("gather_axis1_int32_neg", _model(
        "Gather", [("x", TP.FLOAT16, [3, 4, 5]), ("i", TP.INT32, [2, 2])],
        [("y", TP.FLOAT16, None)], axis=1),
     {"x": X.astype(np.float16), "i": np.array([[0, -1], [3, -4]], np.int32)}, "ort"),
    ("scatter_elements_mul_int32", _model(
        "ScatterElements", [("x", TP.INT32, [3, 5]), ("i", TP.INT64, [2, 5]),
                            ("u", TP.INT32, [2, 5])], [("y", TP.INT32, None)], axis=0,
        reduction="mul"),
     {"x": I4.astype(np.int32), "i": np.array([[0, 1, 2, -1, 0], [0, 1, 2, -3, 0]]),
      "u": np.arange(10, dtype=np.int32).reshape(2, 5) - 4}, "ort"),
    ("scatternd_max_f16", _model(
        "ScatterND", [("x", TP.FLOAT16, [3, 4, 5]), ("i", TP.INT64, [2, 2]),
                      ("u", TP.FLOAT16, [2, 5])], [("y", TP.FLOAT16, None)], reduction="max"),
     {"x": X.astype(np.float16), "i": np.array([[0, 3], [-1, -4]]),
      "u": X[0, :2].astype(np.float16) * 3}, "ref"),
    ("onehot_float_indices", _model(
        "OneHot", [("i", TP.FLOAT, [2, 3]), ("d", TP.INT64, []), ("v", TP.INT64, [2])],
        [("y", TP.INT64, None)], inits=[("d", np.array(4))], axis=0),
     {"i": np.array([[0.7, -1.0, 9.0], [3.0, -4.2, 2.0]], np.float32),
      "v": np.array([5, -7], np.int64)}, "ort"),
    ("trilu_batched_runtime_k", _model(
        "Trilu", [("x", TP.FLOAT, [3, 4, 5]), ("k", TP.INT64, [])], [("y", TP.FLOAT, None)],
        upper=0), {"x": X, "k": np.array(-1)}, "ort"),
]


@pytest.mark.parametrize("model, feeds, oracle", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_against_oracle(model, feeds, oracle, tmp_path):
    run_and_compare(model, feeds, tmp_path, oracle, **EXACT)


OUT_OF_RANGE = [
    ("gather", _model("Gather", [("x", TP.FLOAT, [3, 4, 5]), ("i", TP.INT64, [2])],
                      [("y", TP.FLOAT, None)], axis=1),
     {"x": X, "i": np.array([3, -4])}, {"i": [np.array([4, 0]), np.array([0, -5])]}),
    ("gather_elements", _model(
        "GatherElements", [("x", TP.FLOAT, [3, 4]), ("i", TP.INT32, [2, 4])],
        [("y", TP.FLOAT, None)], axis=0),
     {"x": X[0, :3, :4], "i": np.array([[0, 2, -3, 1], [2, 2, 0, -1]], np.int32)},
     {"i": [np.array([[0, 0, 3, 0], [0] * 4], np.int32),
            np.array([[0] * 4, [0, -4, 0, 0]], np.int32)]}),
    ("scatternd", _model(
        "ScatterND", [("x", TP.FLOAT, [3, 4, 5]), ("i", TP.INT64, [2, 2]),
                      ("u", TP.FLOAT, [2, 5])], [("y", TP.FLOAT, None)]),
     {"x": X, "i": np.array([[0, 3], [-1, -4]]), "u": X[1, :2]},
     {"i": [np.array([[0, 4], [0, 0]]), np.array([[-4, 0], [0, 0]])]}),
]


@pytest.mark.parametrize("model, feeds, bad", [c[1:] for c in OUT_OF_RANGE],
                         ids=[c[0] for c in OUT_OF_RANGE])
def test_out_of_range_index_is_an_error(model, feeds, bad, tmp_path):
    _, host, _ = run_and_compare(model, feeds, tmp_path, "ort", **EXACT)
    for name, values in bad.items():
        for v in values:
            status, _ = host.run({**feeds, name: v})
            assert status == O2C_ERR_INDEX, f"{name}={v.tolist()} gave status {status}"


def test_generated_c_is_strict_c99(cc, tmp_path):
    """Every template of the family, under gcc and clang with -Werror."""
    for k, (name, model, _, _) in enumerate(CASES + OUT_OF_RANGE):
        onnx2c.compile(model, tmp_path / "src", name=f"m{k}")
    strict_compile(cc, tmp_path / "src", tmp_path)


@pytest.mark.parametrize("op, extra, attrs", [
    ("ScatterND", [("i", TP.INT64, [1, 1]), ("u", TP.FLOAT, [1, 4])], dict(reduction="add")),
    ("Trilu", [], {}),
])
def test_updates_in_place(op, extra, attrs, tmp_path):
    """Neg -> op -> Neg: op's data input dies at op, so its output reuses that buffer."""
    nodes = [helper.make_node("Neg", ["x"], ["t"]),
             helper.make_node(op, ["t"] + [e[0] for e in extra], ["s"], **attrs),
             helper.make_node("Neg", ["s"], ["y"])]
    vi = [helper.make_tensor_value_info(*i) for i in [("x", TP.FLOAT, [3, 4])] + extra]
    y = helper.make_tensor_value_info("y", TP.FLOAT, [3, 4])
    m = helper.make_model(helper.make_graph(nodes, "g", vi, [y]),
                          opset_imports=[helper.make_opsetid("", 21)])
    feeds = {"x": X[0, :3, :4].copy(), "i": np.array([[1]]), "u": X[1, :1, :4].copy()}
    r, _, _ = run_and_compare(m, {k: feeds[k] for k in ["x"] + [e[0] for e in extra]}, tmp_path,
                              **EXACT)
    assert r.plan.root("s") == "t"
