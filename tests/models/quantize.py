"""Quantize the float test models with onnxruntime's quantizer, into tests/models/quant/.

    python tests/models/quantize.py [--out DIR] [-k SUBSTR] [--autoencoder DIR]

Every float model of tests/models (NAME_ts and NAME_dynamo; examples/kws is
dscnn_dynamo) is quantized statically (onnxruntime.quantization.quantize_static,
MinMax calibration on CALIBRATION standard-normal inputs drawn with numpy's
default_rng(0)) in two of the four VARIANTS, so that each network gets all four
over its two exports: the QDQ and the QOperator format, per tensor and per
channel, uint8 and int8 activations, int8 weights (U8S8, S8S8). The sequence
models are also quantized dynamically (quantize_dynamic, int8 weights).
Every variant of every export would be 15 MB of files and as many test builds
for little more coverage: the two exports differ in graph shape, not in the
operators the quantizer sees.

The FC autoencoder is not committed in float (over 1 MB); --autoencoder DIR
quantizes DIR/autoencoder_{ts,dynamo}.onnx as exported by generate.py. The
quantized files need neither PyTorch nor this script at test time.

onnxruntime 1.32 was used; its quantizer is deterministic for a given version,
so the output is reproducible.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)

HERE = Path(__file__).resolve().parent
CALIBRATION = 8

# name -> (format, per channel, activation type); weights are int8 throughout
VARIANTS = {
    "qdq_s8s8_pc": (QuantFormat.QDQ, True, QuantType.QInt8),
    "qop_u8s8": (QuantFormat.QOperator, False, QuantType.QUInt8),
    "qdq_u8s8": (QuantFormat.QDQ, False, QuantType.QUInt8),
    "qop_s8s8_pc": (QuantFormat.QOperator, True, QuantType.QInt8),
}
# which variants each export gets
BY_EXPORT = {"dynamo": ("qdq_s8s8_pc", "qop_u8s8"), "ts": ("qdq_u8s8", "qop_s8s8_pc")}
# quantize_dynamic covers MatMul, Gemm, Conv, LSTM, Attention...: the sequence models
DYNAMIC = ("lstm", "gru", "transformer", "autoencoder")


class RandomReader(CalibrationDataReader):
    """CALIBRATION batches of standard-normal inputs, the same for every run."""

    def __init__(self, model: onnx.ModelProto):
        rng = np.random.default_rng(0)
        inits = {t.name for t in model.graph.initializer}
        inputs = [i for i in model.graph.input if i.name not in inits]
        shapes = {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in inputs}
        self.batches = iter([{n: rng.standard_normal(s).astype(np.float32)
                              for n, s in shapes.items()} for _ in range(CALIBRATION)])

    def get_next(self):
        return next(self.batches, None)


def quantize(src: Path, out: Path, only: str | None = None) -> list[Path]:
    """Every variant of the float model src written to out; returns the paths."""
    stem, written = src.stem, []
    for variant in BY_EXPORT[stem.rsplit("_", 1)[1]]:
        fmt, per_channel, activation = VARIANTS[variant]
        dst = out / f"{stem}_{variant}.onnx"
        if only and only not in dst.stem:
            continue
        model = onnx.load(str(src))     # the quantizer may change what it is given
        quantize_static(model, dst, RandomReader(model), quant_format=fmt,
                        per_channel=per_channel, activation_type=activation,
                        weight_type=QuantType.QInt8)
        written.append(dst)
    dst = out / f"{stem}_dyn.onnx"
    if stem.rsplit("_", 1)[0] in DYNAMIC and not (only and only not in dst.stem):
        quantize_dynamic(onnx.load(str(src)), dst, weight_type=QuantType.QInt8)
        written.append(dst)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE / "quant")
    ap.add_argument("-k", dest="only", help="only outputs whose name contains this")
    ap.add_argument("--autoencoder", type=Path, metavar="DIR",
                    help="also quantize DIR/autoencoder_{ts,dynamo}.onnx")
    args = ap.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)     # the quantizer's pre-processing hint
    args.out.mkdir(parents=True, exist_ok=True)
    sources = sorted(HERE.glob("*.onnx"))
    if args.autoencoder:
        sources += [args.autoencoder / f"autoencoder_{e}.onnx" for e in ("ts", "dynamo")]
    for src in sources:
        for path in quantize(src, args.out, args.only):
            print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
