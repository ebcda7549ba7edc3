"""Bounded outputs, whose size depends on the input values (NonZero, Compress, Unique,
NonMaxSuppression, TopK with a run-time K): the ABI, results against onnxruntime through
the host harness, and the capacity limit."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from tests.conftest import (O2C_ERR_CAPACITY, O2C_ERR_VALUE, REPO, build_and_run,
                            compile_host, graph_model, run_and_compare, strict_compile)

# inputs and outputs: (name, elem type, shape), symbolic dims where data decides
_model = graph_model
TOL = dict(rtol=1e-6, atol=0)


def _nonzero():
    return _model([helper.make_node("NonZero", ["x"], ["y"])], [("x", TP.FLOAT, [3, 4])],
                  [("y", TP.INT64, [2, "n"])])


def test_abi_declares_dims_and_flags_the_descriptor(tmp_path, cc):
    r = onnx2c.compile(_nonzero(), tmp_path / "src", name="net")
    h, c = (tmp_path / "src" / "net.h").read_text(), (tmp_path / "src" / "net.c").read_text()
    assert re.search(r"int net_run\(\s*const float \*x,.*\s+int64_t \*y,.*\s+int64_t \*y_dims,"
                     r".*\s+void \*workspace\);", h, re.S)
    assert re.search(r'\{ "y", 7, 2, net_output_dims0, 192u, O2C_DESC_BOUNDED, 0 \}', c)
    assert "net_output_dims0[2] = { 2, 12 }" in c                  # the capacity
    assert "#define O2C_DESC_BOUNDED" in (tmp_path / "src" / "o2c_abi.h").read_text()
    assert r.outputs[0].bounded and r.outputs[0].shape == (2, 12)
    strict_compile(cc, tmp_path / "src", tmp_path)


@pytest.mark.parametrize("density", [0.0, 0.3, 1.0])
def test_nonzero(tmp_path, density):
    rng = np.random.default_rng(1)
    x = np.where(rng.random((3, 4)) < density, rng.standard_normal((3, 4)), 0)
    run_and_compare(_nonzero(), {"x": x.astype(np.float32)}, tmp_path, **TOL)


@pytest.mark.parametrize("axis", [None, 0, -1])
def test_compress(tmp_path, axis):
    kw = {} if axis is None else {"axis": axis}
    m = _model([helper.make_node("Compress", ["x", "c"], ["y"], **kw)],
               [("x", TP.INT32, [3, 4, 2]), ("c", TP.BOOL, [3])],
               [("y", TP.INT32, ["a", "b", "c"] if axis is not None else ["n"])])
    x = np.arange(24, dtype=np.int32).reshape(3, 4, 2)
    run_and_compare(m, {"x": x, "c": np.array([True, False, True])}, tmp_path, **TOL)


@pytest.mark.parametrize("axis, sorted_", [(None, 1), (None, 0), (1, 1), (0, 0)])
def test_unique_all_outputs(tmp_path, axis, sorted_):
    kw = {"sorted": sorted_} if axis is None else {"sorted": sorted_, "axis": axis}
    m = _model([helper.make_node("Unique", ["x"], ["y", "idx", "inv", "cnt"], **kw)],
               [("x", TP.INT64, [4, 3])],
               [("y", TP.INT64, ["n"] if axis is None else ["a", "b"]), ("idx", TP.INT64, ["n"]),
                ("inv", TP.INT64, ["m"]), ("cnt", TP.INT64, ["n"])], opset=11)
    x = np.array([[3, 1, 3], [2, 2, 2], [3, 1, 3], [0, 1, 0]], np.int64)
    run_and_compare(m, {"x": x}, tmp_path, **TOL)


def test_unique_of_floats_with_one_output_read(tmp_path):
    m = _model([helper.make_node("Unique", ["x"], ["y", "idx", "inv", "cnt"], sorted=1)],
               [("x", TP.FLOAT, [10])], [("y", TP.FLOAT, ["n"])], opset=11)
    x = np.array([2.5, -1, 0, 2.5, -0.0, 7, -1, 3, 3, 2.5], np.float32)
    run_and_compare(m, {"x": x}, tmp_path, **TOL)


def test_unique_nans_are_one_value_sorted_last(tmp_path):
    """As numpy (the reference) has it; onnxruntime's float Unique mishandles NaN."""
    m = _model([helper.make_node("Unique", ["x"], ["y", "idx", "inv", "cnt"])],
               [("x", TP.FLOAT, [6])], [("y", TP.FLOAT, ["n"]), ("cnt", TP.INT64, ["n"])],
               opset=11)
    run_and_compare(m, {"x": np.array([np.nan, 1, np.nan, 0, 1, -1], np.float32)}, tmp_path,
                    "ref", **TOL)


def test_unique_inverse_only_is_not_bounded(tmp_path):
    m = _model([helper.make_node("Unique", ["x"], ["y", "idx", "inv", "cnt"])],
               [("x", TP.INT32, [7])], [("inv", TP.INT64, [7])], opset=11)
    r, _, _ = run_and_compare(m, {"x": np.array([5, 3, 5, 1, 3, 9, 1], np.int32)}, tmp_path,
                              "ref", **TOL)
    assert not r.outputs[0].bounded


def test_nonmaxsuppression(tmp_path):
    m = _model([helper.make_node("NonMaxSuppression", ["b", "s", "n", "iou", "thr"], ["y"])],
               [("b", TP.FLOAT, [2, 8, 4]), ("s", TP.FLOAT, [2, 3, 8]), ("n", TP.INT64, [1]),
                ("iou", TP.FLOAT, [1]), ("thr", TP.FLOAT, [1])], [("y", TP.INT64, ["n", 3])],
               opset=11)
    rng = np.random.default_rng(2)
    corners = rng.random((2, 8, 2, 2)).astype(np.float32) * 10
    feeds = {"b": np.concatenate([corners.min(2), corners.max(2) + 1], -1),
             "s": rng.random((2, 3, 8)).astype(np.float32), "n": np.array([3]),
             "iou": np.array([0.3], np.float32), "thr": np.array([0.2], np.float32)}
    run_and_compare(m, feeds, tmp_path, **TOL)


@pytest.mark.parametrize("k", [0, 2, 5])
def test_topk_with_run_time_k(tmp_path, k):
    m = _model([helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1)],
               [("x", TP.FLOAT, [2, 5, 3]), ("k", TP.INT64, [1])],
               [("v", TP.FLOAT, [2, "k", 3]), ("i", TP.INT64, [2, "k", 3])], opset=11)
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype(np.float32)
    run_and_compare(m, {"x": x, "k": np.array([k])}, tmp_path, **TOL)


def test_topk_rejects_k_beyond_the_axis(tmp_path):
    m = _model([helper.make_node("TopK", ["x", "k"], ["v", "i"])],
               [("x", TP.FLOAT, [4]), ("k", TP.INT64, [1])],
               [("v", TP.FLOAT, ["k"]), ("i", TP.INT64, ["k"])], opset=11)
    status, _ = build_and_run(m, {"x": np.zeros(4, np.float32), "k": np.array([5])}, tmp_path)
    assert status == O2C_ERR_VALUE


def test_topk_capacity_and_an_unread_output(tmp_path):
    m = _model([helper.make_node("TopK", ["x", "k"], ["v", "i"], largest=0)],
               [("x", TP.INT32, [6]), ("k", TP.INT64, [1])], [("v", TP.INT32, ["k"])],
               opset=11)
    _, host = compile_host(m, tmp_path, capacity={"v": 2})
    x = np.array([4, 2, 9, 2, 7, 1], np.int32)
    status, (v,) = host.run({"x": x, "k": np.array([2])})
    assert status == 0 and v.tolist() == [1, 2]
    assert host.run({"x": x, "k": np.array([3])})[0] == O2C_ERR_CAPACITY


def test_capacity_exceeded(tmp_path):
    r, host = compile_host(_nonzero(), tmp_path, capacity={"y": 3})
    assert r.outputs[0].shape == (2, 3)
    x = np.zeros((3, 4), np.float32)
    x[0, :3] = 1
    status, (y,) = host.run({"x": x})
    assert status == 0 and y.tolist() == [[0, 0, 0], [0, 1, 2]]
    x[2, 3] = 1
    status, _ = host.run({"x": x})
    assert status == O2C_ERR_CAPACITY


def test_capacity_on_the_command_line(tmp_path):
    m = _model([helper.make_node("Unique", ["x"], ["y", "idx", "inv", "cnt"])],
               [("x", TP.INT32, [50])], [("y", TP.INT32, ["n"]), ("cnt", TP.INT64, ["n"])],
               opset=11)
    onnx.save(m, tmp_path / "u.onnx")
    p = subprocess.run([sys.executable, "-m", "onnx2c.cli", "compile", tmp_path / "u.onnx",
                        "-o", tmp_path / "out", "--capacity", "cnt=8"],
                       capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stderr
    h = (tmp_path / "out" / "model.h").read_text()
    assert "int32_t *y, /* int32[8] at most */" in h and "int64_t *cnt_dims," in h


@pytest.mark.parametrize("op, shape", [("Transpose", ["n", 2]), ("ReduceMax", [])])
def test_bounded_value_feeding_another_op_asks_for_freeze(op, shape):
    m = _model([helper.make_node("NonZero", ["x"], ["nz"]),
                helper.make_node(op, ["nz"], ["y"], **({"keepdims": 0} if shape == [] else {}))],
               [("x", TP.FLOAT, [3, 4])], [("y", TP.INT64, shape)])
    with pytest.raises(onnx2c.CompileError, match=fr"\({op}\).*'nz'.*--freeze x="):
        onnx2c.build(m)


@pytest.mark.parametrize("name, message", [("x", "does not depend on run-time values"),
                                           ("nope", "not a value of the model")])
def test_capacity_must_name_a_bounded_value(name, message):
    with pytest.raises(onnx2c.CompileError, match=message):
        onnx2c.build(_nonzero(), capacity={name: 4})
