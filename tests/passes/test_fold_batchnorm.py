"""BatchNormalization folded into the Conv, ConvTranspose or Gemm before it
(passes/fold_batchnorm.py): the BN node disappears where it may, and the compiled model
still matches onnxruntime (which runs the BN unfolded)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from tests.conftest import check_against_ort, graph_model

rng = np.random.default_rng(3)
N = helper.make_node


def _bn_inits(c: int, prefix="bn"):
    return [(f"{prefix}_s", rng.uniform(0.5, 2, c).astype(np.float32)),
            (f"{prefix}_b", rng.standard_normal(c).astype(np.float32)),
            (f"{prefix}_m", rng.standard_normal(c).astype(np.float32)),
            (f"{prefix}_v", rng.uniform(0.1, 3, c).astype(np.float32))]


def _bn(src: str, dst: str, prefix="bn"):
    return N("BatchNormalization", [src] + [f"{prefix}_{k}" for k in "sbmv"], [dst],
             epsilon=1e-3)


def _w(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _conv_bn(bias: bool, group: int = 1):
    inits = [("w", _w(8, 4 // group, 3, 3))] + ([("cb", _w(8))] if bias else []) + _bn_inits(8)
    conv = N("Conv", ["x", "w"] + (["cb"] if bias else []), ["h"], pads=[1, 1, 1, 1],
             group=group)
    return graph_model([conv, _bn("h", "y")], [("x", TP.FLOAT, [1, 4, 6, 5])],
                       [("y", TP.FLOAT, [1, 8, 6, 5])], 17, inits)


def _ops(model) -> list[str]:
    return [n.op_type for n in onnx2c.build(model, "m").graph.nodes]


@pytest.mark.parametrize("bias, group", [(True, 1), (False, 1), (True, 2)])
def test_conv_bn_folds(bias, group, tmp_path):
    m = _conv_bn(bias, group)
    assert _ops(m) == ["Conv"]
    check_against_ort(m, tmp_path)


def test_conv_transpose_bn_folds(tmp_path):
    inits = [("w", _w(4, 3, 2, 2)), ("cb", _w(6))] + _bn_inits(6)
    nodes = [N("ConvTranspose", ["x", "w", "cb"], ["h"], strides=[2, 2], group=2),
             _bn("h", "y")]
    m = graph_model(nodes, [("x", TP.FLOAT, [1, 4, 3, 3])], [("y", TP.FLOAT, [1, 6, 6, 6])],
                    17, inits)
    assert _ops(m) == ["ConvTranspose"]
    check_against_ort(m, tmp_path)


@pytest.mark.parametrize("trans_b, c_shape, beta", [(0, None, 1.0), (1, (5,), 0.5),
                                                    (0, (3, 5), 2.0)])
def test_gemm_bn_folds(trans_b, c_shape, beta, tmp_path):
    inits = [("b", _w(5, 4) if trans_b else _w(4, 5))] + _bn_inits(5)
    if c_shape:
        inits.append(("c", _w(*c_shape)))
    nodes = [N("Gemm", ["a", "b"] + (["c"] if c_shape else []), ["h"], transB=trans_b,
               alpha=1.5, beta=beta), _bn("h", "y")]
    m = graph_model(nodes, [("a", TP.FLOAT, [3, 4])], [("y", TP.FLOAT, [3, 5])], 17, inits)
    assert _ops(m) == ["Gemm"]
    check_against_ort(m, tmp_path)


def test_bn_with_run_time_statistics_stays(tmp_path):
    inits = [("w", _w(8, 4, 1, 1))] + _bn_inits(8)[1:]
    nodes = [N("Conv", ["x", "w"], ["h"]), _bn("h", "y")]
    m = graph_model(nodes, [("x", TP.FLOAT, [1, 4, 3, 3]), ("bn_s", TP.FLOAT, [8])],
                    [("y", TP.FLOAT, [1, 8, 3, 3])], 17, inits)
    assert "BatchNormalization" in _ops(m)
    check_against_ort(m, tmp_path)


def test_conv_output_read_elsewhere_keeps_the_bn(tmp_path):
    inits = [("w", _w(8, 4, 1, 1))] + _bn_inits(8)
    nodes = [N("Conv", ["x", "w"], ["h"]), _bn("h", "y")]
    m = graph_model(nodes, [("x", TP.FLOAT, [1, 4, 3, 3])],
                    [("y", TP.FLOAT, [1, 8, 3, 3]), ("h", TP.FLOAT, [1, 8, 3, 3])], 17, inits)
    assert "BatchNormalization" in _ops(m)
    check_against_ort(m, tmp_path)
