"""Elementwise ops fused into the loop of the elementwise op or reduction that consumes
them (lowering/fuse_chains.py): what fuses, what must not, the workspace it saves, and
results against onnxruntime, including the integer wrap-around of narrow types that each
fused stage must still apply."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.passes.fuse_epilogue import fused_label
from tests.conftest import check_against_ort, graph_model, run_and_compare

N = helper.make_node
rng = np.random.default_rng(11)


def _labels(model) -> list[str]:
    return [fused_label(n) for n in onnx2c.build(model, "m").graph.nodes]


def test_motion_detector_is_one_pass(tmp_path):
    """The ONNX introduction's motion detector: Sub -> Abs -> ReduceSum reads the image
    once, and the workspace holds only the sum."""
    from examples.seed_motion.make_model import make_model
    model = make_model()
    r = check_against_ort(model, tmp_path)
    assert [fused_label(n) for n in r.graph.nodes] == ["Sub+Abs+ReduceSum", "Less"]
    assert r.workspace_bytes <= 16


def test_float_chain_with_scalar_and_broadcast_operands(tmp_path):
    """(x * 2 - y) -> Sigmoid -> Mul by a per-channel scale: the last Mul broadcasts its
    own operand, the stages read x and y at the output's element."""
    shape = [2, 3, 5]
    nodes = [N("Mul", ["x", "two"], ["a"]), N("Sub", ["a", "y"], ["b"]),
             N("Sigmoid", ["b"], ["c"]), N("Mul", ["c", "scale"], ["out"])]
    model = graph_model(nodes, [("x", TP.FLOAT, shape), ("y", TP.FLOAT, shape)],
                        [("out", TP.FLOAT, shape)], 17,
                        [("two", np.float32(2)),
                         ("scale", rng.standard_normal((3, 1)).astype(np.float32))])
    assert _labels(model) == ["Mul+Sub+Sigmoid+Mul"]
    check_against_ort(model, tmp_path)


def test_per_channel_scale_shift_relu_is_one_loop(tmp_path):
    """Mul and Add by per-channel constants (a batch norm some exporters write out) and
    the Relu: every operand broadcasts to the loop's shape in its own way."""
    shape = [1, 4, 3, 5]
    nodes = [N("Mul", ["x", "scale"], ["a"]), N("Add", ["a", "shift"], ["b"]),
             N("Relu", ["b"], ["out"])]
    model = graph_model(nodes, [("x", TP.FLOAT, shape)], [("out", TP.FLOAT, shape)], 17,
                        [("scale", rng.standard_normal((4, 1, 1)).astype(np.float32)),
                         ("shift", rng.standard_normal((4, 1, 1)).astype(np.float32))])
    assert _labels(model) == ["Mul+Add+Relu"]
    check_against_ort(model, tmp_path)


def test_int8_stages_wrap_like_separate_kernels(tmp_path):
    """int8 Add overflows and wraps when stored; the fused Mul must see the wrapped value,
    and ReduceMax the wrapped product."""
    shape = [4, 6]
    nodes = [N("Add", ["x", "y"], ["s"]), N("Mul", ["s", "k"], ["p"]),
             N("ReduceMax", ["p"], ["out"], axes=[1], keepdims=0)]
    model = graph_model(nodes, [("x", TP.INT8, shape), ("y", TP.INT8, shape)],
                        [("out", TP.INT8, [4])], 17, [("k", np.int8(3))])
    feeds = {"x": rng.integers(-128, 128, shape, dtype=np.int8),
             "y": rng.integers(-128, 128, shape, dtype=np.int8)}
    got = run_and_compare(model, feeds, tmp_path).outputs[0]
    s = (feeds["x"].astype(np.int64) + feeds["y"]).astype(np.int8)
    assert (got == ((s.astype(np.int64) * 3).astype(np.int8)).max(axis=1)).all()
    assert _labels(model) == ["Add+Mul+ReduceMax"]


def test_bool_comparison_feeds_where(tmp_path):
    shape = [3, 7]
    nodes = [N("Greater", ["x", "y"], ["g"]), N("Where", ["g", "x", "y"], ["out"])]
    model = graph_model(nodes, [("x", TP.FLOAT, shape), ("y", TP.FLOAT, shape)],
                        [("out", TP.FLOAT, shape)], 17)
    assert _labels(model) == ["Greater+Where"]
    check_against_ort(model, tmp_path)


@pytest.mark.parametrize("case", ["two_readers", "graph_output", "broadcast", "float16"])
def test_what_does_not_fuse(case, tmp_path):
    """A value read twice, a graph output, a producer whose output broadcasts into its
    reader (computing it per element would repeat it), and a float16 intermediate (a
    register would skip the rounding its store does) each keep their kernel."""
    shape, dtype = [2, 4], TP.FLOAT16 if case == "float16" else TP.FLOAT
    outs = [("out", dtype, shape)]
    if case == "two_readers":
        nodes = [N("Abs", ["x"], ["a"]), N("Mul", ["a", "a"], ["b"]), N("Add", ["a", "b"], ["out"])]
        want = ["Abs", "Mul+Add"]
    elif case == "graph_output":
        nodes = [N("Abs", ["x"], ["a"]), N("Neg", ["a"], ["out"])]
        outs.append(("a", dtype, shape))
        want = ["Abs", "Neg"]
    elif case == "broadcast":
        nodes = [N("ReduceSum", ["x"], ["s"], keepdims=1), N("Abs", ["s"], ["a"]),
                 N("Sub", ["x", "a"], ["out"])]
        want = ["ReduceSum", "Abs", "Sub"]
    else:
        nodes = [N("Abs", ["x"], ["a"]), N("Neg", ["a"], ["out"])]
        want = ["Abs", "Neg"]
    model = graph_model(nodes, [("x", dtype, shape)], outs, 18)
    assert _labels(model) == want
    check_against_ort(model, tmp_path)
