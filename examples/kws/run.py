"""Compile the DS-CNN keyword spotter (exported from PyTorch) to C, run it, compare with onnxruntime."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import compile_and_build, run  # noqa: E402

MODEL = HERE.parents[1] / "tests" / "models" / "dscnn_dynamo.onnx"


def main() -> int:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL
    work, exe, _ = compile_and_build(model, "kws", HERE / "main.c")
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for k in range(3):
        x = rng.standard_normal((1, 1, 49, 10)).astype(np.float32)
        x.tofile(work / f"mfcc{k}.bin")
        got = np.array([float(v) for v in run(exe, work / f"mfcc{k}.bin").split()], np.float32)
        want = sess.run(None, {sess.get_inputs()[0].name: x})[0].reshape(-1)
        err = float(np.max(np.abs(got - want) / (1e-5 + 1e-3 * np.abs(want))))
        worst = max(worst, err)
        print(f"frame {k}: C class {int(got.argmax())}, onnxruntime class {int(want.argmax())}, "
              f"max abs err {np.max(np.abs(got - want)):.3g}")
    ok = worst <= 1.0
    print("kws: matches onnxruntime (rtol 1e-3, atol 1e-5)" if ok else "kws: MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
