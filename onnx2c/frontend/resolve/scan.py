"""A Scan prepared for the C loop of ops/scan.py (a frontend/resolve/structure.py rule).

A Scan always runs at run time; what the compile time adds are the static types of its
outputs that ONNX inference leaves open. Inference types a body without the values it
reads from the enclosing scope, so a body whose shapes follow from outer constants (an
Unsqueeze whose axes it reads from outside, as in the LinearAttention function) comes
out of it shapeless. Folded with those constants on its own (unroll.body_types) the body
often is static, and then so are the Scan's outputs.
"""
from __future__ import annotations

from onnx import helper

from .branches import localize, reads_structures
from ..scope import graph_attr
from .structure import Ctx, rule
from .unroll import body_types, static


def _dims(t) -> list[int]:
    return [d.dim_value for d in t.tensor_type.shape.dim]


@rule("Scan")
def scan(node, ctx: Ctx):
    """A state output gets the body's type, a scan output the body's with the number of
    positions inserted at its axis (after opset 8's batch axis)."""
    if reads_structures(node, ctx):
        return localize(node, ctx)
    if all(static(ctx.type(o)) for o in node.output if o):
        return None
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    v8 = next((o.version for o in ctx.opsets if o.domain in ("", "ai.onnx")), 9) < 9
    ins, n_in = [ctx.type(x) for x in node.input[int(v8):]], a["num_scan_inputs"]
    n_state = len(ins) - n_in
    shapes = [_dims(t)[int(v8):] if static(t) else None for t in ins]
    if n_in < 1 or None in shapes or not all(shapes[n_state:]):
        return None                 # the lowering explains what is wrong
    axes = [0] * n_in if v8 else list(a.get("scan_input_axes") or [0] * n_in)
    axes = [x % len(s) for x, s in zip(axes, shapes[n_state:])]
    steps = shapes[n_state][axes[0]]
    slices = [s[:x] + s[x + 1:] for s, x in zip(shapes[n_state:], axes)]
    formal = [helper.make_tensor_type_proto(t.tensor_type.elem_type, s)
              for t, s in zip(ins, shapes[:n_state] + slices)]
    outs = body_types(ctx, graph_attr(node, "body"), formal) or []
    axes_out = [] if v8 else list(a.get("scan_output_axes") or [])
    batch = _dims(ins[n_state])[:1] if v8 else []
    for k, (o, t) in enumerate(zip(node.output, outs)):
        if not o or static(ctx.type(o)):
            continue
        dims = _dims(t)
        if k >= n_state:
            x = axes_out[k - n_state] if k - n_state < len(axes_out) else 0
            x %= len(dims) + 1
            dims = dims[:x] + [steps] + dims[x:]
        ctx.settle(o, helper.make_tensor_type_proto(t.tensor_type.elem_type, batch + dims))
    return None
