"""8-bit models with hostile quantization parameters: zero, NaN and infinite scales, zero
points of the wrong type or length, axes out of range, integer convolutions whose shapes
do not fit, and a QDQ group the integer lowering takes on run-time extremes."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, REFUSE, case, model, vi

N = helper.make_node
F32 = np.float32


def _quantize(scale, zero=np.int8(0), shape=(2, 3), **kw):
    """x -> QuantizeLinear(scale, zero) -> y."""
    zero = np.asarray(zero)
    elem = {np.dtype(np.int8): T.INT8, np.dtype(np.uint8): T.UINT8,
            np.dtype(np.int32): T.INT32}[zero.dtype]
    return model([N("QuantizeLinear", ["x", "s", "z"], ["y"], **kw)], [vi("x", T.FLOAT, shape)],
                 [vi("y", elem, shape)], [("s", np.asarray(scale, F32)), ("z", zero)], opset=19)


def _dequantize(scale, zero, x_elem=T.INT8, shape=(2, 3), **kw):
    return model([N("DequantizeLinear", ["x", "s", "z"], ["y"], **kw)], [vi("x", x_elem, shape)],
                 [vi("y", T.FLOAT, shape)], [("s", np.asarray(scale, F32)), ("z", np.asarray(zero))],
                 opset=19)


def _qlinear_conv(w_shape, group=1, x_shape=(1, 4, 5, 5), y_shape=None):
    rng = np.random.default_rng(3)
    inits = [("xs", F32(0.1)), ("xz", np.int8(0)), ("w", rng.integers(-5, 5, w_shape).astype(np.int8)),
             ("ws", F32(0.05)), ("wz", np.int8(0)), ("ys", F32(0.2)), ("yz", np.int8(0))]
    return model([N("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"], group=group)],
                 [vi("x", T.INT8, x_shape)], [vi("y", T.INT8, y_shape)], inits)


def _qdq_conv(scale):
    """DequantizeLinear -> Conv -> QuantizeLinear with constant int8 weights: the integer
    path, its activation scale `scale`."""
    rng = np.random.default_rng(5)
    nodes = [N("DequantizeLinear", ["x", "xs", "xz"], ["xf"]),
             N("DequantizeLinear", ["w", "ws", "wz"], ["wf"]),
             N("Conv", ["xf", "wf"], ["c"], pads=[1, 1, 1, 1]),
             N("QuantizeLinear", ["c", "ys", "yz"], ["y"])]
    inits = [("xs", F32(scale)), ("xz", np.int8(3)), ("w", rng.integers(-127, 127, (4, 2, 3, 3)).astype(np.int8)),
             ("ws", F32(0.02)), ("wz", np.int8(0)), ("ys", F32(scale)), ("yz", np.int8(-2))]
    return model(nodes, [vi("x", T.INT8, (1, 2, 4, 4))], [vi("y", T.INT8, (1, 4, 4, 4))], inits, opset=19)


def cases():
    return [
        case("quant", "quantize_valid", _quantize(0.5), ACCEPT),
        case("quant", "quantize_scale_zero", _quantize(0.0), EITHER),
        case("quant", "quantize_scale_nan", _quantize(np.nan), EITHER),
        case("quant", "quantize_scale_inf", _quantize(np.inf), EITHER),
        case("quant", "quantize_scale_negative", _quantize(-0.5), EITHER),
        case("quant", "quantize_uint8_zero_point", _quantize(0.5, np.uint8(255)), EITHER),
        case("quant", "quantize_axis_out_of_range", _quantize(np.full(3, 0.5), np.zeros(3, np.int8), axis=5), REFUSE),
        case("quant", "quantize_scale_length_wrong", _quantize(np.full(4, 0.5), np.zeros(4, np.int8), axis=1), REFUSE),
        case("quant", "quantize_zero_point_int32", _quantize(0.5, np.int32(0)), REFUSE),
        case("quant", "dequantize_valid", _dequantize(0.5, np.int8(1)), ACCEPT),
        case("quant", "dequantize_zero_point_type_differs", _dequantize(0.5, np.uint8(1)), REFUSE),
        case("quant", "dequantize_zero_point_length_wrong",
             _dequantize(np.full(3, 0.5), np.zeros(2, np.int8), axis=1), REFUSE),
        case("quant", "dequantize_int32_nonzero_zero_point", _dequantize(0.5, np.int32(7), T.INT32), EITHER),
        case("quant", "qlinearconv_valid", _qlinear_conv((6, 4, 3, 3)), ACCEPT),
        case("quant", "qlinearconv_group_not_dividing", _qlinear_conv((6, 2, 3, 3), group=3), REFUSE),
        case("quant", "qlinearconv_weights_channels_wrong", _qlinear_conv((6, 3, 3, 3)), REFUSE),
        case("quant", "qlinearconv_group_2_weights_wrong", _qlinear_conv((6, 4, 3, 3), group=2), REFUSE),
        case("quant", "qdq_conv_valid", _qdq_conv(0.05), ACCEPT),
        case("quant", "qdq_conv_scale_tiny", _qdq_conv(1e-30), EITHER),
        case("quant", "qdq_conv_scale_huge", _qdq_conv(1e30), EITHER),
        case("quant", "qdq_conv_scale_zero", _qdq_conv(0.0), EITHER),
    ] + [case("quant", f"qdq_conv_fixed_scale_{name}", _qdq_conv(scale), EITHER,
              args=["--requant", "fixed"])
         for name, scale in (("valid", 0.05), ("tiny", 1e-30), ("huge", 1e30), ("zero", 0.0),
                             ("nan", np.nan), ("inf", np.inf))]
