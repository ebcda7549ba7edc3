"""The generated C under AddressSanitizer and UndefinedBehaviorSanitizer: a sample of the
ONNX node tests spread over the operators, and every repo and example model (the quantized
ones of tests/models/quant too), built with -fsanitize=address,undefined
-fno-sanitize-recover=all (onnx2c/conformance/sanitize.py) and compared with the expected
outputs as usual. Any sanitizer report fails the run.

The quantized models are compared with onnxruntime within MAX_STEPS quantization steps,
as tests/models/test_quant_models.py allows for the models whose float parts or u8 x s8
products onnxruntime computes differently; that test checks them bit for bit where it
can. Here they are for the int8 kernels' memory accesses (32-bit loads of padded rows,
scratch tiles), which only the sanitizers see. A few of them are also built for this CPU
(-march=native), where the x86 vector paths' masked and wide loads run.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import onnx
import pytest

from onnx2c.conformance.__main__ import PASSING, read_expected
from onnx2c.conformance.cases import Case, collect, spread
from onnx2c.conformance.sanitize import REPORTS, SANITIZE, environment, run_sanitized
from onnx2c.harness.verify import random_input
from onnx2c.ir import DType
from tests.conftest import REPO, oracle_run
from tests.models.quant_cases import NAMES as QUANT_NAMES, QUANT_DIR
from tests.models.test_quant_models import MAX_STEPS
from tests.models.test_quant_native import MODELS as NATIVE_MODELS

EXPECTED = REPO / "tests" / "conformance" / "expected_failures.txt"
PER_KIND = 2                 # node tests per set of operators (about 500 in all)

pytestmark = pytest.mark.skipif(isinstance(environment(), str),
                                reason=str(environment()) if isinstance(environment(), str)
                                else "")


def _model_case(name: str, model: onnx.ModelProto, quantized: bool = False) -> Case:
    """A model with random inputs (static shapes) and onnxruntime's outputs; a quantized
    model's as float64 within MAX_STEPS of its quantization step (1 for integers, the
    smallest gap between expected values for floats)."""
    rng = np.random.default_rng(0)
    inits = {i.name for i in model.graph.initializer}
    feeds = {vi.name: random_input(DType(vi.type.tensor_type.elem_type),
                                   [d.dim_value for d in vi.type.tensor_type.shape.dim], rng)
             for vi in model.graph.input if vi.name not in inits}
    outs = oracle_run(model, feeds)
    if not quantized:
        return Case(f"model/{name}", model, [(list(feeds.values()), outs)], 1e-3, 1e-5, 600.0)
    steps = [1.0 if o.dtype.kind in "iu" else float(np.diff(np.unique(o)).min(initial=1.0))
             for o in outs]
    return Case(f"model/{name}", model, [(list(feeds.values()),
                                          [o.astype(np.float64) for o in outs])],
                0.0, MAX_STEPS * max(steps), 600.0)


def _cases() -> list[Case]:
    listed = read_expected(EXPECTED)
    node = [c for c in spread(collect(("node",)), PER_KIND) if c.name not in listed]
    sys.path.insert(0, str(REPO / "examples" / "seed_motion"))
    from make_model import make_model
    models = [(p.stem, onnx.load(str(p))) for p in sorted((REPO / "tests" / "models")
                                                          .glob("*.onnx"))]
    models.append(("seed_motion", make_model()))      # examples/kws is dscnn_dynamo
    quant = [_model_case(f"quant/{n}", onnx.load(str(QUANT_DIR / f"{n}.onnx")), True)
             for n in QUANT_NAMES]
    return node + [_model_case(n, m) for n, m in models] + quant


@pytest.fixture(scope="module")
def sanitized():
    cases = _cases()
    t0 = time.monotonic()
    results, stderr = run_sanitized(cases)
    print(f"\nsanitized run of {len(cases)} cases: {time.monotonic() - t0:.0f} s")
    return cases, results, stderr


def test_sample_is_broad(sanitized):
    cases, results, _ = sanitized
    node = [c for c in cases if not c.name.startswith("model/")]
    ops = {n.op_type for c in node for n in c.model.graph.node}
    assert len(node) >= 300 and len(ops) >= 150, (len(node), len(ops))
    assert sum(c.name.startswith("model/") for c in cases) == \
        len(list((REPO / "tests" / "models").glob("*.onnx"))) + 1 + \
        len(list(QUANT_DIR.glob("*.onnx")))
    assert {r.name for r in results} == {c.name for c in cases}


def test_every_case_passes_under_the_sanitizers(sanitized):
    _, results, stderr = sanitized
    bad = [f"{r.name}: {r.status}: {r.detail}" for r in results if r.status not in PASSING]
    assert not bad, "\n".join(bad) + "\n" + stderr[-6000:]


def test_no_sanitizer_report(sanitized):
    _, _, stderr = sanitized
    assert not any(r in stderr for r in REPORTS), stderr[-6000:]


def test_native_int8_paths_under_the_sanitizers(monkeypatch):
    """The int8 models of test_quant_native built -march=native (on x86-64: the AVX2,
    AVX-512 and VNNI kernels of runtime_c/o2c_q*_x86.h) run clean under the sanitizers."""
    monkeypatch.setenv("O2C_HOST_CFLAGS", "-march=native")
    cases = [_model_case(f"quant/{n}", onnx.load(str(QUANT_DIR / f"{n}.onnx")), True)
             for n in NATIVE_MODELS]
    results, stderr = run_sanitized(cases)
    bad = [f"{r.name}: {r.status}: {r.detail}" for r in results if r.status not in PASSING]
    assert not bad and not any(r in stderr for r in REPORTS), "\n".join(bad) + stderr[-6000:]


@pytest.mark.parametrize("call, report", [
    ("lib.oob(4)", "stack-buffer-overflow"),
    ("lib.add(2147483647, 1)", "signed integer overflow"),
])
def test_the_sanitized_environment_catches_errors(call, report, tmp_path):
    """What the sanitized run builds and loads does report: an out-of-bounds read and a
    signed overflow in a library built with SANITIZE abort a process in environment()."""
    src = tmp_path / "bad.c"
    src.write_text(textwrap.dedent("""
        int oob(int i);
        int add(int a, int b);
        static int peek(volatile int *p, int i) { return p[i]; }
        int oob(int i) { volatile int a[4] = {1, 2, 3, 4}; return peek(a, i); }
        int add(int a, int b) { return a + b; }
    """))
    so = tmp_path / "libbad.so"
    subprocess.run(["gcc", *SANITIZE, "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    script = (f"import cffi; ffi = cffi.FFI(); ffi.cdef('int oob(int); int add(int, int);'); "
              f"lib = ffi.dlopen({str(so)!r}); print({call})")
    p = subprocess.run([sys.executable, "-c", script], env=environment(), capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0 and report in p.stderr, p.stderr[-2000:]
    ok = subprocess.run([sys.executable, "-c", script.replace(call, "lib.add(1, 2)")],
                        env=environment(), capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.strip() == "3", ok.stderr[-2000:]
