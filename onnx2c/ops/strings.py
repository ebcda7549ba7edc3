"""String operators: Equal on strings, StringConcat, RegexFullMatch, StringNormalizer,
StringSplit. A string element is a cell of `cell` bytes (README: the C ABI), so every
string tensor has a static size; runtime_c/o2c_string.h holds the cell helpers."""
from __future__ import annotations

from ..errors import CompileError
from ..ir import DType
from ._elementwise import offset_expr
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


def string_map(node, ctx, body: list[str], prelude=(), scratch: int = 0) -> Kernel:
    """Kernel for `body` over the broadcast inputs (templates/ops/string_map.c.j2)."""
    idxs = [i for i in range(len(node.inputs)) if inp(node, ctx, i) is not None]
    y = out(node, ctx)
    dims, strs = broadcast_loops(y.shape, [inp(node, ctx, i).shape for i in idxs])
    offsets = [None] * len(node.inputs)
    for i, s in zip(idxs, strs):
        offsets[i] = offset_expr(s)
    return Kernel("ops/string_map.c.j2", dict(
        dims=dims, offsets=offsets, out_offset=offset_expr(strides(dims)), body=body,
        prelude=list(prelude), cell=cell()), scratch=scratch, inputs=idxs)


def lower_string_equal(node, ctx) -> Kernel:
    """Equal of two string tensors (math_binary's Equal hands strings over)."""
    c = cell()
    return string_map(node, ctx, [f"r = o2c_str_cmp(a0, {c}u, a1, {c}u) == 0;"])


@op("StringConcat", since=20, strings=True)
def lower_concat(node, ctx):
    c = cell()
    return string_map(node, ctx, [
        f"int st = o2c_str_join(r, {c}u, a0, o2c_str_len(a0, {c}u), "
        f"a1, o2c_str_len(a1, {c}u));",
        "if (st != O2C_OK) return st;"])


@op("RegexFullMatch", since=20, strings=True)
def lower_regex(node, ctx):
    pattern = node.attrs.get("pattern", "")
    try:
        code, sets = compile_regex(pattern)
    except RegexError as e:
        raise CompileError(f"RegexFullMatch pattern {pattern!r}: {e}", node,
                           reason="RegexFullMatch: unsupported pattern") from None
    n = len(code)
    prelude = [f"/* {pattern.replace('*/', '* /')} */",
               f"static const o2c_re_inst prog[{n}] = {{",
               *(f"    {{O2C_RE_{_OPS[o]}, {x}, {y}}}," for o, x, y in code), "};",
               f"static const uint8_t sets[{len(sets)}][32] = {{",
               *(f"    {{{', '.join(map(str, s))}}}," for s in sets), "};"]
    c = cell()
    return string_map(node, ctx, [
        f"r = o2c_regex_full_match(prog, sets, {n}u, a0, o2c_str_len(a0, {c}u), "
        "(uint32_t *)scratch);"], prelude, scratch=4 * (5 * n + 1))
