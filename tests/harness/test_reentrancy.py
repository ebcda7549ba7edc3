"""Generated code keeps no state: two threads with their own workspaces run one model at once."""
from __future__ import annotations

import threading

import numpy as np
import onnxruntime as ort

import onnx2c
from onnx2c.harness import build_host
from tests.conftest import REPO

MODEL = REPO / "tests" / "models" / "dscnn_ts.onnx"


def test_two_threads_interleaved(tmp_path):
    r = onnx2c.compile(MODEL, tmp_path / "src", name="kws")
    host = build_host(r, tmp_path / "build")
    sess = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    frames = [rng.standard_normal((1, 1, 49, 10)).astype(np.float32) for _ in range(2)]
    want = [sess.run(None, {r.inputs[0].name: f})[0] for f in frames]
    results: list[list] = [[], []]
    barrier = threading.Barrier(2)

    def worker(k: int) -> None:
        barrier.wait()          # start together so the calls overlap (cffi drops the GIL)
        for _ in range(30):
            status, (logits,) = host.run([frames[k]])
            results[k].append((status, logits))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        assert len(results[k]) == 30
        for status, logits in results[k]:
            assert status == 0
            np.testing.assert_array_equal(logits, results[k][0][1])   # identical every time
            np.testing.assert_allclose(logits, want[k], rtol=1e-3, atol=1e-5)
    assert not np.allclose(want[0], want[1])   # the two threads really computed different things
