"""Edges of the valid: empty tensors, deep and long graphs, extreme constants, and more
undefined-behaviour bait; plus --name values that would clash with headers."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, OPEN, REFUSE, case, model, unary, vi

N = helper.make_node
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1


def _empty():
    e = (0, 3)
    two = lambda op, shape=e, **kw: model([N(op, ["a", "b"], ["y"], **kw)],
                                          [vi("a", T.FLOAT, shape), vi("b", T.FLOAT, shape)],
                                          [vi("y", T.FLOAT, None)])
    red = lambda op, t=T.FLOAT: model([N(op, ["x"], ["y"], keepdims=0, axes=[1])], [vi("x", t, (2, 0))],
                                      [vi("y", t, None)], opset=13)
    return [
        ("add", two("Add")), ("concat_with_empty", model([N("Concat", ["a", "b"], ["y"], axis=0)],
                                                         [vi("a", T.FLOAT, (0, 3)), vi("b", T.FLOAT, (2, 3))],
                                                         [vi("y", T.FLOAT, None)])),
        ("matmul_k_0", model([N("MatMul", ["a", "b"], ["y"])], [vi("a", T.FLOAT, (2, 0)), vi("b", T.FLOAT, (0, 3))],
                             [vi("y", T.FLOAT, None)])),
        ("reducemean_float_empty_axis", red("ReduceMean")), ("reducemean_int32_empty_axis", red("ReduceMean", T.INT32)),
        ("reducemax_int32_empty_axis", red("ReduceMax", T.INT32)), ("reduceprod_empty_axis", red("ReduceProd")),
        ("softmax_empty", unary("Softmax", shape=(2, 0), axis=1)),
        ("argmax_empty_axis", model([N("ArgMax", ["x"], ["y"], axis=1)], [vi("x", T.FLOAT, (2, 0))],
                                    [vi("y", T.INT64, None)])),
        ("gather_no_indices", model([N("Gather", ["x", "i"], ["y"])], [vi("x"), vi("i", T.INT64, (0,))],
                                    [vi("y", T.FLOAT, None)])),
        ("topk_k_0", model([N("TopK", ["x", "k"], ["v", "i"], axis=1)], [vi("x")],
                           [vi("v", T.FLOAT, None), vi("i", T.INT64, None)], [("k", np.array([0], np.int64))])),
        ("maxpool_empty_batch", model([N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])],
                                      [vi("x", T.FLOAT, (0, 1, 4, 4))], [vi("y", T.FLOAT, None)])),
        ("conv_empty_batch", model([N("Conv", ["x", "w"], ["y"])], [vi("x", T.FLOAT, (0, 1, 4, 4))],
                                   [vi("y", T.FLOAT, None)], [("w", np.ones((2, 1, 3, 3), np.float32))])),
        ("transpose_empty", unary("Transpose", shape=(0, 4, 2), out_shape=OPEN, perm=[2, 0, 1])),
        ("cast_empty", unary("Cast", shape=(3, 0), out_shape=OPEN, to=T.INT8)),
    ]


def _chain(n: int):
    nodes = [N("Relu" if k % 2 else "Neg", [f"t{k}"], [f"t{k + 1}"]) for k in range(n)]
    return model(nodes, [vi("t0")], [vi(f"t{n}")])


def _nested_if(depth: int):
    inner = helper.make_graph([N("Relu", ["x"], ["o0"])], "leaf", [], [vi("o0")])
    for k in range(1, depth + 1):
        other = helper.make_graph([N("Neg", ["x"], [f"e{k}"])], f"else{k}", [], [vi(f"e{k}")])
        node = N("If", ["c"], [f"o{k}"], then_branch=inner, else_branch=other)
        inner = helper.make_graph([node], f"then{k}", [], [vi(f"o{k}")])
    return model(list(inner.node), [vi("c", T.BOOL, ()), vi("x")], [vi(f"o{depth}")])


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (tag, varint length, payload)."""
    out, n = bytearray([number << 3 | 2]), len(payload)
    while True:
        out.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n:
            return bytes(out) + payload


def _nested_if_bytes(depth: int) -> bytes:
    """An If nested deeper than protobuf's parser allows (100), encoded by hand."""
    shallow = _nested_if(1)
    leaf = shallow.graph.node[0].attribute[0].g.SerializeToString()
    other = shallow.graph.node[0].attribute[1].g.SerializeToString()
    out_vi = vi("o").SerializeToString()
    graph = leaf
    for _ in range(depth):
        attr = lambda name, g: _field(1, name) + _field(6, g) + bytes([160, 1, 5])  # type=GRAPH
        node = _field(1, b"c") + _field(2, b"o") + _field(4, b"If") + \
            _field(5, attr(b"then_branch", graph)) + _field(5, attr(b"else_branch", other))
        graph = _field(1, node) + _field(2, b"g") + _field(12, out_vi)
    top = shallow.SerializeToString()
    m = type(shallow)()
    m.ParseFromString(top)
    m.ClearField("graph")
    return m.SerializeToString() + _field(7, graph)


def _wide(n: int):
    return model([N("Sum", [f"x{k}" for k in range(n)], ["y"])], [vi(f"x{k}") for k in range(n)], [vi("y")])


def _extreme_constants():
    add_const = lambda t, arr, out=None: model([N("Add", ["x", "c"], ["y"])], [vi("x", t)], [vi("y", out or t)],
                                               [("c", np.asarray(arr))])
    slice_ = lambda s, e, step: model([N("Slice", ["x", "s", "e", "a", "t"], ["y"])], [vi("x", T.FLOAT, (6,))],
                                      [vi("y", T.FLOAT, None)],
                                      [("s", np.array([s], np.int64)), ("e", np.array([e], np.int64)),
                                       ("a", np.array([0], np.int64)), ("t", np.array([step], np.int64))])
    trilu = lambda k: model([N("Trilu", ["x", "k"], ["y"])], [vi("x", T.FLOAT, (3, 4))], [vi("y", T.FLOAT, (3, 4))],
                            [("k", np.array(k, np.int64))])
    return [
        ("int64_min_max_constant", add_const(T.INT64, np.array([[I64_MIN, I64_MAX, -1]] * 2, np.int64))),
        ("int32_min_constant", add_const(T.INT32, np.full((2, 3), -(1 << 31), np.int32))),
        ("uint64_max_constant", add_const(T.UINT64, np.full((2, 3), (1 << 64) - 1, np.uint64))),
        ("nan_inf_float_constant", add_const(T.FLOAT, np.array([[np.nan, np.inf, -np.inf]] * 2, np.float32))),
        ("nan_inf_double_constant", add_const(T.DOUBLE, np.array([[np.nan, np.inf, -0.0]] * 2))),
        ("float16_nan_constant", add_const(T.FLOAT16, np.array([[np.nan, np.inf, 65504]] * 2, np.float16))),
        ("slice_int64_extremes", slice_(I64_MIN, I64_MAX, 1)), ("slice_backwards_extremes", slice_(I64_MAX, I64_MIN, -1)),
        ("slice_step_int64_min", slice_(I64_MAX, I64_MIN, I64_MIN)),
        ("trilu_k_int64_min", trilu(I64_MIN)), ("trilu_k_int64_max", trilu(I64_MAX)),
        ("gather_constant_index_out_of_range", model([N("Gather", ["x", "i"], ["y"])], [vi("x")],
                                                     [vi("y", T.FLOAT, None)], [("i", np.array([7, -9], np.int64))])),
        ("string_constant_hostile", model([N("Equal", ["x", "c"], ["y"])], [vi("x", T.STRING, (3,))],
                                          [vi("y", T.BOOL, (3,))],
                                          [("c", np.array(["??/\n", "*/\0x", "\u202e" * 10], dtype=object))])),
        ("string_constant_longer_than_cell", model([N("Equal", ["x", "c"], ["y"])], [vi("x", T.STRING, (1,))],
                                                   [vi("y", T.BOOL, (1,))], [("c", np.array(["z" * 5000], dtype=object))])),
    ]


def _more_values():
    two = lambda op, t, **kw: model([N(op, ["a", "b"], ["y"], **kw)], [vi("a", t, (2, 2)), vi("b", t, (2, 2))],
                                    [vi("y", t, (2, 2))])
    q = lambda t: model([N("MatMulInteger", ["a", "b", "za", "zb"], ["y"])],
                        [vi("a", t, (2, 3)), vi("b", t, (3, 2)), vi("za", t, ()), vi("zb", t, ())],
                        [vi("y", T.INT32, (2, 2))])
    return [
        ("gemm_int32", model([N("Gemm", ["a", "b", "c"], ["y"], alpha=3.0, beta=-2.0)],
                             [vi(n, T.INT32, (2, 2)) for n in "abc"], [vi("y", T.INT32, (2, 2))])),
        ("gemm_int64", two("Gemm", T.INT64)),
        ("matmulinteger_int8_zero_points", q(T.INT8)), ("matmulinteger_uint8_zero_points", q(T.UINT8)),
        ("dynamic_quantize", model([N("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])], [vi("x")],
                                   [vi("y", T.UINT8), vi("s", T.FLOAT, ()), vi("z", T.UINT8, ())])),
        ("qlinearmatmul_extremes", model([N("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
                                         [vi("a", T.UINT8, (2, 3)), vi("b", T.UINT8, (3, 2))], [vi("y", T.UINT8, (2, 2))],
                                         [("as", np.array(1e-30, np.float32)), ("az", np.array(255, np.uint8)),
                                          ("bs", np.array(1e30, np.float32)), ("bz", np.array(0, np.uint8)),
                                          ("ys", np.array(1e-38, np.float32)), ("yz", np.array(0, np.uint8))])),
        ("maxunpool_runtime_indices", model([N("MaxUnpool", ["x", "i"], ["y"], kernel_shape=[2, 2],
                                                               strides=[2, 2])],
                                            [vi("x", T.FLOAT, (1, 1, 2, 2)), vi("i", T.INT64, (1, 1, 2, 2))],
                                            [vi("y", T.FLOAT, (1, 1, 4, 4))])),
        ("reversesequence_runtime_lengths", model([N("ReverseSequence", ["x", "l"], ["y"])],
                                                  [vi("x", T.FLOAT, (4, 2)), vi("l", T.INT64, (2,))],
                                                  [vi("y", T.FLOAT, (4, 2))])),
        ("cumsum_int64_reverse_exclusive", model([N("CumSum", ["x", "a"], ["y"], reverse=1, exclusive=1)],
                                                 [vi("x", T.INT64)], [vi("y", T.INT64)], [("a", np.array(1, np.int64))])),
        ("mod_float_fmod_0", model([N("Mod", ["a", "b"], ["y"])], [vi("a"), vi("b")], [vi("y")])),
        ("bitshift_uint8_left", two("BitShift", T.UINT8, direction="LEFT")),
        ("where_int64", model([N("Where", ["c", "a", "b"], ["y"])], [vi("c", T.BOOL), vi("a", T.INT64), vi("b", T.INT64)],
                              [vi("y", T.INT64)])),
        ("isinf_isnan", model([N("IsInf", ["x"], ["a"]), N("IsNaN", ["x"], ["b"]), N("Or", ["a", "b"], ["y"])],
                              [vi("x")], [vi("y", T.BOOL)])),
    ]


def cases():
    out = [case("empty", n, m, EITHER) for n, m in _empty()]
    out += [case("depth", "chain_200", _chain(200), ACCEPT), case("depth", "nested_if_20", _nested_if(20), ACCEPT),
            case("depth", "nested_if_30", _nested_if(30), EITHER),
            case("depth", "nested_if_300_bytes", _nested_if_bytes(300), REFUSE),
            case("depth", "sum_of_300_inputs", _wide(300), ACCEPT)]
    out += [case("constants", n, m, EITHER) for n, m in _extreme_constants()]
    out += [case("values", n, m, EITHER if n == "gemm_int32" else ACCEPT) for n, m in _more_values()]
    relu = unary("Relu")
    out += [case("names", f"cli_name_{k}", relu, REFUSE, args=["--name", k])
            for k in ("stdint", "math", "string", "o2c_abi", "o2c_runtime", "_x", "a__b")]
    out += [case("names", f"cli_name_{k}", relu, ACCEPT, args=["--name", k])
            for k in ("int", "model_run", "memcpy", "NAN")]
    return out
