"""Activations and residual Adds absorbed into the float32 products before them
(passes/fuse_epilogue.py): what fuses into what, what must not, and the compiled results
against onnxruntime on every kernel path the epilogue reaches (im2col GEMM, pointwise
band, depthwise, ConvTranspose, packed and generic MatMul/Gemm)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.passes.fuse_epilogue import fused_label
from tests.conftest import check_against_ort, graph_model

rng = np.random.default_rng(5)
N = helper.make_node
X = ("x", TP.FLOAT, [1, 8, 7, 6])


def _w(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _labels(model) -> list[str]:
    return [fused_label(n) for n in onnx2c.build(model, "m").graph.nodes]


def _conv(kind: str, src="x", dst="h"):
    """A conv of `kind` from 8 channels to 8, its weights and bias."""
    w = {"im2col": (8, 8, 3, 3), "band": (8, 8, 1, 1), "depthwise": (8, 1, 3, 3)}[kind]
    attrs = dict(pads=[1, 1, 1, 1]) if kind != "band" else {}
    if kind == "depthwise":
        attrs["group"] = 8
    return N("Conv", [src, f"w_{dst}", f"b_{dst}"], [dst], **attrs), \
        [(f"w_{dst}", _w(*w)), (f"b_{dst}", _w(8))]


ACTIVATIONS = {   # name -> (nodes from h to y, initializers, label)
    "relu": ([N("Relu", ["h"], ["y"])], [], "Relu"),
    "relu6": ([N("Clip", ["h", "lo", "hi"], ["y"])],
              [("lo", np.float32(0)), ("hi", np.float32(6))], "Clip"),
    "leaky": ([N("LeakyRelu", ["h"], ["y"], alpha=0.2)], [], "LeakyRelu"),
    "sigmoid": ([N("Sigmoid", ["h"], ["y"])], [], "Sigmoid"),
    "hardswish": ([N("HardSwish", ["h"], ["y"])], [], "HardSwish"),
    "silu": ([N("Sigmoid", ["h"], ["s"]), N("Mul", ["h", "s"], ["y"])], [], "SiLU"),
}


@pytest.mark.parametrize("kind", ["im2col", "band", "depthwise"])
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_conv_activation_fuses(kind, act, tmp_path):
    conv, inits = _conv(kind)
    nodes, more, label = ACTIVATIONS[act]
    m = graph_model([conv] + nodes, [X], [("y", TP.FLOAT, X[2])], 17, inits + more)
    assert _labels(m) == [f"Conv+{label}"]
    check_against_ort(m, tmp_path)


@pytest.mark.parametrize("kind", ["im2col", "band", "depthwise"])
@pytest.mark.parametrize("first", [True, False], ids=["add-then-relu", "relu-then-add"])
def test_conv_residual_add_fuses(kind, first, tmp_path):
    """A ResNet block's tail: the second conv absorbs the skip Add and the ReLU."""
    c1, i1 = _conv("im2col", "x", "a")
    c2, i2 = _conv(kind, "a", "h")
    tail = [N("Add", ["h", "x0"], ["s"]), N("Relu", ["s"], ["y"])] if first else \
        [N("Relu", ["h"], ["r"]), N("Add", ["x0", "r"], ["y"])]
    nodes = [N("Relu", ["x"], ["x0"]), c1, c2] + tail
    m = graph_model(nodes, [X], [("y", TP.FLOAT, X[2])], 17, i1 + i2)
    label = "Conv+Add+Relu" if first else "Conv+Relu+Add"
    assert _labels(m) == ["Relu", "Conv", label]
    check_against_ort(m, tmp_path)


def test_residual_written_in_place_saves_a_tensor():
    """The fused conv writes its output over the skip tensor, which dies there."""
    c1, i1 = _conv("im2col", "x0", "a")
    c2, i2 = _conv("im2col", "a", "h")
    nodes = [N("Relu", ["x"], ["x0"]), c1, c2, N("Add", ["h", "x0"], ["s"]),
             N("Relu", ["s"], ["r"]), N("Sigmoid", ["r"], ["y"])]
    m = graph_model(nodes, [X], [("y", TP.FLOAT, X[2])], 17, i1 + i2)
    r = onnx2c.build(m, "m")
    tensor = 8 * 7 * 6 * 4
    # x0 and a alive at once, the fused conv's output on x0's bytes; plus im2col scratch
    assert r.plan.root("r") == r.plan.root("x0")
    assert r.workspace_bytes < 3 * tensor + max(b.size for n, b in r.plan.buffers.items()
                                                if n.startswith("scratch:"))


def test_conv_transpose_relu_fuses(tmp_path):
    nodes = [N("ConvTranspose", ["x", "w", "b"], ["h"], strides=[2, 2]), N("Relu", ["h"], ["y"])]
    m = graph_model(nodes, [("x", TP.FLOAT, [1, 4, 3, 3])], [("y", TP.FLOAT, [1, 6, 6, 6])],
                    17, [("w", _w(4, 6, 2, 2)), ("b", _w(6))])
    assert _labels(m) == ["ConvTranspose+Relu"]
    check_against_ort(m, tmp_path)


@pytest.mark.parametrize("const_b", [True, False], ids=["packed", "generic"])
def test_gemm_and_matmul_fuse(const_b, tmp_path):
    """Gemm + Relu and MatMul + residual Add + Sigmoid, B a constant (packed B) or an input."""
    b_in = [] if const_b else [("b", TP.FLOAT, [6, 5]), ("w", TP.FLOAT, [5, 5])]
    inits = [("b", _w(6, 5)), ("w", _w(5, 5))] if const_b else []
    nodes = [N("Gemm", ["a", "b", "c"], ["h"], alpha=0.5, beta=2.0), N("Relu", ["h"], ["g"]),
             N("MatMul", ["g", "w"], ["m"]), N("Add", ["m", "g"], ["s"]),
             N("Sigmoid", ["s"], ["y"])]
    m = graph_model(nodes, [("a", TP.FLOAT, [3, 6]), ("c", TP.FLOAT, [5])] + b_in,
                    [("y", TP.FLOAT, [3, 5])], 17, inits)
    assert _labels(m) == ["Gemm+Relu", "MatMul+Add+Sigmoid"]
    check_against_ort(m, tmp_path)


def test_what_must_not_fuse(tmp_path):
    """An output read twice, a graph output, and an Add that broadcasts stay as they are."""
    c1, i1 = _conv("band", "x", "a")
    c2, i2 = _conv("band", "x", "h")
    c3, i3 = _conv("band", "x", "k")
    nodes = [c1, N("Relu", ["a"], ["ra"]), N("Sigmoid", ["a"], ["sa"]),
             c2, N("Relu", ["h"], ["rh"]), c3, N("Add", ["k", "bias"], ["y"])]
    outs = [("ra", TP.FLOAT, X[2]), ("sa", TP.FLOAT, X[2]), ("h", TP.FLOAT, X[2]),
            ("rh", TP.FLOAT, X[2]), ("y", TP.FLOAT, X[2])]
    m = graph_model(nodes, [X], outs, 17, i1 + i2 + i3 + [("bias", _w(1, 8, 1, 1))])
    assert _labels(m) == ["Conv", "Relu", "Sigmoid", "Conv", "Relu", "Conv", "Add"]
    check_against_ort(m, tmp_path)
