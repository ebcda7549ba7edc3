"""Fold an inference-mode BatchNormalization into the Conv, ConvTranspose or Gemm before it.

BN(y) = (y - mean) / sqrt(var + eps) * scale + bias is, per output channel c, y * s[c] +
t[c]; when y is a product with constant weights, scaling channel c's weights by s[c] and
setting the bias to b * s + t gives the same result without the BN node, its pass over
the tensor, or the intermediate's memory. Folding happens only when every BN operand and
the weights (and a Gemm's C) are constants and the product's output has no other reader
and is not a graph output. The arithmetic is in float64, rounded once to the weights'
type.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node, Value

_FOLDABLE = ("Conv", "ConvTranspose", "Gemm")


def _const(g: Graph, name: str) -> np.ndarray | None:
    v = g.values.get(name) if name else None
    return None if v is None or v.data is None else np.asarray(v.data, np.float64)


def _new_const(g: Graph, base: str, data: np.ndarray, like: Value) -> str:
    name, k = f"{base}:bn", 1
    while name in g.values:
        k += 1
        name = f"{base}:bn{k}"
    arr = data.astype(like.dtype.np)
    g.values[name] = Value(name, like.dtype, tuple(arr.shape), arr)
    return name


def _scale_shift(g: Graph, bn: Node) -> tuple[np.ndarray, np.ndarray] | None:
    """(s, t) with BN(y) = y * s + t per channel, or None when BN is not foldable."""
    if bn.attrs.get("training_mode", 0) or len(bn.inputs) != 5 or \
            any(o for o in bn.outputs[1:]) or bn.attrs.get("spatial", 1) != 1:
        return None
    scale, bias, mean, var = (_const(g, n) for n in bn.inputs[1:5])
    if any(a is None or a.ndim != 1 for a in (scale, bias, mean, var)):
        return None
    s = scale / np.sqrt(var + float(bn.attrs.get("epsilon", 1e-5)))
    return s, bias - mean * s


def _fold_conv(g: Graph, prod: Node, s, t) -> bool:
    w, wv = _const(g, prod.inputs[1]), g.values[prod.inputs[1]]
    if w is None:
        return False
    b = _const(g, prod.inputs[2]) if len(prod.inputs) > 2 and prod.inputs[2] else 0.0
    if b is None:
        return False
    if prod.op_type == "Conv":
        w = w * s.reshape((-1,) + (1,) * (w.ndim - 1))
    else:   # ConvTranspose: W is (C_in, C_out / group, kernel...)
        group = prod.attrs.get("group", 1)
        per = w.reshape((group, -1) + w.shape[1:]) * \
            s.reshape((group, 1, -1) + (1,) * (w.ndim - 2))
        w = per.reshape(w.shape)
    prod.inputs[1] = _new_const(g, prod.inputs[1], w, wv)
    bias = _new_const(g, f"{prod.name}_bias", b * s + t, wv)
    prod.inputs[2:] = [bias]
    return True


def _fold_gemm(g: Graph, prod: Node, s, t) -> bool:
    b, bv = _const(g, prod.inputs[1]), g.values[prod.inputs[1]]
    has_c = len(prod.inputs) > 2 and bool(prod.inputs[2])
    c = _const(g, prod.inputs[2]) if has_c else np.zeros(1)
    if b is None or c is None:
        return False
    b = b * (s[:, None] if prod.attrs.get("transB", 0) else s[None, :])
    c = float(prod.attrs.get("beta", 1.0)) * c * s + t if has_c else t
    prod.inputs[1] = _new_const(g, prod.inputs[1], b, bv)
    prod.inputs[2:] = [_new_const(g, f"{prod.name}_c", c, bv)]
    prod.attrs["beta"] = 1.0
    return True


def fold_batchnorm(g: Graph) -> Graph:
    """g with every foldable BatchNormalization merged into its producer."""
    producers, consumers = g.producers(), g.consumers()
    removed = []
    for bn in g.nodes:
        if bn.op_type != "BatchNormalization" or bn.domain:
            continue
        y = bn.inputs[0]
        prod = producers.get(y)
        if prod is None or prod.op_type not in _FOLDABLE or prod.domain or \
                y in g.outputs or len(consumers.get(y, [])) != 1 or \
                not g.values[y].dtype.is_float:
            continue
        st = _scale_shift(g, bn)
        if st is None or st[0].shape != (g.values[y].shape[1],):
            continue
        fold = _fold_gemm if prod.op_type == "Gemm" else _fold_conv
        if fold(g, prod, *st):
            prod.outputs[0] = bn.outputs[0]
            del g.values[y]
            removed.append(bn)
    g.nodes = [n for n in g.nodes if all(n is not r for r in removed)]
    return g
