"""NonMaxSuppression: the boxes kept per batch and class, as (batch, class, box) rows.

How many rows survive depends on the scores, the boxes and the run-time thresholds; the
capacity is every box of every class, or max_output_boxes_per_class of them when that is
a constant."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._util import inp, out
from ..ir.optable import Bound, Kernel, capacity, op


@capacity("NonMaxSuppression")
def nms_capacity(node, values):
    boxes, scores = values[node.inputs[0]], values[node.inputs[1]]
    limit = values[node.inputs[2]] if len(node.inputs) > 2 and node.inputs[2] else None
    per_class = boxes.shape[1]
    if limit is None or limit.size == 0:
        per_class = 0                   # no limit given means no output at all
    elif limit.data is not None:
        per_class = min(per_class, max(0, int(limit.data.reshape(-1)[0])))
    rows = boxes.shape[0] * scores.shape[1] * per_class
    return [(rows if per_class == 0 else Bound(rows), 3)]


@dataclass(frozen=True)
class NonMaxSuppression:
    """templates/ops/nms.c.j2: `boxes` boxes and `classes` score rows per batch entry; at
    most `cap` selected triples fit the output; `has[i]`: optional input i is given."""
    batches: int
    classes: int
    boxes: int
    cap: int
    has: list[bool]
    center: int                 # center_point_box: boxes are (x, y, w, h)


@op("NonMaxSuppression", since=10)
def lower_nms(node, ctx):
    boxes, scores, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    if len(boxes.shape) != 3 or len(scores.shape) != 3 or boxes.shape[2] != 4 or \
            (scores.shape[0], scores.shape[2]) != boxes.shape[:2]:
        raise CompileError(f"NonMaxSuppression needs boxes [B, N, 4] and scores [B, C, N], "
                           f"got {boxes.shape} and {scores.shape}", node,
                           reason="NonMaxSuppression: shapes")
    (b, n, _), c = boxes.shape, scores.shape[1]
    has = [inp(node, ctx, i) is not None for i in range(5)]
    return Kernel("ops/nms.c.j2", NonMaxSuppression(
        b, c, n, y.shape[0], has, node.attrs.get("center_point_box", 0)), scratch=8 * n)
