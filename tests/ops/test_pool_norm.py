"""Pooling and normalization ops: the generated C against onnxruntime (or the onnx reference
evaluator where onnxruntime lacks the opset), on dtypes and attribute combinations the ONNX
node tests leave out."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.harness import build_host
from onnx2c.harness.verify import compare
from tests.conftest import check_against_ort, strict_compile


def _model(op, inputs, outputs, opset, **attrs):
    """One-node model; inputs/outputs are (name, elem type, shape)."""
    node = helper.make_node(op, [i[0] for i in inputs], [o[0] for o in outputs], **attrs)
    graph = helper.make_graph([node], op.lower(),
                              [helper.make_tensor_value_info(*i) for i in inputs],
                              [helper.make_tensor_value_info(*o) for o in outputs])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


POOLS = [
    ("MaxPool", TP.FLOAT16, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])),
    ("MaxPool", TP.INT8, dict(kernel_shape=[3, 2], ceil_mode=1, strides=[2, 2])),
    ("MaxPool", TP.UINT8, dict(kernel_shape=[2, 2], auto_pad="SAME_LOWER")),
    ("MaxPool", TP.DOUBLE, dict(kernel_shape=[2, 3], dilations=[2, 1], pads=[1, 0, 0, 2])),
    ("AveragePool", TP.FLOAT16, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2],
                                     count_include_pad=1, ceil_mode=1)),
    ("AveragePool", TP.FLOAT, dict(kernel_shape=[3, 2], pads=[2, 1, 2, 1], strides=[3, 2],
                                   ceil_mode=1)),
    ("AveragePool", TP.FLOAT, dict(kernel_shape=[3, 3], auto_pad="SAME_UPPER",
                                   count_include_pad=1)),
    ("LpPool", TP.FLOAT, dict(kernel_shape=[3, 3], p=3, pads=[1, 1, 1, 1], strides=[2, 1])),
    ("LpPool", TP.FLOAT, dict(kernel_shape=[2, 2], p=1, auto_pad="VALID")),
    ("GlobalLpPool", TP.FLOAT, dict(p=3)),
    ("GlobalMaxPool", TP.FLOAT16, {}),
    ("GlobalAveragePool", TP.FLOAT16, {}),
]


@pytest.mark.parametrize("op, dtype, attrs", POOLS, ids=lambda v: str(v))
def test_pool(op, dtype, attrs, tmp_path):
    opset = 7 if op == "GlobalLpPool" else 22    # onnxruntime lacks GlobalLpPool-22
    m = _model(op, [("x", dtype, [2, 3, 7, 9])], [("y", dtype, None)], opset, **attrs)
    check_against_ort(onnx.shape_inference.infer_shapes(m, strict_mode=True), tmp_path)


@pytest.mark.parametrize("order", [0, 1])
def test_maxpool_indices_3d(order, tmp_path):
    m = _model("MaxPool", [("x", TP.FLOAT, [1, 2, 5, 6, 7])],
               [("y", TP.FLOAT, None), ("i", TP.INT64, None)], 12, kernel_shape=[2, 3, 2],
               pads=[1, 1, 0, 0, 1, 1], strides=[2, 2, 2], storage_order=order)
    check_against_ort(onnx.shape_inference.infer_shapes(m, strict_mode=True), tmp_path)


def test_pool_code_is_clean_under_every_compiler(tmp_path, cc):
    m = _model("AveragePool", [("x", TP.FLOAT, [1, 2, 6, 6])], [("y", TP.FLOAT, None)], 22,
               kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2], count_include_pad=1,
               ceil_mode=1)
    onnx2c.compile(onnx.shape_inference.infer_shapes(m), tmp_path / "src")
    strict_compile(cc, tmp_path / "src", tmp_path)


def test_maxunpool_rejects_out_of_range_index(tmp_path):
    m = _model("MaxUnpool", [("x", TP.FLOAT, [1, 1, 2, 2]), ("i", TP.INT64, [1, 1, 2, 2])],
               [("y", TP.FLOAT, [1, 1, 4, 4])], 11, kernel_shape=[2, 2], strides=[2, 2])
    host = build_host(onnx2c.compile(m, tmp_path / "src"), tmp_path / "build")
    x = np.ones((1, 1, 2, 2), np.float32)
    status, (y,) = host.run([x, np.array([0, 5, 10, 15]).reshape(1, 1, 2, 2)])
    assert status == 0 and y.reshape(-1)[[0, 5, 10, 15]].tolist() == [1, 1, 1, 1]
    for bad in (16, -1):
        status, _ = host.run([x, np.array([0, 5, bad, 15]).reshape(1, 1, 2, 2)])
        assert status < 0


def test_max_roi_pool(tmp_path, cc):
    import onnxruntime as ort
    m = _model("MaxRoiPool", [("x", TP.FLOAT, [2, 3, 8, 9]), ("r", TP.FLOAT, [4, 5])],
               [("y", TP.FLOAT, [4, 3, 3, 2])], 13, pooled_shape=[3, 2], spatial_scale=0.5)
    r = onnx2c.compile(m, tmp_path / "src")
    strict_compile(cc, tmp_path / "src", tmp_path)
    host = build_host(r, tmp_path / "build")
    # onnxruntime starts each bin's maximum at FLT_MIN, so compare on positive data
    x = np.random.default_rng(0).random((2, 3, 8, 9)).astype(np.float32)
    rois = np.array([[0, 1, 2, 10, 12], [1, 0, 0, 17, 15], [1, 5, 5, 4, 4], [0, -3, -4, 30, 3.4]],
                    np.float32)
    status, (y,) = host.run([x, rois])
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    assert status == 0 and compare(y, sess.run(None, {"x": x, "r": rois})[0], 1e-6, 0)[0]
    for bad in (2, -1, np.nan):
        rois[2, 0] = bad
        assert host.run([x, rois])[0] < 0


def _norm_case(op, x_shape, params, opset, dtype=TP.FLOAT, outputs=1, **attrs):
    """The statistics outputs (LayerNormalization's Mean/InvStdDev...) are float."""
    ins = [("x", dtype, x_shape)] + [(f"p{k}", dtype, s) for k, s in enumerate(params)]
    outs = [("y", dtype, x_shape)] + [(f"o{k}", TP.FLOAT, None) for k in range(1, outputs)]
    return onnx.shape_inference.infer_shapes(_model(op, ins, outs, opset, **attrs),
                                             strict_mode=True)


NORMS = [
    ("LayerNormalization", [2, 3, 4], [[4], [4]], 17, TP.FLOAT16, 3, dict(axis=-1)),
    ("LayerNormalization", [2, 3, 4], [[3, 4]], 17, TP.DOUBLE, 1, dict(axis=1, epsilon=0.1)),
    ("LayerNormalization", [2, 3, 4], [[1, 4], [3, 1]], 17, TP.FLOAT, 3, dict(axis=1)),
    ("InstanceNormalization", [2, 3, 4, 2, 3], [[3], [3]], 6, TP.FLOAT16, 1, {}),
    ("BatchNormalization", [2, 3, 5], [[3]] * 4, 15, TP.DOUBLE, 1, {}),
    ("BatchNormalization", [2, 3], [[3]] * 4, 15, TP.FLOAT, 1, dict(epsilon=0.1)),
    ("BatchNormalization", [2, 3, 4], [[3, 4]] * 4, 7, TP.FLOAT, 1, dict(spatial=0)),
    ("MeanVarianceNormalization", [2, 3, 4, 5], [], 13, TP.FLOAT, 1, dict(axes=[1, 3])),
    ("MeanVarianceNormalization", [2, 3, 4], [], 13, TP.FLOAT, 1, dict(axes=[0, 2])),
    ("LpNormalization", [2, 3, 4], [], 22, TP.FLOAT, 1, dict(axis=1, p=1)),
    ("LpNormalization", [2, 3, 4], [], 22, TP.DOUBLE, 1, dict(axis=0, p=2)),
    ("LRN", [2, 6, 3, 3], [], 13, TP.FLOAT, 1, dict(size=5, alpha=0.1, beta=0.6, bias=1.5)),
    ("LRN", [1, 4, 2, 3], [], 13, TP.FLOAT16, 1, dict(size=1)),
]


@pytest.mark.parametrize("op, x_shape, params, opset, dtype, outputs, attrs", NORMS,
                         ids=lambda v: str(v))
def test_norm(op, x_shape, params, opset, dtype, outputs, attrs, tmp_path):
    m = _norm_case(op, x_shape, params, opset, dtype, outputs, **attrs)
    check_against_ort(m, tmp_path, rtol=1e-2 if dtype == TP.FLOAT16 else 1e-3,
                      feeds=_feeds(m, helper.tensor_dtype_to_np_dtype(dtype)))


def _feeds(m, np_type):
    """Normal random inputs, except that BatchNormalization's variance (p3) is positive."""
    rng = np.random.default_rng(1)
    feeds = {i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim])
             .astype(np_type) for i in m.graph.input}
    return {k: np.abs(v) if k == "p3" else v for k, v in feeds.items()}


REFERENCE_NORMS = [
    ("GroupNormalization", [2, 6, 2, 2], [[6], [6]], 21, dict(num_groups=2, epsilon=0.1)),
    ("RMSNormalization", [2, 3, 4], [[3, 4]], 23, dict(axis=-2)),
    ("BatchNormalization", [4, 3, 2, 2], [[3]] * 4, 15, dict(training_mode=1, momentum=0.7)),
    # onnxruntime takes only odd sizes; the reference's channel loop runs over N, so N == C
    ("LRN", [4, 4, 2, 3], [], 13, dict(size=4, alpha=0.1, beta=0.6, bias=1.5)),
]


@pytest.mark.parametrize("op, x_shape, params, opset, attrs", REFERENCE_NORMS,
                         ids=lambda v: str(v))
def test_norm_against_reference(op, x_shape, params, opset, attrs, tmp_path):
    from onnx.reference import ReferenceEvaluator
    outputs = 3 if attrs.get("training_mode") else 1
    m = _norm_case(op, x_shape, params, opset, outputs=outputs, **attrs)
    feeds = _feeds(m, np.float32)
    r = onnx2c.compile(m, tmp_path / "src")
    status, got = build_host(r, tmp_path / "build").run(feeds)
    want = ReferenceEvaluator(m).run(None, feeds)
    assert status == 0
    for g, w in zip(got, want):
        ok, ea, er = compare(g, w, 1e-3, 1e-5)
        assert ok, f"max abs err {ea}, max rel err {er}"


def _pool_reference(x, kind, kernel, strides, pads, out_hw, count_pad):
    """Window by window in float32, rows then columns (the generic loop's order), padding
    left out (max: never a NaN over a number); the divisor per the README's rules."""
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads
    n, c, h, w = x.shape
    y = np.empty((n, c) + out_hw, np.float32)
    for oy, ox in np.ndindex(*out_hw):
        top, left = oy * sh - pt, ox * sw - pl
        acc = np.full((n, c), -np.inf if kind == "MaxPool" else 0, np.float32)
        count = 0
        for iy in range(top, top + kh):
            for ix in range(left, left + kw):
                if count_pad:
                    count += -pt <= iy < h + pb and -pl <= ix < w + pr
                if not (0 <= iy < h and 0 <= ix < w):
                    continue
                count += not count_pad
                v = x[:, :, iy, ix]
                acc = np.where(v > acc, v, acc) if kind == "MaxPool" else \
                    (acc + v).astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            y[:, :, oy, ox] = acc if kind == "MaxPool" else acc / np.float32(count)
    return y


POOLS_2D = [   # the kernel library's float32 path (runtime_c/o2c_pool.h)
    ("MaxPool", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])),
    ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),
    ("MaxPool", dict(kernel_shape=[2, 4], pads=[0, 3, 1, 2], strides=[1, 3])),
    ("AveragePool", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])),
    ("AveragePool", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1],
                         count_include_pad=1)),
    ("AveragePool", dict(kernel_shape=[3, 2], pads=[2, 1, 2, 1], strides=[3, 2], ceil_mode=1,
                         count_include_pad=1)),
    ("AveragePool", dict(kernel_shape=[5, 5], strides=[2, 2], ceil_mode=1)),
    ("GlobalAveragePool", {}),
    ("GlobalMaxPool", {}),
    ("AveragePool", dict(kernel_shape=[11, 13])),    # whole plane, as in DS-CNN's classifier
    ("MaxPool", dict(kernel_shape=[11, 13])),
]


@pytest.mark.parametrize("op, attrs", POOLS_2D, ids=lambda v: str(v))
def test_pool2d_library_path(op, attrs, tmp_path):
    m = onnx.shape_inference.infer_shapes(
        _model(op, [("x", TP.FLOAT, [2, 3, 11, 13])], [("y", TP.FLOAT, None)], 22, **attrs),
        strict_mode=True)
    r = onnx2c.compile(m, tmp_path / "src", name="m")
    assert "o2c_pool2d_f32(" in (tmp_path / "src" / "m.c").read_text()
    x = np.random.default_rng(3).standard_normal((2, 3, 11, 13)).astype(np.float32)
    x[0, 1, 4, 5], x[1, 2, 0, 0], x[1, 0, 6, 7] = np.nan, np.inf, -np.inf
    status, (got,) = build_host(r, tmp_path / "build").run({"x": x})
    assert status == 0
    glob = op.startswith("Global")
    kernel = [11, 13] if glob else attrs["kernel_shape"]
    want = _pool_reference(x, op.replace("Global", ""), kernel, attrs.get("strides", [1, 1]),
                           attrs.get("pads", [0, 0, 0, 0]), got.shape[2:],
                           attrs.get("count_include_pad", 0))
    if op.endswith("AveragePool") and got.shape[2:] == (1, 1):
        # a whole-plane sum is reassociated into vector lanes (o2c_pool_whole)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True)
    else:
        assert np.array_equal(got, want, equal_nan=True), np.abs(got - want).max()
    x = np.nan_to_num(x, nan=0.5, posinf=2.0, neginf=-2.0)
    check_against_ort(m, tmp_path / "ort", feeds={"x": x})
