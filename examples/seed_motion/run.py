"""Compile the motion detector to C, build it with main.c, run it, check it against onnxruntime."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

import onnx2c
from make_model import background, make_model

HERE = Path(__file__).resolve().parent


def frames(rng: np.random.Generator) -> list[np.ndarray]:
    bg = background()
    noisy = np.clip(bg + rng.integers(-3, 4, bg.shape), 0, 255)
    person = bg.copy()
    person[100:250, 150:230, :] = rng.integers(0, 256, (150, 80, 3))
    return [bg, noisy, person]


def main() -> int:
    model = make_model()
    work = Path(tempfile.mkdtemp(prefix="seed_motion-"))
    result = onnx2c.compile(model, work / "src", name="seed_motion")
    print(f"compiled to {work / 'src'}: workspace {result.workspace_bytes} bytes")
    cc = shutil.which("cc") or "gcc"
    exe = work / "seed_motion"
    subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                    "-I", str(work / "src"), str(HERE / "main.c"), str(work / "src" / "seed_motion.c"),
                    "-o", str(exe), "-lm"], check=True)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    files, want = [], []
    for k, f in enumerate(frames(np.random.default_rng(0))):
        path = work / f"frame{k}.bin"
        f.astype("<i8").tofile(path)
        files.append(str(path))
        want.append("still" if bool(sess.run(None, {"xin": f})[0]) else "motion")
    got = subprocess.run([str(exe), *files], check=True, capture_output=True, text=True).stdout
    ok = True
    for line, w in zip(got.splitlines(), want):
        name, verdict = line.split()
        ok &= verdict == w
        print(f"{Path(name).name}: C says {verdict}, onnxruntime says {w}"
              f" {'PASS' if verdict == w else 'FAIL'}")
    print("seed_motion: all frames match onnxruntime" if ok else "seed_motion: MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
