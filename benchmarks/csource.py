"""Size of the generated C and how long gcc takes to build it, on a model with real weights.

python benchmarks/csource.py                 the generated 10 MB model (below)
python benchmarks/csource.py --model F.onnx  any model
python benchmarks/csource.py --cc clang --opt -O2

Prints, per .c file onnx2c writes, its bytes and the seconds `CC OPT -c` takes (each file
alone, one after the other, best of --repeat), and the totals. The default model stands
in for an OCR recogniser: 10.6 MB of random float32 weights in five 3x3 convolutions and a
dense layer, on a small image so that the weights, not the activations, dominate.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import onnx2c


def generated_model(seed: int = 0):
    rng = np.random.default_rng(seed)
    nodes, inits, x, cin = [], [], "x", 1
    for k, cout in enumerate((64, 128, 256, 256, 512)):
        w = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"conv{k}.w"), numpy_helper.from_array(b, f"conv{k}.b")]
        nodes += [helper.make_node("Conv", [x, f"conv{k}.w", f"conv{k}.b"], [f"c{k}"], pads=[1] * 4),
                  helper.make_node("Relu", [f"c{k}"], [f"r{k}"])]
        x, cin = f"r{k}", cout
        if k % 2 == 1:
            nodes.append(helper.make_node("MaxPool", [x], [f"p{k}"], kernel_shape=[2, 2],
                                          strides=[2, 2]))
            x = f"p{k}"
    w = (rng.standard_normal((cin, 1024)) / np.sqrt(cin)).astype(np.float32)
    inits.append(numpy_helper.from_array(w, "fc.w"))
    nodes += [helper.make_node("GlobalAveragePool", [x], ["gap"]),
              helper.make_node("Flatten", ["gap"], ["flat"]),
              helper.make_node("MatMul", ["flat", "fc.w"], ["y"])]
    g = helper.make_graph(nodes, "ocr_like",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1024])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def build_seconds(cc: str, opt: str, src: Path, out: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([cc, "-std=c99", opt, "-I", str(src.parent), "-c", str(src), "-o", str(out)],
                       check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="an .onnx file (default: the generated 10 MB model)")
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--opt", default="-O3")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args(argv)
    model = a.model or generated_model()
    with tempfile.TemporaryDirectory(prefix="onnx2c-csource-") as tmp:
        t0 = time.perf_counter()
        r = onnx2c.compile(model, tmp, name="net")
        gen = time.perf_counter() - t0
        weights = sum(v.nbytes for v in r.graph.values.values() if v.is_const)
        print(f"weights {weights:,} B; onnx2c wrote the C in {gen:.1f} s")
        total_bytes = total_s = 0.0
        for src in sorted(Path(tmp).glob("*.c")):
            s = build_seconds(a.cc, a.opt, src, src.with_suffix(".o"), a.repeat)
            n = src.stat().st_size
            total_bytes += n
            total_s += s
            print(f"{src.name:24} {n:>14,} B {s:8.2f} s  ({a.cc} {a.opt})")
        print(f"{'total':24} {int(total_bytes):>14,} B {total_s:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
