"""A Forest's branch nodes as the parameters of templates/ops/ml_trees.c.j2: the
narrowest integer types for features and child codes, thresholds as indices into their
distinct values where that is smaller, and the choice between the table form (node
arrays walked by one loop) and the code form (each tree as if/else). The leaves are
ops/_tree_leaves.py's.

Child codes in C are unsigned: a branch node is its preorder index, a leaf is
`branches + leaf`, so the walk is `while (at < branches)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._forest import MEMBER, Forest
from ._tree_leaves import uint_type

# bytes of Cortex-M4 Thumb-2 code per if/else branch node (the feature load, the
# threshold from the literal pool, a compare, the flags move, a branch) and per leaf (a
# move and a branch), and of the table form's walk loop, fitted to the test forests
# (tests/ml/models) with arm-none-eabi-gcc 12 -O2
_CODE_PER_BRANCH, _CODE_PER_LEAF, _TABLE_LOOP = 26, 4, 150
# --optimize speed takes the if/else form (a third to a half fewer instructions per
# inference on Cortex-M4) only while it costs at most this much more flash than tables
SPEED_FLASH_FACTOR = 1.25


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
    # thresholds as indices into their distinct values, when that takes fewer bytes
    threshold_index: list[int] = field(default_factory=list)
    threshold_values: list[float] = field(default_factory=list)
    index_t: str = "uint8_t"


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


def _index_thresholds(w: Walk, thr_bytes: int) -> None:
    distinct = sorted(set(w.threshold))
    index_t = uint_type(len(distinct) - 1) if distinct else "uint8_t"
    per = {"uint8_t": 1, "uint16_t": 2, "uint32_t": 4}[index_t]
    if w.branches * per + len(distinct) * thr_bytes < w.branches * thr_bytes:
        at = {v: k for k, v in enumerate(distinct)}
        w.threshold_index = [at[v] for v in w.threshold]
        w.threshold_values, w.index_t = distinct, index_t


def walk(forest: Forest, leaf_of: list[int], thr_t: str, features: int, form: str) -> Walk:
    n = len(forest.feature)
    recode = lambda c: c if c >= 0 else n + leaf_of[~c]
    modes = set(forest.mode)
    w = Walk(form, thr_t, uint_type(max(features - 1, 0)), uint_type(n + max(leaf_of, default=0)),
             n, forest.feature, forest.mode, forest.threshold, forest.missing, forest.members,
             [recode(c) for c in forest.true_next], [recode(c) for c in forest.false_next],
             [recode(c) for c in forest.roots], modes.pop() if len(modes) == 1 else -1,
             any(forest.missing), MEMBER in forest.mode)
    _index_thresholds(w, 8 if thr_t == "double" else 4)
    if w.any_member:
        for m in forest.members:
            w.member_lo.append(len(w.member_values))
            w.member_values += m
        w.member_lo.append(len(w.member_values))
    return w
