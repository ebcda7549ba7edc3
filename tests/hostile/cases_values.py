"""Models that are valid but meet undefined-behaviour bait at run time (INT_MIN, NaN,
out-of-range indices, zero divisors), and models whose errors tempt "--freeze" advice."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, REFUSE, case, model, unary, vi

N = helper.make_node
INTS = {"int8": T.INT8, "int16": T.INT16, "int32": T.INT32, "int64": T.INT64}


def _two(op, a=T.INT32, b=None, out=None, shape=(2, 3), opset=17, **kw):
    b = a if b is None else b
    return model([N(op, ["a", "b"], ["y"], **kw)], [vi("a", a, shape), vi("b", b, shape)],
                 [vi("y", a if out is None else out, None)], opset=opset)


def _indexed(op, data_shape, idx_shape, out_shape=None, idx=T.INT64, extra=(), **kw):
    ins = [vi("x", T.FLOAT, data_shape), vi("i", idx, idx_shape)] + [vi(n, T.FLOAT, s) for n, s in extra]
    return model([N(op, ["x", "i"] + [n for n, _ in extra], ["y"], **kw)], ins, [vi("y", T.FLOAT, out_shape)])


def _ub():
    out = []
    for k, t in INTS.items():
        wide = t in (T.INT32, T.INT64)      # the only integers Pow, ReduceSum, CumSum take
        out += [(f"abs_{k}", unary("Abs", t)), (f"neg_{k}", unary("Neg", t)),
                (f"div_{k}", _two("Div", t)), (f"mod_{k}", _two("Mod", t)), (f"fmod_{k}", _two("Mod", t, fmod=1)),
                (f"mul_{k}", _two("Mul", t)), (f"add_{k}", _two("Add", t)), (f"sub_{k}", _two("Sub", t)),
                (f"cast_float_to_{k}", model([N("Cast", ["x"], ["y"], to=t)], [vi("x")], [vi("y", t)])),
                (f"sign_{k}", unary("Sign", t)), (f"relu_{k}", unary("Relu", t)),
                (f"max_{k}", _two("Max", t)), (f"min_{k}", _two("Min", t))]
        out += [(f"pow_{k}", _two("Pow", t)),
                (f"reducesum_{k}", model([N("ReduceSum", ["x"], ["y"], keepdims=0)], [vi("x", t)], [vi("y", t, None)])),
                (f"cumsum_{k}", model([N("CumSum", ["x", "a"], ["y"])], [vi("x", t)], [vi("y", t)],
                                      [("a", np.array(1, np.int64))]))] if wide else []
    out += [
        ("reduceprod_int64", model([N("ReduceProd", ["x"], ["y"], keepdims=0)], [vi("x", T.INT64)],
                                   [vi("y", T.INT64, None)])),
        ("reducesumsquare_int32", model([N("ReduceSumSquare", ["x"], ["y"], keepdims=0)], [vi("x", T.INT32)],
                                        [vi("y", T.INT32, None)])),
        ("reducel1_int32", model([N("ReduceL1", ["x"], ["y"], keepdims=0)], [vi("x", T.INT32)], [vi("y", T.INT32, None)])),
        ("matmul_int32", model([N("MatMul", ["a", "b"], ["y"])], [vi("a", T.INT32, (2, 3)), vi("b", T.INT32, (3, 2))],
                               [vi("y", T.INT32, (2, 2))])),
        ("matmulinteger_uint8", model([N("MatMulInteger", ["a", "b"], ["y"])],
                                      [vi("a", T.UINT8, (2, 3)), vi("b", T.UINT8, (3, 2))], [vi("y", T.INT32, (2, 2))])),
        ("cast_float_to_uint8", model([N("Cast", ["x"], ["y"], to=T.UINT8)], [vi("x")], [vi("y", T.UINT8)])),
        ("cast_float_to_uint64", model([N("Cast", ["x"], ["y"], to=T.UINT64)], [vi("x")], [vi("y", T.UINT64)])),
        ("cast_double_to_int32", model([N("Cast", ["x"], ["y"], to=T.INT32)], [vi("x", T.DOUBLE)], [vi("y", T.INT32)])),
        ("cast_double_to_float", model([N("Cast", ["x"], ["y"], to=T.FLOAT)], [vi("x", T.DOUBLE)], [vi("y")])),
        ("cast_float_to_float16", model([N("Cast", ["x"], ["y"], to=T.FLOAT16)], [vi("x")], [vi("y", T.FLOAT16)])),
        ("cast_float_to_float8", model([N("Cast", ["x"], ["y"], to=T.FLOAT8E4M3FN)], [vi("x")],
                                       [vi("y", T.FLOAT8E4M3FN)], opset=19)),
        ("cast_int64_to_int8", model([N("Cast", ["x"], ["y"], to=T.INT8)], [vi("x", T.INT64)], [vi("y", T.INT8)])),
        ("pow_float_int", _two("Pow", T.FLOAT, T.INT32, T.FLOAT)),
        ("bitshift_left_uint32", _two("BitShift", T.UINT32, direction="LEFT")),
        ("bitshift_right_uint64", _two("BitShift", T.UINT64, direction="RIGHT")),
        ("div_uint32", _two("Div", T.UINT32)),
        ("gather_int64_indices", _indexed("Gather", (4, 3), (5,), (5, 3))),
        ("gather_int32_indices", _indexed("Gather", (4, 3), (5,), (5, 3), T.INT32)),
        ("gatherelements", _indexed("GatherElements", (4, 3), (4, 3), (4, 3), axis=0)),
        ("gathernd", _indexed("GatherND", (4, 3), (5, 2), (5,))),
        ("scatterelements", model([N("ScatterElements", ["x", "i", "u"], ["y"], axis=1)],
                                  [vi("x"), vi("i", T.INT64), vi("u")], [vi("y")])),
        ("scatternd", model([N("ScatterND", ["x", "i", "u"], ["y"])],
                            [vi("x"), vi("i", T.INT64, (2, 2)), vi("u", T.FLOAT, (2,))], [vi("y")])),
        ("onehot_runtime_indices", model([N("OneHot", ["i", "d", "v"], ["y"])], [vi("i", T.INT64, (3,))],
                                         [vi("y", T.FLOAT, (3, 4))], [("d", np.array(4, np.int64)),
                                                                     ("v", np.array([0, 1], np.float32))])),
        ("argmax_nan", model([N("ArgMax", ["x"], ["y"], axis=1)], [vi("x")], [vi("y", T.INT64, (2, 1))])),
        ("topk_nan", model([N("TopK", ["x", "k"], ["v", "i"], axis=1)], [vi("x")],
                           [vi("v", T.FLOAT, (2, 2)), vi("i", T.INT64, (2, 2))], [("k", np.array([2], np.int64))])),
        ("quantize_extremes", model([N("QuantizeLinear", ["x", "s", "z"], ["y"])], [vi("x")], [vi("y", T.UINT8)],
                                    [("s", np.array(1e-30, np.float32)), ("z", np.array(128, np.uint8))])),
        ("quantize_scale_0", model([N("QuantizeLinear", ["x", "s"], ["y"])], [vi("x")], [vi("y", T.UINT8)],
                                   [("s", np.array(0, np.float32))])),
        ("dequantize_int32", model([N("DequantizeLinear", ["x", "s", "z"], ["y"])], [vi("x", T.INT32)], [vi("y")],
                                   [("s", np.array(2.0, np.float32)), ("z", np.array(-7, np.int32))])),
        ("slice_runtime_ends", model([N("Slice", ["x", "s", "e"], ["y"])],
                                     [vi("x", T.FLOAT, (6,)), vi("e", T.INT64, (1,))], [vi("y", T.FLOAT, (6,))],
                                     [("s", np.array([0], np.int64))])),
        ("slice_runtime_starts", model([N("Slice", ["x", "s", "e"], ["y"])],
                                       [vi("x", T.FLOAT, (6,)), vi("s", T.INT64, (1,))], [vi("y", T.FLOAT, None)],
                                       [("e", np.array([6], np.int64))])),
        ("gridsample_extreme_grid", model([N("GridSample", ["x", "g"], ["y"])],
                                          [vi("x", T.FLOAT, (1, 1, 3, 3)), vi("g", T.FLOAT, (1, 2, 2, 2))],
                                          [vi("y", T.FLOAT, (1, 1, 2, 2))])),
        ("roialign_extreme_rois", model([N("RoiAlign", ["x", "r", "b"], ["y"], output_height=2, output_width=2)],
                                        [vi("x", T.FLOAT, (1, 1, 4, 4)), vi("r", T.FLOAT, (2, 4)), vi("b", T.INT64, (2,))],
                                        [vi("y", T.FLOAT, (2, 1, 2, 2))])),
        ("resize_nearest_float", model([N("Resize", ["x", "", "s"], ["y"], mode="nearest")],
                                       [vi("x", T.FLOAT, (1, 1, 2, 2))], [vi("y", T.FLOAT, (1, 1, 4, 4))],
                                       [("s", np.array([1, 1, 2, 2], np.float32))])),
        ("round_floor_extremes", model([N("Round", ["x"], ["r"]), N("Floor", ["r"], ["y"])], [vi("x")], [vi("y")])),
        ("softmax_extremes", unary("Softmax", axis=1)),
        ("compress_runtime", model([N("Compress", ["x", "c"], ["y"], axis=1)], [vi("x"), vi("c", T.BOOL, (3,))],
                                   [vi("y", T.FLOAT, None)])),
        ("nonzero_runtime", model([N("NonZero", ["x"], ["y"])], [vi("x")], [vi("y", T.INT64, None)])),
        ("clip_int8", model([N("Clip", ["x", "lo", "hi"], ["y"])], [vi("x", T.INT8)], [vi("y", T.INT8)],
                            [("lo", np.array(-100, np.int8)), ("hi", np.array(100, np.int8))])),
        ("maxpool_int8", model([N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])], [vi("x", T.INT8, (1, 1, 3, 3))],
                               [vi("y", T.INT8, (1, 1, 2, 2))])),
        ("einsum_int32", model([N("Einsum", ["a", "b"], ["y"], equation="ij,jk->ik")],
                               [vi("a", T.INT32, (2, 3)), vi("b", T.INT32, (3, 2))], [vi("y", T.INT32, (2, 2))])),
        ("hardmax_nan", unary("Hardmax", axis=1)),
        ("lpnorm_zero", unary("LpNormalization", axis=1)),
        ("reducelogsumexp_extremes", model([N("ReduceLogSumExp", ["x"], ["y"], keepdims=0)], [vi("x")],
                                           [vi("y", T.FLOAT, None)])),
    ]
    either = {"slice_runtime_starts", "slice_runtime_ends"}    # may need --freeze
    return [case("values", n, m, EITHER if n in either else ACCEPT) for n, m in out]


def _freeze():
    reshape = lambda s_elem=T.INT64: model([N("Reshape", ["x", "s"], ["y"])], [vi("x"), vi("s", s_elem, (2,))],
                                           [vi("y", T.FLOAT, None)])
    from_float = model([N("Cast", ["f"], ["s"], to=T.INT64), N("Reshape", ["x", "s"], ["y"])],
                       [vi("x"), vi("f", T.FLOAT, (2,))], [vi("y", T.FLOAT, None)])
    bad_gather = model([N("Gather", ["x", "i"], ["y"], axis=5)], [vi("x"), vi("i", T.INT64, (2,))],
                       [vi("y", T.FLOAT, None)])
    bad_matmul = model([N("MatMul", ["a", "b"], ["y"])], [vi("a", T.FLOAT, (2, 3)), vi("b", T.FLOAT, (4, 5))],
                       [vi("y", T.FLOAT, None)])
    bad_conv = model([N("Conv", ["x", "w"], ["y"], strides=[0, 0])],
                     [vi("x", T.FLOAT, (1, 1, 4, 4)), vi("w", T.FLOAT, (1, 1, 2, 2))], [vi("y", T.FLOAT, None)])
    bad_reshape_rank = model([N("Reshape", ["x", "s"], ["y"])], [vi("x"), vi("s", T.INT64, (2, 2))],
                             [vi("y", T.FLOAT, None)])
    runtime = lambda op, ins, shapes: model([N(op, list(ins), ["y"])],
                                            [vi(n, t, s) for n, (t, s) in zip(ins, shapes)],
                                            [vi("y", T.FLOAT, None)])
    npy = lambda arr: _npy(arr)
    return [
        case("freeze", "reshape_shape_input", reshape(), REFUSE, says="--freeze s="),
        case("freeze", "reshape_shape_from_float", from_float, EITHER),
        case("freeze", "gather_axis_5_runtime_indices", bad_gather, REFUSE),
        case("freeze", "matmul_mismatch_runtime", bad_matmul, REFUSE),
        case("freeze", "conv_strides_0_runtime_weights", bad_conv, REFUSE),
        case("freeze", "reshape_shape_rank_2", bad_reshape_rank, REFUSE),
        case("freeze", "constantofshape_runtime", model([N("ConstantOfShape", ["s"], ["y"])], [vi("s", T.INT64, (2,))],
                                                         [vi("y", T.FLOAT, None)]), REFUSE),
        case("freeze", "tile_runtime", runtime("Tile", "xr", [(T.FLOAT, (2, 3)), (T.INT64, (2,))]), EITHER),
        case("freeze", "expand_runtime", runtime("Expand", "xs", [(T.FLOAT, (2, 3)), (T.INT64, (2,))]), EITHER),
        case("freeze", "range_runtime", model([N("Range", ["a", "b", "d"], ["y"])],
                                              [vi(n, T.FLOAT, ()) for n in "abd"], [vi("y", T.FLOAT, None)]), EITHER),
        case("freeze", "frozen_wrong_dtype", reshape(), REFUSE, says="int32",
             args=["--freeze", "s={dir}/s.npy"], files={"s.npy": npy(np.array([3, 2], np.int32))}),
        case("freeze", "frozen_wrong_shape", reshape(), REFUSE, args=["--freeze", "s={dir}/s.npy"],
             files={"s.npy": npy(np.array([3, 2, 1], np.int64))}),
        case("freeze", "frozen_not_an_input", reshape(), REFUSE, args=["--freeze", "zz={dir}/s.npy"],
             files={"s.npy": npy(np.array([3, 2], np.int64))}),
        case("freeze", "frozen_valid", reshape(), ACCEPT, args=["--freeze", "s={dir}/s.npy"],
             files={"s.npy": npy(np.array([3, 2], np.int64))}),
        case("freeze", "frozen_bad_value", reshape(), REFUSE, args=["--freeze", "s={dir}/s.npy"],
             files={"s.npy": npy(np.array([4, 4], np.int64))}),
        case("freeze", "shape_of_unknown_rank", model([N("Relu", ["x"], ["y"])], [vi("x", T.FLOAT, None)], [vi("y")]),
             REFUSE, says="--shape"),
    ]


def _npy(arr) -> bytes:
    import io
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def cases():
    return _ub() + _freeze()
