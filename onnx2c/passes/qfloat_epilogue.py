"""quantize_dynamic's MatMulInteger -> Cast(float) -> Mul(scale) [-> Add(bias)] as one
QGemm (passes/qprepare.py's run-time zero point form) with a float epilogue
(runtime_c/o2c_qepilogue.h: (float)sum * scale, then + bias[n]): the same float steps
in the same order as the nodes, without the int32 and intermediate float tensors.
onnxruntime fuses the chain the same way (MatMulIntegerToFloat).

A node is absorbed only when it alone reads the value before it and that value is not
a graph output; the fused QGemm stands where the last absorbed node stood, after every
one of its inputs.
"""
from __future__ import annotations

from ..ir import DType, Graph, Node
from ..quant import DOMAIN

_SCALE, _BIAS_F = 3, 4          # QGemm's inputs for the float epilogue (ops/qmatmul.py)


def _sole_reader(g: Graph, value: str, readers: dict, op: str) -> Node | None:
    users = readers.get(value, [])
    if value in g.outputs or len(users) != 1 or users[0].op_type != op or users[0].domain:
        return None
    return users[0]


def _other(node: Node, value: str) -> str | None:
    """The binary node's operand that is not `value` (None if both are)."""
    if len(node.inputs) != 2 or node.inputs.count(value) != 1:
        return None
    return node.inputs[1] if node.inputs[0] == value else node.inputs[0]


def _chain(g: Graph, qgemm: Node, readers: dict):
    """(absorbed nodes, scale, float bias or "") for a QGemm's float chain, or None."""
    shape, n = g.values[qgemm.outputs[0]].shape, qgemm.attrs["N"]
    cast = _sole_reader(g, qgemm.outputs[0], readers, "Cast")
    if cast is None or cast.attrs.get("to") != 1:          # to float32
        return None
    mul = _sole_reader(g, cast.outputs[0], readers, "Mul")
    scale = _other(mul, cast.outputs[0]) if mul else None
    if scale is None or g.values[scale].dtype != DType.FLOAT or g.values[scale].size != 1 \
            or g.values[mul.outputs[0]].shape != shape:
        return None
    add = _sole_reader(g, mul.outputs[0], readers, "Add")
    bias = _other(add, mul.outputs[0]) if add else None
    if bias is None:
        return [cast, mul], scale, ""
    b = g.values[bias]
    if b.data is None or b.dtype != DType.FLOAT or b.size != n or b.shape[-1:] != (n,) \
            or g.values[add.outputs[0]].shape != shape:
        return [cast, mul], scale, ""
    return [cast, mul, add], scale, bias


def fuse_qgemm_float(g: Graph) -> bool:
    """Absorb the chains; whether any was."""
    changed, readers = False, g.consumers()
    for node in list(g.nodes):
        if node.domain != DOMAIN or node.op_type != "QGemm" or \
                node.attrs.get("mode") != "int32" or len(node.inputs) < 7:
            continue
        hit = _chain(g, node, readers)
        if hit is None:
            continue
        gone, scale, bias = hit
        inputs = list(node.inputs)
        inputs[_SCALE], inputs[_BIAS_F] = scale, bias
        fused = Node(node.name, node.op_type, node.domain, node.version, inputs,
                     [gone[-1].outputs[0]], {**node.attrs, "mode": "float"})
        g.nodes[g.nodes.index(gone[-1])] = fused
        for dead in [node] + gone[:-1]:
            g.nodes.remove(dead)
            g.values.pop(dead.outputs[0], None)
        readers = g.consumers()
        changed = True
    return changed
