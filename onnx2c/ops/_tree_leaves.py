"""The leaf payloads of a Forest as C tables: deduplicated, and in whichever of three
forms takes the fewest bytes while giving exactly the weights onnxruntime adds.

* dense: every payload lists every target: a payloads x targets array of weights;
* sparse: payload l's (target, weight) entries are lo[l]..lo[l+1]; with every target
  listed everywhere (so which ones a leaf reached never matters) zero weights are left out;
* ratio: like sparse, but each float weight is numerator[j] / denominator[l], small
  integers whose IEEE float quotient is checked here to be that weight bit for bit (the
  class fractions of random forests: counts over the leaf's samples times the trees),
  so C's correctly rounded division gives it back exactly on every target.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._forest import Forest

# Thumb-2 bytes the sparse walk over a payload's entries, and the ratio form's
# conversions and division, add to the dense form's code (arm-none-eabi-gcc 12 -O2)
_SPARSE_CODE, _RATIO_CODE = 32, 48
_BYTES = {"uint8_t": 1, "uint16_t": 2, "uint32_t": 4, "int8_t": 1, "int16_t": 2, "int32_t": 4}


def uint_type(largest: int) -> str:
    return "uint8_t" if largest < 1 << 8 else "uint16_t" if largest < 1 << 16 else "uint32_t"


def _int_type(values) -> str:
    lo, hi = min(values, default=0), max(values, default=0)
    if lo >= 0:
        return uint_type(hi)
    return "int8_t" if -128 <= lo and hi < 128 else "int16_t" if -32768 <= lo and hi < 32768 \
        else "int32_t"


@dataclass
class Leaves:
    count: int                  # distinct payloads
    form: str                   # "dense", "sparse" or "ratio"
    covers_all: bool            # every payload lists every target
    weights: list[float] = field(default_factory=list)     # dense, sparse
    lo: list[int] = field(default_factory=list)            # sparse, ratio
    target: list[int] = field(default_factory=list)
    numerator: list[int] = field(default_factory=list)     # ratio
    denominator: list[int] = field(default_factory=list)
    lo_t: str = "uint32_t"
    target_t: str = "uint8_t"
    numerator_t: str = "uint8_t"
    denominator_t: str = "uint16_t"
    nbytes: int = 0


def _ratio(weights: np.ndarray) -> tuple[int, np.ndarray] | None:
    """(D, c) with float32(c_k) / float32(D) == weights_k exactly, small integers, or None."""
    nonzero = np.abs(weights[weights != 0])
    if not nonzero.size:
        return 1, np.zeros(len(weights), np.int64)
    for smallest in range(1, 65):
        d = int(round(smallest / float(nonzero.min())))
        if not 0 < d < 1 << 24:
            continue
        c = np.rint(weights.astype(np.float64) * d)
        if np.abs(c).max() >= 1 << 16:
            continue
        if np.array_equal(c.astype(np.float32) / np.float32(d), weights):
            return d, c.astype(np.int64)
    return None


def encode(forest: Forest, targets: int, thr_t: str, additive: bool
           ) -> tuple[Leaves, list[int]]:
    """The leaf tables and each original leaf's payload index; additive: the weights are
    summed (a zero weight then changes nothing, unlike for MIN and MAX)."""
    index, unique, leaf_of = {}, [], []
    for payload in forest.leaves:
        key = tuple(payload)
        if key not in index:
            index[key] = len(unique)
            unique.append(payload)
        leaf_of.append(index[key])
    tb = 8 if thr_t == "double" else 4
    covers_all = all(sorted(t for t, _ in p) == list(range(targets)) for p in unique)
    dense = all([t for t, _ in p] == list(range(targets)) for p in unique)
    entries = [[(t, w) for t, w in p if w != 0 or not (covers_all and additive)]
               for p in unique]
    lo = [0]
    for e in entries:
        lo.append(lo[-1] + len(e))
    flat = [x for e in entries for x in e]
    lo_t, target_t = uint_type(lo[-1]), uint_type(max(targets - 1, 0))
    sparse_bytes = _SPARSE_CODE + len(lo) * _BYTES[lo_t] + len(flat) * (_BYTES[target_t] + tb)
    options = [(sparse_bytes, Leaves(len(unique), "sparse", covers_all, [w for _, w in flat], lo,
                                     [t for t, _ in flat], lo_t=lo_t, target_t=target_t))]
    if dense:
        options.append((len(unique) * targets * tb, Leaves(
            len(unique), "dense", True, [w for p in unique for _, w in p])))
    ratios = [_ratio(np.array([w for _, w in e], np.float32)) for e in entries] \
        if thr_t == "float" else [None]
    if all(r is not None for r in ratios):
        nums = [int(c) for _, cs in ratios for c in cs]
        dens = [d for d, _ in ratios]
        num_t, den_t = _int_type(nums), uint_type(max(dens, default=1))
        options.append((_RATIO_CODE + len(lo) * _BYTES[lo_t] +
                        len(flat) * (_BYTES[target_t] + _BYTES[num_t])
                        + len(dens) * _BYTES[den_t], Leaves(
            len(unique), "ratio", covers_all, [], lo, [t for t, _ in flat], nums, dens,
            lo_t, target_t, num_t, den_t)))
    nbytes, leaves = min(options, key=lambda o: o[0])
    leaves.nbytes = nbytes
    return leaves, leaf_of
