"""How big the output of a value-sized op would be, from its constant inputs, before
constant folding evaluates it: ConstantOfShape([2^40]) must be refused, not allocated.

Shape inference usually knows these sizes already; this covers the cases it gives up on
(inputs of shape [1] where the spec wants scalars, say), for the ops whose output size
comes from input values. None when it cannot tell.
"""
from __future__ import annotations

import math

import numpy as np
from onnx import helper

_SIZE_INPUT = {"ConstantOfShape": 0, "CenterCropPad": 1}
_WINDOWS = {"BlackmanWindow", "HannWindow", "HammingWindow"}


def _scalar(a) -> float:
    return float(np.asarray(a).reshape(-1)[0])


def _broadcast(a, b) -> int:
    a, b = list(a), list(b)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    return math.prod(max(x, y) for x, y in zip(a, b))


def output_elements(node, consts: dict) -> int | None:
    """Elements of node's (first) output, or None if this is not known here."""
    op, ins = node.op_type, [consts.get(i) if i else None for i in node.input]
    try:
        if op in _SIZE_INPUT:
            return math.prod(int(d) for d in np.asarray(ins[_SIZE_INPUT[op]]).reshape(-1))
        if op == "Range":
            start, limit, delta = map(_scalar, ins[:3])
            return max(0, math.ceil((limit - start) / delta)) if delta else 0
        if op in _WINDOWS:
            return max(0, int(_scalar(ins[0])))
        if op == "Expand":
            return _broadcast(ins[0].shape, np.asarray(ins[1]).reshape(-1).astype(np.int64))
        if op == "Tile":
            return math.prod(int(s) * int(r) for s, r in
                             zip(ins[0].shape, np.asarray(ins[1]).reshape(-1)))
        if op == "Pad":
            pads = np.asarray(ins[1]).reshape(-1).astype(np.int64)
            rank = ins[0].ndim
            return math.prod(max(0, int(d + pads[k] + pads[k + rank]))
                             for k, d in enumerate(ins[0].shape))
        if op == "OneHot":
            return ins[0].size * int(_scalar(ins[1]))
        if op == "EyeLike":
            return ins[0].size
        if op in ("Resize", "Upsample"):
            x = ins[0]
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            sizes = ins[3] if len(ins) > 3 and ins[3] is not None else None
            if sizes is not None:
                return math.prod(int(s) for s in np.asarray(sizes).reshape(-1))
            scales = ins[2] if op == "Resize" and len(ins) > 2 and ins[2] is not None else \
                ins[1] if op == "Upsample" and len(ins) > 1 else attrs.get("scales")
            if scales is None:
                return None
            return math.prod(int(d * float(s)) for d, s in zip(x.shape, np.asarray(scales).reshape(-1)))
    except (TypeError, ValueError, IndexError, AttributeError, OverflowError):
        return None
    return None
