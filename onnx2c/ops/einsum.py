"""Einsum: the equation is parsed at compile time into labelled axes; the kernel is one loop
nest over the output labels around one over the summed labels, every operand's offset
baked as per-label strides (a label repeated in one operand sums its strides: a diagonal).
A float32 batched matrix product goes to the generic GEMM (matmul_f32.c.j2) instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import re

from ..errors import CompileError
from ..ir import DType
from ._util import inp, out, strides
from .epilogue import Epilogue
from .matmul import plain_accum
from .matmul_f32 import MatMulF32
from ..ir.optable import Kernel, op


def _terms(node, ctx, eq: str) -> tuple[list[list[str]], list[str]]:
    """Labels of every input's axes and of the output's; the axes an ellipsis stands for are
    labelled '0', '1', ... right-aligned, so they broadcast like numpy's."""
    lhs, arrow, rhs = eq.replace(" ", "").partition("->")
    specs = lhs.split(",")
    if len(specs) != sum(1 for i in node.inputs if i) or \
            not re.fullmatch(r"([a-zA-Z]|\.\.\.)*", "".join(specs) + rhs):
        raise CompileError(f"equation '{eq}' does not match {len(node.inputs)} inputs", node,
                           reason="Einsum: bad equation")
    ranks = [len(inp(node, ctx, i).shape) for i in range(len(specs))]
    n_ell = max([r - len(s.replace("...", "")) for r, s in zip(ranks, specs)
                 if "..." in s] or [0])
    ell = [str(k) for k in range(n_ell)]

    def expand(spec: str, rank: int) -> list[str]:
        head, dots, tail = spec.partition("...")
        n = rank - len(head) - len(tail) if dots else 0
        return list(head) + ell[n_ell - n:] + list(tail)

    ins = [expand(s, r) for s, r in zip(specs, ranks)]
    if arrow:
        outs = expand(rhs, len(out(node, ctx).shape))
    else:   # implicit: the broadcast axes, then the labels used once, alphabetically
        letters = [c for s in specs for c in s.replace("...", "")]
        outs = ell + sorted(c for c in set(letters) if letters.count(c) == 1)
    return ins, outs


def _gemm(labels, outs, sizes, st, ost) -> MatMulF32 | None:
    """matmul_f32.c.j2 parameters when the einsum is a float32 (batched) matrix product with
    one m, n and k label each and row-major-compatible strides, else None."""
    if len(labels) != 2 or len(outs) < 2:
        return None
    a, b = labels
    *batch, m, n = outs
    k = [x for x in a if x in b and x not in outs]
    if len(k) != 1 or sorted(a) != sorted(batch + [m] + k) or \
            sorted(b) != sorted(batch + k + [n]) or len(set(a + b)) != len(batch) + 3:
        return None
    k = k[0]
    (sa, sb), (am, ak), (bk, bn) = st, (st[0][m], st[0][k]), (st[1][k], st[1][n])
    if 1 not in (am, ak) or 1 not in (bk, bn) or ost[n] != 1:
        return None
    dims = [sizes[x] for x in batch]
    ta, tb = int(am == 1 and sizes[m] > 1), int(bn != 1)
    return MatMulF32(False, sizes[m], sizes[n], sizes[k], bool(ta), bool(tb), max(am, ak),
                     max(bk, bn), 1.0, tuple(dims),
                     tuple((sa[x], sb[x], ost[x]) for x in batch), "", None, 0.0, Epilogue())


@dataclass(frozen=True)
class Einsum:
    """templates/ops/einsum.c.j2: output loops i* over `outer`, summed loops k* over
    `inner`; input j's element strides over them are outer_strides[j] and
    inner_strides[j], the output's out_strides; the sum is kept in `acc`."""
    outer: list[int]
    inner: list[int]
    outer_strides: list[list[int]]
    inner_strides: list[list[int]]
    out_strides: list[int]
    acc: str


@op("Einsum", since=12)
def lower_einsum(node, ctx):
    y = out(node, ctx)
    labels, outs = _terms(node, ctx, node.attrs["equation"])
    sizes: dict[str, int] = {}
    for i, ls in enumerate(labels):
        for lab, d in zip(ls, inp(node, ctx, i).shape):
            if sizes.get(lab, 1) not in (1, d) and d != 1:
                raise CompileError(f"label '{lab}' has sizes {sizes[lab]} and {d}", node,
                                   reason="Einsum: size mismatch")
            sizes[lab] = max(sizes.get(lab, 1), d)
    red = sorted({lab for ls in labels for lab in ls} - set(outs))
    st = []
    for i, ls in enumerate(labels):
        shape = inp(node, ctx, i).shape
        s = dict.fromkeys(outs + red, 0)
        for lab, d, e in zip(ls, shape, strides(shape)):
            s[lab] += e if d > 1 else 0
        st.append(s)
    ost = dict(zip(outs, strides(y.shape)))
    if y.dtype == DType.FLOAT and (gemm := _gemm(labels, outs, sizes, st, ost)):
        return Kernel("ops/matmul_f32.c.j2", gemm)
    # the output loops are i0.., the summed ones k0..; unit axes need no loop
    ol = [x for x in outs if sizes[x] > 1]
    rl = [x for x in red if sizes[x] > 1]
    params = Einsum([sizes[x] for x in ol], [sizes[x] for x in rl],
                    [[s[x] for x in ol] for s in st], [[s[x] for x in rl] for s in st],
                    [ost[x] for x in ol], plain_accum(y).acc)
    return Kernel("ops/einsum.c.j2", params)
