"""Every test model runs on the Cortex-M4 board in QEMU, under qemu-aarch64 and under
wasmtime, and matches onnxruntime (rtol 1e-3, atol 1e-5).

Each case compiles the model, builds the generic example main with the test inputs compiled
in, runs it on the emulator and parses the hex it prints. The cases run on a small thread
pool in test order (builds and emulators are subprocesses), so a test mostly finds its
result ready.
"""
from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import onnx
import pytest

import onnx2c
from onnx2c.harness.verify import compare, random_input
from onnx2c.targets import get
from onnx2c.targets.report import AUTOENCODER, example_names, load_example
from onnx2c.targets.run import run_model

MODELS = example_names(with_torch=True)
TARGETS = ("cortex-m4", "aarch64-linux", "wasm32")


def load(name: str, work) -> onnx.ModelProto:
    if name in AUTOENCODER:
        pytest.importorskip("torch", reason="PyTorch is not installed (pip install "
                            "torch==2.13.0 onnxscript), so the autoencoder cannot be exported")
        pytest.importorskip("onnxscript", reason="onnxscript is needed for the dynamo export")
    return load_example(name, work)


class Cases:
    """(model, target) -> Future of (status, outputs, expected); C compiled once per model."""

    def __init__(self, root):
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2))
        self.futures: dict[tuple[str, str], Future] = {}
        self.sources: dict[str, tuple] = {}
        self.locks = {m: threading.Lock() for m in MODELS}

    def _source(self, model: str):
        with self.locks[model]:
            if model not in self.sources:
                import onnxruntime as ort
                proto = load(model, self.root)
                r = onnx2c.compile(proto, self.root / model / "src", name="net")
                rng = np.random.default_rng(0)
                feeds = {i.name: random_input(i.dtype, i.shape, rng) for i in r.inputs}
                sess = ort.InferenceSession(proto.SerializeToString(),
                                            providers=["CPUExecutionProvider"])
                self.sources[model] = (r, feeds, sess.run([o.name for o in r.outputs], feeds))
            return self.sources[model]

    def _run(self, model: str, target: str):
        r, feeds, want = self._source(model)
        out = self.root / model / target
        shutil.copytree(r.out_dir, out)
        status, got = run_model(replace(r, out_dir=out), get(target), feeds, timeout=240)
        return status, got, want

    def submit(self, cases) -> None:
        for case in cases:
            if case not in self.futures and not get(case[1]).missing():
                self.futures[case] = self.pool.submit(self._run, *case)


@pytest.fixture(scope="module")
def cases(request, tmp_path_factory):
    c = Cases(tmp_path_factory.mktemp("targets"))
    # queue every selected case at once, in test order, so the pool works ahead
    c.submit(tuple(item.callspec.params["case"]) for item in request.session.items
             if item.module is request.module and hasattr(item, "callspec"))
    yield c
    c.pool.shutdown(wait=False, cancel_futures=True)


@pytest.mark.parametrize("case", [(m, t) for m in MODELS for t in TARGETS],
                         ids=lambda c: f"{c[0]}-{c[1]}")
def test_model_matches_onnxruntime_on_target(case, cases):
    model, target = case
    why = get(target).missing()
    if why:
        pytest.skip(why)
    cases.submit([case])
    status, got, want = cases.futures[case].result()
    assert status == 0
    for g, w in zip(got, want):
        ok, err_abs, err_rel = compare(g, w, rtol=1e-3, atol=1e-5)
        assert ok, f"{model} on {target}: max abs err {err_abs}, max rel err {err_rel}"
