"""--quantized-io: the model's float inputs and outputs become the 8-bit tensors inside.

A quantized model usually takes float input, quantizes it first, and dequantizes its
result last. On a microcontroller the sensor pipeline can produce the 8-bit values itself
(TFLite Micro models take int8), and a float input buffer is four times the size: for
MobileNetV1 at 96x96 the float input alone is twice the int8 model's workspace. With this
option a graph input read only by QuantizeLinear nodes of one set of parameters takes
their 8-bit output's place, and a graph output written by a DequantizeLinear is replaced
by its 8-bit input, under the graph's names. Value.quant records (scale, zero point) for
NAME.h: real value = scale * (q - zero point). Per-axis parameters are left alone.
"""
from __future__ import annotations

from ..ir import Graph, Node, Value
from .qdq_groups import is_dq, is_q


def _scalar_params(g: Graph, node: Node) -> tuple[float, int] | None:
    """(scale, zero point) of a Q/DQ whose parameters are scalar constants, else None."""
    scale = g.values[node.inputs[1]]
    zero = g.values[node.inputs[2]] if len(node.inputs) > 2 and node.inputs[2] else None
    if scale.data is None or scale.data.size != 1 or \
            (zero is not None and (zero.data is None or zero.data.size != 1)):
        return None
    return float(scale.data.reshape(-1)[0]), \
        0 if zero is None else int(zero.data.reshape(-1)[0])


def _rename(g: Graph, old: str, new: str) -> None:
    for node in g.nodes:
        node.inputs = [new if i == old else i for i in node.inputs]
        node.outputs = [new if o == old else o for o in node.outputs]


def _input(g: Graph, name: str, readers: list[Node]) -> None:
    if not readers or not all(is_q(n) for n in readers):
        return
    params = {_scalar_params(g, n) for n in readers}
    types = {g.values[n.outputs[0]].dtype for n in readers}
    if len(params) != 1 or None in params or len(types) != 1 or \
            any(n.outputs[0] in g.outputs for n in readers):
        return
    for q in readers:
        g.nodes.remove(q)
        del g.values[q.outputs[0]]
        _rename(g, q.outputs[0], name)
    old = g.values[name]
    g.values[name] = Value(name, types.pop(), old.shape, quant=params.pop())


def _output(g: Graph, name: str, dq: Node | None) -> None:
    if dq is None or not is_dq(dq) or g.outputs.count(name) != 1:
        return
    source, params = dq.inputs[0], _scalar_params(g, dq)
    if params is None or source in g.inputs or source in g.outputs or \
            g.values[source].is_const:
        return
    g.nodes.remove(dq)
    integer = g.values.pop(source)
    _rename(g, source, name)
    g.values[name] = Value(name, integer.dtype, integer.shape, quant=params)


def quantize_io(g: Graph) -> None:
    """Rewrite the graph's quantized inputs and dequantized outputs in place."""
    consumers = g.consumers()
    for name in g.inputs:
        if name not in g.outputs:
            _input(g, name, consumers.get(name, []))
    producers = g.producers()
    for name in g.outputs:
        _output(g, name, producers.get(name))
