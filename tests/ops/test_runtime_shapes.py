"""Shape-deciding inputs given at run time (Reduce axes, Reshape's shape, Slice bounds, Pad's
pads, Resize's scales, ...): the output shape is the one the graph declares, the kernel
reads the input and must agree with onnxruntime (or the onnx reference evaluator) for
every value consistent with that shape, and return O2C_ERR_VALUE for any other value."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator

from onnx2c.harness.verify import compare

O2C_ERR_VALUE = -2
I64 = np.int64


def _model(op, x, y, shape_inputs, opset=18, x_type=TP.FLOAT, **attrs):
    """One node: x (a shape), then (name, elem type, shape) graph inputs, output y of the
    given static shape; nothing is constant, so the shapes come from the declaration."""
    ins = [helper.make_tensor_value_info("x", x_type, x)] + \
        [helper.make_tensor_value_info(n, t, s) for n, t, s in shape_inputs]
    node = helper.make_node(op, ["x"] + [n for n, _, _ in shape_inputs], ["y"], **attrs)
    graph = helper.make_graph([node], op.lower(), ins,
                              [helper.make_tensor_value_info("y", x_type, y)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])



def _x(shape, dtype=np.float32):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


def _check(model, host, feeds, oracle="ort"):
    status, got = host.run(feeds)
    assert status == 0
    if oracle == "ort":
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        want = sess.run(None, feeds)
    else:
        want = ReferenceEvaluator(model).run(None, feeds)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        ok, ea, er = compare(g, w, 1e-4, 1e-6)
        assert ok, f"max abs err {ea}, max rel err {er}"


def _rejects(host, feeds):
    assert host.run(feeds)[0] == O2C_ERR_VALUE


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax", "ReduceLogSumExp"])
def test_reduce_axes_without_keepdims(op, build):
    # [3, 2, 2] -> [3, 2]: axis 1 and axis 2 are both consistent and differ
    m = _model(op, [3, 2, 2], [3, 2], [("axes", TP.INT64, [1])], keepdims=0)
    host, x = build(m), _x([3, 2, 2])
    for axes in ([1], [2], [-1], [-2]):
        _check(m, host, {"x": x, "axes": np.array(axes, I64)})
    for axes in ([0], [3], [-4]):
        _rejects(host, {"x": x, "axes": np.array(axes, I64)})


def test_reduce_axes_with_keepdims(build):
    # [3, 1, 4] -> [3, 1, 1]: axis 2 must be reduced, the size-1 axis 1 may join it
    m = _model("ReduceMean", [3, 1, 4], [3, 1, 1], [("axes", TP.INT64, [2])], keepdims=1)
    host, x = build(m), _x([3, 1, 4])
    for axes in ([1, 2], [2, -2], [-1, 1]):
        _check(m, host, {"x": x, "axes": np.array(axes, I64)})
    for axes in ([0, 2], [2, 2], [2, 5]):      # a kept axis, a repeat, out of range
        _rejects(host, {"x": x, "axes": np.array(axes, I64)})


def test_reduce_axes_before_unary_ops(build):
    # as in function-expanded ReduceL2: only the graph output's shape is declared, and it
    # carries back through the shape-preserving ops to the reduction
    ins = [helper.make_tensor_value_info("x", TP.FLOAT, [3, 2, 2]),
           helper.make_tensor_value_info("axes", TP.INT64, [1])]
    nodes = [helper.make_node("ReduceSumSquare", ["x", "axes"], ["s"], keepdims=0),
             helper.make_node("Sqrt", ["s"], ["r"]),
             helper.make_node("Cast", ["r"], ["y"], to=TP.DOUBLE)]
    g = helper.make_graph(nodes, "g", ins, [helper.make_tensor_value_info("y", TP.DOUBLE,
                                                                          [3, 2])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    host, x = build(m), _x([3, 2, 2])
    for axes in ([1], [2]):
        _check(m, host, {"x": x, "axes": np.array(axes, I64)})
    _rejects(host, {"x": x, "axes": np.array([0], I64)})


def test_reshape_shape(build):
    # Relu first, so the reshape's input dies there and its check runs in place
    x = helper.make_tensor_value_info("x", TP.FLOAT, [2, 3, 4])
    s = helper.make_tensor_value_info("shape", TP.INT64, [2])
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["t"]),
             helper.make_node("Neg", ["t"], ["y"])]
    g = helper.make_graph(nodes, "g", [x, s],
                          [helper.make_tensor_value_info("y", TP.FLOAT, [4, 6])],
                          value_info=[helper.make_tensor_value_info("t", TP.FLOAT, [4, 6])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    host, xv = build(m), _x([2, 3, 4])
    for shape in ([4, 6], [-1, 6], [4, -1]):
        _check(m, host, {"x": xv, "shape": np.array(shape, I64)})
    for shape in ([6, 4], [-1, -1], [0, 6], [4, 7]):
        _rejects(host, {"x": xv, "shape": np.array(shape, I64)})


def test_squeeze_and_unsqueeze_axes(build):
    m = _model("Squeeze", [1, 3, 1, 4], [3, 1, 4], [("axes", TP.INT64, [1])], opset=13)
    host, x = build(m), _x([1, 3, 1, 4])
    _check(m, host, {"x": x, "axes": np.array([0], I64)})
    _check(m, host, {"x": x, "axes": np.array([-4], I64)})
    for axes in ([2], [1], [4]):       # the wrong 1, not a 1, out of range
        _rejects(host, {"x": x, "axes": np.array(axes, I64)})


def test_unsqueeze_axes(build):
    m = _model("Unsqueeze", [3, 4], [3, 1, 4, 1], [("axes", TP.INT64, [2])], opset=13)
    host, x = build(m), _x([3, 4])
    _check(m, host, {"x": x, "axes": np.array([3, 1], I64)})
    _check(m, host, {"x": x, "axes": np.array([-1, -3], I64)})
    for axes in ([0, 1], [1, 1], [1, 4]):
        _rejects(host, {"x": x, "axes": np.array(axes, I64)})


def test_expand_shape(build):
    m = _model("Expand", [3, 1], [2, 3, 4], [("shape", TP.INT64, [3])], opset=13)
    host, x = build(m), _x([3, 1])
    _check(m, host, {"x": x, "shape": np.array([2, 3, 4], I64)})
    _check(m, host, {"x": x, "shape": np.array([2, 1, 4], I64)})
    _rejects(host, {"x": x, "shape": np.array([2, 3, 5], I64)})
    _rejects(host, {"x": x, "shape": np.array([2, 2, 4], I64)})


def test_tile_repeats(build):
    m = _model("Tile", [2, 3], [4, 3], [("repeats", TP.INT64, [2])], opset=13)
    host, x = build(m), _x([2, 3])
    _check(m, host, {"x": x, "repeats": np.array([2, 1], I64)})
    _rejects(host, {"x": x, "repeats": np.array([1, 2], I64)})


@pytest.mark.parametrize("ind", [TP.INT64, TP.INT32])
def test_slice_bounds(ind, build):
    names = [("starts", ind, [1]), ("ends", ind, [1]), ("axes", ind, [1]), ("steps", ind, [1])]
    m = _model("Slice", [10, 5], [10, 2], names, opset=13)
    host, x = build(m), _x([10, 5])
    dt = helper.tensor_dtype_to_np_dtype(ind)
    good = [(0, 2, 1, 1), (3, 5, -1, 1), (-1, -100, 1, -3), (1, 1000, 1, 2), (4, 0, 1, -2)]
    for s, e, a, st in good:
        _check(m, host, dict(x=x, starts=np.array([s], dt), ends=np.array([e], dt),
                             axes=np.array([a], dt), steps=np.array([st], dt)))
    bad = [(0, 3, 1, 1), (0, 2, 0, 1), (0, 2, 1, 0), (0, 2, 2, 1)]
    for s, e, a, st in bad:
        _rejects(host, dict(x=x, starts=np.array([s], dt), ends=np.array([e], dt),
                            axes=np.array([a], dt), steps=np.array([st], dt)))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "wrap"])
def test_pad_pads(mode, build):
    m = _model("Pad", [3, 5], [3, 13], [("pads", TP.INT64, [2]), ("value", TP.FLOAT, []),
                                         ("axes", TP.INT64, [1])], mode=mode)
    host, x = build(m), _x([3, 5])

    def feeds(pads, axis=-1):
        return dict(x=x, pads=np.array(pads, I64), value=np.array(1.5, np.float32),
                    axes=np.array([axis], I64))
    # a negative pad crops before padding (onnxruntime); pads wider than the input repeat
    # (the reference: onnxruntime refuses reflect pads wider than the input)
    for pads in ([-1, 9], [4, 4], [9, -1]) if mode != "reflect" else ([4, 4],):
        _check(m, host, feeds(pads))
    for pads in ([2, 6], [7, 1], [0, 8]):
        _check(m, host, feeds(pads), oracle="reference")
    for pads, axis in (([2, 5], 1), ([2, 6], 0), ([-6, 14], 1), ([2, 6], 2)):
        _rejects(host, feeds(pads, axis))


def test_pad_reflect_crop(build):
    m = _model("Pad", [2, 6], [2, 7], [("pads", TP.INT64, [4])], mode="reflect")
    host, x = build(m), _x([2, 6])
    for pads in ([0, -1, 0, 2], [0, 3, 0, -2], [0, -2, 0, 3]):
        _check(m, host, dict(x=x, pads=np.array(pads, I64)))


def test_resize_scales(build):
    m = _model("Resize", [1, 1, 4, 5], [1, 1, 8, 5], [("roi", TP.FLOAT, [0]),
                                                       ("scales", TP.FLOAT, [4])],
               opset=13, mode="linear")
    host, x = build(m), _x([1, 1, 4, 5])
    # 2.2 and 1.1 give the same shape as 2 and 1 but move the sampling points
    for scales in ([1, 1, 2, 1], [1, 1, 2.2, 1.1], [1, 1.5, 2.0, 1.0]):
        _check(m, host, dict(x=x, roi=np.zeros(0, np.float32),
                             scales=np.array(scales, np.float32)))
    for scales in ([1, 1, 3, 1], [1, 1, 2, 0.5], [1, 1, np.nan, 1], [2, 1, 2, 1]):
        _rejects(host, dict(x=x, roi=np.zeros(0, np.float32),
                            scales=np.array(scales, np.float32)))


def test_resize_sizes_not_larger(build):
    m = _model("Resize", [1, 1, 4, 6], [1, 1, 2, 3], [("sizes", TP.INT64, [2])], opset=18,
               mode="cubic", antialias=1, axes=[2, 3], keep_aspect_ratio_policy="not_larger")
    m.graph.node[0].input[:] = ["x", "", "", "sizes"]
    host, x = build(m), _x([1, 1, 4, 6])
    for sizes in ([2, 3], [2, 100], [3, 3]):
        _check(m, host, dict(x=x, sizes=np.array(sizes, I64)), oracle="reference")
    _rejects(host, dict(x=x, sizes=np.array([4, 6], I64)))


def test_onehot_depth(build):
    m = _model("OneHot", [4], [4, 5], [("depth", TP.FLOAT, []), ("values", TP.FLOAT, [2])],
               x_type=TP.INT64, opset=11)
    m.graph.output[0].type.tensor_type.elem_type = TP.FLOAT
    host = build(m)
    feeds = dict(x=np.array([0, 4, -1, 7], I64), values=np.array([0, 3], np.float32))
    _check(m, host, dict(feeds, depth=np.array(5.7, np.float32)))
    _rejects(host, dict(feeds, depth=np.array(6, np.float32)))


def test_range_bounds(build):
    ins = [helper.make_tensor_value_info(n, TP.INT32, []) for n in ("a", "b", "c")]
    g = helper.make_graph([helper.make_node("Range", ["a", "b", "c"], ["y"])], "g", ins,
                          [helper.make_tensor_value_info("y", TP.INT32, [4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])
    host = build(m)

    def feeds(*bounds):
        return {n: np.array(v, np.int32) for n, v in zip("abc", bounds)}
    for bounds in ((0, 4, 1), (10, 2, -2), (1, 11, 3)):
        _check(m, host, feeds(*bounds))
    for bounds in ((0, 5, 1), (0, 4, 0), (4, 0, 1)):
        _rejects(host, feeds(*bounds))


def test_constant_of_shape(build):
    s = helper.make_tensor_value_info("x", TP.INT64, [2])
    node = helper.make_node("ConstantOfShape", ["x"], ["y"],
                            value=helper.make_tensor("v", TP.FLOAT, [1], [2.5]))
    g = helper.make_graph([node], "g", [s], [helper.make_tensor_value_info("y", TP.FLOAT,
                                                                           [2, 3])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)])
    host = build(m)
    _check(m, host, dict(x=np.array([2, 3], I64)))
    _rejects(host, dict(x=np.array([3, 2], I64)))


def test_dropout_training_mode(build):
    m = _model("Dropout", [3, 4], [3, 4], [("ratio", TP.FLOAT, []), ("mode", TP.BOOL, [])],
               opset=13)
    host, x = build(m), _x([3, 4])
    for ratio, mode in ((0.5, False), (0.0, True)):
        _check(m, host, dict(x=x, ratio=np.array(ratio, np.float32), mode=np.array(mode)),
               oracle="reference")
    _rejects(host, dict(x=x, ratio=np.array(0.5, np.float32), mode=np.array(True)))


def test_split_sizes(build):
    x = helper.make_tensor_value_info("x", TP.FLOAT, [6, 2])
    s = helper.make_tensor_value_info("split", TP.INT64, [2])
    node = helper.make_node("Split", ["x", "split"], ["y0", "y1"], axis=0)
    g = helper.make_graph([node], "g", [x, s],
                          [helper.make_tensor_value_info("y0", TP.FLOAT, [2, 2]),
                           helper.make_tensor_value_info("y1", TP.FLOAT, [4, 2])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    host, xv = build(m), _x([6, 2])
    _check(m, host, dict(x=xv, split=np.array([2, 4], I64)))
    _rejects(host, dict(x=xv, split=np.array([3, 3], I64)))
