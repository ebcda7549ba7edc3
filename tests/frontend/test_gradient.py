"""The Gradient expansion (frontend/gradient.py): the compiled gradients against central
differences of onnxruntime's forward results in double precision."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.errors import CompileError
from tests.conftest import compile_host, graph_model

TRAINING = "ai.onnx.preview.training"
rng = np.random.default_rng(7)
N = helper.make_node

# name -> (forward nodes, input shapes, xs, Gradient's inputs when not xs)
CASES = {
    "add": ([N("Add", ["a", "b"], ["y"])], {"a": [2, 3], "b": [2, 3]}, ["a", "b"], None),
    "mul_broadcast": ([N("Mul", ["a", "b"], ["y"])], {"a": [2, 3, 4], "b": [3, 1]},
                      ["a", "b"], None),
    "matmul_bias": ([N("MatMul", ["a", "w"], ["h"]), N("Add", ["h", "bias"], ["y"])],
                    {"a": [3, 4], "w": [4, 5], "bias": [5]}, ["a", "w", "bias"], None),
    "sigmoid_chain": ([N("Sub", ["x", "c"], ["s"]), N("Sigmoid", ["s"], ["h"]),
                       N("Div", ["h", "d"], ["q"]), N("Neg", ["q"], ["n"]),
                       N("Exp", ["n"], ["e"]), N("Relu", ["x"], ["r"]),
                       N("Tanh", ["r"], ["t"]), N("Identity", ["t"], ["i"]),
                       N("Mul", ["e", "i"], ["y"])],
                      {"x": [4, 3], "c": [3], "d": [4, 1]}, ["x", "c", "d"], None),
    # d is only a constant of the path (zs), u is not on it (zero gradient)
    "zs_and_unused": ([N("Mul", ["a", "a"], ["m"]), N("Sub", ["m", "d"], ["y"])],
                      {"a": [5], "d": [1], "u": [2]}, ["a", "u"], None),
    # the gradient at a2 rather than at the forward graph's a
    "other_point": ([N("Mul", ["a", "a"], ["m"]), N("Sigmoid", ["m"], ["y"])],
                    {"a": [2, 2], "a2": [2, 2]}, ["a"], ["a2"]),
}


def _models(name, dtype, opset=17):
    nodes, shapes, xs, at = CASES[name]
    zs = [n for n in shapes if n not in xs and n != "a2" and n != "u"]
    outs = [f"d_{x}" for x in xs]
    grad = N("Gradient", at or xs + zs, outs, domain=TRAINING, xs=xs, y="y",
             **({"zs": zs} if zs else {}))
    inputs = [(n, dtype, s) for n, s in shapes.items()]
    fwd = onnx.shape_inference.infer_shapes(graph_model(nodes, inputs, [("y", dtype, None)],
                                                        opset=opset))
    full = graph_model(nodes + [grad], inputs, list(fwd.graph.output) +
                       [(o, dtype, shapes[x]) for o, x in zip(outs, xs)],
                       opset={"": opset, TRAINING: 1})
    return full, fwd, xs, dict(zip(xs, at or xs))


def _numerical(fwd, feeds, x, eps=1e-6):
    """d sum(y) / dx by central differences (the Gradient's seed is all ones)."""
    sess = ort.InferenceSession(fwd.SerializeToString(), providers=["CPUExecutionProvider"])
    grad = np.zeros_like(feeds[x])
    for k in np.ndindex(feeds[x].shape):
        val = {}
        for sign in (1, -1):
            f = {n: v.copy() for n, v in feeds.items()}
            f[x][k] += sign * eps
            val[sign] = sess.run(None, f)[0].sum()
        grad[k] = (val[1] - val[-1]) / (2 * eps)
    return grad


# before opset 13, ReduceSum (undoing broadcasting) takes its axes as an attribute
@pytest.mark.parametrize("name,opset", [(n, 17) for n in CASES] + [("mul_broadcast", 12)])
def test_against_central_differences(name, opset, tmp_path):
    full, _, xs, at = _models(name, TP.FLOAT, opset)
    _, fwd, _, _ = _models(name, TP.DOUBLE)
    shapes = CASES[name][1]
    feeds = {n: rng.uniform(0.5, 1.5, s) * rng.choice([-1, 1], s) for n, s in shapes.items()}
    _, host = compile_host(full, tmp_path)
    status, got = host.run({n: v.astype(np.float32) for n, v in feeds.items()})
    assert status == 0
    for x, g in zip(xs, got[1:]):
        point = dict(feeds, **{x: feeds[at[x]]})
        np.testing.assert_allclose(g, _numerical(fwd, point, x), rtol=1e-4, atol=1e-5)


def test_unsupported_op_on_the_path(tmp_path):
    nodes = [N("Softmax", ["a"], ["s"]), N("Add", ["s", "a"], ["y"])]
    grad = N("Gradient", ["a"], ["d_a"], domain=TRAINING, xs=["a"], y="y")
    m = graph_model(nodes + [grad], [("a", TP.FLOAT, [3])],
                    [("y", TP.FLOAT, [3]), ("d_a", TP.FLOAT, [3])],
                    opset={"": 17, TRAINING: 1})
    with pytest.raises(CompileError, match="Gradient through Softmax is not supported"):
        onnx2c.compile(m, tmp_path)
