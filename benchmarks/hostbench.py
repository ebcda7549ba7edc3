"""The host side of speed.py: build a model's C once per content (-O3 -march=native, a
cache keyed by the generated sources), and time it against onnxruntime, interleaved."""
from __future__ import annotations

import dataclasses
import hashlib
import math
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import onnx2c
from onnx2c.compiler import CompileResult
from onnx2c.errors import CompileError
from onnx2c.harness.build import HostModel, build_host, compiler

FLAGS = ["-O3", "-march=native"]    # no -ffast-math: results must stay comparable
C_NAME = "net"


@dataclass
class Build:
    host: HostModel                 # its result has no graph or plan (big models' constants)
    seconds: float                  # compiling to C and building the library
    cached: bool                    # the library was there already


def _compile(model) -> CompileResult:
    try:
        return onnx2c.build(model, C_NAME)
    except CompileError as e:
        if "--weights-file" not in str(e):
            raise
        # literal C too big: the constants go to NAME.weights.bin, which the harness loads
        return onnx2c.build(model, C_NAME, weights_file=True)


def _key(r: CompileResult) -> str:
    """What decides the library: the generated sources, the compiler and the flags."""
    digest = hashlib.sha256()
    cc_version = subprocess.run([compiler(), "--version"], capture_output=True, text=True).stdout
    for part in (cc_version, " ".join(FLAGS), *sorted(r.files.items())):
        digest.update(repr(part).encode())
    digest.update(r.weights or b"")
    return digest.hexdigest()[:20]


def build(model, cache: Path, use_cache: bool = True) -> Build:
    """Compile model to C and build it for this host into cache/KEY, unless that library
    exists already (and use_cache)."""
    start = time.perf_counter()
    r = _compile(model)
    folder = cache / _key(r)
    library_dir = folder / "build"
    cached = use_cache and (library_dir / f"lib{C_NAME}.so").exists()
    src = folder / "src"
    r = dataclasses.replace(r, out_dir=src, graph=None, plan=None)
    if not cached:
        src.mkdir(parents=True, exist_ok=True)
        files = dict(r.files, **({r.weights_name: r.weights} if r.weights is not None else {}))
        for name, data in files.items():
            (src / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    host = build_host(r, library_dir, FLAGS, reuse=cached)
    return Build(host, time.perf_counter() - start, cached)


def _seconds_per_call(fn: Callable[[], object], calls: int) -> float:
    """CPU seconds of this process (all its threads) per call: on a shared machine the time
    spent waiting for a core is not the model's cost, and would differ between batches."""
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls


def interleaved(first: Callable[[], object], second: Callable[[], object], rounds: int,
                min_seconds: float, budget: float) -> tuple[float, float]:
    """Fastest seconds per call of each, from batches of at least min_seconds taken in
    turns (the one going first alternates), so both see the same machine load. Both must
    have run once already (page faults, lazy setup). Fewer rounds (at least 2) when one
    side's batches would take more than budget seconds in all."""
    once = [_seconds_per_call(fn, 1) for fn in (first, second)]
    calls = [max(1, math.ceil(min_seconds / max(t, 1e-9))) for t in once]
    longest_batch = max(n * t for n, t in zip(calls, once))
    rounds = max(2, min(rounds, int(budget / longest_batch)))
    best = [math.inf, math.inf]
    for round_index in range(rounds):
        order = (0, 1) if round_index % 2 == 0 else (1, 0)
        for which in order:
            fn = (first, second)[which]
            best[which] = min(best[which], _seconds_per_call(fn, calls[which]))
    return best[0], best[1]


def ort_call(session, feeds: dict) -> Callable[[], object]:
    """One run of session with its inputs bound once (IOBinding): no Python-side copies, as
    the C call has none."""
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_cpu_input(name, array)
    for out in session.get_outputs():
        binding.bind_output(out.name)
    return lambda: session.run_with_iobinding(binding)
