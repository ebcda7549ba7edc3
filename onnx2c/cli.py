"""Command line: onnx2c compile | verify | inspect."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .errors import CompileError
from .lowering.context import OPTIMIZE, REQUANT
from .targets import NAMES as TARGETS


def _shape_arg(text: str):
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
            return name, [shape(d) for d in dims[1:-1].split(",")] if dims[1:-1] else []
        return name, shape(dims)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=D0xD1x... (e.g. x=1x3x96x96), "
                                         "INPUT=[D0xD1,...] or INPUT=none")


def _freeze_arg(text: str) -> tuple[str, np.ndarray]:
    name, sep, path = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"'{text}' is not INPUT=FILE.npy")
    try:
        return name, np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise argparse.ArgumentTypeError(f"cannot read '{path}': {e}")


def _capacity_arg(text: str) -> tuple[str, int]:
    name, sep, n = text.rpartition("=")
    if not sep or not name or not n.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not VALUE=N (e.g. boxes=100)")
    return name, int(n)


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--shape", action="append", type=_shape_arg, default=[], metavar="IN=DIMS",
                   help="pin an input's symbolic dimensions, e.g. --shape x=1x3x96x96; a "
                   "sequence input's element shapes, s=[2x3,4]; an empty optional, o=none")
    p.add_argument("--freeze", action="append", type=_freeze_arg, default=[],
                   metavar="IN=FILE.npy", help="make a graph input a constant")
    p.add_argument("--capacity", action="append", type=_capacity_arg, default=[],
                   metavar="VALUE=N", help="at most N along the data-dependent dims of VALUE "
                   "(NonZero, Unique, NonMaxSuppression ... outputs)")
    p.add_argument("--name", default="model", help="C prefix and file name (default: model)")
    p.add_argument("--string-bytes", type=int, default=64, metavar="N",
                   help="bytes of each string element's cell, its NUL included (default: 64)")
    p.add_argument("--optimize", choices=OPTIMIZE, default="speed",
                   help="where speed and flash pull apart, favour one (default: speed)")
    p.add_argument("--requant", choices=REQUANT, default="float",
                   help="int8 requantization: float (bit-exact with onnxruntime) or fixed "
                   "(integer multiplier and shift, for cores without an FPU) (default: float)")
    p.add_argument("--quantized-io", action="store_true",
                   help="a quantized model takes and returns its 8-bit tensors instead of "
                   "float (NAME.h gives each one's scale and zero point)")


def _add_weights_args(p: argparse.ArgumentParser) -> None:
    from .codegen.constants import DEFAULT_THRESHOLD
    p.add_argument("--weights-file", action="store_true",
                   help="put large constants in OUT/NAME.weights.bin, which the caller passes "
                   "to NAME_run (weights in external flash; models too big for literal C)")
    p.add_argument("--weights-threshold", type=int, default=DEFAULT_THRESHOLD, metavar="BYTES",
                   help="with --weights-file, constants of at least this many bytes go to "
                   f"the file (default: {DEFAULT_THRESHOLD})")


def _cmd_compile(a) -> int:
    from .compiler import compile
    if a.target:
        from .targets.project import check_name
        check_name(a.name)
    r = compile(a.model, a.out, name=a.name, shapes=dict(a.shape), freeze=dict(a.freeze),
                capacity=dict(a.capacity), weights_file=a.weights_file,
                weights_threshold=a.weights_threshold, string_bytes=a.string_bytes,
                optimize=a.optimize, requant=a.requant, quantized_io=a.quantized_io)
    print(f"wrote {', '.join(str(p) for p in r.paths)}")
    print(f"workspace: {r.workspace_bytes} bytes")
    if a.target:
        from .targets import get
        from .targets.project import write_project
        write_project(r, get(a.target))
        print(f"wrote {Path(a.out) / 'Makefile'} and {Path(a.out) / 'target'}/: "
              f"make, make run, make size (--target {a.target})")
    return 0


def _cmd_size(a) -> int:
    from .targets import get
    from .targets.project import BuildError
    from .targets.size import size_model
    t = get(a.target)
    why = t.missing(run=False)
    if why:
        raise CompileError(why)
    try:
        rep = size_model(a.model, t, a.name, Path(a.keep) if a.keep else None,
                         shapes=dict(a.shape), freeze=dict(a.freeze),
                         capacity=dict(a.capacity), optimize=a.optimize, requant=a.requant,
                         quantized_io=a.quantized_io)
    except BuildError as e:
        print(f"onnx2c: error: the generated C did not build for {a.target}:\n{e}",
              file=sys.stderr)
        return 1
    print(rep.format())
    return 0


def _cmd_verify(a) -> int:
    from .harness.verify import verify
    return verify(a.model, shapes=dict(a.shape), freeze=dict(a.freeze), inputs=a.inputs,
                  capacity=dict(a.capacity), weights_file=a.weights_file,
                  weights_threshold=a.weights_threshold, name=a.name, seed=a.seed,
                  rtol=a.rtol, atol=a.atol, keep=a.keep, string_bytes=a.string_bytes,
                  optimize=a.optimize, requant=a.requant, quantized_io=a.quantized_io)


def _cmd_inspect(a) -> int:
    from .compiler import build
    from .memory.report import print_plan
    r = build(a.model, a.name, dict(a.shape), dict(a.freeze), dict(a.capacity),
              string_bytes=a.string_bytes, optimize=a.optimize, requant=a.requant,
              quantized_io=a.quantized_io)
    print_plan(r)
    if r.float_nodes:
        print(f"left in float ({len(r.float_nodes)} nodes beside quantized tensors):")
        for node, why in r.float_nodes:
            print(f"  {node.op_type} {node.name}: {why}")
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
    _add_weights_args(c)
    c.add_argument("--target", choices=TARGETS, help="also write an example main, the "
                   "board's startup files and a Makefile (make, make run, make size)")
    c.set_defaults(fn=_cmd_compile)
    v = sub.add_parser("verify", help="compile, build on this host, compare with onnxruntime")
    _add_model_args(v)
    _add_weights_args(v)
    v.add_argument("--inputs", help=".npz with one array per graph input (default: random)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--rtol", type=float, default=1e-3)
    v.add_argument("--atol", type=float, default=1e-5)
    v.add_argument("--keep", help="keep the generated sources and library in this folder")
    v.set_defaults(fn=_cmd_verify)
    i = sub.add_parser("inspect", help="print the memory plan (and a quantized model's "
                       "nodes left in float, with the reason)")
    _add_model_args(i)
    i.add_argument("--plan-svg", metavar="FILE", help="draw the plan (x: step, y: offset)")
    i.set_defaults(fn=_cmd_inspect)
    z = sub.add_parser("size", help="flash and RAM on a target, from its cross toolchain")
    _add_model_args(z)
    z.add_argument("--target", choices=TARGETS, default="cortex-m4",
                   help="default: cortex-m4")
    z.add_argument("--keep", help="keep the sources and objects in this folder")
    z.set_defaults(fn=_cmd_size)
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
