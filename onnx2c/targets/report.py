"""The README's size table: flash and RAM of every example model on a target, as measured
by its toolchain. Run from a checkout (it reads tests/models and examples/):

    python -m onnx2c.targets.report [--target cortex-m4] [README.md]

With a file, the table replaces what stands between its size markers.

The autoencoder (not committed: over 1 MB) is exported on the fly when PyTorch is installed.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

import onnx

from .. import mdtable
from . import NAMES, get
from .size import size_model

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "tests" / "models"
AUTOENCODER = ("autoencoder_ts", "autoencoder_dynamo")
KEY = "sizes"           # the README's markers: <!-- sizes:begin --> ... <!-- sizes:end -->


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"onnx2c_example_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_names(with_torch: bool | None = None) -> list[str]:
    if with_torch is None:
        with_torch = all(importlib.util.find_spec(m) for m in ("torch", "onnxscript"))
    return sorted([p.stem for p in MODELS.glob("*.onnx")] +
                  (list(AUTOENCODER) if with_torch else [])) + ["seed_motion"]


def load_example(name: str, work: Path) -> onnx.ModelProto:
    """A committed test model, the seed motion graph, or a fresh autoencoder export."""
    if name == "seed_motion":
        return _module(REPO / "examples" / "seed_motion" / "make_model.py").make_model()
    if name in AUTOENCODER:
        import torch
        generate = _module(MODELS / "generate.py")
        torch.manual_seed(0)          # the same weights generate.py commits for the others
        model, shape = generate.autoencoder()
        path = work / f"{name}.onnx"
        generate.export(generate.randomize(model), torch.randn(*shape), str(path),
                        dynamo=name.endswith("dynamo"))
        return onnx.load(str(path))
    return onnx.load(str(MODELS / f"{name}.onnx"))


def table(target: str) -> str:
    t = get(target)
    rows = ["| model | flash (B) | text | rodata | RAM (B) | workspace | stack |",
            "|---|--:|--:|--:|--:|--:|--:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in example_names():
            r = size_model(load_example(name, Path(tmp)), t, "net", Path(tmp) / name)
            s = r.sections
            rows.append(f"| {name} | {r.flash:,} | {s['text']:,} | {s['rodata']:,} | "
                        f"{r.ram:,} | {r.workspace:,} | {r.stack:,} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m onnx2c.targets.report", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=NAMES, default="cortex-m4")
    ap.add_argument("readme", nargs="?",
                    help="splice the table between {} and {}".format(*mdtable.markers(KEY)))
    a = ap.parse_args(argv)
    why = get(a.target).missing(run=False) or \
        (None if MODELS.is_dir() else f"no {MODELS}: run this from a checkout of onnx2c")
    if why:
        print(f"onnx2c: error: {why}", file=sys.stderr)
        return 2
    if not a.readme:
        print(table(a.target))
        return 0
    try:
        mdtable.update(a.readme, KEY, table(a.target))
    except ValueError as e:
        print(f"onnx2c: error: {e}", file=sys.stderr)
        return 2
    print(f"updated {a.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
