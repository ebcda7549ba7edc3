"""A Forest as the parameters of templates/ops/tree_ensemble.c.j2: deduplicated leaves,
the narrowest integer types for features and child codes, and the choice between the
table form (node arrays walked by one loop) and the code form (each tree as if/else).

Child codes in C are unsigned: a branch node is its preorder index, a leaf is
`branches + leaf`, so the walk is `while (at < branches)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._forest import MEMBER, Forest

# bytes of Cortex-M4 Thumb-2 code per if/else branch node (the feature load, the
# threshold from the literal pool, a compare, the flags move, a branch) and per leaf (a
# move and a branch), and of the table form's walk loop, fitted to the test forests
# (tests/ml/models) with arm-none-eabi-gcc 12 -O2
_CODE_PER_BRANCH, _CODE_PER_LEAF, _TABLE_LOOP = 26, 4, 150
# --optimize speed takes the if/else form (a third to a half fewer instructions per
# inference on Cortex-M4) only while it costs at most this much more flash than tables
SPEED_FLASH_FACTOR = 1.25


def uint_type(largest: int) -> str:
    return "uint8_t" if largest < 1 << 8 else "uint16_t" if largest < 1 << 16 else "uint32_t"


@dataclass
class Walk:
    """The trees, as the template reads them."""
    form: str                   # "table" or "code"
    thr_t: str                  # C type of thresholds and weights ("float" or "double")
    feat_t: str
    code_t: str
    branches: int
    feature: list[int]
    mode: list[int]
    threshold: list[float]
    missing: list[int]
    members: list[list[float]]
    true_next: list[int]
    false_next: list[int]
    roots: list[int]
    same_mode: int              # the mode of every branch node, or -1 when they differ
    any_missing: bool
    any_member: bool
    member_lo: list[int] = field(default_factory=list)
    member_values: list[float] = field(default_factory=list)


@dataclass
class Leaves:
    """Deduplicated leaf payloads: dense (count x targets weights) or sparse (ranges
    lo[l]..lo[l+1] into target/weight lists)."""
    count: int
    dense: bool
    weights: list[float]
    lo: list[int]
    target: list[int]


def dedup_leaves(forest: Forest, targets: int) -> tuple[Leaves, list[int]]:
    """The distinct leaf payloads and each original leaf's index among them."""
    index, unique, of = {}, [], []
    for payload in forest.leaves:
        key = tuple(payload)
        if key not in index:
            index[key] = len(unique)
            unique.append(payload)
        of.append(index[key])
    dense = all([t for t, _ in p] == list(range(targets)) for p in unique)
    if dense:
        return Leaves(len(unique), True, [w for p in unique for _, w in p], [], []), of
    lo = [0]
    for p in unique:
        lo.append(lo[-1] + len(p))
    return Leaves(len(unique), False, [w for p in unique for _, w in p], lo,
                  [t for p in unique for t, _ in p]), of


def _branch_count(forest: Forest) -> int:
    return len(forest.feature)


def code_bytes(forest: Forest) -> int:
    """Estimated Thumb-2 bytes of the if/else form (without the shared leaf tables)."""
    return _CODE_PER_BRANCH * _branch_count(forest) + _CODE_PER_LEAF * len(forest.leaves)


def table_bytes(forest: Forest, thr_bytes: int, features: int) -> int:
    """Bytes of the table form's node arrays and loop."""
    n = _branch_count(forest)
    per = {"uint8_t": 1, "uint16_t": 2, "uint32_t": 4}
    code = per[uint_type(n + len(forest.leaves))]
    return n * (per[uint_type(features)] + thr_bytes + 2 * code) + \
        code * len(forest.roots) + _TABLE_LOOP


def choose_form(forest: Forest, optimize: str, thr_bytes: int, features: int) -> str:
    """--optimize size: whichever is smaller (tables, but for the tiniest trees). speed
    (the default): the same unless if/else costs at most SPEED_FLASH_FACTOR times the
    tables' flash, where its saved loads of feature, threshold and child per node make it
    clearly faster; an unrolled node takes about 3x a table entry's flash."""
    code, table = code_bytes(forest), table_bytes(forest, thr_bytes, features)
    if any(m == MEMBER for m in forest.mode):
        return "table"
    limit = 1.0 if optimize == "size" else SPEED_FLASH_FACTOR
    return "code" if code <= limit * table else "table"


def walk(forest: Forest, leaf_of: list[int], thr_t: str, features: int, form: str) -> Walk:
    n = len(forest.feature)
    recode = lambda c: c if c >= 0 else n + leaf_of[~c]
    modes = set(forest.mode)
    w = Walk(form, thr_t, uint_type(max(features - 1, 0)), uint_type(n + max(leaf_of, default=0)),
             n, forest.feature, forest.mode, forest.threshold, forest.missing, forest.members,
             [recode(c) for c in forest.true_next], [recode(c) for c in forest.false_next],
             [recode(c) for c in forest.roots], modes.pop() if len(modes) == 1 else -1,
             any(forest.missing), MEMBER in forest.mode)
    if w.any_member:
        for m in forest.members:
            w.member_lo.append(len(w.member_values))
            w.member_values += m
        w.member_lo.append(len(w.member_values))
    return w
