"""String ops whose output size depends on the strings: StringNormalizer (stopwords drop
elements) and StringSplit (as many columns as the longest split). Both report their
output's dims at run time, bounded by a capacity (README: the C ABI)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._util import inp, out
from ..ir.optable import Bound, Kernel, capacity, op
from .strings import c_string, cell

_LOCALES = {"", "C", "en_US", "en_US.UTF-8", "en_US.utf8"}


def _case(s: str, upper: bool) -> str:
    """Python's twin of o2c_str_case: ASCII and the Latin-1 letters change case."""
    def one(ch):
        o = ord(ch)
        if upper and (0x61 <= o <= 0x7A or (0xE0 <= o <= 0xFE and o != 0xF7)):
            return chr(o - 32)
        if not upper and (0x41 <= o <= 0x5A or (0xC0 <= o <= 0xDE and o != 0xD7)):
            return chr(o + 32)
        return ch
    return "".join(map(one, s))


def _table(words) -> list[str]:
    """C string literals of words, sorted by UTF-8 bytes as o2c_str_find searches them."""
    return [c_string(w) for w in sorted(set(words), key=lambda w: w.encode("utf-8"))]


@capacity("StringNormalizer")
def normalizer_capacity(node, values):
    x = values[node.inputs[0]]
    n = x.shape[-1] if x.shape else 1
    # stopwords can only remove elements; none left gives [""]
    bound = Bound(max(1, n)) if node.attrs.get("stopwords") else max(1, n)
    return [tuple(x.shape[:-1]) + (bound,)]


@dataclass(frozen=True)
class StringNormalizer:
    """templates/ops/string_normalizer.c.j2: n cells of `cell` bytes; `stopwords`: C
    string literals, sorted; `case`: 0 lower, 1 upper, None unchanged."""
    n: int
    cell: int
    stopwords: list[str]
    nstops: int
    sensitive: bool
    case: int | None


@dataclass(frozen=True)
class StringSplit:
    """templates/ops/string_split.c.j2: n cells (of `shape`) split at the delimiter `delim`
    (a C string literal of dn bytes; empty: runs of spaces) into at most `cap` pieces,
    `left` splits at most (-1: no limit)."""
    n: int
    rank: int
    shape: list[int]
    cap: int
    cell: int
    delim: str
    dn: int
    left: int


@op("StringNormalizer", since=10, strings=True)
def lower_normalizer(node, ctx):
    x = inp(node, ctx, 0)
    if len(x.shape) not in (1, 2) or (len(x.shape) == 2 and x.shape[0] != 1):
        raise CompileError(f"StringNormalizer takes [C] or [1, C], got {list(x.shape)}", node,
                           reason="StringNormalizer: input shape")
    action, locale = node.attrs.get("case_change_action", "NONE"), node.attrs.get("locale", "")
    if action not in ("NONE", "LOWER", "UPPER") or locale not in _LOCALES:
        raise CompileError(f"StringNormalizer: case_change_action {action!r} in locale "
                           f"{locale!r} is not supported (en_US only)", node,
                           reason="StringNormalizer: locale or action")
    sensitive = bool(node.attrs.get("is_case_sensitive", 0))
    stops = node.attrs.get("stopwords") or []
    # case-insensitive stopwords are compared lowercased on both sides
    table = _table(stops if sensitive else [_case(w, False) for w in stops])
    return Kernel("ops/string_normalizer.c.j2", StringNormalizer(
        x.shape[-1], cell(), table, len(table), sensitive,
        {"NONE": None, "LOWER": 0, "UPPER": 1}[action]), scratch=cell())


def _max_parts(node, n_cell: int) -> int:
    """Most pieces a string of a cell can split into."""
    d = node.attrs.get("delimiter") or ""
    most = (n_cell - 1) // len(d.encode("utf-8")) + 1 if d else n_cell // 2
    maxsplit = node.attrs.get("maxsplit")
    return most if maxsplit is None else max(1, min(most, maxsplit + 1))


@capacity("StringSplit")
def split_capacity(node, values):
    x = values[node.inputs[0]]
    return [tuple(x.shape) + (Bound(_max_parts(node, cell())),), tuple(x.shape)]


@op("StringSplit", since=20, strings=True)
def lower_split(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    d = (node.attrs.get("delimiter") or "").encode("utf-8")
    maxsplit = node.attrs.get("maxsplit")
    return Kernel("ops/string_split.c.j2", StringSplit(
        x.size, len(x.shape), list(x.shape), y.shape[-1], cell(), c_string(d), len(d),
        -1 if maxsplit is None else max(0, maxsplit)))
