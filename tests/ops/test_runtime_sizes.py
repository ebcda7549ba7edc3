"""Sizes given at run time to the signal and image ops (window and AffineGrid sizes,
CenterCropPad's shape, Col2Im's image and block shapes, DFT's axis and length, STFT's
frame step and length, MelWeightMatrix's counts): the output shape is the one the graph
declares, every value consistent with it must match the onnx reference (including values
the shapes leave open, such as an rfft length of 2b - 2 or 2b - 1), and any other value
must return O2C_ERR_VALUE."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as TP
from onnx import helper

from tests.ops.test_runtime_shapes import _check, _rejects, _x

I64 = np.int64


def _model(op, inputs, y_shape, opset=20, y_type=TP.FLOAT, **attrs):
    """One node whose graph inputs are (name, elem type, shape), nothing constant; an
    input named "" is omitted."""
    node = helper.make_node(op, [n for n, _, _ in inputs], ["y"], **attrs)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info(*i) for i in inputs if i[0]],
        [helper.make_tensor_value_info("y", y_type, y_shape)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _ref(m, host, **feeds):
    _check(m, host, feeds, oracle="reference")


def test_window_size(build):
    m = _model("HannWindow", [("size", TP.INT32, [])], [10], opset=17, periodic=0)
    host = build(m)
    _ref(m, host, size=np.array(10, np.int32))
    for size in (9, 11, 0, -10):
        _rejects(host, {"size": np.array(size, np.int32)})


def test_affine_grid_size(build):
    m = _model("AffineGrid", [("theta", TP.FLOAT, [2, 2, 3]), ("size", TP.INT64, [4])],
               [2, 5, 6, 2])
    host, theta = build(m), _x([2, 2, 3])
    for size in ([2, 3, 5, 6], [2, 1, 5, 6]):      # the channel count shapes nothing
        _ref(m, host, theta=theta, size=np.array(size, I64))
    for size in ([2, 3, 5, 7], [1, 3, 5, 6], [2, 3, 6, 5]):
        _rejects(host, {"theta": theta, "size": np.array(size, I64)})


def test_center_crop_pad_shape(build):
    m = _model("CenterCropPad", [("x", TP.FLOAT, [20, 8, 3]), ("shape", TP.INT64, [2])],
               [10, 9, 3], opset=18, axes=[0, 1])
    host, x = build(m), _x([20, 8, 3])
    _ref(m, host, x=x, shape=np.array([10, 9], I64))
    for shape in ([10, 8], [9, 9], [9, 10]):
        _rejects(host, {"x": x, "shape": np.array(shape, I64)})


def test_col2im_block_shape(build):
    # a 5 x 5 image and 5 columns of 5 taps: blocks [1, 5] and [5, 1] both fit
    m = _model("Col2Im", [("x", TP.FLOAT, [1, 5, 5]), ("image", TP.INT64, [2]),
                          ("block", TP.INT64, [2])], [1, 1, 5, 5], opset=18)
    host, x = build(m), _x([1, 5, 5])
    for block in ([1, 5], [5, 1]):
        _ref(m, host, x=x, image=np.array([5, 5], I64), block=np.array(block, I64))
    for image, block in (([5, 5], [2, 2]), ([5, 5], [5, 5]), ([5, 6], [1, 5]),
                         ([6, 5], [5, 1])):
        _rejects(host, {"x": x, "image": np.array(image, I64), "block": np.array(block, I64)})


def test_dft_axis(build):
    m = _model("DFT", [("x", TP.FLOAT, [1, 6, 4, 1]), ("n", TP.INT64, []),
                       ("axis", TP.INT64, [])], [1, 6, 4, 2])
    host, x = build(m), _x([1, 6, 4, 1])
    for axis, n in ((1, 6), (-3, 6), (2, 4), (0, 1)):
        _ref(m, host, x=x, n=np.array(n, I64), axis=np.array(axis, I64))
    for axis, n in ((3, 6), (-1, 4), (4, 6), (1, 4), (2, 6)):
        _rejects(host, {"x": x, "n": np.array(n, I64), "axis": np.array(axis, I64)})


def test_rfft_length(build):
    m = _model("DFT", [("x", TP.FLOAT, [2, 10, 1]), ("n", TP.INT64, [])], [2, 6, 2],
               onesided=1)
    host, x = build(m), _x([2, 10, 1])
    for n in (10, 11):      # both give 6 bins: zero-padded or not
        _ref(m, host, x=x, n=np.array(n, I64))
    for n in (9, 12, 0, -10):
        _rejects(host, {"x": x, "n": np.array(n, I64)})


def test_stft_frame_step_and_length(build):
    m = _model("STFT", [("x", TP.FLOAT, [1, 128, 1]), ("step", TP.INT64, []),
                        ("", TP.FLOAT, []), ("length", TP.INT64, [])], [1, 15, 9, 2], opset=17)
    host, x = build(m), _x([1, 128, 1])
    feeds = lambda step, n: dict(x=x, step=np.array(step, I64), length=np.array(n, I64))  # noqa: E731
    _ref(m, host, **feeds(8, 16))
    # 17 samples also give 9 bins, but then only 14 frames
    for step, n in ((9, 16), (7, 16), (0, 16), (-8, 16), (8, 17), (8, 15), (8, 129)):
        _rejects(host, feeds(step, n))


def test_mel_weight_matrix_counts(build):
    m = _model("MelWeightMatrix", [("mels", TP.INT64, []), ("n", TP.INT64, []),
                                   ("rate", TP.INT64, []), ("lo", TP.FLOAT, []),
                                   ("hi", TP.FLOAT, [])], [9, 8], opset=17)
    host = build(m)

    def feeds(mels, n):
        return dict(mels=np.array(mels, I64), n=np.array(n, I64), rate=np.array(8192, I64),
                    lo=np.array(0, np.float32), hi=np.array(4096, np.float32))
    for n in (16, 17):
        _ref(m, host, **feeds(8, n))
    for mels, n in ((7, 16), (8, 18), (8, 15)):
        _rejects(host, feeds(mels, n))
