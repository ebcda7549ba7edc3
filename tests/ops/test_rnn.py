"""LSTM, GRU and RNN: the generated C against onnxruntime on what the ONNX node tests leave
out (sequence_lens, initial states, clip, activations with parameters, layout 1, double,
partial outputs) and the run-time check of sequence_lens."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.harness import build_host
from onnx2c.harness.verify import compare
from tests.conftest import check_against_ort, strict_compile

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
T, B, I, H = 5, 3, 4, 3


def _model(op, direction="forward", layout=0, dtype=TP.FLOAT, inputs=None, outputs=None,
           **attrs):
    """One recurrent node; `inputs` names the optional inputs to wire ('' omits one)."""
    d, g = (2 if direction == "bidirectional" else 1), GATES[op]
    state = [B, d, H] if layout else [d, B, H]
    shapes = {"X": [B, T, I] if layout else [T, B, I], "W": [d, g * H, I], "R": [d, g * H, H],
              "B": [d, 2 * g * H], "sequence_lens": [B], "initial_h": state,
              "initial_c": state, "P": [d, 3 * H]}
    names = ["X", "W", "R"] + list(inputs if inputs is not None else
                                   ["B", "sequence_lens", "initial_h", "initial_c", "P"]
                                   [:3 if op != "LSTM" else 5])
    outs = outputs or (["Y", "Y_h", "Y_c"] if op == "LSTM" else ["Y", "Y_h"])
    node = helper.make_node(op, names, outs, hidden_size=H, direction=direction,
                            **({"layout": layout} if layout else {}), **attrs)
    ins = [helper.make_tensor_value_info(n, TP.INT32 if n == "sequence_lens" else dtype,
                                         shapes[n]) for n in names if n]
    graph = helper.make_graph([node], op.lower(), ins,
                              [helper.make_tensor_value_info(o, dtype, None) for o in outs if o])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def _feeds(m, lens, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for vi in m.graph.input:
        shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        np_type = helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type)
        feeds[vi.name] = np.array(lens, np.int32) if vi.name == "sequence_lens" else \
            rng.standard_normal(shape).astype(np_type)
    return feeds


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("op", ["LSTM", "GRU", "RNN"])
def test_every_input(op, direction, tmp_path):
    """Biases, initial states, peepholes and ragged sequence_lens, one of them empty."""
    m = _model(op, direction)
    check_against_ort(m, tmp_path, feeds=_feeds(m, [T, 0, 2]))


ATTRS = [
    ("LSTM", "bidirectional", dict(clip=0.5, input_forget=1)),
    ("LSTM", "bidirectional", dict(
        activations=["HardSigmoid", "LeakyRelu", "ScaledTanh", "Sigmoid", "Tanh", "Softsign"],
        activation_alpha=[0.3, 0.05, 1.5], activation_beta=[0.4, 0.7])),
    ("GRU", "bidirectional", dict(linear_before_reset=1, clip=1.0)),
    ("GRU", "forward", dict(activations=["Elu", "ThresholdedRelu"], activation_alpha=[0.8, 0.5])),
    ("RNN", "bidirectional", dict(activations=["Relu", "Affine"], activation_alpha=[0.5],
                                  activation_beta=[0.25])),
    ("RNN", "reverse", dict(activations=["Softplus"], clip=2.0)),
]


@pytest.mark.parametrize("op, direction, attrs", ATTRS, ids=lambda v: str(v))
def test_attributes(op, direction, attrs, tmp_path):
    m = _model(op, direction, **attrs)
    check_against_ort(m, tmp_path, feeds=_feeds(m, [4, T, 1]))


@pytest.mark.parametrize("op", ["LSTM", "GRU", "RNN"])
def test_double(op, tmp_path):
    """onnxruntime lacks double: compare with its float run on the same (float) values."""
    m32, m64 = _model(op, "bidirectional"), _model(op, "bidirectional", dtype=TP.DOUBLE)
    feeds = _feeds(m32, [T, 2, 3])
    want = ort.InferenceSession(m32.SerializeToString(), providers=["CPUExecutionProvider"]) \
        .run(None, feeds)
    host = build_host(onnx2c.compile(m64, tmp_path / "src"), tmp_path / "build")
    status, got = host.run({k: v.astype(np.float64) if v.dtype == np.float32 else v
                            for k, v in feeds.items()})
    assert status == 0
    for g, w in zip(got, want):
        assert g.dtype == np.float64 and compare(g, w, 1e-4, 1e-6)[0]


@pytest.mark.parametrize("op, inputs, outputs", [
    ("LSTM", ["", "", "initial_h"], ["", "Y_h"]),
    ("LSTM", ["B", "", "", "initial_c"], ["", "", "Y_c"]),
    ("GRU", ["", "sequence_lens"], ["Y"]),
    ("RNN", ["B", "", "initial_h"], ["", "Y_h"]),
])
def test_optional_inputs_outputs(op, inputs, outputs, tmp_path):
    m = _model(op, "bidirectional", inputs=inputs, outputs=outputs)
    check_against_ort(m, tmp_path, feeds=_feeds(m, [2, T, 0]))


@pytest.mark.parametrize("op", ["LSTM", "GRU", "RNN"])
def test_layout_1(op, tmp_path):
    """onnxruntime lacks layout 1: compare with the layout-0 model on transposed data."""
    m1, m0 = _model(op, "bidirectional", layout=1), _model(op, "bidirectional")
    feeds = _feeds(m1, [T, 1, 3])
    swap = {"X": (1, 0, 2), "initial_h": (1, 0, 2), "initial_c": (1, 0, 2)}
    feeds0 = {k: np.ascontiguousarray(v.transpose(swap[k])) if k in swap else v
              for k, v in feeds.items()}
    want = ort.InferenceSession(m0.SerializeToString(), providers=["CPUExecutionProvider"]) \
        .run(None, feeds0)
    want = [want[0].transpose(2, 0, 1, 3)] + [w.transpose(1, 0, 2) for w in want[1:]]
    host = build_host(onnx2c.compile(m1, tmp_path / "src"), tmp_path / "build")
    status, got = host.run(feeds)
    assert status == 0
    for g, w in zip(got, want):
        assert compare(g, w, 1e-3, 1e-5)[0]


@pytest.mark.parametrize("lens", [[T, T + 1, 0], [-1, 2, 2]])
def test_sequence_lens_out_of_range(lens, tmp_path):
    m = _model("GRU", "reverse")
    host = build_host(onnx2c.compile(m, tmp_path / "src"), tmp_path / "build")
    status, _ = host.run(_feeds(m, lens))
    assert status == -2        # O2C_ERR_VALUE


def test_strict_compilers(cc, tmp_path):
    m = _model("LSTM", "bidirectional", clip=3.0,
               activations=["Sigmoid", "Tanh", "Tanh", "HardSigmoid", "Elu", "Relu"])
    onnx2c.compile(m, tmp_path / "src")
    strict_compile(cc, tmp_path / "src", tmp_path)


def _frozen_weights(m, seed=1):
    """m with W and R (and B) as initializers: the kernel packs them at compile time."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    rng = np.random.default_rng(seed)
    for vi in [vi for vi in m.graph.input if vi.name in ("W", "R", "B")]:
        shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        m.graph.initializer.append(onnx.numpy_helper.from_array(
            rng.standard_normal(shape).astype(np.float32), vi.name))
        m.graph.input.remove(vi)
    return m


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
@pytest.mark.parametrize("op, attrs", [("LSTM", {}), ("GRU", {}),
                                       ("GRU", dict(linear_before_reset=1)), ("RNN", {})])
def test_constant_weights_are_packed(op, attrs, direction, tmp_path):
    """The gate products on packed weights (hidden size 3: one partial 16-column panel)."""
    m = _frozen_weights(_model(op, direction, **attrs))
    check_against_ort(m, tmp_path, feeds=_feeds(m, [T, 0, 2]))
    assert "o2c_gemm_packed_b_f32" in (tmp_path / "src" / "model.c").read_text()


def test_stacked_layers_run_in_place(tmp_path):
    """A second GRU layer with as many inputs as hidden units writes Y over its input."""
    hidden = 20
    rng = np.random.default_rng(4)
    nodes, inits, prev = [], [], "x"
    for k, size in enumerate((6, hidden)):
        inits += [onnx.numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
                  for n, s in ((f"W{k}", [1, 3 * hidden, size]), (f"R{k}", [1, 3 * hidden, hidden]),
                               (f"B{k}", [1, 6 * hidden]))]
        nodes += [helper.make_node("GRU", [prev, f"W{k}", f"R{k}", f"B{k}"], [f"y{k}"],
                                   hidden_size=hidden),
                  helper.make_node("Squeeze", [f"y{k}", "axis"], [f"s{k}"])]
        prev = f"s{k}"
    nodes.append(helper.make_node("Tanh", [prev], ["out"]))
    inits.append(onnx.numpy_helper.from_array(np.array([1], np.int64), "axis"))
    graph = helper.make_graph(nodes, "gru2", [helper.make_tensor_value_info("x", TP.FLOAT,
                                                                             [7, 1, 6])],
                              [helper.make_tensor_value_info("out", TP.FLOAT, [7, 1, hidden])],
                              inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    r = check_against_ort(m, tmp_path)
    assert r.plan.root("y1") == r.plan.root("s0")
