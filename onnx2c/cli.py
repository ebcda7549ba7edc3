"""Command line: onnx2c compile | verify | inspect."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .errors import CompileError


def _shape_arg(text: str) -> tuple[str, tuple[int, ...]]:
    name, sep, dims = text.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name, tuple(int(d) for d in dims.lower().split("x")) if dims else ()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=D0xD1x... (e.g. x=1x3x96x96)")


def _freeze_arg(text: str) -> tuple[str, np.ndarray]:
    name, sep, path = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=FILE.npy")
    try:
        return name, np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise argparse.ArgumentTypeError(f"cannot read '{path}': {e}")


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--shape", action="append", type=_shape_arg, default=[], metavar="IN=DIMS",
                   help="pin an input's symbolic dimensions, e.g. --shape x=1x3x96x96")
    p.add_argument("--freeze", action="append", type=_freeze_arg, default=[],
                   metavar="IN=FILE.npy", help="make a graph input a constant")
    p.add_argument("--name", default="model", help="C prefix and file name (default: model)")


def _cmd_compile(a) -> int:
    from .compiler import compile
    r = compile(a.model, a.out, name=a.name, shapes=dict(a.shape), freeze=dict(a.freeze))
    print(f"wrote {', '.join(str(p) for p in r.paths)}")
    print(f"workspace: {r.workspace_bytes} bytes")
    return 0


def _cmd_verify(a) -> int:
    from .harness.verify import verify
    return verify(a.model, shapes=dict(a.shape), freeze=dict(a.freeze), inputs=a.inputs,
                  name=a.name, seed=a.seed, rtol=a.rtol, atol=a.atol, keep=a.keep)


def _cmd_inspect(a) -> int:
    from .compiler import build
    from .memory.report import print_plan
    r = build(a.model, a.name, dict(a.shape), dict(a.freeze))
    print_plan(r)
    if a.plan_svg:
        from .memory.svg import plan_svg
        Path(a.plan_svg).write_text(plan_svg(r.plan, Path(str(a.model)).stem))
        print(f"wrote {a.plan_svg}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="onnx2c", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compile", help="compile a model to C sources")
    _add_model_args(c)
    c.add_argument("-o", "--out", required=True, help="output folder")
    c.set_defaults(fn=_cmd_compile)
    v = sub.add_parser("verify", help="compile, build on this host, compare with onnxruntime")
    _add_model_args(v)
    v.add_argument("--inputs", help=".npz with one array per graph input (default: random)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--rtol", type=float, default=1e-3)
    v.add_argument("--atol", type=float, default=1e-5)
    v.add_argument("--keep", help="keep the generated sources and library in this folder")
    v.set_defaults(fn=_cmd_verify)
    i = sub.add_parser("inspect", help="print the memory plan")
    _add_model_args(i)
    i.add_argument("--plan-svg", metavar="FILE", help="draw the plan (x: step, y: offset)")
    i.set_defaults(fn=_cmd_inspect)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except CompileError as e:
        print(f"onnx2c: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
