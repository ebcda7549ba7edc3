"""Which models a benchmark runs, and the command-line options that choose them.

By default: every tests/models/*.onnx, the FC autoencoder (exported on the fly when PyTorch
and onnxscript are installed) and examples/seed_motion; examples/kws runs
tests/models/dscnn_dynamo.onnx, so it is not listed twice. speed.py adds the ONNX "light"
model zoo shipped in the onnx wheel. -k narrows by name, --model and --dir add files (int8
and classical-ML models living elsewhere), --only-added drops the defaults.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import onnx

from onnx2c.mdtable import markers
from onnx2c.targets.report import example_names, load_example

REPO = Path(__file__).resolve().parents[1]
TEST_MODELS = REPO / "tests" / "models"


@dataclass(frozen=True)
class Entry:
    name: str
    group: str                  # "tests", "example", "light" or "added" (--model, --dir)
    path: Path | None = None    # None: an example load_example builds

    def load(self, work: Path) -> onnx.ModelProto:
        """The model; an exported autoencoder is written to work on the way."""
        if self.path is None:
            return load_example(self.name, work)
        return onnx.load(str(self.path))


def light_dir() -> Path:
    return Path(os.path.dirname(onnx.__file__)) / "backend" / "test" / "data" / "light"


def repo_entries() -> list[Entry]:
    return [Entry(n, "tests", TEST_MODELS / f"{n}.onnx") if (TEST_MODELS / f"{n}.onnx").exists()
            else Entry(n, "example") for n in example_names()]


def light_entries() -> list[Entry]:
    """The model zoo in miniature (ResNet-50, VGG-19, ...): real architectures whose weights
    are ConstantOfShape placeholders."""
    return [Entry(p.stem, "light", p) for p in sorted(light_dir().glob("light_*.onnx"))]


def add_arguments(ap: argparse.ArgumentParser, table_key: str) -> None:
    ap.add_argument("-k", dest="substrings", action="append", metavar="SUBSTR",
                    help="only models whose name contains SUBSTR (repeat: any of them)")
    ap.add_argument("--model", action="append", type=Path, default=[], metavar="PATH",
                    help="add this .onnx file (repeatable)")
    ap.add_argument("--dir", action="append", type=Path, default=[], metavar="DIR",
                    help="add every .onnx file in DIR (repeatable)")
    ap.add_argument("--only-added", action="store_true",
                    help="leave out the default models: run only --model and --dir ones")
    ap.add_argument("--readme", type=Path, metavar="FILE",
                    help="also write the table between {} and {} in FILE"
                    .format(*markers(table_key)))
    ap.add_argument("--work", type=Path, metavar="DIR", help="build folder")


def select(args: argparse.Namespace, defaults: list[Entry]) -> list[Entry]:
    added = list(args.model)
    for folder in args.dir:
        if not folder.is_dir():
            raise SystemExit(f"error: --dir {folder} is not a folder")
        added += sorted(folder.glob("*.onnx"))
    entries = [] if args.only_added else list(defaults)
    taken = {e.name for e in entries}
    for path in added:
        if not path.is_file():
            raise SystemExit(f"error: --model {path} does not exist")
        name = path.stem if path.stem not in taken else str(path)
        taken.add(name)
        entries.append(Entry(name, "added", path))
    if args.substrings:
        entries = [e for e in entries if any(s in e.name for s in args.substrings)]
    if not entries:
        raise SystemExit("error: no model selected")
    return entries


def work_dir(args: argparse.Namespace, prefix: str) -> tuple[Path, object]:
    """--work, or a temporary folder (and the handle that removes it when dropped)."""
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        return args.work, None
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    return Path(tmp.name), tmp
