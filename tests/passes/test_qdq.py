"""passes/qdq.py: which DequantizeLinear -> op -> QuantizeLinear groups become integer
operators. The oracle for whole models is onnxruntime's own fusion (its optimised graph
with int8 QDQ allowed, as on ARM); small graphs check the rules' conditions one by one."""
from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.frontend import load_graph
from onnx2c.passes.dce import remove_dead_code
from onnx2c.passes.qdq import fuse_qdq
from tests.conftest import graph_model

QUANT = Path(__file__).resolve().parents[1] / "models" / "quant"
QDQ_MODELS = sorted(p.stem for p in QUANT.glob("*_qdq_*.onnx"))
INTEGER_OPS = {"QLinearConv", "QLinearMatMul", "QGemm", "QLinearAdd", "QLinearMul",
               "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "QLinearAveragePool",
               "QLinearGlobalAveragePool", "QLinearConcat", "MatMulIntegerToFloat"}


def _fused(model):
    """(integer op counts, nodes left in float, the graph) after the pass."""
    g = load_graph(model)
    remove_dead_code(g)
    left = fuse_qdq(g)
    return collections.Counter(n.op_type for n in g.nodes if n.op_type in INTEGER_OPS), \
        left, g


def _onnxruntime_fused(path: Path, tmp_path: Path) -> collections.Counter:
    import onnx
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.qdqisint8allowed", "1")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    nodes = onnx.load(opts.optimized_model_filepath).graph.node
    return collections.Counter(n.op_type for n in nodes if n.op_type in INTEGER_OPS)


@pytest.mark.parametrize("name", QDQ_MODELS)
def test_fuses_the_groups_onnxruntime_fuses(name, tmp_path):
    ours, _, _ = _fused(QUANT / f"{name}.onnx")
    assert ours == _onnxruntime_fused(QUANT / f"{name}.onnx", tmp_path)


# -- small graphs ---------------------------------------------------------------------

def _q(name, out, scale, zero):
    return helper.make_node("QuantizeLinear", [name, scale, zero], [out])


def _dq(name, out, scale, zero):
    return helper.make_node("DequantizeLinear", [name, scale, zero], [out])


def _around(op_nodes, x_shape, y_shape, consts, out_scale="s", out_zero="z"):
    """x (int8) -> DQ -> op_nodes (reading 'xf', writing 'yf') -> Q -> y (int8)."""
    nodes = [_dq("x", "xf", "s", "z")] + op_nodes + [_q("yf", "y", out_scale, out_zero)]
    inits = [("s", np.float32(0.05)), ("z", np.int8(3))] + consts
    return graph_model(nodes, [("x", TP.INT8, x_shape)], [("y", TP.INT8, y_shape)], 19, inits)


def test_conv_group_becomes_qlinearconv_with_the_weight_kept_in_int8():
    w = np.arange(-27, 27, dtype=np.int8).reshape(2, 3, 3, 3)
    m = _around([_dq("w", "wf", "sw", "zw"),
                 helper.make_node("Conv", ["xf", "wf"], ["yf"], pads=[1, 1, 1, 1])],
                (1, 3, 5, 5), (1, 2, 5, 5),
                [("w", w), ("sw", np.float32(0.01)), ("zw", np.int8(0))])
    counts, left, g = _fused(m)
    assert counts == {"QLinearConv": 1} and not left
    conv = next(n for n in g.nodes if n.op_type == "QLinearConv")
    assert np.array_equal(g.values[conv.inputs[3]].data, w)
    assert [n.op_type for n in g.nodes] == ["QLinearConv"]


@pytest.mark.parametrize("mode, fused", [("nearest", True), ("linear", False)])
def test_resize_runs_on_the_integers_only_when_nearest(mode, fused):
    m = _around([helper.make_node("Resize", ["xf", "", "scales"], ["yf"], mode=mode)],
                (1, 2, 3, 3), (1, 2, 6, 6),
                [("scales", np.array([1, 1, 2, 2], np.float32))])
    _, left, g = _fused(m)
    ops = [n.op_type for n in g.nodes]
    if fused:
        assert ops == ["Resize"] and not left
    else:
        assert ops == ["DequantizeLinear", "Resize", "QuantizeLinear"]
        assert "float" in onnx2c_reason(m, "Resize")


def onnx2c_reason(model, op_type: str) -> str:
    g = load_graph(model)
    remove_dead_code(g)
    return next(why for n, why in fuse_qdq(g) if n.op_type == op_type)


def test_maxpool_with_a_negative_scale_stays_in_float():
    pool = helper.make_node("MaxPool", ["xf"], ["yf"], kernel_shape=[2, 2])
    m = _around([pool], (1, 1, 4, 4), (1, 1, 3, 3), [("sn", np.float32(-0.05))], "sn")
    m.graph.node[0].input[1] = "sn"         # DQ and Q agree, both negative
    assert "non-positive" in onnx2c_reason(m, "MaxPool")


def test_reshape_between_different_parameters_stays_in_float():
    reshape = helper.make_node("Reshape", ["xf", "shape"], ["yf"])
    m = _around([reshape], (1, 6), (2, 3), [("shape", np.array([2, 3], np.int64)),
                                            ("s2", np.float32(0.1))], "s2")
    assert "equal parameters" in onnx2c_reason(m, "Reshape")


def test_float_op_reads_its_weight_as_a_float_constant():
    """LayerNormalization has no integer kernel: its dequantized scale becomes a float
    constant in flash, no DequantizeLinear left to run."""
    gamma = np.array([3, -7, 11, 20], np.int8)
    m = _around([_dq("gamma", "gf", "sg", "zg"),
                 helper.make_node("LayerNormalization", ["xf", "gf"], ["yf"])],
                (2, 4), (2, 4), [("gamma", gamma), ("sg", np.float32(0.25)),
                                 ("zg", np.int8(1))])
    _, left, g = _fused(m)
    assert [n.op_type for n, _ in left] == ["LayerNormalization"]
    norm = next(n for n in g.nodes if n.op_type == "LayerNormalization")
    assert np.array_equal(g.values[norm.inputs[1]].data,
                          (gamma.astype(np.float32) - 1) * np.float32(0.25))
    assert sum(n.op_type == "DequantizeLinear" for n in g.nodes) == 1     # x's


def test_float_model_is_untouched():
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [("x", TP.FLOAT, (3,))],
                    [("y", TP.FLOAT, (3,))])
    counts, left, g = _fused(m)
    assert not counts and not left and [n.op_type for n in g.nodes] == ["Relu"]
