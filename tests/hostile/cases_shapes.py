"""Absurd sizes, declared shapes and types that contradict the computed ones, and operand
types that do not agree."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper, numpy_helper

from .generate import ACCEPT, EITHER, REFUSE, case, model, unary, vi

N = helper.make_node
BIG = 1 << 40


def _i64(*v):
    return np.array(v, np.int64)


def _absurd():
    body = helper.make_graph([N("Identity", ["c"], ["c2"]), N("Add", ["v", "v"], ["v2"])], "body",
                             [vi("i", T.INT64, ()), vi("c", T.BOOL, ()), vi("v")],
                             [vi("c2", T.BOOL, ()), vi("v2")])
    loop = lambda n, cond: model([N("Loop", ["n", "c" if cond else "", "x"], ["y"], body=body)],
                                 [vi("x")] + ([vi("c", T.BOOL, ())] if cond else []), [vi("y")],
                                 [("n", np.array(n, np.int64))])
    counting = helper.make_graph([N("Less", ["i", "five"], ["c2"]), N("Add", ["v", "v"], ["v2"])], "body",
                                 [vi("i", T.INT64, ()), vi("c", T.BOOL, ()), vi("v")],
                                 [vi("c2", T.BOOL, ()), vi("v2")], [numpy_helper.from_array(np.array(5, np.int64), "five")])
    while_loop = model([N("Loop", ["n", "c", "x"], ["y"], body=counting)], [vi("x")], [vi("y")],
                       [("n", np.array((1 << 63) - 1, np.int64)), ("c", np.array(True))])
    shaped = lambda op, arr, ins=("x",), **kw: model([N(op, [*ins, "s"], ["y"], **kw)],
                                                     [vi(i) for i in ins], [vi("y", T.FLOAT, None)], [("s", arr)])
    return [
        case("sizes", "input_dim_2_40", unary("Relu", shape=(BIG,)), REFUSE),
        case("sizes", "input_dims_overflow_int64", unary("Relu", shape=(1 << 32, 1 << 32, 1 << 32)), REFUSE),
        case("sizes", "input_dim_int64_max", unary("Relu", shape=((1 << 63) - 1,)), REFUSE),
        case("sizes", "input_dim_negative", unary("Relu", shape=(-5, 3)), REFUSE),
        case("sizes", "input_dim_zero", unary("Relu", shape=(0, 3)), ACCEPT),
        case("sizes", "rank_40", unary("Relu", shape=(1,) * 40), ACCEPT),
        case("sizes", "reshape_to_2_40", shaped("Reshape", _i64(BIG, -1)), REFUSE),
        case("sizes", "constantofshape_2_40", model([N("ConstantOfShape", ["s"], ["y"])], [],
                                                    [vi("y", T.FLOAT, None)], [("s", _i64(BIG))]), REFUSE),
        case("sizes", "constantofshape_2_20_squared", model([N("ConstantOfShape", ["s"], ["y"])], [],
                                                            [vi("y", T.FLOAT, None)], [("s", _i64(1 << 20, 1 << 20))]),
             REFUSE),
        case("sizes", "expand_2_31_squared", shaped("Expand", _i64(1 << 31, 1 << 31, 3)), REFUSE),
        case("sizes", "tile_2_40", shaped("Tile", _i64(BIG, 1)), REFUSE),
        case("sizes", "pad_2_40", shaped("Pad", _i64(0, BIG, 0, 0)), REFUSE),
        case("sizes", "resize_scale_1e12", model([N("Resize", ["x", "", "s"], ["y"])], [vi("x", T.FLOAT, (1, 1, 2, 2))],
                                                 [vi("y", T.FLOAT, None)],
                                                 [("s", np.array([1, 1, 1e12, 1e12], np.float32))]), REFUSE),
        case("sizes", "range_2_40", model([N("Range", ["a", "b", "d"], ["y"])], [], [vi("y", T.INT64, None)],
                                          [("a", np.array(0, np.int64)), ("b", np.array(BIG, np.int64)),
                                           ("d", np.array(1, np.int64))]), REFUSE),
        case("sizes", "onehot_depth_2_40", model([N("OneHot", ["i", "d", "v"], ["y"])], [vi("i", T.INT64, (3,))],
                                                 [vi("y", T.FLOAT, None)], [("d", np.array(BIG, np.int64)),
                                                                            ("v", np.array([0, 1], np.float32))]),
             REFUSE),
        case("sizes", "matmul_2_40_output", model([N("MatMul", ["a", "b"], ["y"])],
                                                  [vi("a", T.FLOAT, (1 << 20, 1)), vi("b", T.FLOAT, (1, 1 << 20))],
                                                  [vi("y", T.FLOAT, None)]), REFUSE),
        case("sizes", "loop_2_40_iterations", loop(BIG, False), REFUSE),
        case("sizes", "loop_int64_max_stopped_by_condition", while_loop, ACCEPT),
        case("sizes", "loop_int64_max", loop((1 << 63) - 1, False), REFUSE),
        case("sizes", "workspace_over_limit", _staged(64, 64),
             REFUSE, says="--max-workspace", args=["--max-workspace", "1000"]),
        case("sizes", "workspace_over_cortex_m4", _staged(4096, 2048),
             REFUSE, says="--max-workspace", args=["--target", "cortex-m4"]),
        case("sizes", "workspace_within_limit", _staged(4, 4),
             ACCEPT, args=["--max-workspace", "1000"]),
    ]


def _declared():
    relu_declared = lambda out, vinfo=(): model([N("Relu", ["x"], ["a"]), N("Neg", ["a"], ["y"])],
                                                [vi("x")], [out], value_info=vinfo)
    return [
        case("declared", "output_7x7_for_2x3", unary("Relu", out_shape=(7, 7)), REFUSE, says="7x7"),
        case("declared", "output_rank_3", unary("Relu", out_shape=(2, 3, 1)), REFUSE),
        case("declared", "output_dim_0", unary("Relu", out_shape=(0, 3)), REFUSE),
        case("declared", "output_type_int32", model([N("Relu", ["x"], ["y"])], [vi("x")], [vi("y", T.INT32)]),
             REFUSE, says="int32"),
        case("declared", "value_info_7x7", relu_declared(vi("y"), [vi("a", T.FLOAT, (7, 7))]), REFUSE, says="7x7"),
        case("declared", "value_info_double", relu_declared(vi("y"), [vi("a", T.DOUBLE)]), REFUSE),
        case("declared", "value_info_rank_1", relu_declared(vi("y"), [vi("a", T.FLOAT, (6,))]), REFUSE),
        case("declared", "output_minus_1", unary("Relu", out_shape=(-1, 3)), ACCEPT),
        case("declared", "output_symbolic", unary("Relu", out_shape=("N", 3)), ACCEPT),
        case("declared", "output_no_shape", unary("Relu", out_shape=None), ACCEPT),
        case("declared", "output_minus_1_after_reshape",
             model([N("Reshape", ["x", "s"], ["r"]), N("Softmax", ["r"], ["y"])], [vi("x", T.FLOAT, (1, 6))],
                   [vi("y", T.FLOAT, (-1, 2))], [("s", _i64(-1, 2))]), ACCEPT),
        case("declared", "value_info_symbolic", relu_declared(vi("y"), [vi("a", T.FLOAT, ("B", -1))]), ACCEPT),
        case("declared", "reshape_wrong_count", model([N("Reshape", ["x", "s"], ["y"])], [vi("x")],
                                                      [vi("y", T.FLOAT, None)], [("s", _i64(7, 7))]), REFUSE),
        case("declared", "reshape_two_minus_1", model([N("Reshape", ["x", "s"], ["y"])], [vi("x")],
                                                      [vi("y", T.FLOAT, None)], [("s", _i64(-1, -1))]), REFUSE),
        case("declared", "reshape_not_divisible", model([N("Reshape", ["x", "s"], ["y"])], [vi("x")],
                                                        [vi("y", T.FLOAT, None)], [("s", _i64(4, -1))]), REFUSE),
        case("declared", "reshape_allowzero_zero", model([N("Reshape", ["x", "s"], ["y"], allowzero=1)], [vi("x")],
                                                         [vi("y", T.FLOAT, None)], [("s", _i64(0, 6))]), REFUSE),
        case("declared", "reshape_minus_2", model([N("Reshape", ["x", "s"], ["y"])], [vi("x")],
                                                  [vi("y", T.FLOAT, None)], [("s", _i64(-2, 3))]), REFUSE),
    ]


def _types():
    two = lambda op, a, b, out=T.FLOAT, **kw: model([N(op, ["a", "b"], ["y"], **kw)], [vi("a", a), vi("b", b)],
                                                    [vi("y", out, None)])
    return [
        case("types", "add_float_int64", two("Add", T.FLOAT, T.INT64), REFUSE),
        case("types", "concat_double_float", two("Concat", T.DOUBLE, T.FLOAT, axis=0), REFUSE),
        case("types", "matmul_float_int32", two("MatMul", T.FLOAT, T.INT32), REFUSE),
        case("types", "sub_uint8_int8", two("Sub", T.UINT8, T.INT8, T.UINT8), REFUSE),
        case("types", "equal_float_double", two("Equal", T.FLOAT, T.DOUBLE, T.BOOL), REFUSE),
        case("types", "where_float_condition", model([N("Where", ["c", "x", "x"], ["y"])], [vi("c"), vi("x")],
                                                     [vi("y")]), REFUSE),
        case("types", "gather_float_indices", model([N("Gather", ["x", "i"], ["y"])], [vi("x")],
                                                    [vi("y", T.FLOAT, None)], [("i", np.array([0.0], np.float32))]),
             REFUSE),
        case("types", "relu_of_string", unary("Relu", elem=T.STRING), REFUSE),
        case("types", "relu_of_bool", unary("Relu", elem=T.BOOL), REFUSE),
        case("types", "reshape_float_shape", model([N("Reshape", ["x", "s"], ["y"])], [vi("x")],
                                                   [vi("y", T.FLOAT, None)], [("s", np.array([3, 2], np.float32))]),
             REFUSE),
        case("types", "conv_int32", model([N("Conv", ["x", "w"], ["y"])], [vi("x", T.INT32, (1, 1, 3, 3))],
                                          [vi("y", T.INT32, None)], [("w", np.ones((1, 1, 2, 2), np.int32))]), REFUSE),
        case("types", "sum_mixed", model([N("Sum", ["a", "b", "c"], ["y"])],
                                         [vi("a"), vi("b"), vi("c", T.FLOAT16)], [vi("y")]), REFUSE),
        case("types", "and_of_float", two("And", T.FLOAT, T.FLOAT, T.BOOL), REFUSE),
        case("types", "cast_float_to_string", unary("Cast", to=T.STRING, out_shape=None), EITHER),
        case("types", "input_is_sequence", model([N("Identity", ["x"], ["y"])],
                                                 [helper.make_tensor_sequence_value_info("x", T.FLOAT, None)],
                                                 [helper.make_tensor_sequence_value_info("y", T.FLOAT, None)]),
             REFUSE),
        case("types", "input_no_type", model([N("Relu", ["x"], ["y"])],
                                             [helper.make_empty_tensor_value_info("x")], [vi("y")]), REFUSE),
    ]


def _staged(rows, cols):
    """x -> Concat(x, x) -> Neg -> y: an intermediate of twice x's size in the workspace
    (a Concat, which no elementwise fusion removes)."""
    return model([N("Concat", ["x", "x"], ["a"], axis=0), N("Neg", ["a"], ["y"])],
                 [vi("x", T.FLOAT, (rows, cols))], [vi("y", T.FLOAT, (2 * rows, cols))])


def cases():
    return _absurd() + _declared() + _types()
