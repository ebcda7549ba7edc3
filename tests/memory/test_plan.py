"""Plan invariants: live buffers never overlap, and the arena is between the bounds."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnx2c
from onnx2c.frontend import load_graph
from onnx2c.passes.dce import remove_dead_code
from onnx2c.targets.report import example_names, load_example
from tests.conftest import REPO, check_against_ort

MODELS = sorted((REPO / "tests" / "models").glob("*.onnx"))


def _assert_sound(plan):
    bufs = list(plan.buffers.values())
    for a, b in itertools.combinations(bufs, 2):
        if a.first <= b.last and b.first <= a.last:   # alive at the same time
            assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset, (a, b)
    assert all(b.offset % 16 == 0 for b in bufs)
    assert plan.lower_bound <= plan.workspace_bytes <= plan.no_reuse_bytes
    assert all(b.offset + b.size <= plan.workspace_bytes for b in bufs)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_model_plans_are_sound(path):
    try:
        r = onnx2c.build(path, "m")
    except onnx2c.CompileError as e:
        pytest.fail(str(e))
    _assert_sound(r.plan)
    # issue 4's bar: within 5% of the lower bound, and real reuse
    assert r.plan.workspace_bytes <= 1.05 * r.plan.lower_bound
    assert r.plan.workspace_bytes < r.plan.no_reuse_bytes


def independent_bound(model) -> int:
    """The largest total of intermediate tensors alive at once in the file's own node
    order: each one from the node that makes it to its last reader, 16-byte aligned, over
    the graph as imported (shapes inferred, constants folded, dead nodes dropped) and
    before any of onnx2c's own passes, kernel choices or memory planning."""
    g = load_graph(model)
    remove_dead_code(g)
    ends = set(g.inputs) | set(g.outputs)
    first, last = {}, {}
    for step, node in enumerate(g.nodes):
        for name in node.inputs:
            last[name] = step
        for name in node.outputs:
            first.setdefault(name, step)
    live = [0] * (len(g.nodes) + 1)
    for name, start in first.items():
        v = g.values.get(name)
        if not name or v is None or name in ends or v.is_const:
            continue
        for step in range(start, max(last.get(name, start), start) + 1):
            live[step] += -(-v.nbytes // 16) * 16
    return max(live)


@pytest.mark.parametrize("name", example_names(with_torch=None))
def test_workspace_is_near_the_independent_bound(name, tmp_path):
    """Issue 4's bar for every repo model: kernel scratch (im2col tiles, packing, planes)
    included, the workspace stays within 5% of a bound the planner never sees."""
    model = load_example(name, tmp_path)
    bound = independent_bound(model)
    r = onnx2c.build(model, "m")
    assert r.workspace_bytes <= 1.05 * bound, (r.workspace_bytes, bound)


def _chain(n_ops=6, size=1024, dtype=TensorProto.FLOAT):
    """x -> Relu -> Sigmoid -> ... : every intermediate dies at its consumer."""
    nodes, prev = [], "x"
    for k in range(n_ops):
        nodes.append(helper.make_node("Relu" if k % 2 else "Sigmoid", [prev], [f"t{k}"]))
        prev = f"t{k}"
    nodes.append(helper.make_node("Add", [prev, "b"], ["y"]))
    g = helper.make_graph(nodes, "chain",
                          [helper.make_tensor_value_info("x", dtype, [size])],
                          [helper.make_tensor_value_info("y", dtype, [size])],
                          initializer=[numpy_helper.from_array(
                              np.ones(size, helper.tensor_dtype_to_np_dtype(dtype)), "b")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_elementwise_chain_runs_in_place(tmp_path):
    # float16 intermediates stay tensors (lowering/fuse_chains.py fuses only types a C
    # variable holds exactly): six of 2 KiB each, which in place share one buffer
    r = check_against_ort(_chain(dtype=TensorProto.FLOAT16), tmp_path)
    assert r.workspace_bytes == 2048
    _assert_sound(r.plan)


def test_fused_elementwise_chain_needs_no_workspace(tmp_path):
    r = check_against_ort(_chain(), tmp_path)
    assert len(r.graph.nodes) == 1 and r.workspace_bytes == 0


def test_branches_reuse_memory(tmp_path):
    # a skip connection keeps x alive across the branch; the rest is reused (float16, so
    # that the elementwise ops are not fused into one loop: lowering/fuse_chains.py)
    nodes = [helper.make_node("Sigmoid", ["x"], ["a"]), helper.make_node("Tanh", ["a"], ["b"]),
             helper.make_node("Exp", ["x"], ["c"]), helper.make_node("Add", ["b", "c"], ["d"]),
             helper.make_node("Mul", ["d", "x"], ["y"])]
    g = helper.make_graph(nodes, "branch",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [256])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [256])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    r = check_against_ort(m, tmp_path)
    _assert_sound(r.plan)
    assert r.workspace_bytes < r.plan.no_reuse_bytes


def _concat_model(axis, out_name="c", tail=True):
    nodes = [helper.make_node("Sigmoid", ["x"], ["a"]), helper.make_node("Tanh", ["x"], ["b"]),
             helper.make_node("Exp", ["x"], ["e"]),
             helper.make_node("Concat", ["a", "b", "e"], [out_name], axis=axis)]
    shape = [1, 3, 4, 5]
    out_shape = list(shape)
    out_shape[axis] *= 3
    if tail:
        nodes.append(helper.make_node("Relu", [out_name], ["y"]))
    g = helper.make_graph(nodes, "cat",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                          [helper.make_tensor_value_info("y" if tail else out_name,
                                                         TensorProto.FLOAT, out_shape)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("tail", [True, False], ids=["intermediate", "graph-output"])
def test_concat_inputs_are_written_in_place(tail, tmp_path):
    r = check_against_ort(_concat_model(axis=1, tail=tail), tmp_path)
    assert "Concat" not in [n.op_type for n, _ in r.plan.steps]
    # the three 240-byte parts live inside the concat buffer (or the caller's output)
    assert r.workspace_bytes == (720 if tail else 0)
    _assert_sound(r.plan)


def test_concat_on_an_inner_axis_still_copies(tmp_path):
    r = check_against_ort(_concat_model(axis=2), tmp_path)
    assert "Concat" in [n.op_type for n, _ in r.plan.steps]
    _assert_sound(r.plan)


def test_inspect_prints_the_plan_and_draws_it(tmp_path):
    import subprocess
    import sys
    svg = tmp_path / "plan.svg"
    p = subprocess.run([sys.executable, "-m", "onnx2c.cli", "inspect",
                        str(REPO / "tests" / "models" / "resnet8_dynamo.onnx"), "--plan-svg",
                        str(svg)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    r = onnx2c.build(REPO / "tests" / "models" / "resnet8_dynamo.onnx", "m")
    assert f"workspace bytes: {r.workspace_bytes}" in p.stdout
    assert f"lower bound:     {r.plan.lower_bound}" in p.stdout
    text = svg.read_text()
    assert text.startswith("<svg") and text.count("<rect") == len(r.plan.buffers) + 1
