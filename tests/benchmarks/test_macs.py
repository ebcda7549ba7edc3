"""MAC counts of small graphs, each worked out by hand from the operator's definition."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP

from benchmarks.macs import model_macs
from tests.conftest import graph_model, one_node_model

F, U8 = TP.FLOAT, TP.UINT8


def _weights(*shape):
    return np.ones(shape, np.float32)


CASES = [
    # 4 output channels x 8 x 8 positions (pads keep 8 x 8), each 3 channels x 3 x 3 taps
    ("conv", one_node_model("Conv", [("x", F, [1, 3, 8, 8]), ("w", F, [4, 3, 3, 3])],
                            [("y", F, None)], 17, inits=[("w", _weights(4, 3, 3, 3))],
                            pads=[1, 1, 1, 1]), 4 * 8 * 8 * (3 * 3 * 3)),
    # depthwise, stride 2 over 9 x 9 without padding: 4 x 4 positions, 1 channel x 9 taps
    ("depthwise", one_node_model("Conv", [("x", F, [1, 4, 9, 9]), ("w", F, [4, 1, 3, 3])],
                                 [("y", F, None)], 17, inits=[("w", _weights(4, 1, 3, 3))],
                                 group=4, strides=[2, 2]), 4 * 4 * 4 * 9),
    # 2 groups: 6 output channels at 3 x 3 positions, each sees 2 of the 4 input channels
    ("grouped", one_node_model("Conv", [("x", F, [1, 4, 5, 5]), ("w", F, [6, 2, 3, 3])],
                               [("y", F, None)], 17, inits=[("w", _weights(6, 2, 3, 3))],
                               group=2), 6 * 3 * 3 * (2 * 9)),
    # every one of the 2 x 3 x 3 input elements is scattered into 4 channels x 9 taps
    ("conv_transpose", one_node_model(
        "ConvTranspose", [("x", F, [1, 2, 3, 3]), ("w", F, [2, 4, 3, 3])], [("y", F, None)],
        17, inits=[("w", _weights(2, 4, 3, 3))]), 2 * 3 * 3 * (4 * 9)),
    # A is stored 5 x 2 and transposed: M = 2, K = 5, N = 3
    ("gemm_transA", one_node_model("Gemm", [("a", F, [5, 2]), ("b", F, [5, 3])],
                                   [("y", F, None)], 17, inits=[("b", _weights(5, 3))],
                                   transA=1), 2 * 3 * 5),
    # 2 batches of (3 x 4) @ (4 x 5)
    ("matmul_batched", one_node_model("MatMul", [("a", F, [2, 3, 4]), ("b", F, [4, 5])],
                                      [("y", F, None)], 17, inits=[("b", _weights(4, 5))]),
     2 * 3 * 5 * 4),
    # 3 steps x 2 sequences, both directions: 4 gates x 5 hidden, each over 4 inputs + 5 hidden
    ("lstm_bidirectional", one_node_model(
        "LSTM", [("x", F, [3, 2, 4]), ("w", F, [2, 20, 4]), ("r", F, [2, 20, 5])],
        [("y", F, None)], 17, inits=[("w", _weights(2, 20, 4)), ("r", _weights(2, 20, 5))],
        hidden_size=5, direction="bidirectional"), 3 * 2 * 2 * (4 * 5) * (4 + 5)),
    ("einsum", one_node_model("Einsum", [("a", F, [2, 3, 4]), ("b", F, [2, 4, 5])],
                              [("y", F, None)], 17, equation="bij,bjk->bik"), 2 * 3 * 4 * 5),
]


def _qlinear_conv():
    scalars = [("xs", np.float32(0.1)), ("xz", np.uint8(128)), ("ws", np.float32(0.2)),
               ("wz", np.uint8(0)), ("ys", np.float32(0.3)), ("yz", np.uint8(10)),
               ("w", np.ones((3, 2, 2, 2), np.uint8))]
    return one_node_model("QLinearConv", [("x", U8, [1, 2, 4, 4]), ("xs", F, []), ("xz", U8, []),
                                          ("w", U8, [3, 2, 2, 2]), ("ws", F, []), ("wz", U8, []),
                                          ("ys", F, []), ("yz", U8, [])],
                          [("y", U8, None)], 10, inits=scalars)


CASES.append(("qlinear_conv", _qlinear_conv(), 3 * 3 * 3 * (2 * 2 * 2)))


@pytest.mark.parametrize("model, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_node(model, expected):
    assert model_macs(model) == expected


def test_graph_sums_its_nodes_and_skips_elementwise():
    from onnx import helper
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "g"], ["y"], transB=1)]
    model = graph_model(nodes, [("x", F, [1, 1, 4, 4])], [("y", F, [1, 3])],
                        inits=[("w", _weights(2, 1, 3, 3)), ("g", _weights(3, 8))])
    # Conv: 2 channels x 2 x 2 positions x 9 taps; Gemm: 3 outputs x 8 inputs
    assert model_macs(model) == 2 * 2 * 2 * 9 + 3 * 8


def test_dynamic_quantize_lstm_counts_like_lstm():
    """quantize_dynamic's com.microsoft DynamicQuantizeLSTM (W and R stored transposed):
    the repo's keyword LSTM runs 20 steps of 1 sequence, 4 gates x 32 hidden over 16
    inputs + 32 hidden."""
    from pathlib import Path

    from benchmarks.macs import by_op
    from onnx2c.frontend import load_graph
    model = Path(__file__).resolve().parents[1] / "models" / "quant" / "lstm_ts_dyn.onnx"
    assert by_op(load_graph(model))["DynamicQuantizeLSTM"] == 20 * 1 * (4 * 32) * (16 + 32)
