"""Shared fixtures: compile a model, build it for this host, compare with onnxruntime."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import onnx2c
from onnx2c.harness import build_host
from onnx2c.harness.verify import compare, random_input

REPO = Path(__file__).resolve().parents[1]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def c_compilers() -> list[str]:
    return [c for c in ("gcc", "clang") if shutil.which(c)]


def strict_compile(compiler: str, src_dir: Path, out_dir: Path) -> list[Path]:
    """Compile every .c in src_dir to an object with the strict flags; returns the objects."""
    objs = []
    for c in sorted(src_dir.glob("*.c")):
        obj = out_dir / f"{c.stem}.{compiler}.o"
        p = subprocess.run([compiler, *STRICT, "-O2", "-c", str(c), "-I", str(src_dir), "-o",
                            str(obj)], capture_output=True, text=True)
        assert p.returncode == 0, f"{compiler} rejected {c.name}:\n{p.stderr[:3000]}"
        objs.append(obj)
    return objs


def check_against_ort(model, tmp_path: Path, name="model", rtol=1e-3, atol=1e-5, seed=0,
                      feeds=None):
    """Compile, build, run on random inputs; assert every output matches onnxruntime."""
    import onnx
    import onnxruntime as ort

    r = onnx2c.compile(model, tmp_path / "src", name=name)
    host = build_host(r, tmp_path / "build")
    rng = np.random.default_rng(seed)
    feeds = feeds or {i.name: random_input(i.dtype, i.shape, rng) for i in r.inputs}
    status, got = host.run(feeds)
    assert status == 0
    proto = model if isinstance(model, onnx.ModelProto) else onnx.load(str(model))
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run([o.name for o in r.outputs], feeds)
    for info, g, w in zip(r.outputs, got, want):
        ok, ea, er = compare(g, w, rtol, atol)
        assert ok, f"output {info.name}: max abs err {ea}, max rel err {er}"
    return r


@pytest.fixture(params=c_compilers() or [pytest.param("none", marks=pytest.mark.skip(
    reason="no C compiler (gcc or clang) on PATH"))])
def cc(request):
    return request.param
