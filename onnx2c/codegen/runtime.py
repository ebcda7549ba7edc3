"""Which runtime headers (runtime_c/o2c_*.h) a model's C needs.

The generated C is the only complete record of what a model calls: templates call kernels,
and C-syntax helpers and lowerings write calls of their own (float16 conversions, run-time
shape checks). So the decision is made here, from the C: every `o2c_`/`O2C_` identifier
it uses belongs to the header that defines it, NAME.c includes those headers, and the
folder gets them plus everything they include. o2c_abi.h (the status codes and tensor
descriptors of NAME.h) always comes.

A header declares what it depends on by including it. The header that defines a name is
the first, dependencies before dependants, whose text (comments aside) mentions it: a
header only uses names of the headers it includes, so the first mention is the
definition, even one a macro makes (`O2C_RNN_MATVEC(o2c_rnn_matvec_f32, float)`). Names
that alternatives define (the vector backends of o2c_simd.h) belong to the header that
includes all of them.
tests/runtime/test_headers.py checks that each header compiles on its own.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .environment import data_dir

ALWAYS = "o2c_abi.h"
_NAME = re.compile(r"\b[oO]2[cC]_\w+")
_INCLUDE = re.compile(r'^\s*#\s*include\s+"(o2c_\w+\.h)"', re.M)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


@dataclass(frozen=True)
class Headers:
    direct: list[str]              # what NAME.c includes (NAME.h brings o2c_abi.h)
    files: dict[str, str]          # file name -> text: those and every header they include


@dataclass(frozen=True)
class _Library:
    texts: dict[str, str]          # header -> its text
    includes: dict[str, list[str]]  # header -> the headers it includes
    order: list[str]               # dependencies before dependants, then by name
    home: dict[str, str]           # identifier -> the header that defines it

    def closure(self, roots) -> list[str]:
        seen = set().union(*(_reached(h, self.includes) for h in roots))
        return [h for h in self.order if h in seen]


@functools.lru_cache(maxsize=None)
def _library() -> _Library:
    texts = {p.name: p.read_text() for p in sorted(data_dir("runtime_c").glob("o2c_*.h"))}
    includes = {h: sorted(set(_INCLUDE.findall(t)) & set(texts)) for h, t in texts.items()}
    order: list[str] = []

    def visit(h: str, path: tuple) -> None:
        if h in path:
            raise RuntimeError(f"runtime_c: {' -> '.join(path + (h,))} is an include cycle")
        if h not in order:
            for dep in includes[h]:
                visit(dep, path + (h,))
            order.append(h)

    for h in texts:
        visit(h, ())
    reach = {h: _reached(h, includes) for h in order}
    mentions: dict[str, list[str]] = {}
    for h in order:
        for name in dict.fromkeys(_NAME.findall(_COMMENT.sub(" ", texts[h]))):
            mentions.setdefault(name, []).append(h)
    home = {name: _home(hs, reach) for name, hs in mentions.items()}
    return _Library(texts, includes, order, home)


def _reached(header: str, includes: dict[str, list[str]]) -> set[str]:
    seen, todo = set(), [header]
    while todo:
        h = todo.pop()
        if h not in seen:
            seen.add(h)
            todo.extend(includes[h])
    return seen


def _home(mentions: list[str], reach: dict[str, set[str]]) -> str:
    """The first header (in dependency order) that mentions a name and is related by
    inclusion to every other header that does: the definition, or the header choosing
    among alternative definitions (o2c_simd.h over its vector backends)."""
    for h in mentions:
        if all(m in reach[h] or h in reach[m] for m in mentions):
            return h
    return mentions[0]


def runtime_headers(code: str) -> Headers:
    """The headers C text `code` needs: those defining the runtime names it uses."""
    lib = _library()
    names = set(_NAME.findall(_COMMENT.sub(" ", code)))     # comments name ONNX tensors
    used = {lib.home[n] for n in names if n in lib.home} - {ALWAYS}
    return Headers([h for h in lib.order if h in used],
                   {h: lib.texts[h] for h in lib.closure(used | {ALWAYS})})
