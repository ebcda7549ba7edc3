"""The Jinja environment every template renders in, and where templates/ and runtime_c/ are."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np

from ..csyntax import cexpr, literals


def data_dir(name: str) -> Path:
    """templates/ or runtime_c/: inside the installed package, or beside it in a checkout."""
    packaged = resources.files("onnx2c") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


@functools.lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(load=cexpr.load, store=cexpr.store, narrow=cexpr.narrow, fn=cexpr.fn,
                       ctype=cexpr.ctype, compute=cexpr.compute, lit=literals.scalar,
                       zip=zip, enumerate=enumerate, range=range, len=len,
                       shape_literal=shape_literal, np=np)
    env.filters.update(comment=comment)
    return env


def comment(text: str, limit: int = 160) -> str:
    """text safe and readable inside /* */ on one line: printable ASCII (the rest as
    escapes), no comment delimiters or trigraphs, long text shortened in the middle.
    (The robust branch's csyntax.cnames.c_comment does the same; use that once merged.)"""
    out = "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" if ord(c) > 0xff
                  else f"\\x{ord(c):02x}" for c in text)
    if len(out) > limit:
        out = out[:limit // 2] + "..." + out[-limit // 2:]
    out = out.replace("*/", "* /").replace("/*", "/ *")
    while "??" in out:
        out = out.replace("??", "?\\?")
    return out.rstrip("\\")


def shape_literal(shape) -> str:
    return ", ".join(str(int(d)) for d in shape) if len(shape) else "0"
