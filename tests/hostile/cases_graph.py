"""Broken graphs, control flow with broken bodies, and opset / IR version edge cases."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, REFUSE, case, model, unary, vi

N = helper.make_node


def _graphs():
    relu_y = [vi("x")], [vi("y")]
    ref = onnx.AttributeProto(name="alpha", ref_attr_name="a", type=onnx.AttributeProto.FLOAT)
    ref_node = N("LeakyRelu", ["x"], ["y"])
    ref_node.attribute.append(ref)
    dup_attr = N("LeakyRelu", ["x"], ["y"], alpha=0.1)
    dup_attr.attribute.append(helper.make_attribute("alpha", 0.2))
    rec = helper.make_function("local", "Rec", ["a"], ["b"], [N("Rec", ["a"], ["b"], domain="local")],
                               [helper.make_opsetid("", 17)])
    rec2 = [helper.make_function("local", "P", ["a"], ["b"], [N("Q", ["a"], ["b"], domain="local")],
                                 [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)]),
            helper.make_function("local", "Q", ["a"], ["b"], [N("P", ["a"], ["b"], domain="local")],
                                 [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])]
    local = {"": 17, "local": 1}
    return [
        case("graph", "undefined_input", model([N("Add", ["x", "ghost"], ["y"])], *relu_y), REFUSE),
        case("graph", "cycle", model([N("Add", ["x", "b"], ["a"]), N("Relu", ["a"], ["b"]),
                                      N("Relu", ["b"], ["y"])], *relu_y), REFUSE),
        case("graph", "node_writes_graph_input", model([N("Relu", ["y"], ["x"]), N("Relu", ["x"], ["y"])],
                                                        *relu_y), REFUSE),
        case("graph", "two_producers", model([N("Relu", ["x"], ["y"]), N("Neg", ["x"], ["y"])], *relu_y), REFUSE),
        case("graph", "output_never_made", model([N("Relu", ["x"], ["z"])], *relu_y), REFUSE),
        case("graph", "no_outputs", model([N("Relu", ["x"], ["y"])], [vi("x")], []), EITHER),
        case("graph", "no_nodes_output_is_input", model([], [vi("x")], [vi("x")]), ACCEPT),
        case("graph", "output_is_input_and_computed", model([N("Relu", ["x"], ["y"])], [vi("x")],
                                                             [vi("x"), vi("y")]), ACCEPT),
        case("graph", "duplicate_output", model([N("Relu", ["x"], ["y"])], [vi("x")], [vi("y"), vi("y")]), EITHER),
        case("graph", "duplicate_input", model([N("Add", ["x", "x"], ["y"])], [vi("x"), vi("x")], [vi("y")]), EITHER),
        case("graph", "empty_op_type", model([N("", ["x"], ["y"])], *relu_y), REFUSE),
        case("graph", "unknown_op", model([N("FooBar", ["x"], ["y"])], *relu_y), REFUSE),
        case("graph", "unknown_domain", model([N("Relu", ["x"], ["y"], domain="com.evil")], *relu_y,
                                              opsets={"": 17, "com.evil": 1}), REFUSE),
        case("graph", "domain_not_imported", model([N("Relu", ["x"], ["y"], domain="com.evil")], *relu_y), REFUSE),
        case("graph", "too_many_inputs", model([N("Relu", ["x", "x"], ["y"])], *relu_y), REFUSE),
        case("graph", "too_few_inputs", model([N("Add", ["x"], ["y"])], *relu_y), REFUSE),
        case("graph", "too_many_outputs", model([N("Relu", ["x"], ["y", "z"])], *relu_y), REFUSE),
        case("graph", "required_input_empty", model([N("Add", ["x", ""], ["y"])], *relu_y), REFUSE),
        case("graph", "ref_attr_outside_function", model([ref_node], *relu_y), REFUSE),
        case("graph", "duplicate_attribute", model([dup_attr], *relu_y), REFUSE),
        case("graph", "unknown_attribute", unary("Relu", foo=1), REFUSE),
        case("graph", "attribute_wrong_type", unary("LeakyRelu", alpha="high"), REFUSE),
        case("graph", "recursive_function", model([N("Rec", ["x"], ["y"], domain="local")], *relu_y,
                                                  opsets=local, functions=[rec]), REFUSE),
        case("graph", "mutually_recursive_functions", model([N("P", ["x"], ["y"], domain="local")], *relu_y,
                                                            opsets=local, functions=rec2), REFUSE),
        case("graph", "initializer_shadows_node_output",
             model([N("Relu", ["x"], ["y"])], *relu_y, [("y", np.ones((2, 3), np.float32))]), REFUSE),
        case("graph", "input_with_initializer_default",
             model([N("Add", ["x", "w"], ["y"])], [vi("x"), vi("w")], [vi("y")],
                   [("w", np.ones((2, 3), np.float32))]), ACCEPT),
        case("graph", "initializer_contradicts_input",
             model([N("Add", ["x", "w"], ["y"])], [vi("x"), vi("w", T.FLOAT, (2, 3))], [vi("y")],
                   [("w", np.ones((5, 5), np.float32))]), REFUSE),
        case("graph", "no_graph", onnx.ModelProto(ir_version=8, opset_import=[helper.make_opsetid("", 17)]), REFUSE),
    ]


def _body(nodes, inputs, outputs):
    return helper.make_graph(nodes, "body", inputs, outputs)


def _control():
    empty = _body([], [], [])
    loop_in = [vi("n", T.INT64, ()), vi("c", T.BOOL, ())]
    trip = ("n", np.array(3, np.int64))
    ok_body = _body([N("Identity", ["c"], ["c2"]), N("Add", ["v", "v"], ["v2"])],
                    [vi("i", T.INT64, ()), vi("c", T.BOOL, ()), vi("v")], [vi("c2", T.BOOL, ()), vi("v2")])
    short_body = _body([N("Identity", ["c"], ["c2"])], [vi("i", T.INT64, ()), vi("c", T.BOOL, ())],
                       [vi("c2", T.BOOL, ())])
    scan_body = _body([N("Add", ["s", "e"], ["s2"]), N("Identity", ["s2"], ["o"])],
                      [vi("s", T.FLOAT, (3,)), vi("e", T.FLOAT, (3,))], [vi("s2", T.FLOAT, (3,)), vi("o", T.FLOAT, (3,))])
    then1 = _body([N("Relu", ["x"], ["t"])], [], [vi("t")])
    then2 = _body([N("Relu", ["x"], ["t"]), N("Neg", ["x"], ["u"])], [], [vi("t"), vi("u")])
    if_type = _body([N("Cast", ["x"], ["t"], to=T.INT64)], [], [vi("t", T.INT64)])
    s0, s1 = ("s0", T.FLOAT, (3,)), ("seq", T.FLOAT, (4, 3))
    return [
        case("control", "empty_loop_body", model([N("Loop", ["n", "c", "x"], ["y"], body=empty)],
                                                 [vi("x"), loop_in[1]], [vi("y")], [trip]), REFUSE),
        case("control", "loop_body_too_few_outputs", model([N("Loop", ["n", "c", "x"], ["y"], body=short_body)],
                                                           [vi("x"), loop_in[1]], [vi("y")], [trip]), REFUSE),
        case("control", "loop_valid", model([N("Loop", ["n", "c", "x"], ["y"], body=ok_body)],
                                            [vi("x"), loop_in[1]], [vi("y")], [trip]), EITHER),
        case("control", "loop_float_trip_count", model([N("Loop", ["n", "c", "x"], ["y"], body=ok_body)],
                                                       [vi("x"), loop_in[1]], [vi("y")],
                                                       [("n", np.array(3.0, np.float32))]), REFUSE),
        case("control", "loop_negative_trip_count", model([N("Loop", ["n", "", "x"], ["y"], body=ok_body)],
                                                          [vi("x")], [vi("y")], [("n", np.array(-5, np.int64))]), EITHER),
        case("control", "scan_wrong_input_count", model([N("Scan", ["s0", "seq"], ["s", "o"], body=scan_body,
                                                           num_scan_inputs=2)], [s0, s1],
                                                        [("s", T.FLOAT, (3,)), ("o", T.FLOAT, (4, 3))]), REFUSE),
        case("control", "scan_zero_scan_inputs", model([N("Scan", ["s0", "seq"], ["s", "o"], body=scan_body,
                                                          num_scan_inputs=0)], [s0, s1],
                                                       [("s", T.FLOAT, (3,)), ("o", T.FLOAT, (4, 3))]), REFUSE),
        case("control", "scan_axis_out_of_range", model([N("Scan", ["s0", "seq"], ["s", "o"], body=scan_body,
                                                           num_scan_inputs=1, scan_input_axes=[5])], [s0, s1],
                                                        [("s", T.FLOAT, (3,)), ("o", T.FLOAT, (4, 3))]), REFUSE),
        case("control", "scan_empty_body", model([N("Scan", ["s0", "seq"], ["s", "o"], body=empty,
                                                    num_scan_inputs=1)], [s0, s1],
                                                 [("s", T.FLOAT, (3,)), ("o", T.FLOAT, (4, 3))]), REFUSE),
        case("control", "if_branch_output_counts_differ", model([N("If", ["c"], ["y"], then_branch=then1,
                                                                   else_branch=then2)],
                                                                [vi("c", T.BOOL, ()), vi("x")], [vi("y")]), REFUSE),
        case("control", "if_branch_types_differ", model([N("If", ["c"], ["y"], then_branch=then1,
                                                           else_branch=if_type)],
                                                        [vi("c", T.BOOL, ()), vi("x")], [vi("y")]), REFUSE),
        case("control", "if_missing_branch", model([N("If", ["c"], ["y"], then_branch=then1)],
                                                   [vi("c", T.BOOL, ()), vi("x")], [vi("y")]), REFUSE),
        case("control", "if_float_condition", model([N("If", ["c"], ["y"], then_branch=then1, else_branch=then1)],
                                                    [vi("c", T.FLOAT, ()), vi("x")], [vi("y")]), REFUSE),
        case("control", "if_condition_not_scalar", model([N("If", ["c"], ["y"], then_branch=then1, else_branch=then1)],
                                                         [vi("c", T.BOOL, (4,)), vi("x")], [vi("y")]), EITHER),
    ]


def _versions():
    relu = lambda **kw: model([N("Relu", ["x"], ["y"])], [vi("x")], [vi("y")], **kw)
    w = ("w", np.ones((2, 3), np.float32))
    add_w = lambda ir, listed: model([N("Add", ["x", "w"], ["y"])],
                                     [vi("x")] + ([vi("w")] if listed else []), [vi("y")], [w], ir=ir, opset=7)
    return [
        case("versions", "opset_99", relu(opset=99), REFUSE, says="opset"),
        case("versions", "opset_0", relu(opset=0), REFUSE),
        case("versions", "opset_negative", relu(opset=-3), REFUSE),
        case("versions", "no_opset_import", relu(opsets={}), REFUSE),
        case("versions", "ml_opset_99", relu(opsets={"": 17, "ai.onnx.ml": 99}), REFUSE),
        case("versions", "duplicate_opset_import", relu(opsets={"": 17, "ai.onnx": 11}), EITHER),
        case("versions", "ir_99", relu(ir=99), REFUSE),
        case("versions", "ir_0", relu(ir=0), REFUSE),
        case("versions", "ir3_initializers_not_inputs", add_w(3, False), ACCEPT),
        case("versions", "ir3_initializers_as_inputs", add_w(3, True), ACCEPT),
        case("versions", "opset1_relu_consumed_inputs", unary("Relu", opset=1, consumed_inputs=[0]), ACCEPT),
        case("versions", "opset6_add_broadcast_attr",
             model([N("Add", ["x", "w"], ["y"], broadcast=1)], [vi("x"), vi("w", T.FLOAT, (3,))], [vi("y")],
                   opset=6), EITHER),
        case("versions", "opset_newest_known", relu(opset=onnx.defs.onnx_opset_version()), ACCEPT),
    ]


def cases():
    return _graphs() + _control() + _versions()
