"""Peak activation RAM of the quantized test models against their float originals.

    python benchmarks/quant_memory.py [-k SUBSTR]

Peak activation RAM is the workspace plus the caller's input and output buffers (as in
memory_table.py). Each quantized model of tests/models/quant/ is compiled twice: as it is
(float input and output around the 8-bit graph), and with --quantized-io (the 8-bit
tensors are the input and output, as TFLite Micro models take them); the ratio is to
the float model it was quantized from.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

if __package__ in (None, ""):       # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onnx2c  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "tests" / "models"


def peak(model, **options) -> tuple[int, int]:
    """(workspace, workspace + input and output bytes)."""
    r = onnx2c.build(model, "m", **options)
    return r.workspace_bytes, r.workspace_bytes + sum(t.nbytes for t in r.inputs + r.outputs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", dest="substrings", action="append", metavar="SUBSTR")
    args = ap.parse_args(argv)
    print("| model | float peak (B) | int8 workspace (B) | int8 peak (B) | ratio | "
          "int8 peak, --quantized-io (B) | ratio |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for path in sorted((MODELS / "quant").glob("*.onnx")):
        if args.substrings and not any(s in path.stem for s in args.substrings):
            continue
        original = MODELS / f"{re.sub(r'_(qdq|qop)_.*$|_dyn$', '', path.stem)}.onnx"
        if not original.exists():
            continue
        _, float_peak = peak(original)
        workspace, int8_peak = peak(path)
        _, io_peak = peak(path, quantized_io=True)
        print(f"| {path.stem} | {float_peak:,} | {workspace:,} | {int8_peak:,} | "
              f"{int8_peak / float_peak:.3f} | {io_peak:,} | {io_peak / float_peak:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
