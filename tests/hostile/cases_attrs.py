"""Attribute values the ONNX spec does not allow, op family by op family."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, OPEN, REFUSE, case, model, unary, vi

N = helper.make_node
RNG = np.random.default_rng(11)


def _w(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _conv(op="Conv", xs=(1, 4, 6, 6), ws=(4, 4, 3, 3), out=None, **attrs):
    return model([N(op, ["x", "w"], ["y"], **attrs)], [vi("x", T.FLOAT, xs)],
                 [vi("y", T.FLOAT, out)], [("w", _w(*ws))])


def _pool(op, xs=(1, 2, 6, 6), **attrs):
    return model([N(op, ["x"], ["y"], **attrs)], [vi("x", T.FLOAT, xs)], [vi("y", T.FLOAT, None)])


def _conv_family():
    return [
        ("conv_group_0", _conv(group=0)), ("conv_group_negative", _conv(group=-2)),
        ("conv_group_not_dividing", _conv(group=3)), ("conv_group_weight_mismatch", _conv(group=2)),
        ("conv_strides_0", _conv(strides=[0, 0])), ("conv_strides_negative", _conv(strides=[-1, 1])),
        ("conv_strides_wrong_length", _conv(strides=[1, 1, 1])), ("conv_dilations_0", _conv(dilations=[0, 1])),
        ("conv_pads_negative", _conv(pads=[-5, 0, 0, 0])), ("conv_pads_wrong_length", _conv(pads=[1, 1])),
        ("conv_kernel_shape_mismatch", _conv(kernel_shape=[5, 5])), ("conv_auto_pad_evil", _conv(auto_pad="EVIL")),
        ("conv_kernel_larger_than_input", _conv(xs=(1, 4, 2, 2), ws=(4, 4, 5, 5))),
        ("conv_weight_rank_wrong", _conv(ws=(4, 4, 3))), ("conv_channels_mismatch", _conv(ws=(4, 3, 3, 3))),
        ("convtranspose_group_0", _conv("ConvTranspose", group=0)),
        ("convtranspose_output_padding_ge_stride", _conv("ConvTranspose", strides=[1, 1], output_padding=[3, 3])),
        ("convtranspose_strides_0", _conv("ConvTranspose", strides=[0, 0])),
        ("convtranspose_output_shape_small", _conv("ConvTranspose", output_shape=[1, 1])),
        ("maxpool_kernel_0", _pool("MaxPool", kernel_shape=[0, 0])),
        ("maxpool_strides_0", _pool("MaxPool", kernel_shape=[2, 2], strides=[0, 0])),
        ("maxpool_no_kernel", _pool("MaxPool")),
        ("maxpool_pads_ge_kernel", _pool("MaxPool", kernel_shape=[2, 2], pads=[3, 3, 3, 3])),
        ("maxpool_kernel_larger_than_input", _pool("MaxPool", kernel_shape=[9, 9])),
        ("maxpool_auto_pad_evil", _pool("MaxPool", kernel_shape=[2, 2], auto_pad="EVIL")),
        ("maxpool_storage_order_2", _pool("MaxPool", kernel_shape=[2, 2], storage_order=2)),
        ("maxpool_dilations_0", _pool("MaxPool", kernel_shape=[2, 2], dilations=[0, 0])),
        ("averagepool_kernel_negative", _pool("AveragePool", kernel_shape=[-2, 2])),
        ("lppool_p_0", _pool("LpPool", kernel_shape=[2, 2], p=0)),
        ("lrn_size_0", _pool("LRN", size=0)), ("lrn_size_negative", _pool("LRN", size=-3)),
    ]


def _axes():
    x23 = lambda op, **kw: unary(op, out_shape=OPEN, **kw)
    gather = lambda axis: model([N("Gather", ["x", "i"], ["y"], axis=axis)], [vi("x")],
                                [vi("y", T.FLOAT, None)], [("i", np.array([0, 1], np.int64))])
    two = lambda op, **kw: model([N(op, ["x", "x"], ["y"], **kw)], [vi("x")], [vi("y", T.FLOAT, None)])
    return [
        ("gather_axis_5", gather(5)), ("gather_axis_minus_9", gather(-9)),
        ("gatherelements_axis_5", model([N("GatherElements", ["x", "i"], ["y"], axis=5)], [vi("x")],
                                        [vi("y", T.FLOAT, None)], [("i", np.zeros((2, 3), np.int64))])),
        ("concat_axis_7", two("Concat", axis=7)), ("concat_no_axis", two("Concat")),
        ("softmax_axis_9", x23("Softmax", axis=9)), ("logsoftmax_axis_minus_9", x23("LogSoftmax", axis=-9)),
        ("hardmax_axis_4", x23("Hardmax", axis=4)),
        ("flatten_axis_9", x23("Flatten", axis=9)),
        ("transpose_perm_duplicate", x23("Transpose", perm=[0, 0])),
        ("transpose_perm_out_of_range", x23("Transpose", perm=[0, 5])),
        ("transpose_perm_wrong_length", x23("Transpose", perm=[1, 0, 2])),
        ("argmax_axis_4", model([N("ArgMax", ["x"], ["y"], axis=4)], [vi("x")], [vi("y", T.INT64, None)])),
        ("argmax_keepdims_7", model([N("ArgMax", ["x"], ["y"], keepdims=7)], [vi("x")], [vi("y", T.INT64, None)])),
        ("reducesum_axes_out_of_range", model([N("ReduceSum", ["x", "a"], ["y"])], [vi("x")],
                                              [vi("y", T.FLOAT, None)], [("a", np.array([7], np.int64))])),
        ("reducemean_axes_duplicate", x23("ReduceMean", opset=13, axes=[1, 1])),
        ("reducemax_axes_attr_range", x23("ReduceMax", opset=13, axes=[3])),
        ("squeeze_non_one_axis", model([N("Squeeze", ["x", "a"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                       [("a", np.array([1], np.int64))])),
        ("squeeze_axis_out_of_range", model([N("Squeeze", ["x", "a"], ["y"])], [vi("x")],
                                            [vi("y", T.FLOAT, None)], [("a", np.array([4], np.int64))])),
        ("unsqueeze_axes_duplicate", model([N("Unsqueeze", ["x", "a"], ["y"])], [vi("x")],
                                           [vi("y", T.FLOAT, None)], [("a", np.array([0, 0], np.int64))])),
        ("cumsum_axis_out_of_range", model([N("CumSum", ["x", "a"], ["y"])], [vi("x")], [vi("y")],
                                           [("a", np.array(5, np.int64))])),
        ("layernorm_axis_5", model([N("LayerNormalization", ["x", "s"], ["y"], axis=5)], [vi("x")], [vi("y")],
                                   [("s", np.ones(3, np.float32))])),
        ("split_sizes_wrong_sum", model([N("Split", ["x", "s"], ["a", "b"], axis=1)], [vi("x")],
                                        [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)],
                                        [("s", np.array([1, 5], np.int64))])),
        ("split_sizes_negative", model([N("Split", ["x", "s"], ["a", "b"], axis=1)], [vi("x")],
                                       [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)],
                                       [("s", np.array([4, -1], np.int64))])),
        ("split_num_outputs_0", model([N("Split", ["x"], ["a"], axis=1, num_outputs=0)], [vi("x")],
                                      [vi("a", T.FLOAT, None)], opset=18)),
        ("onehot_axis_5", model([N("OneHot", ["i", "d", "v"], ["y"], axis=5)], [vi("i", T.INT64, (3,))],
                                [vi("y", T.FLOAT, None)], [("d", np.array(4, np.int64)),
                                                           ("v", np.array([0, 1], np.float32))])),
    ]


def _values():
    return [
        ("cast_to_0", unary("Cast", to=0, out_shape=OPEN)),
        ("cast_to_999", unary("Cast", to=999, out_shape=OPEN)),
        ("cast_to_negative", unary("Cast", to=-1, out_shape=OPEN)),
        ("depthtospace_blocksize_0", _pool("DepthToSpace", xs=(1, 4, 2, 2), blocksize=0)),
        ("depthtospace_not_dividing", _pool("DepthToSpace", xs=(1, 6, 2, 2), blocksize=2)),
        ("depthtospace_mode_evil", _pool("DepthToSpace", xs=(1, 4, 2, 2), blocksize=2, mode="EVIL")),
        ("spacetodepth_blocksize_0", _pool("SpaceToDepth", blocksize=0)),
        ("spacetodepth_not_dividing", _pool("SpaceToDepth", xs=(1, 2, 5, 5), blocksize=2)),
        ("pad_mode_evil", model([N("Pad", ["x", "p"], ["y"], mode="EVIL")], [vi("x")], [vi("y", T.FLOAT, None)],
                                [("p", np.array([0, 1, 0, 1], np.int64))])),
        ("pad_pads_wrong_length", model([N("Pad", ["x", "p"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                        [("p", np.array([0, 1, 0], np.int64))])),
        ("pad_crops_everything", model([N("Pad", ["x", "p"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                       [("p", np.array([0, -5, 0, -5], np.int64))])),
        ("topk_k_negative", model([N("TopK", ["x", "k"], ["v", "i"])], [vi("x")],
                                  [vi("v", T.FLOAT, None), vi("i", T.INT64, None)], [("k", np.array([-1], np.int64))])),
        ("topk_k_too_big", model([N("TopK", ["x", "k"], ["v", "i"])], [vi("x")],
                                 [vi("v", T.FLOAT, None), vi("i", T.INT64, None)], [("k", np.array([9], np.int64))])),
        ("resize_mode_evil", model([N("Resize", ["x", "", "s"], ["y"], mode="evil")], [vi("x", T.FLOAT, (1, 1, 2, 2))],
                                   [vi("y", T.FLOAT, None)], [("s", np.array([1, 1, 2, 2], np.float32))])),
        ("resize_ctm_evil", model([N("Resize", ["x", "", "s"], ["y"], coordinate_transformation_mode="evil")],
                                  [vi("x", T.FLOAT, (1, 1, 2, 2))], [vi("y", T.FLOAT, None)],
                                  [("s", np.array([1, 1, 2, 2], np.float32))])),
        ("resize_scales_negative", model([N("Resize", ["x", "", "s"], ["y"])], [vi("x", T.FLOAT, (1, 1, 2, 2))],
                                         [vi("y", T.FLOAT, None)], [("s", np.array([1, 1, -2, 2], np.float32))])),
        ("slice_step_0", model([N("Slice", ["x", "s", "e", "a", "t"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                               [("s", np.array([0], np.int64)), ("e", np.array([2], np.int64)),
                                ("a", np.array([1], np.int64)), ("t", np.array([0], np.int64))])),
        ("mod_float_without_fmod", model([N("Mod", ["x", "x"], ["y"])], [vi("x")], [vi("y")])),
        ("bitshift_direction_up", model([N("BitShift", ["x", "x"], ["y"], direction="UP")],
                                        [vi("x", T.UINT8)], [vi("y", T.UINT8)])),
        ("gru_direction_evil", model([N("GRU", ["x", "w", "r"], ["", "h"], hidden_size=2, direction="evil")],
                                     [vi("x", T.FLOAT, (2, 1, 3))], [vi("h", T.FLOAT, None)],
                                     [("w", _w(1, 6, 3)), ("r", _w(1, 6, 2))])),
        ("lstm_hidden_size_0", model([N("LSTM", ["x", "w", "r"], ["", "h"], hidden_size=0)],
                                     [vi("x", T.FLOAT, (2, 1, 3))], [vi("h", T.FLOAT, None)],
                                     [("w", _w(1, 0, 3)), ("r", _w(1, 0, 0))])),
        ("rnn_hidden_size_mismatch", model([N("RNN", ["x", "w", "r"], ["", "h"], hidden_size=5)],
                                           [vi("x", T.FLOAT, (2, 1, 3))], [vi("h", T.FLOAT, None)],
                                           [("w", _w(1, 2, 3)), ("r", _w(1, 2, 2))])),
        ("einsum_bad_equation", model([N("Einsum", ["x", "x"], ["y"], equation="ij,jk->il")], [vi("x")],
                                      [vi("y", T.FLOAT, None)])),
        ("einsum_garbage_equation", model([N("Einsum", ["x"], ["y"], equation="*/!?")], [vi("x")],
                                          [vi("y", T.FLOAT, None)])),
        ("constant_without_value", model([N("Constant", [], ["c"]), N("Add", ["x", "c"], ["y"])], [vi("x")],
                                         [vi("y")])),
        ("constant_two_values", model([N("Constant", [], ["c"], value_float=1.0, value_int=2),
                                       N("Add", ["x", "c"], ["y"])], [vi("x")], [vi("y")])),
        ("gemm_inner_mismatch", model([N("Gemm", ["x", "w"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                      [("w", _w(4, 2))])),
        ("matmul_inner_mismatch", model([N("MatMul", ["x", "w"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                        [("w", _w(4, 2))])),
        ("batchnorm_scale_size", model([N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
                                       [vi("x", T.FLOAT, (1, 3, 2))], [vi("y", T.FLOAT, (1, 3, 2))],
                                       [(n, np.ones(5, np.float32)) for n in "sbmv"])),
        ("instancenorm_scale_size", model([N("InstanceNormalization", ["x", "s", "b"], ["y"])],
                                          [vi("x", T.FLOAT, (1, 3, 2))], [vi("y", T.FLOAT, (1, 3, 2))],
                                          [(n, np.ones(7, np.float32)) for n in "sb"])),
        ("range_delta_0", model([N("Range", ["s", "l", "d"], ["y"])], [], [vi("y", T.FLOAT, None)],
                                [("s", np.array(0, np.float32)), ("l", np.array(10, np.float32)),
                                 ("d", np.array(0, np.float32))])),
        ("expand_incompatible", model([N("Expand", ["x", "s"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                      [("s", np.array([4, 5], np.int64))])),
        ("tile_repeats_negative", model([N("Tile", ["x", "r"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                        [("r", np.array([1, -2], np.int64))])),
        ("tile_repeats_wrong_length", model([N("Tile", ["x", "r"], ["y"])], [vi("x")], [vi("y", T.FLOAT, None)],
                                            [("r", np.array([1, 2, 3], np.int64))])),
        ("constantofshape_negative", model([N("ConstantOfShape", ["s"], ["y"])], [], [vi("y", T.FLOAT, None)],
                                           [("s", np.array([2, -3], np.int64))])),
        ("eyelike_dtype_999", unary("EyeLike", dtype=999, out_shape=OPEN)),
        ("randomnormal_dtype_string", model([N("RandomNormal", [], ["y"], shape=[2, 3], dtype=T.STRING)], [],
                                            [vi("y", T.STRING)])),
    ]


def cases():
    # pads absorb the difference; ONNX's own tests take a float Mod with fmod=0
    valid = {"convtranspose_output_shape_small", "mod_float_without_fmod"}
    out = [case("attributes", n, m, EITHER if n in valid else REFUSE)
           for n, m in _conv_family() + _axes() + _values()]
    out.append(case("attributes", "leakyrelu_alpha_nan", unary("LeakyRelu", alpha=float("nan")), ACCEPT))
    out.append(case("attributes", "clip_min_above_max", unary("Clip", opset=6, min=3.0, max=-3.0), ACCEPT))
    return out
