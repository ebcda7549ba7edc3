"""Every test model runs on the Cortex-M4 board in QEMU, under qemu-aarch64 and under
wasmtime, and matches onnxruntime (rtol 1e-3, atol 1e-5); the quantized models
(tests/models/quant/, QUANT) bit for bit, as on the host (tests/models/test_quant_models.py);
those whose float parts differ from onnxruntime's (quant_cases.NOT_BIT_EXACT) bit for bit
with the C built for the host, unless the C library's functions make them differ (LIBM).

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
from onnx2c.harness import build_host
from onnx2c.harness.oracle import ort_session
from onnx2c.harness.verify import compare, random_input
from onnx2c.targets import get
from onnx2c.targets.report import AUTOENCODER, example_names, load_example
from onnx2c.targets.run import run_model
from tests.models.quant_cases import LIBM, NAMES, NOT_BIT_EXACT, QUANT_DIR

QUANT = [f"quant/{n}" for n in NAMES]
MODELS = example_names(with_torch=True) + QUANT
TARGETS = ("cortex-m4", "aarch64-linux", "wasm32")


def load(name: str, work) -> onnx.ModelProto:
    if name in QUANT:
        return onnx.load(str(QUANT_DIR / f"{name.split('/')[1]}.onnx"))
    if name in AUTOENCODER:
        pytest.importorskip("torch", reason="PyTorch is not installed (pip install "
                            "torch==2.13.0 onnxscript), so the autoencoder cannot be exported")
        pytest.importorskip("onnxscript", reason="onnxscript is needed for the dynamo export")
    return load_example(name, work)


def _host_oracle(model: str) -> bool:
    name = model.split("/")[-1]
    return name in NOT_BIT_EXACT and name not in LIBM


def _exact(model: str) -> bool:
    return model in QUANT and model.split("/")[-1] not in LIBM


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
                proto = load(model, self.root)
                r = onnx2c.compile(proto, self.root / model.replace("/", "_") / "src",
                                   name="net")
                rng = np.random.default_rng(0)
                feeds = {i.name: random_input(i.dtype, i.shape, rng) for i in r.inputs}
                if _host_oracle(model):         # the same bytes as the C built for the host
                    want = build_host(r, self.root / model.replace("/", "_") / "host"
                                      ).run(feeds)[1]
                else:
                    want = ort_session(proto).run([o.name for o in r.outputs], feeds)
                self.sources[model] = (r, feeds, want)
            return self.sources[model]

    def _run(self, model: str, target: str):
        r, feeds, want = self._source(model)
        out = self.root / model.replace("/", "_") / target
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
        if _exact(model):
            assert g.tobytes() == np.asarray(w).tobytes(), \
                f"{model} on {target}: {int((g != w).sum())} of {g.size} values differ"
            continue
        ok, err_abs, err_rel = compare(g, w, rtol=1e-3, atol=1e-5)
        assert ok, f"{model} on {target}: max abs err {err_abs}, max rel err {err_rel}"
