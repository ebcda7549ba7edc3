"""TfIdfVectorizer over integer tokens.

The n-gram pool is an attribute: the n-grams of each length in [min_gram_length,
max_gram_length] become a static table of rows sorted lexicographically (with the output
slot of each row), and every candidate n-gram of the input is looked up by binary search
(o2c_ngram_find). Counting follows the reference's trie walk: for every skip distance
d = 1 .. max_skip_count + 1, every start position and every gram length n that fits, the
n tokens start, start + d, .. are one candidate; unigrams only count at d = 1, since they
do not depend on d.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..csyntax.literals import array_body, scalar
from ..errors import CompileError
from ..ir import DType
from ._util import inp, out
from ..ir.optable import Kernel, op


def _levels(node, lo: int, hi: int) -> dict[int, dict[tuple, int]]:
    """Gram length -> {n-gram: output slot}, for the lengths in [lo, hi]. N-gram ids count
    the pool's n-grams of every length; a repeated n-gram keeps its last id, like the
    reference's trie."""
    a = node.attrs
    pool, starts, slots = list(a["pool_int64s"]), list(a["ngram_counts"]), a["ngram_indexes"]
    levels, gid = {}, 0
    for n, start in enumerate(starts, 1):
        end = starts[n] if n < len(starts) else len(pool)
        for j in range(max(end - start, 0) // n):
            if gid >= len(slots):
                raise CompileError("ngram_indexes is shorter than the n-gram pool", node,
                                   reason="TfIdfVectorizer: attributes")
            if lo <= n <= hi:
                levels.setdefault(n, {})[tuple(pool[start + j * n:start + (j + 1) * n])] = \
                    int(slots[gid])
            gid += 1
    return levels


@dataclass(frozen=True)
class NgramTable:
    """The `rows` n-grams of length n (sorted, flattened as `grams`, a C initializer body)
    and the output slot of each (`slots`)."""
    n: int
    rows: int
    grams: str
    slots: str


@dataclass(frozen=True)
class TfIdf:
    """templates/ops/tfidf.c.j2: `rows` x `cols` input tokens, `width` output counts;
    n-grams may skip up to skips - 1 tokens; `weights`: a C initializer body, or None."""
    rows: int
    cols: int
    width: int
    skips: int
    tables: list[NgramTable]
    mode: str
    weights: str | None


@op("TfIdfVectorizer", since=9)
def lower_tfidf(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    a = node.attrs
    if a["mode"] not in ("TF", "IDF", "TFIDF"):
        raise CompileError(f"unknown mode '{a['mode']}'", node, reason="TfIdfVectorizer: mode")
    if not x.dtype.is_int or not a.get("pool_int64s") or len(x.shape) > 2:
        raise CompileError("TfIdfVectorizer is supported for [C] or [N, C] integer tokens",
                           node, reason="TfIdfVectorizer: strings or rank")
    lo, hi = int(a["min_gram_length"]), int(a["max_gram_length"])
    width = y.shape[-1]
    tables = []
    for n, grams in sorted(_levels(node, lo, hi).items()):
        keys = sorted(grams)
        if any(not 0 <= grams[k] < width for k in keys):
            raise CompileError("an ngram_indexes entry is outside the output", node,
                               reason="TfIdfVectorizer: attributes")
        tables.append(NgramTable(
            n, len(keys), array_body(np.array(keys, dtype=np.int64).reshape(-1), DType.INT64),
            ", ".join(f"{grams[k]}u" for k in keys)))
    weights = a.get("weights")
    return Kernel("ops/tfidf.c.j2", TfIdf(
        x.shape[0] if len(x.shape) == 2 else 1, x.shape[-1] if x.shape else 1, width,
        int(a.get("max_skip_count", 0)) + 1, tables, a["mode"],
        ", ".join(scalar(float(w), "float") for w in weights) if weights else None))
