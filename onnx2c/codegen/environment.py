"""The Jinja environment every template renders in, and where templates/ and runtime_c/ are."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np

from ..csyntax import cexpr, literals
from ..csyntax.index import offset
from ..csyntax.cnames import c_comment


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
                       shape_literal=shape_literal, np=np, offset=offset)
    env.filters.update(comment=c_comment)      # any ONNX-derived text inside /* */
    return env


def shape_literal(shape) -> str:
    return ", ".join(str(int(d)) for d in shape) if len(shape) else "0"
