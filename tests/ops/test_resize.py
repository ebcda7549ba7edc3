"""Resize, Upsample, DepthToSpace and SpaceToDepth: the generated C against onnxruntime on
opsets, dtypes and attribute combinations the ONNX node tests leave out."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onnx2c
from tests.conftest import check_against_ort, run_and_compare, strict_compile


def _model(op, dtype, shape, opset, inputs=(), **attrs):
    """X, then `inputs` in order: (name, array) an initializer, (name, (elem, shape)) a graph
    input, ('', None) an omitted input."""
    names, inits, ins = ["X"], [], [helper.make_tensor_value_info("X", dtype, shape)]
    for name, value in inputs:
        names.append(name)
        if isinstance(value, tuple):
            ins.append(helper.make_tensor_value_info(name, *value))
        elif name:
            inits.append(numpy_helper.from_array(np.asarray(value), name))
    node = helper.make_node(op, names, ["Y"], **attrs)
    graph = helper.make_graph([node], op.lower(), ins,
                              [helper.make_tensor_value_info("Y", dtype, None)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def f32(*v):
    return np.array(v, np.float32)


def i64(*v):
    return np.array(v, np.int64)


EMPTY = np.zeros(0, np.float32)

CASES = [
    # opset 10: asymmetric; nearest floors when upsampling and ceils when shrinking
    (10, TP.FLOAT, [1, 2, 5, 7], [("scales", f32(1, 1, 1.6, 2.5))], dict(mode="nearest")),
    (10, TP.FLOAT, [1, 2, 6, 7], [("scales", f32(1, 1, 0.5, 0.6))], dict(mode="nearest")),
    (10, TP.FLOAT, [1, 2, 5, 7], [("scales", f32(1, 1, 2.0, 0.7))], dict(mode="linear")),
    # opset 11/13: a roi that is ignored, sizes instead of empty scales
    (11, TP.FLOAT, [1, 1, 6, 5], [("roi", EMPTY), ("scales", EMPTY), ("sizes", i64(1, 1, 4, 9))],
     dict(mode="cubic", exclude_outside=1, coordinate_transformation_mode="pytorch_half_pixel")),
    (11, TP.FLOAT, [1, 2, 3, 4], [("roi", EMPTY), ("scales", f32(1, 1, 2.5, 1.5))],
     dict(mode="nearest", coordinate_transformation_mode="tf_half_pixel_for_nn")),
    (13, TP.FLOAT, [2, 3, 4, 6], [("", None), ("scales", f32(1, 1, 0.75, 0.5))],
     dict(mode="linear", coordinate_transformation_mode="align_corners")),
    (13, TP.FLOAT, [1, 3, 4, 5], [("", None), ("", None), ("sizes", i64(1, 3, 7, 3))],
     dict(mode="nearest", coordinate_transformation_mode="half_pixel",
          nearest_mode="round_prefer_ceil")),
    (13, TP.FLOAT, [4, 5, 6], [("", None), ("scales", f32(1, 1.5, 0.5))],
     dict(mode="linear")),                                      # 3-D: two resized axes
    # dtypes
    (13, TP.FLOAT16, [1, 2, 5, 6], [("", None), ("scales", f32(1, 1, 1.5, 2))],
     dict(mode="linear")),
    (13, TP.DOUBLE, [1, 1, 5, 6], [("", None), ("scales", f32(1, 1, 1.5, 0.8))],
     dict(mode="cubic")),
    (13, TP.INT8, [1, 2, 3, 4], [("", None), ("scales", f32(1, 1, 2, 3))],
     dict(mode="nearest")),
    (13, TP.INT64, [1, 2, 3, 4], [("", None), ("scales", f32(1, 1, 3, 0.5))],
     dict(mode="nearest", nearest_mode="floor", coordinate_transformation_mode="asymmetric")),
    (13, TP.UINT8, [1, 2, 5, 6], [("", None), ("scales", f32(1, 1, 1.5, 0.6))],
     dict(mode="linear")),
    (13, TP.INT32, [1, 2, 3, 4], [("", None), ("scales", f32(1, 1, 2, 2))],
     dict(mode="nearest", nearest_mode="ceil")),
    # opset 18/19: axes, keep_aspect_ratio_policy, antialias
    (18, TP.FLOAT, [1, 2, 9, 8], [("", None), ("scales", f32(0.4, 0.6))],
     dict(mode="linear", antialias=1, axes=[3, 2])),
    (18, TP.FLOAT, [1, 2, 9, 8], [("", None), ("", None), ("sizes", i64(4, 3))],
     dict(mode="cubic", antialias=1, axes=[2, 3], cubic_coeff_a=-0.5)),
    (19, TP.FLOAT, [1, 2, 5, 8], [("", None), ("", None), ("sizes", i64(7, 7))],
     dict(mode="linear", axes=[2, 3], keep_aspect_ratio_policy="not_larger",
          coordinate_transformation_mode="half_pixel_symmetric")),
    (19, TP.FLOAT, [1, 2, 5, 8], [("", None), ("", None), ("sizes", i64(7, 7))],
     dict(mode="nearest", axes=[2, 3], keep_aspect_ratio_policy="not_smaller")),
    (19, TP.FLOAT, [1, 2, 3, 4], [("", None), ("scales", f32(1, 1, 1, 1))],
     dict(mode="linear")),                                      # identity on every axis
]


# onnxruntime's Resize lacks double and int64, and its uint8 linear path truncates where the
# reference (and onnx2c) round half to even
NO_ORT = {TP.DOUBLE, TP.INT64, TP.UINT8}


@pytest.mark.parametrize("opset, dtype, shape, inputs, attrs", CASES, ids=lambda v: str(v))
def test_resize(opset, dtype, shape, inputs, attrs, tmp_path):
    m = _model("Resize", dtype, shape, opset, inputs, **attrs)
    run_and_compare(m, None, tmp_path, "ref" if dtype in NO_ORT else "ort")


@pytest.mark.parametrize("extrapolation", [0.0, -3.5])
def test_crop_and_resize_roi_at_run_time(extrapolation, tmp_path):
    m = _model("Resize", TP.FLOAT, [1, 2, 6, 7], 13,
               [("roi", (TP.FLOAT, [8])), ("", None), ("sizes", i64(1, 2, 4, 5))], mode="linear",
               coordinate_transformation_mode="tf_crop_and_resize",
               extrapolation_value=extrapolation)
    x = np.random.default_rng(1).standard_normal((1, 2, 6, 7)).astype(np.float32)
    for roi in (f32(0, 0, 0.2, -0.1, 1, 1, 0.9, 0.6), f32(0, 0, -0.3, 0.5, 1, 1, 1.2, 1.4)):
        check_against_ort(m, tmp_path / str(roi[2]), feeds={"X": x, "roi": roi})


@pytest.mark.parametrize("opset, attrs, scales", [
    (7, dict(mode="nearest", scales=[1.0, 1.0, 2.0, 3.0]), None),
    (7, dict(mode="linear", scales=[1.0, 1.0, 2.5, 1.5]), None),
    (9, dict(mode="linear"), f32(1, 1, 2, 1.5)),
])
def test_upsample(opset, attrs, scales, tmp_path):
    consts = [("scales", scales)] if scales is not None else []
    check_against_ort(_model("Upsample", TP.FLOAT, [1, 2, 3, 4], opset, consts, **attrs),
                      tmp_path)


@pytest.mark.parametrize("op, mode, dtype", [
    ("DepthToSpace", "DCR", TP.INT8), ("DepthToSpace", "CRD", TP.FLOAT16),
    ("SpaceToDepth", "DCR", TP.INT64), ("SpaceToDepth", "DCR", TP.FLOAT16),
])
def test_depth_space(op, mode, dtype, tmp_path):
    shape = [2, 12, 2, 3] if op == "DepthToSpace" else [2, 3, 4, 6]
    attrs = dict(blocksize=2, **({"mode": mode} if op == "DepthToSpace" else {}))
    m = _model(op, dtype, shape, 13, **attrs)
    run_and_compare(m, None, tmp_path, "ref" if dtype == TP.INT64 else "ort")


def test_strict_compilers(cc, tmp_path):
    m = _model("Resize", TP.UINT8, [1, 3, 5, 6], 18, [("", None), ("scales", f32(0.5, 0.7))],
               mode="cubic", antialias=1, axes=[2, 3])
    onnx2c.compile(m, tmp_path / "src")
    strict_compile(cc, tmp_path / "src", tmp_path)
