"""Reductions, ArgMax/ArgMin, the softmax family, CumSum/CumProd and TopK: the generated C
against onnxruntime (or the onnx reference evaluator where onnxruntime lacks a kernel), on
dtypes, opsets and attribute combinations the ONNX node tests leave out."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onnx2c
from tests.conftest import (check_run, compile_host, graph_model, run_and_compare,
                            strict_compile)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _model(op, x_type, shape, opset, consts=(), n_out=1, **attrs):
    """One node on graph input x; consts are (name, array) initializers wired after x."""
    node = helper.make_node(op, ["x"] + [c[0] for c in consts],
                            [f"y{i}" for i in range(n_out)], **attrs)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info("x", x_type, shape)],
        [helper.make_tensor_value_info(f"y{i}", TP.UNDEFINED, None) for i in range(n_out)],
        initializer=[numpy_helper.from_array(np.asarray(v), n) for n, v in consts])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def _data(m, rng, ties=False):
    vi = m.graph.input[0].type.tensor_type
    shape = [d.dim_value for d in vi.shape.dim]
    dt = helper.tensor_dtype_to_np_dtype(vi.elem_type)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if ties or np.issubdtype(dt, np.integer):
        lo = -4 if np.issubdtype(dt, np.signedinteger) or not np.issubdtype(dt, np.integer) else 0
        return rng.integers(lo, 4, shape).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def _check(m, tmp_path, oracle="ort", ties=False, x=None, rtol=1e-3, atol=1e-6):
    """run_and_compare on x (None: _data)."""
    x = _data(m, np.random.default_rng(0), ties) if x is None else x
    run_and_compare(m, {"x": x}, tmp_path, oracle, rtol=rtol, atol=atol)


REDUCES = [  # op, dtype, opset, axes (None: all), keepdims, oracle
    ("ReduceSum", TP.FLOAT16, 18, [0, 2], 1, "ort"),
    ("ReduceSum", TP.INT32, 13, [-1], 0, "ort"),
    ("ReduceSum", TP.INT64, 11, [1, 3], 0, "ort"),       # axes as an attribute
    ("ReduceMean", TP.FLOAT, 11, None, 1, "ort"),
    ("ReduceMean", TP.DOUBLE, 18, [1, 2], 0, "ort"),
    ("ReduceMean", TP.INT32, 18, [1], 1, "ort"),
    ("ReduceMax", TP.INT8, 18, [0, 3], 0, "ort"),
    ("ReduceMax", TP.UINT8, 13, [1], 1, "ort"),
    ("ReduceMax", TP.FLOAT16, 18, None, 0, "ort"),
    ("ReduceMin", TP.INT64, 18, [2], 1, "ort"),
    ("ReduceMin", TP.BOOL, 20, [0, 1], 0, "ref"),
    ("ReduceMin", TP.BFLOAT16, 18, [3], 1, "ref"),
    ("ReduceProd", TP.INT32, 18, [0], 0, "ort"),
    ("ReduceProd", TP.FLOAT, 11, [1, 2], 1, "ort"),
    ("ReduceL1", TP.INT32, 18, [1, 3], 1, "ort"),
    ("ReduceL1", TP.FLOAT16, 18, [2], 0, "ort"),
    ("ReduceL2", TP.FLOAT, 11, [0, 2, 3], 0, "ort"),
    ("ReduceL2", TP.DOUBLE, 18, None, 1, "ort"),
    ("ReduceLogSum", TP.FLOAT, 18, [1], 1, "ort"),
    ("ReduceLogSumExp", TP.FLOAT, 18, [0, 3], 0, "ort"),
    ("ReduceLogSumExp", TP.FLOAT16, 13, [1], 1, "ort"),
    ("ReduceSumSquare", TP.INT64, 18, [2, 3], 1, "ort"),
    ("ReduceSumSquare", TP.FLOAT, 13, [-3], 0, "ort"),
]


@pytest.mark.parametrize("op, dtype, opset, axes, keepdims, oracle", REDUCES, ids=str)
def test_reduce(op, dtype, opset, axes, keepdims, oracle, tmp_path):
    as_input = axes is not None and (opset >= 18 or (op == "ReduceSum" and opset >= 13))
    consts = [("axes", np.array(axes, np.int64))] if as_input else []
    attrs = {"axes": axes} if axes is not None and not as_input else {}
    m = _model(op, dtype, [2, 3, 4, 5], opset, consts, keepdims=keepdims, **attrs)
    x = _data(m, np.random.default_rng(1))
    if op == "ReduceLogSum":
        x = np.abs(x) + np.float32(0.1)
    _check(m, tmp_path, oracle, x=x)


def test_reduce_sum_wraps(tmp_path):
    m = _model("ReduceSum", TP.INT32, [3, 4], 13, [("axes", np.array([1], np.int64))])
    _check(m, tmp_path, "ref", x=np.full((3, 4), 2**30 + 7, np.int32))


def test_reduce_max_propagates_nan(tmp_path):
    m = _model("ReduceMax", TP.FLOAT, [2, 3], 18, [("axes", np.array([1], np.int64))])
    _check(m, tmp_path, "ref", x=np.array([[1, np.nan, 2], [3, 4, 5]], np.float32))


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMin", "ReduceProd", "ReduceLogSumExp"])
def test_reduce_noop_with_empty_axes(op, tmp_path):
    m = _model(op, TP.FLOAT, [3, 4], 18, noop_with_empty_axes=1)
    _check(m, tmp_path, "ref")


@pytest.mark.parametrize("op, dtype, axis, keepdims, last", [
    ("ArgMax", TP.FLOAT16, 1, 1, 0), ("ArgMax", TP.INT32, -1, 0, 1), ("ArgMin", TP.UINT8, 0, 1, 1),
    ("ArgMin", TP.DOUBLE, 2, 0, 0), ("ArgMax", TP.INT64, 2, 1, 1)])
def test_arg(op, dtype, axis, keepdims, last, tmp_path):
    m = _model(op, dtype, [3, 4, 5], 13, axis=axis, keepdims=keepdims, select_last_index=last)
    _check(m, tmp_path, "ref", ties=True)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
@pytest.mark.parametrize("dtype, opset, axis", [
    (TP.FLOAT, 11, 1), (TP.FLOAT16, 11, -2), (TP.FLOAT16, 13, 1), (TP.DOUBLE, 13, 0),
    (TP.FLOAT, 13, -1)])
def test_softmax(op, dtype, opset, axis, tmp_path):
    m = _model(op, dtype, [2, 3, 4], opset, axis=axis)
    x = _data(m, np.random.default_rng(2)) * np.asarray(30, _data(m, np.random.default_rng(0))
                                                         .dtype)   # large: needs the max shift
    _check(m, tmp_path, "ref" if op == "Hardmax" and opset >= 13 else "ort", x=x,
           rtol=4e-3 if dtype == TP.FLOAT16 else 1e-3)


@pytest.mark.parametrize("op, dtype, axis, exclusive, reverse", [
    ("CumSum", TP.FLOAT16, 1, 0, 1), ("CumSum", TP.INT64, -1, 1, 0),
    ("CumSum", TP.INT32, 0, 1, 1), ("CumProd", TP.FLOAT, 2, 0, 1), ("CumProd", TP.INT64, 1, 1, 0)])
def test_cumulative_constant_axis(op, dtype, axis, exclusive, reverse, tmp_path):
    m = _model(op, dtype, [2, 3, 4], 26, [("axis", np.array(axis, np.int32))],
               exclusive=exclusive, reverse=reverse)
    _check(m, tmp_path, "ref")


def _runtime_axis_model(shape):
    return graph_model([helper.make_node("CumSum", ["x", "axis"], ["y"])],
                       [("x", TP.FLOAT, shape), ("axis", TP.INT64, [])], [("y", TP.FLOAT, shape)],
                       opset=14)


def test_cumsum_runtime_axis(tmp_path):
    m = _runtime_axis_model([2, 3, 4])
    _, host = compile_host(m, tmp_path)
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    for axis in range(-3, 3):
        check_run(host, m, {"x": x, "axis": np.array(axis, np.int64)}, "ref", 1e-5, 1e-6)
    for bad in (3, -4, 2**40):
        status, _ = host.run({"x": x, "axis": np.array(bad, np.int64)})
        assert status < 0, bad


@pytest.mark.parametrize("dtype, axis, k, largest", [
    (TP.FLOAT16, 1, 3, 1), (TP.INT32, 0, 2, 0), (TP.FLOAT, 2, 5, 1), (TP.UINT8, -1, 1, 0),
    (TP.DOUBLE, 1, 4, 0)])
def test_topk(dtype, axis, k, largest, tmp_path):
    m = _model("TopK", dtype, [3, 4, 5], 11, [("k", np.array([k], np.int64))], n_out=2,
               axis=axis, largest=largest)
    _check(m, tmp_path, "ref", ties=True)


def test_topk_runtime_k_is_checked(tmp_path):
    """A run-time K makes the outputs bounded by the axis (whatever shape the model
    declares): any K from 0 to the axis size works, a larger one is an error."""
    m = graph_model([helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1)],
                    [("x", TP.FLOAT, [2, 5]), ("k", TP.INT64, [1])],
                    [("v", TP.FLOAT, [2, 3]), ("i", TP.INT64, [2, 3])], opset=11)
    _, host = compile_host(m, tmp_path)
    x = np.random.default_rng(4).standard_normal((2, 5)).astype(np.float32)
    for k in (3, 2):
        check_run(host, m, {"x": x, "k": np.array([k], np.int64)}, "ref", 1e-6, 0)
    status, _ = host.run({"x": x, "k": np.array([6], np.int64)})
    assert status < 0


def test_generated_code_is_strict_c99(tmp_path, cc):
    """Every template path (empty reductions and outputs, run-time axis) under both compilers."""
    models = [
        _model("ReduceSum", TP.FLOAT, [2, 0, 3], 13, [("axes", np.array([1], np.int64))]),
        _model("ReduceMax", TP.FLOAT, [2, 0, 3], 18, [("axes", np.array([0], np.int64))]),
        _model("ArgMin", TP.FLOAT16, [4, 1, 3], 13, axis=1),
        _model("Softmax", TP.FLOAT16, [0, 3], 13),
        _model("TopK", TP.FLOAT, [3, 4], 11, [("k", np.array([0], np.int64))], n_out=2),
        _runtime_axis_model([2, 0]),
        _runtime_axis_model([5]),
    ]
    for i, m in enumerate(models):
        onnx2c.compile(m, tmp_path / f"m{i}", name=f"m{i}")
        strict_compile(cc, tmp_path / f"m{i}", tmp_path / f"m{i}")
