"""If, Loop, Scan, sequences and optionals: the generated C against onnxruntime, on cases
the ONNX node tests leave out (run-time trip counts and conditions, captured values,
nested subgraphs, scan axes and directions, run-time sequence positions), and the
negative statuses a run gives when a run-time value leaves what was compiled."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onnx2c
from onnx2c.errors import CompileError
from onnx2c.frontend.sequence_io import flatten
from tests.conftest import (O2C_ERR_CAPACITY, O2C_ERR_INDEX, O2C_ERR_VALUE,
                            assert_outputs_match, compile_host, graph_model, oracle_run,
                            strict_compile)

F = np.float32
_model = graph_model


def _vi(name, t, shape):
    return helper.make_tensor_value_info(name, t, shape)


def _check(model, feeds_list, tmp_path, shapes=None):
    """Compile once, then for each feeds: status 0 and every output as onnxruntime's, the
    sequences on either side flattened to the C ABI's tensors (s[0], s[1], ...)."""
    r, host = compile_host(model, tmp_path, shapes=shapes)
    names = [o.name for o in model.graph.output]
    for feeds in feeds_list:
        status, got = host.run(flatten(feeds))
        assert status == 0
        want = flatten(dict(zip(names, oracle_run(model, feeds, "ort", names))))
        assert sorted(want) == sorted(i.name for i in r.outputs)
        assert_outputs_match([i.name for i in r.outputs], got,
                             [want[i.name] for i in r.outputs], 1e-5, 1e-6)
    return r, host


def _loop_body(scan=True):
    """y = y * w + i (w captured from the enclosing graph), scanning y."""
    nodes = [helper.make_node("Cast", ["i"], ["fi"], to=TP.FLOAT),
             helper.make_node("Mul", ["y", "w"], ["yw"]),
             helper.make_node("Add", ["yw", "fi"], ["y2"]),
             helper.make_node("Identity", ["c"], ["c2"])]
    outs = [_vi("c2", TP.BOOL, []), _vi("y2", TP.FLOAT, [2])]
    if scan:
        nodes.append(helper.make_node("Identity", ["y2"], ["s"]))
        outs.append(_vi("s", TP.FLOAT, [2]))
    return helper.make_graph(nodes, "body", [_vi("i", TP.INT64, []), _vi("c", TP.BOOL, []),
                                             _vi("y", TP.FLOAT, [2])], outs)


def test_loop_runtime_trip_count(tmp_path):
    loop = helper.make_node("Loop", ["n", "", "y0"], ["y"], body=_loop_body(scan=False))
    m = _model([loop], [_vi("n", TP.INT64, []), _vi("y0", TP.FLOAT, [2]),
                        _vi("w", TP.FLOAT, [2])], [_vi("y", TP.FLOAT, [2])])
    feeds = [{"n": np.array(n, np.int64), "y0": np.array([1, -2], F),
              "w": np.array([0.5, 2], F)} for n in (0, 1, 5)]
    _check(m, feeds, tmp_path)


def test_loop_scan_output_bound(tmp_path):
    """Scan rows: as many as the declared output says; more or fewer is a run-time error."""
    loop = helper.make_node("Loop", ["n", "", "y0"], ["y", "ys"], body=_loop_body())
    m = _model([loop], [_vi("n", TP.INT64, []), _vi("y0", TP.FLOAT, [2]),
                        _vi("w", TP.FLOAT, [2])],
               [_vi("y", TP.FLOAT, [2]), _vi("ys", TP.FLOAT, [4, 2])])
    feeds = {"n": np.array(4, np.int64), "y0": np.array([1, -2], F), "w": np.array([3, 2], F)}
    r, host = _check(m, [feeds], tmp_path)
    assert host.run(dict(feeds, n=np.array(6, np.int64)))[0] == O2C_ERR_CAPACITY
    assert host.run(dict(feeds, n=np.array(2, np.int64)))[0] == O2C_ERR_VALUE


def test_loop_while_condition(tmp_path):
    """No trip count: the body's condition (count < limit, limit captured) ends it."""
    body = helper.make_graph(
        [helper.make_node("Add", ["k", "one"], ["k2"]),
         helper.make_node("Less", ["k2", "limit"], ["c2"])], "body",
        [_vi("i", TP.INT64, []), _vi("c", TP.BOOL, []), _vi("k", TP.INT32, [])],
        [_vi("c2", TP.BOOL, []), _vi("k2", TP.INT32, [])],
        [numpy_helper.from_array(np.array(1, np.int32), "one")])
    loop = helper.make_node("Loop", ["", "go", "k0"], ["k"], body=body)
    m = _model([loop], [_vi("go", TP.BOOL, []), _vi("k0", TP.INT32, []),
                        _vi("limit", TP.INT32, [])], [_vi("k", TP.INT32, [])])
    _check(m, [{"go": np.array(g), "k0": np.array(k, np.int32),
                "limit": np.array(7, np.int32)} for g, k in ((True, 0), (False, 0), (True, 9))],
           tmp_path)


def test_if_runtime_condition_nested_in_loop(tmp_path, cc):
    """An If (both branches reading enclosing values) inside a Loop body: odd
    iterations add x, even ones multiply by w."""
    then = helper.make_graph([helper.make_node("Add", ["y", "x"], ["a"])], "then", [],
                             [_vi("a", TP.FLOAT, [3])])
    other = helper.make_graph([helper.make_node("Mul", ["y", "w"], ["b"])], "else", [],
                              [_vi("b", TP.FLOAT, [3])])
    body = helper.make_graph(
        [helper.make_node("Mod", ["i", "two"], ["r"]),
         helper.make_node("Cast", ["r"], ["odd"], to=TP.BOOL),
         helper.make_node("If", ["odd"], ["y2"], then_branch=then, else_branch=other),
         helper.make_node("Identity", ["c"], ["c2"])], "body",
        [_vi("i", TP.INT64, []), _vi("c", TP.BOOL, []), _vi("y", TP.FLOAT, [3])],
        [_vi("c2", TP.BOOL, []), _vi("y2", TP.FLOAT, [3])],
        [numpy_helper.from_array(np.array(2, np.int64), "two")])
    loop = helper.make_node("Loop", ["n", "", "y0"], ["y"], body=body)
    w = numpy_helper.from_array(np.array([0.5, -1, 2], F), "w")
    m = _model([loop], [_vi("n", TP.INT64, []), _vi("y0", TP.FLOAT, [3]),
                        _vi("x", TP.FLOAT, [3])], [_vi("y", TP.FLOAT, [3])])
    m.graph.initializer.append(w)
    r, _ = _check(m, [{"n": np.array(n, np.int64), "y0": np.array([1, 2, 3], F),
                       "x": np.array([0.25, 1, -3], F)} for n in (0, 3, 6)], tmp_path)
    strict_compile(cc, r.out_dir, tmp_path)


def test_if_different_branch_shapes_need_the_condition(tmp_path):
    then = helper.make_graph([helper.make_node("Identity", ["x"], ["a"])], "then", [],
                             [_vi("a", TP.FLOAT, [4])])
    other = helper.make_graph([helper.make_node("Concat", ["x", "x"], ["b"], axis=0)],
                              "else", [], [_vi("b", TP.FLOAT, [8])])
    m = _model([helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)],
               [_vi("c", TP.BOOL, []), _vi("x", TP.FLOAT, [4])], [_vi("y", TP.FLOAT, [None])])
    with pytest.raises(onnx2c.errors.NeedsConstant) as e:
        onnx2c.build(m)
    assert e.value.inputs == ["c"]
    r = onnx2c.build(m, freeze={"c": np.array(False)})
    assert r.outputs[0].shape == (8,)


@pytest.mark.parametrize("opset", [8, 16])
def test_scan_axes_directions_batch(tmp_path, opset):
    """Opset 16: a scan input read backwards along axis 1, the output written along axis
    1; opset 8: a batch of 2 scanned along axis 1."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"]), helper.make_node("Mul", ["s2", "w"], ["y"])],
        "body", [_vi("s", TP.FLOAT, [2]), _vi("x", TP.FLOAT, [2])],
        [_vi("s2", TP.FLOAT, [2]), _vi("y", TP.FLOAT, [2])])
    if opset == 8:
        scan = helper.make_node("Scan", ["", "init", "xs"], ["final", "ys"], num_scan_inputs=1,
                                body=body, directions=[1])
        shapes = ([2, 2], [2, 3, 2], [2, 3, 2])
    else:
        scan = helper.make_node("Scan", ["init", "xs"], ["final", "ys"], num_scan_inputs=1,
                                body=body, scan_input_axes=[1], scan_input_directions=[1],
                                scan_output_axes=[-1])
        shapes = ([2], [2, 3], [2, 3])
    m = _model([scan], [_vi("init", TP.FLOAT, shapes[0]), _vi("xs", TP.FLOAT, shapes[1]),
                        _vi("w", TP.FLOAT, [2])],
               [_vi("final", TP.FLOAT, shapes[0]), _vi("ys", TP.FLOAT, shapes[2])], opset=opset)
    rng = np.random.default_rng(1)
    _check(m, [{"init": rng.standard_normal(shapes[0]).astype(F),
                "xs": rng.standard_normal(shapes[1]).astype(F),
                "w": rng.standard_normal(2).astype(F)}], tmp_path)


@pytest.mark.parametrize("opset", [8, 16])
def test_scan_body_shapes_from_enclosing_constants(tmp_path, opset):
    """The body's Reshapes read their shapes from the enclosing graph, which ONNX
    inference does not see: it leaves the Scan's outputs (and the Transpose after them)
    shapeless, and the compiler types them from the body folded with those constants."""
    u = lambda x, shape, y: helper.make_node("Reshape", [x, shape], [y])
    body = helper.make_graph(
        [u("x", "col_shape", "col"), u("x", "row_shape", "row"),
         helper.make_node("MatMul", ["col", "row"], ["outer"]),
         helper.make_node("Add", ["s", "outer"], ["s2"]),
         helper.make_node("MatMul", ["row", "s2"], ["y"])],
        "body", [_vi(n, TP.FLOAT, None) for n in ("s", "x")],
        [_vi(n, TP.FLOAT, None) for n in ("s2", "y")])
    consts = [helper.make_node("Constant", [], [n], value=numpy_helper.from_array(
        np.array(a, np.int64))) for n, a in (("col_shape", [-1, 1]), ("row_shape", [1, -1]))]
    if opset == 8:
        scan = helper.make_node("Scan", ["", "init", "xs"], ["final", "ys"], num_scan_inputs=1,
                                body=body)
        shapes = ([2, 3, 3], [2, 4, 3])
    else:
        scan = helper.make_node("Scan", ["init", "xs"], ["final", "ys"], num_scan_inputs=1,
                                body=body, scan_input_axes=[1], scan_output_axes=[-1])
        shapes = ([3, 3], [3, 4])
    t = helper.make_node("Transpose", ["ys"], ["yt"])
    m = _model(consts + [scan, t], [_vi("init", TP.FLOAT, shapes[0]),
                                    _vi("xs", TP.FLOAT, shapes[1])],
               [_vi("final", TP.FLOAT, ["?"] * len(shapes[0])),
                _vi("yt", TP.FLOAT, ["?"] * (len(shapes[1]) + 1))], opset=opset)
    ys = next(vi for vi in onnx.shape_inference.infer_shapes(m, data_prop=True).graph.value_info
              if vi.name == "ys").type.tensor_type
    assert not (ys.HasField("shape") and all(d.HasField("dim_value") for d in ys.shape.dim))
    rng = np.random.default_rng(2)
    _check(m, [{"init": rng.standard_normal(shapes[0]).astype(F),
                "xs": rng.standard_normal(shapes[1]).astype(F)}], tmp_path)


def test_sequence_input_and_output(tmp_path, cc):
    """A sequence input (length and shapes pinned), an element inserted at a constant
    position, and the sequence both concatenated and returned."""
    nodes = [helper.make_node("SequenceInsert", ["s", "t", "p"], ["s2"]),
             helper.make_node("ConcatFromSequence", ["s2"], ["cat"], axis=1, new_axis=1),
             helper.make_node("SequenceErase", ["s2"], ["s3"])]
    m = _model(nodes, [helper.make_tensor_sequence_value_info("s", TP.FLOAT, None),
                       _vi("t", TP.FLOAT, [2, 3])],
               [_vi("cat", TP.FLOAT, [None] * 3),
                helper.make_tensor_sequence_value_info("s3", TP.FLOAT, None)],
               inits=[("p", np.array(-1, np.int64))])
    rng = np.random.default_rng(2)
    seq = [rng.standard_normal((2, 3)).astype(F) for _ in range(3)]
    r, _ = _check(m, [{"s": seq, "t": np.ones((2, 3), F)}], tmp_path,
                  shapes={"s": [(2, 3)] * 3})
    assert [i.name for i in r.inputs] == ["s[0]", "s[1]", "s[2]", "t"]
    assert [o.name for o in r.outputs] == ["cat", "s3[0]", "s3[1]", "s3[2]"]
    strict_compile(cc, r.out_dir, tmp_path)
    with pytest.raises(CompileError, match="--shape s="):
        onnx2c.build(m)


def test_sequence_at_runtime_position(tmp_path):
    """Equal element shapes: the position stays a run-time input, checked."""
    nodes = [helper.make_node("SplitToSequence", ["x"], ["s"], axis=0, keepdims=0),
             helper.make_node("SequenceAt", ["s", "p"], ["y"])]
    m = _model(nodes, [_vi("x", TP.FLOAT, [4, 3]), _vi("p", TP.INT64, [])],
               [_vi("y", TP.FLOAT, [3])])
    x = np.arange(12, dtype=F).reshape(4, 3)
    _, host = _check(m, [{"x": x, "p": np.array(p, np.int64)} for p in (0, 3, -1, -4)],
                     tmp_path)
    for p in (4, -5):
        assert host.run({"x": x, "p": np.array(p, np.int64)})[0] == O2C_ERR_INDEX


def test_loop_carrying_a_sequence_unrolls(tmp_path):
    """Each iteration appends x * i: a constant trip count expands the loop."""
    body = helper.make_graph(
        [helper.make_node("Cast", ["i"], ["fi"], to=TP.FLOAT),
         helper.make_node("Mul", ["x", "fi"], ["xi"]),
         helper.make_node("SequenceInsert", ["s", "xi"], ["s2"]),
         helper.make_node("Identity", ["c"], ["c2"])], "body",
        [_vi("i", TP.INT64, []), _vi("c", TP.BOOL, []),
         helper.make_tensor_sequence_value_info("s", TP.FLOAT, None)],
        [_vi("c2", TP.BOOL, []), helper.make_tensor_sequence_value_info("s2", TP.FLOAT, None)])
    nodes = [helper.make_node("SequenceEmpty", [], ["e"], dtype=TP.FLOAT),
             helper.make_node("Loop", ["n", "", "e"], ["s"], body=body),
             helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=0)]
    m = _model(nodes, [_vi("x", TP.FLOAT, [2])], [_vi("y", TP.FLOAT, [None])],
               inits=[("n", np.array(3, np.int64))])
    _check(m, [{"x": np.array([1.5, -2], F)}], tmp_path)


def test_optional_input_pinned_empty(tmp_path):
    nodes = [helper.make_node("OptionalHasElement", ["o"], ["has"]),
             helper.make_node("Identity", ["x"], ["y"])]
    opt = helper.make_value_info("o", helper.make_optional_type_proto(
        helper.make_tensor_type_proto(TP.FLOAT, [2])))
    m = _model(nodes, [opt, _vi("x", TP.FLOAT, [2])],
               [_vi("has", TP.BOOL, []), _vi("y", TP.FLOAT, [2])], opset=18)
    x = np.array([1, 2], F)
    for pin, want in ((None, False), ((2,), True)):
        r = onnx2c.build(m, shapes={"o": pin})
        assert bool(r.graph.values["has"].data) is want
    _check(m, [{"o": None, "x": x}], tmp_path, shapes={"o": None})


def test_if_runtime_condition_sequence_and_optional_outputs(tmp_path):
    """Branches returning sequences and optionals of the same structure: an If over the
    tensors they hold, still decided at run time."""
    def branch(name, op):
        return helper.make_graph(
            [helper.make_node(op, ["x", "x"], ["v"]),
             helper.make_node("SequenceConstruct", ["v", "x"], ["s"]),
             helper.make_node("Optional", ["v"], ["o"])], name, [],
            [helper.make_tensor_sequence_value_info("s", TP.FLOAT, [3]),
             helper.make_value_info("o", helper.make_optional_type_proto(
                 helper.make_tensor_type_proto(TP.FLOAT, [3])))])
    node = helper.make_node("If", ["c"], ["s", "o"], then_branch=branch("then", "Add"),
                            else_branch=branch("else", "Mul"))
    m = _model([node], [_vi("c", TP.BOOL, []), _vi("x", TP.FLOAT, [3])],
               [helper.make_tensor_sequence_value_info("s", TP.FLOAT, [3]),
                helper.make_value_info("o", helper.make_optional_type_proto(
                    helper.make_tensor_type_proto(TP.FLOAT, [3])))], opset=18)
    x = np.array([1, -2, 3], F)
    r, _ = _check(m, [{"c": np.array(c), "x": x} for c in (True, False)], tmp_path)
    assert [o.name for o in r.outputs] == ["s[0]", "s[1]", "o"]


def test_loop_reads_enclosing_sequence(tmp_path):
    """A C loop whose body picks element i of a sequence built outside: the body gets the
    sequence's tensors, and the run-time position becomes a checked Gather."""
    body = helper.make_graph(
        [helper.make_node("SequenceAt", ["parts", "i"], ["p"]),
         helper.make_node("Add", ["y", "p"], ["y2"]),
         helper.make_node("Identity", ["c"], ["c2"])], "body",
        [_vi("i", TP.INT64, []), _vi("c", TP.BOOL, []), _vi("y", TP.FLOAT, [2])],
        [_vi("c2", TP.BOOL, []), _vi("y2", TP.FLOAT, [2])])
    nodes = [helper.make_node("SplitToSequence", ["x"], ["parts"], axis=0, keepdims=0),
             helper.make_node("Loop", ["n", "", "y0"], ["y"], body=body)]
    m = _model(nodes, [_vi("x", TP.FLOAT, [3, 2]), _vi("n", TP.INT64, []),
                       _vi("y0", TP.FLOAT, [2])], [_vi("y", TP.FLOAT, [2])])
    x = np.arange(6, dtype=F).reshape(3, 2)
    _, host = _check(m, [{"x": x, "n": np.array(n, np.int64), "y0": np.ones(2, F)}
                         for n in (0, 2, 3)], tmp_path)
    # a fourth iteration asks for element 3 of 3
    assert host.run({"x": x, "n": np.array(4, np.int64), "y0": np.ones(2, F)})[0] == O2C_ERR_INDEX
