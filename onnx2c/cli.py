"""Command line: onnx2c compile | verify | inspect | size."""
from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path

from . import __version__, progress
from .cli_args import Parser, bytes_arg, capacity_arg, freeze_arg, shape_arg
from .errors import CompileError
from .lowering.context import OPTIMIZE, REQUANT
from .targets import NAMES as TARGETS


def _add_model_args(p) -> None:
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--shape", action="append", type=shape_arg, default=[], metavar="IN=DIMS",
                   help="pin an input's symbolic dimensions, e.g. --shape x=1x3x96x96; a "
                   "sequence input's element shapes, s=[2x3,4]; an empty optional, o=none")
    p.add_argument("--freeze", action="append", type=freeze_arg, default=[],
                   metavar="IN=FILE.npy", help="make a graph input a constant (its dtype and "
                   "shape must be the input's)")
    p.add_argument("--capacity", action="append", type=capacity_arg, default=[],
                   metavar="VALUE=N", help="at most N along the data-dependent dims of VALUE "
                   "(NonZero, Unique, NonMaxSuppression ... outputs)")
    p.add_argument("--name", default="model", help="C prefix and file name")
    p.add_argument("--string-bytes", type=int, default=64, metavar="N",
                   help="bytes of each string element's cell, its NUL included")
    p.add_argument("--optimize", choices=OPTIMIZE, default="speed",
                   help="where speed and flash pull apart, favour one")
    p.add_argument("--requant", choices=REQUANT, default="float",
                   help="int8 requantization: float (bit-exact with onnxruntime) or fixed "
                   "(integer multiplier and shift, for cores without an FPU)")
    p.add_argument("--quantized-io", action="store_true",
                   help="a quantized model takes and returns its 8-bit tensors instead of "
                   "float (NAME.h gives each one's scale and zero point)")
    p.add_argument("--max-workspace", type=bytes_arg, metavar="BYTES",
                   help="refuse a model whose workspace needs more (e.g. 256k, 4M; default: "
                   "the target's RAM, 16M for cortex-m4, else 2G)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines (they appear on a terminal for steps over a second)")
    p.add_argument("--progress", action="store_true",
                   help="progress lines on stderr even when it is not a terminal")


def _add_weights_args(p) -> None:
    from .codegen.constants import DEFAULT_THRESHOLD
    p.add_argument("--weights-file", action="store_true",
                   help="put large constants in OUT/NAME.weights.bin, which the caller passes "
                   "to NAME_run (weights in external flash; models too big for literal C)")
    p.add_argument("--weights-threshold", type=int, default=DEFAULT_THRESHOLD, metavar="BYTES",
                   help="with --weights-file, constants of at least this many bytes go to "
                   "the file")


def _model_options(a, target: str | None = None) -> dict:
    """The keyword arguments of compiler.build() the model options give."""
    from .targets import max_workspace
    return dict(name=a.name, shapes=dict(a.shape), freeze=dict(a.freeze),
                capacity=dict(a.capacity), string_bytes=a.string_bytes, optimize=a.optimize,
                requant=a.requant, quantized_io=a.quantized_io,
                max_workspace=a.max_workspace or max_workspace(target))


def _cmd_compile(a) -> int:
    from .compiler import compile
    if a.target:
        from .targets.project import check_name
        check_name(a.name)
    r = compile(a.model, a.out, weights_file=a.weights_file,
                weights_threshold=a.weights_threshold, **_model_options(a, a.target))
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
    opts = _model_options(a, a.target)
    try:
        rep = size_model(a.model, t, opts.pop("name"), Path(a.keep) if a.keep else None, **opts)
    except BuildError as e:
        print(f"onnx2c: error: the generated C did not build for {a.target}:\n{e}",
              file=sys.stderr)
        return 1
    print(rep.format())
    return 0


def _cmd_verify(a) -> int:
    from .harness.verify import verify
    return verify(a.model, inputs=a.inputs, seed=a.seed, rtol=a.rtol, atol=a.atol, keep=a.keep,
                  weights_file=a.weights_file, weights_threshold=a.weights_threshold,
                  **_model_options(a))


def _cmd_inspect(a) -> int:
    from .compiler import build
    from .memory.report import print_plan
    r = build(a.model, **_model_options(a))
    print_plan(r)
    if r.float_nodes:
        print(f"left in float ({len(r.float_nodes)} nodes beside quantized tensors):")
        for node, why in r.float_nodes:
            print(f"  {node.op_type} {node.name}: {why}")
    if a.plan_svg:
        from .memory.svg import plan_svg
        try:
            Path(a.plan_svg).write_text(plan_svg(r.plan, Path(str(a.model)).stem))
        except OSError as e:
            raise CompileError(f"cannot write --plan-svg '{a.plan_svg}': {e.strerror}") from None
        print(f"wrote {a.plan_svg}")
    return 0


def parser() -> Parser:
    ap = Parser(prog="onnx2c", description=__doc__)
    ap.add_argument("--version", action="version", version=f"onnx2c {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    c = sub.add_parser("compile", help="compile a model to C sources")
    _add_model_args(c)
    c.add_argument("-o", "--out", required=True, help="output folder (made if missing)")
    _add_weights_args(c)
    c.add_argument("--target", choices=TARGETS, help="also write an example main, the "
                   "board's startup files and a Makefile (make, make run, make size)")
    c.set_defaults(fn=_cmd_compile)
    v = sub.add_parser("verify", help="compile, build on this host, compare with onnxruntime")
    _add_model_args(v)
    _add_weights_args(v)
    v.add_argument("--inputs", metavar="FILE.npz",
                   help=".npz with one array per graph input (inputs it leaves out: random)")
    v.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    v.add_argument("--rtol", type=float, default=1e-3,
                   help="relative tolerance of float outputs (integers must be exact)")
    v.add_argument("--atol", type=float, default=1e-5,
                   help="absolute tolerance of float outputs")
    v.add_argument("--keep", metavar="DIR",
                   help="keep the generated sources and library in this folder")
    v.set_defaults(fn=_cmd_verify)
    i = sub.add_parser("inspect", help="print the memory plan (and a quantized model's "
                       "nodes left in float, with the reason)")
    _add_model_args(i)
    i.add_argument("--plan-svg", metavar="FILE", help="draw the plan (x: step, y: offset)")
    i.set_defaults(fn=_cmd_inspect)
    z = sub.add_parser("size", help="flash and RAM on a target, from its cross toolchain")
    _add_model_args(z)
    z.add_argument("--target", choices=TARGETS, default="cortex-m4", help="the toolchain")
    z.add_argument("--keep", metavar="DIR", help="keep the sources and objects in this folder")
    z.set_defaults(fn=_cmd_size)
    return ap


def one_line(text: str, limit: int = 2000) -> str:
    """text with control, format (bidi) and line-break characters escaped, so a hostile
    name cannot split or reorder the line, and shortened in the middle past limit."""
    out = "".join(c if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else
                  (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text)
    return out if len(out) <= limit else out[:limit // 2] + " ... " + out[-limit // 2:]


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    progress.enable(not a.quiet and (a.progress or sys.stderr.isatty()))
    try:
        return a.fn(a)
    except CompileError as e:
        print(f"onnx2c: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:      # a bug of onnx2c's, not the user's: still one line
        if os.environ.get("ONNX2C_TRACEBACK"):
            raise
        print(f"onnx2c: internal error: {one_line(f'{type(e).__name__}: {e}', 500)} (please "
              "report it with the model; ONNX2C_TRACEBACK=1 shows where)", file=sys.stderr)
        return 3
    finally:
        progress.enable(False)


if __name__ == "__main__":
    sys.exit(main())
