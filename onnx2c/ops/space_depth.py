"""DepthToSpace and SpaceToDepth: a fixed 6-D transpose of the input, one strided copy."""
from __future__ import annotations

from ..errors import CompileError
from ._strided import Moves
from ._util import inp, out, strides
from ..ir.optable import op

# (6-D view of the input, transpose permutation) per op and mode, as in the ONNX spec
_VIEWS = {("DepthToSpace", "DCR"): ("n b b c h w", (0, 3, 4, 1, 5, 2)),
          ("DepthToSpace", "CRD"): ("n c b b h w", (0, 1, 4, 2, 5, 3)),
          ("SpaceToDepth", "DCR"): ("n c h b w b", (0, 3, 5, 1, 2, 4)),
          ("SpaceToDepth", "CRD"): ("n c h b w b", (0, 1, 3, 5, 2, 4))}


@op("DepthToSpace", "SpaceToDepth")
def lower_depth_space(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    mode = node.attrs.get("mode", "DCR")
    if (node.op_type, mode) not in _VIEWS:
        raise CompileError(f"unknown mode '{mode}'", node, reason=f"{node.op_type} mode")
    if len(x.shape) != 4:
        raise CompileError(f"{node.op_type} needs a 4-D input, got rank {len(x.shape)}", node,
                           reason=f"{node.op_type} rank")
    names, perm = _VIEWS[node.op_type, mode]
    n, c, h, w = x.shape
    b = node.attrs["blocksize"]
    split = (c,) if node.op_type == "DepthToSpace" else (h, w)
    if b < 1 or any(d % (b * b if node.op_type == "DepthToSpace" else b) for d in split) or \
            x.size != y.size:
        raise CompileError(f"blocksize={b} does not divide the input {list(x.shape)} as "
                           f"{node.op_type} needs", node, reason=f"{node.op_type} blocksize")
    sizes = dict(n=n, h=h, w=w, b=b, c=c // (b * b)) if node.op_type == "DepthToSpace" else \
        dict(n=n, c=c, h=h // b, w=w // b, b=b)
    view = [sizes[k] for k in names.split()]
    vs = strides(view)
    dims = [view[p] for p in perm]
    m = Moves(y.dtype)
    m.move("out0", "in0", dims, strides(dims), [vs[p] for p in perm])
    return m.kernel()
