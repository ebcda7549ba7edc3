"""com.microsoft DynamicQuantizeLSTM: its type rule, and the lowering of the private QLSTM
that passes/qlstm.py makes of it (packed weights, row sums, scales).

The kernel is the float LSTM's (templates/ops/rnn.c.j2); templates/ops/qlstm.c.j2 replaces
its pre-activations with onnxruntime's: X W for every step first, then h R at each step,
each through o2c_qdynamic_project (data quantized to uint8 at run time), then the bias.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ..quant import DOMAIN
from ._util import inp
from .qconv import tile_bytes
from .rnn import Recurrence, lower_rnn

MS = "com.microsoft"


@type_rule("DynamicQuantizeLSTM", domain=MS)
def _lstm_type(node, inputs):
    x, hidden = inputs[0].shape, int(node.attrs.get("hidden_size", 0))
    dirs = 2 if node.attrs.get("direction", "forward") == "bidirectional" else 1
    if not hidden or len(x) != 3:
        return None
    state = (DType.FLOAT, (dirs, x[1], hidden))
    return [(DType.FLOAT, (x[0], dirs, x[1], hidden)), state, state][:len(node.outputs)]


@dataclass(frozen=True)
class QuantizedRecurrence(Recurrence):
    """templates/ops/qlstm.c.j2: the float LSTM's parameters, and where its quantized
    products keep their data."""
    base_floats: int = 0        # scratch floats of the float LSTM, before the ones below
    xw_floats: int = 0          # X W for every step
    hr_floats: int = 0          # h R for every batch row
    w_rows_bytes: int = 0       # one direction's packed W, R
    r_rows_bytes: int = 0
    w_per_row: bool = False     # W's, R's scales per row (else one per direction)
    r_per_row: bool = False


def _project_bytes(values: int, rows: int, k: int) -> int:
    """o2c_qdynamic_project_bytes."""
    return -(-values // 4) * 4 + rows * 8 + tile_bytes(k)


@op("QLSTM", domain=DOMAIN)
def lower_qlstm(node, ctx):
    if node.attrs.get("layout", 0):
        raise CompileError("DynamicQuantizeLSTM with layout 1 is not supported", node,
                           reason="DynamicQuantizeLSTM layout")
    base = lower_rnn(replace(node, op_type="LSTM"), ctx)
    lstm: Recurrence = base.params
    steps, batch, size, hidden = lstm.T, lstm.B, lstm.I, lstm.H
    rows = 4 * hidden
    params = QuantizedRecurrence(
        **vars(lstm), base_floats=base.scratch // 4, xw_floats=steps * batch * rows,
        hr_floats=batch * rows, w_rows_bytes=-(-rows // 2) * 2 * (-(-size // 4) * 4),
        r_rows_bytes=-(-rows // 2) * 2 * (-(-hidden // 4) * 4),
        w_per_row=inp(node, ctx, 9).size > lstm.D, r_per_row=inp(node, ctx, 11).size > lstm.D)
    project = max(_project_bytes(steps * batch * size, rows, size),
                  _project_bytes(batch * hidden, rows, hidden))
    scratch = base.scratch + 4 * (params.xw_floats + params.hr_floats) + project
    return Kernel("ops/qlstm.c.j2", params, scratch=scratch)


@op("DynamicQuantizeLSTM", domain=MS)
def lower_dynamic_quantize_lstm(node, ctx):
    """Reached only when passes/qlstm.py could not prepare the node."""
    raise CompileError("DynamicQuantizeLSTM needs constant weights, scales and zero points, "
                       "int8 weights within reach of their zero point, and no "
                       "sequence_lens (or constant full lengths)", node,
                       reason="DynamicQuantizeLSTM: not preparable")
