"""Compile the motion detector to C, build it with main.c, run it, check it against onnxruntime."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import compile_and_build, run  # noqa: E402
from make_model import background, make_model  # noqa: E402


def frames(rng: np.random.Generator) -> list[np.ndarray]:
    bg = background()
    noisy = np.clip(bg + rng.integers(-3, 4, bg.shape), 0, 255)
    person = bg.copy()
    person[100:250, 150:230, :] = rng.integers(0, 256, (150, 80, 3))
    return [bg, noisy, person]


def main() -> int:
    model = make_model()
    work, exe, _ = compile_and_build(model, "seed_motion", HERE / "main.c")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    files, want = [], []
    for k, f in enumerate(frames(np.random.default_rng(0))):
        path = work / f"frame{k}.bin"
        f.astype("<i8").tofile(path)
        files.append(str(path))
        want.append("still" if bool(sess.run(None, {"xin": f})[0]) else "motion")
    got = run(exe, *files)
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
