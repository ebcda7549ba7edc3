"""Each resolution step of the frontend's rounds (frontend/settle.py) on a small ModelProto:
what it leaves for the C, and that the result still computes what the model did
(onnx.reference as the oracle)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from onnx2c.frontend.settle import settle

RNG = np.random.default_rng(3)


def _model(nodes, inputs, outputs, inits=(), opset=18):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(*i) for i in inputs],
                              [helper.make_tensor_value_info(*o) for o in outputs],
                              [numpy_helper.from_array(np.asarray(a), n) for n, a in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _ops(m) -> list[str]:
    return [n.op_type for n in m.graph.node]


def _same_results(before, after, feeds):
    want = ReferenceEvaluator(before).run(None, feeds)
    got = ReferenceEvaluator(after).run(None, feeds)
    for w, g in zip(want, got):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def _types(m) -> dict[str, list[int]]:
    """Static dims by value name, value_info winning over the declared outputs (as the
    importer reads them)."""
    return {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
            for vi in list(m.graph.output) + list(m.graph.value_info)
            if vi.type.tensor_type.HasField("shape")}


def _settled(m):
    copy = onnx.ModelProto()
    copy.CopyFrom(m)
    return settle(copy)


def test_shape_chain_folds_to_a_constant_reshape():
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"])]
    m = _model(nodes, [("x", TP.FLOAT, [2, 3, 4])], [("y", TP.FLOAT, None)],
               [("zero", np.array(0, np.int64)), ("zero1", np.array([0], np.int64)),
                ("minus1", np.array([-1], np.int64))])
    out = _settled(m)
    assert _ops(out) == ["Reshape"] and _types(out)["y"] == [2, 12]
    _same_results(m, out, {"x": RNG.standard_normal((2, 3, 4)).astype(np.float32)})


def test_sequences_resolve_to_the_tensors_they_hold():
    nodes = [helper.make_node("SequenceConstruct", ["a", "b", "c"], ["seq"]),
             helper.make_node("SequenceAt", ["seq", "one"], ["picked"]),
             helper.make_node("ConcatFromSequence", ["seq"], ["joined"], axis=0),
             helper.make_node("Add", ["picked", "picked"], ["y"])]
    ins = [(n, TP.FLOAT, [2]) for n in "abc"]
    m = _model(nodes, ins, [("y", TP.FLOAT, None), ("joined", TP.FLOAT, None)],
               [("one", np.array(1, np.int64))])
    out = _settled(m)
    assert not {"SequenceConstruct", "SequenceAt", "ConcatFromSequence"} & set(_ops(out))
    _same_results(m, out, {n: RNG.standard_normal(2).astype(np.float32) for n in "abc"})


def _branch(op: str):
    return helper.make_graph([helper.make_node(op, ["x"], ["r"])], op,
                             [], [helper.make_tensor_value_info("r", TP.FLOAT, [3])])


def test_if_with_a_constant_condition_is_its_branch():
    nodes = [helper.make_node("If", ["cond"], ["y"], then_branch=_branch("Relu"),
                              else_branch=_branch("Neg"))]
    m = _model(nodes, [("x", TP.FLOAT, [3])], [("y", TP.FLOAT, [3])],
               [("cond", np.array(False))])
    out = _settled(m)
    assert _ops(out) == ["Neg"]
    _same_results(m, out, {"x": RNG.standard_normal(3).astype(np.float32)})


def test_if_on_a_run_time_condition_stays_for_the_c():
    nodes = [helper.make_node("If", ["cond"], ["y"], then_branch=_branch("Relu"),
                              else_branch=_branch("Neg"))]
    m = _model(nodes, [("x", TP.FLOAT, [3]), ("cond", TP.BOOL, [])], [("y", TP.FLOAT, [3])])
    assert _ops(_settled(m)) == ["If"]


def _loop_body(grow: bool):
    """(i, cond, acc) -> (cond, acc'): acc' = Concat(acc, acc) when grow, else acc + 1."""
    step = helper.make_node("Concat", ["acc", "acc"], ["acc_out"], axis=0) if grow else \
        helper.make_node("Add", ["acc", "one_f"], ["acc_out"])
    nodes = [helper.make_node("Identity", ["cond"], ["cond_out"]), step]
    return helper.make_graph(
        nodes, "body",
        [helper.make_tensor_value_info("i", TP.INT64, []),
         helper.make_tensor_value_info("cond", TP.BOOL, []),
         helper.make_tensor_value_info("acc", TP.FLOAT, None)],
        [helper.make_tensor_value_info("cond_out", TP.BOOL, []),
         helper.make_tensor_value_info("acc_out", TP.FLOAT, None)])


def test_loop_whose_shapes_change_per_iteration_unrolls():
    nodes = [helper.make_node("Loop", ["trip", ""], ["y"], body=_loop_body(grow=True))]
    m = _model(nodes, [("x", TP.FLOAT, [2])], [("y", TP.FLOAT, None)],
               [("trip", np.array(3, np.int64))])
    m.graph.node[0].input.append("x")
    out = _settled(m)
    assert "Loop" not in _ops(out) and _ops(out).count("Concat") == 3
    x = RNG.standard_normal(2).astype(np.float32)
    np.testing.assert_array_equal(ReferenceEvaluator(out).run(None, {"x": x})[0], np.tile(x, 8))


def test_loop_with_a_static_body_stays_a_run_time_loop():
    nodes = [helper.make_node("Loop", ["trip", "", "x"], ["y"], body=_loop_body(grow=False))]
    m = _model(nodes, [("x", TP.FLOAT, [2]), ("trip", TP.INT64, [])], [("y", TP.FLOAT, None)],
               [("one_f", np.array(1, np.float32))])
    out = _settled(m)
    assert _ops(out) == ["Loop"] and _types(out)["y"] == [2]


def test_scan_outputs_get_static_types():
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x_t"], ["s_out"]),
         helper.make_node("Identity", ["s_out"], ["y_t"])], "body",
        [helper.make_tensor_value_info("s", TP.FLOAT, [4]),
         helper.make_tensor_value_info("x_t", TP.FLOAT, [4])],
        [helper.make_tensor_value_info("s_out", TP.FLOAT, [4]),
         helper.make_tensor_value_info("y_t", TP.FLOAT, None)])
    nodes = [helper.make_node("Scan", ["init", "xs"], ["final", "ys"], body=body,
                              num_scan_inputs=1)]
    m = _model(nodes, [("init", TP.FLOAT, [4]), ("xs", TP.FLOAT, [5, 4])],
               [("final", TP.FLOAT, None), ("ys", TP.FLOAT, None)])
    out = _settled(m)
    assert _ops(out) == ["Scan"]
    assert _types(out)["ys"] == [5, 4] and _types(out)["final"] == [4]
