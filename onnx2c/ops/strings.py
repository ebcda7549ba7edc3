"""String operators: Equal on strings, StringConcat, RegexFullMatch, StringNormalizer,
StringSplit. A string element is a cell of `cell` bytes (README: the C ABI), so every
string tensor has a static size; runtime_c/o2c_string.h holds the cell helpers."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..csyntax.cnames import c_comment
from ..errors import CompileError
from ..ir import DType
from ._util import broadcast_loops, inp, out, strides
from ..ir.optable import Kernel, op
from .strings_regex import RegexError, compile_regex

_OPS = ("CLASS", "SPLIT", "JMP", "ASSERT", "MATCH")     # o2c_regex.h's instruction names

def cell() -> int:
    """Bytes per string element in this compilation."""
    return DType.STRING.nbytes(1)


def c_string(s: str | bytes) -> str:
    """A C string literal for s (UTF-8), escaped so no byte or trigraph is misread."""
    raw = s.encode("utf-8") if isinstance(s, str) else s
    return '"' + "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\?' else f"\\{b:03o}"
                         for b in raw) + '"'


@dataclass(frozen=True)
class StaticTable:
    """A constant table before the loops: `static ctype name dims = {rows}`, each row a C
    initializer (on a line of its own unless one_line)."""
    ctype: str
    name: str
    dims: str
    rows: list[str]
    one_line: bool = False


@dataclass(frozen=True)
class Element:
    """How string_map computes an output element from a0, a1, ...: `value` is stored (for
    a string output: a `const char *` copied into the cell r); or `fill`, a call that
    fills the cell r and returns a status."""
    value: str | None = None
    fill: str | None = None
    lookup: int | None = None       # LabelEncoder: find a0 among this many keys (at)


@dataclass(frozen=True)
class StringMap:
    """Parameters of templates/ops/string_map.c.j2."""
    dims: list[int]
    strides: list[list[int] | None]  # element strides of input j per loop i* (None: not read)
    out_strides: list[int]
    cell: int
    element: Element
    tables: list[StaticTable] = field(default_factory=list)
    comment: str | None = None


def string_map(node, ctx, element: Element, tables=(), comment: str | None = None,
               scratch: int = 0) -> Kernel:
    """Kernel computing `element` over the broadcast inputs (templates/ops/string_map.c.j2)."""
    idxs = [i for i in range(len(node.inputs)) if inp(node, ctx, i) is not None]
    y = out(node, ctx)
    dims, strs = broadcast_loops(y.shape, [inp(node, ctx, i).shape for i in idxs])
    per_input = [None] * len(node.inputs)
    for i, s in zip(idxs, strs):
        per_input[i] = s
    return Kernel("ops/string_map.c.j2", StringMap(
        dims, per_input, strides(dims), cell(), element, list(tables), comment),
        scratch=scratch, inputs=idxs)


def lower_string_equal(node, ctx) -> Kernel:
    """Equal of two string tensors (math_binary's Equal hands strings over)."""
    c = cell()
    return string_map(node, ctx, Element(value=f"o2c_str_cmp(a0, {c}u, a1, {c}u) == 0"))


@op("StringConcat", since=20, strings=True)
def lower_concat(node, ctx):
    c = cell()
    return string_map(node, ctx, Element(fill=f"o2c_str_join(r, {c}u, a0, o2c_str_len(a0, {c}u), "
                                               f"a1, o2c_str_len(a1, {c}u))"))


@op("RegexFullMatch", since=20, strings=True)
def lower_regex(node, ctx):
    pattern = node.attrs.get("pattern", "")
    try:
        code, sets = compile_regex(pattern)
    except RegexError as e:
        raise CompileError(f"RegexFullMatch pattern {pattern!r}: {e}", node,
                           reason="RegexFullMatch: unsupported pattern") from None
    n = len(code)
    tables = [StaticTable("const o2c_re_inst", "prog", f"[{n}]",
                          [f"{{O2C_RE_{_OPS[o]}, {x}, {y}}}" for o, x, y in code]),
              StaticTable("const uint8_t", "sets", f"[{len(sets)}][32]",
                          [f"{{{', '.join(map(str, s))}}}" for s in sets])]
    c = cell()
    match = Element(value=f"o2c_regex_full_match(prog, sets, {n}u, a0, o2c_str_len(a0, {c}u), "
                          "(uint32_t *)scratch)")
    return string_map(node, ctx, match, tables, c_comment(pattern), scratch=4 * (5 * n + 1))
