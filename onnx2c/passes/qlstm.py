"""com.microsoft DynamicQuantizeLSTM (quantize_dynamic's LSTM) to the private QLSTM.

onnxruntime's kernel is its float LSTM with each matrix product made integer: the data
(all of X at once, then h at every step) quantized to uint8 with DynamicQuantizeLinear's
range rule, times int8 weights, the int32 sum scaled by data_scale * weight_scale. Here
the weights W [dirs, input, 4H] and R [dirs, H, 4H] become o2c_qgemm.h row pairs (one row
per gate unit) with the zero point subtracted, plus each row's sum (the data's zero point,
known only at run time, is folded with it) and the weight scale per row; the rest of the
inputs keep LSTM's order, so ops/qlstm.py lowers QLSTM with the float LSTM's template.
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node
from ..quant.packing import row_pairs, row_sums, subtract_zero_point
from .qconstants import Builder, const


def _direction_rows(weights: np.ndarray, scale, zero, gates_h: int):
    """Per direction, the (4H, K) int8 rows minus the zero point, their sums, and the
    scale of every row; None if a difference leaves int8."""
    dirs = weights.shape[0]
    scale = np.broadcast_to(np.asarray(scale, np.float32).reshape(dirs, -1), (dirs, gates_h))
    zero = np.broadcast_to(np.asarray(zero, np.int64).reshape(dirs, -1), (dirs, gates_h))
    packed, sums = [], []
    for d in range(dirs):
        rows = subtract_zero_point(np.ascontiguousarray(weights[d].T), zero[d])
        if rows is None:
            return None
        packed.append(row_pairs(rows))
        sums.append(row_sums(rows).astype(np.int32))
    return np.concatenate(packed), np.concatenate(sums), np.ascontiguousarray(scale).reshape(-1)


def _full_lengths(g: Graph, node: Node) -> bool:
    """No sequence_lens, or a constant one of full lengths: onnxruntime quantizes h over
    the whole batch at every step, which only rows of one length reproduce."""
    lengths = const(g, node, 4, np.zeros(0))
    steps = g.values[node.inputs[0]].shape[0]
    return lengths is not None and bool(np.all(lengths == steps))


def prepare_lstm(g: Graph, node: Node, requant: str) -> bool:
    """inputs 0-7 as LSTM's (W and R packed), then W's row sums and scales, R's."""
    hidden = int(node.attrs.get("hidden_size", 0))
    params = [const(g, node, i) for i in (1, 2, 8, 9, 10, 11)]
    if not hidden or any(p is None for p in params) or not _full_lengths(g, node):
        return False
    w, r, w_scale, w_zero, r_scale, r_zero = params
    prepared_w = _direction_rows(w, w_scale, w_zero, 4 * hidden)
    prepared_r = _direction_rows(r, r_scale, r_zero, 4 * hidden)
    if prepared_w is None or prepared_r is None:
        return False
    b = Builder(g, node, requant)
    extra = []
    for tag, (packed, sums, scales) in (("w", prepared_w), ("r", prepared_r)):
        extra += [b.const(f"{tag}_rows", packed, DType.INT8),
                  b.const(f"{tag}_sums", sums, DType.INT32),
                  b.const(f"{tag}_scales", scales, DType.FLOAT)]
    inputs = list(node.inputs[:8]) + [""] * (8 - len(node.inputs[:8]))
    inputs[1], inputs[2], inputs[4] = extra[0], extra[3], ""
    attrs = dict(node.attrs, input_size=int(w.shape[1]))
    b.replace("QLSTM", inputs + [extra[1], extra[2], extra[4], extra[5]], attrs)
    return True
