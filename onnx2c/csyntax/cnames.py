"""ONNX names -> unique, valid C identifiers."""
from __future__ import annotations

import re

_KEYWORDS = set("""auto break case char const continue default do double else enum extern float
for goto if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while _Bool _Complex _Imaginary bool true false NULL
workspace ws st main""".split())


class Namer:
    """Hands out C identifiers; the same ONNX name always gets the same identifier."""

    def __init__(self, reserved=()):
        self.used = set(_KEYWORDS) | set(reserved)
        self.names: dict[str, str] = {}

    def __call__(self, name: str, prefix: str = "") -> str:
        key = prefix + "\0" + name
        if key in self.names:
            return self.names[key]
        base = prefix + re.sub(r"\W", "_", name)
        base = re.sub(r"_+", "_", base)[:48] or "v"
        if base[0].isdigit():
            base = "v" + base
        cand, k = base, 1
        while cand in self.used or cand.startswith("__"):
            cand = f"{base}_{k}"
            k += 1
        self.used.add(cand)
        self.names[key] = cand
        return cand
