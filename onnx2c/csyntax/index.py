"""Element offsets over a template's loop variables, spelled in C.

Lowering describes where an operand's elements lie as integers (a stride per loop, a
base); the template, which declares the loops, names their variables when it asks for
the expression: `offset(p.strides, 'i')` is `i0 * 12u + i1 * 4u + i2` for the nest
i0, i1, i2 of templates/ops/_loops.j2. So Python never spells a loop variable."""
from __future__ import annotations


def _term(var: str, stride: int) -> str:
    return var if abs(stride) == 1 else f"{var} * {abs(stride)}u"


def offset(strides, var: str | list[str] = "i", base: int | str = 0, per=None) -> str:
    """C expression base + sum(v_k * strides[k]) in size_t arithmetic, where v_k is
    var<k> for a nest (`var` a prefix) or var[k] (`var` a list of names), divided by
    per[k] first where `per` gives a block size above 1 (blocked quantization).

    `base` is a number or a C expression ("0" counts as none). A negative stride
    subtracts; size_t arithmetic is modular, so an intermediate wrap-around is harmless
    when the final offset is in range, which the lowering guarantees."""
    names = [f"{var}{k}" for k in range(len(strides))] if isinstance(var, str) else list(var)
    if per is not None:
        names = [f"({v} / {b}u)" if b > 1 else v for v, b in zip(names, per)]
    terms = []
    if isinstance(base, str) and base != "0":
        terms.append((1, base))
    elif not isinstance(base, str) and base:
        terms.append((1 if base > 0 else -1, f"{abs(int(base))}u"))
    terms += [(s, _term(v, s)) for v, s in zip(names, strides) if s]
    if not terms:
        return "0"
    text = terms[0][1] if terms[0][0] > 0 else f"0u - {terms[0][1]}"
    for sign, t in terms[1:]:
        text += f" {'+' if sign > 0 else '-'} {t}"
    return text
