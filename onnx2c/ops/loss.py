"""NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: one template (loss.c.j2) that
walks every (sample, position) of an (N, C, d1, ...) input, reads its target class at run
time (bounds-checked; ignore_index is skipped with weight 0) and reduces the weighted losses.
SoftmaxCrossEntropyLoss first takes the log-softmax of the position's C scores."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import inp, out, wanted
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class Loss:
    """templates/ops/loss.c.j2: N x C x D scores (D: the spatial extent), through a log
    softmax first for SoftmaxCrossEntropyLoss; `ignore`: the target value that counts
    for nothing (a literal) or None; `compute`: the output's compute type."""
    N: int
    C: int
    D: int
    softmax: bool
    log_prob: bool              # the log-probabilities are output 1
    reduction: str
    weight: bool                # class weights are input 2
    ignore: str | None
    compute: str


@op("NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", since=12)
def lower_loss(node, ctx):
    x, t, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    reduction = node.attrs.get("reduction", "mean")
    if len(x.shape) < 2 or t.shape != x.shape[:1] + x.shape[2:] or \
            reduction not in ("none", "sum", "mean") or not x.dtype.is_float:
        raise CompileError(f"input {x.shape} and target {t.shape} with reduction "
                           f"'{reduction}' are not a classification loss", node,
                           reason=f"{node.op_type}: shapes")
    ignore = node.attrs.get("ignore_index")
    log_prob = wanted(node, 1)
    params = Loss(x.shape[0], x.shape[1], int(np.prod(x.shape[2:], dtype=np.int64)),
                  node.op_type == "SoftmaxCrossEntropyLoss", log_prob, reduction,
                  inp(node, ctx, 2) is not None,
                  None if ignore is None else scalar(int(ignore), "int64_t"), y.dtype.compute)
    return Kernel("ops/loss.c.j2", params)
