"""com.microsoft DynamicQuantizeLSTM: its type rule, and the lowering of the private QLSTM
that passes/qlstm.py makes of it (packed weights, row sums, scales).

The kernel is the float LSTM's (templates/ops/rnn.c.j2); templates/ops/qlstm.c.j2 replaces
its pre-activations with onnxruntime's: X W for every step first, then h R at each step,
each through o2c_qdynamic_project (data quantized to uint8 at run time), then the bias.
"""
from __future__ import annotations

from dataclasses import replace

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ..quant import DOMAIN
from ._util import inp
from .qconv import tile_bytes
from .rnn import lower_rnn

MS = "com.microsoft"


@type_rule("DynamicQuantizeLSTM", domain=MS)
def _lstm_type(node, inputs):
    x, hidden = inputs[0].shape, int(node.attrs.get("hidden_size", 0))
    dirs = 2 if node.attrs.get("direction", "forward") == "bidirectional" else 1
    if not hidden or len(x) != 3:
        return None
    state = (DType.FLOAT, (dirs, x[1], hidden))
    return [(DType.FLOAT, (x[0], dirs, x[1], hidden)), state, state][:len(node.outputs)]


def _project_bytes(values: int, rows: int, k: int) -> int:
    """o2c_qdynamic_project_bytes."""
    return -(-values // 4) * 4 + rows * 8 + tile_bytes(k)


@op("QLSTM", domain=DOMAIN)
def lower_qlstm(node, ctx):
    if node.attrs.get("layout", 0):
        raise CompileError("DynamicQuantizeLSTM with layout 1 is not supported", node,
                           reason="DynamicQuantizeLSTM layout")
    base = lower_rnn(replace(node, op_type="LSTM"), ctx)
    p = dict(base.params)
    steps, batch, size, hidden = p["T"], p["B"], p["I"], p["H"]
    rows = 4 * hidden
    p.update(base_floats=base.scratch // 4, xw_floats=steps * batch * rows,
             hr_floats=batch * rows, w_rows_bytes=-(-rows // 2) * 2 * (-(-size // 4) * 4),
             r_rows_bytes=-(-rows // 2) * 2 * (-(-hidden // 4) * 4),
             w_per_row=inp(node, ctx, 9).size > p["D"], r_per_row=inp(node, ctx, 11).size > p["D"])
    project = max(_project_bytes(steps * batch * size, rows, size),
                  _project_bytes(batch * hidden, rows, hidden))
    scratch = base.scratch + 4 * (p["xw_floats"] + p["hr_floats"]) + project
    return Kernel("ops/qlstm.c.j2", p, scratch=scratch)


@op("DynamicQuantizeLSTM", domain=MS)
def lower_dynamic_quantize_lstm(node, ctx):
    """Reached only when passes/qlstm.py could not prepare the node."""
    raise CompileError("DynamicQuantizeLSTM needs constant weights, scales and zero points, "
                       "int8 weights within reach of their zero point, and no "
                       "sequence_lens (or constant full lengths)", node,
                       reason="DynamicQuantizeLSTM: not preparable")
