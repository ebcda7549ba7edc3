"""The command line's argument types and an argparse that reports a mistake in one line."""
from __future__ import annotations

import argparse
import sys

import numpy as np


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`onnx2c: error: ...`, exit status 2) and every
    option's default in its help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        print(f"onnx2c: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


class _DefaultsFormatter(argparse.HelpFormatter):
    def _get_help_string(self, action):
        text = action.help or ""
        shown = not (action.default is None or action.default is False or
                     action.default == [] or action.default == argparse.SUPPRESS)
        if shown and "%(default)" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


def shape_arg(text: str):
    """INPUT=D0xD1..., INPUT=[D0xD1,...] (a sequence: one shape per element), INPUT=none
    (an optional input left empty)."""
    name, sep, dims = text.rpartition("=")
    shape = lambda d: tuple(int(x) for x in d.lower().split("x")) if d else ()
    try:
        if not sep or not name:
            raise ValueError
        if dims.lower() == "none":
            return name, None
        if dims.startswith("[") and dims.endswith("]"):
            shapes = [shape(d) for d in dims[1:-1].split(",")] if dims[1:-1] else []
            if any(d < 0 for s in shapes for d in s):
                raise ValueError
            return name, shapes
        dims_ = shape(dims)
        if any(d < 0 for d in dims_):
            raise ValueError
        return name, dims_
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=D0xD1x... (e.g. x=1x3x96x96), "
                                         "INPUT=[D0xD1,...] or INPUT=none") from None


def freeze_arg(text: str) -> tuple[str, np.ndarray]:
    name, sep, path = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=FILE.npy")
    try:
        return name, np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e) or "not an .npy"
        raise argparse.ArgumentTypeError(f"cannot read '{path}': {reason}") from None


def capacity_arg(text: str) -> tuple[str, int]:
    name, sep, n = text.rpartition("=")
    if not sep or not name or not n.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not VALUE=N (e.g. boxes=100)")
    return name, int(n)


def bytes_arg(text: str) -> int:
    """A byte count: 1000, 64k, 4M, 2G (binary multiples)."""
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale > 1 else text
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not a byte count (e.g. 65536, 64k, 4M)")
    return int(digits) * scale
