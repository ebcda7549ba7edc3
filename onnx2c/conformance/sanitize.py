"""Run cases under AddressSanitizer and UndefinedBehaviorSanitizer.

The generated C is built with SANITIZE (GCC's sanitizers, any report fatal) and loaded
into a Python process that has GCC's ASan runtime preloaded, as a sanitized shared
library needs: `run_sanitized` does that in a child process (`python -m
onnx2c.conformance.sanitize CASES OUT`) and returns the results and the child's stderr,
where the sanitizers print their reports. A report aborts the worker running the case,
which the runner records as a crash.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .runner import Result, run_cases

# -O0: the instrumented builds take a quarter of the time, and the runs are short
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer", "-O0"]
# Python itself leaks by design; a sanitizer error ends the process with its report
# instrumented code at -O0 and a Python whose every allocation goes through ASan run
# several times slower: the runner waits that much longer before taking a worker for hung
PATIENCE = 6.0
OPTIONS = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:print_summary=1",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
REPORTS = ("ERROR: AddressSanitizer", "runtime error:", "SUMMARY: ")


def environment() -> dict[str, str] | str:
    """The environment of a process that loads sanitized libraries, or why there is none."""
    gcc = shutil.which("gcc")
    if not gcc:
        return "gcc is not installed (the sanitizer runtimes come with it)"
    # ASan first; libstdc++ too, or ASan cannot intercept the C++ exceptions onnx's shape
    # inference throws and catches (it looks the real __cxa_throw up at start-up)
    libs = [subprocess.run([gcc, f"-print-file-name={lib}"], capture_output=True,
                           text=True).stdout.strip() for lib in ("libasan.so", "libstdc++.so")]
    if not all(os.path.isabs(lib) and os.path.exists(lib) for lib in libs):
        return "gcc has no AddressSanitizer runtime (libasan) or libstdc++"
    return dict(os.environ, LD_PRELOAD=" ".join(libs), CC=gcc, **OPTIONS)


def run_sanitized(cases, jobs: int = 2, chunk: int = 40,
                  timeout: float = 1800) -> tuple[list[Result], str]:
    """(results, the child's stderr) of the cases built with SANITIZE."""
    env = environment()
    if isinstance(env, str):
        raise RuntimeError(env)
    with tempfile.TemporaryDirectory(prefix="onnx2c-sanitize-") as tmp:
        src, out = Path(tmp) / "cases.pkl", Path(tmp) / "results.json"
        src.write_bytes(pickle.dumps(list(cases)))
        p = subprocess.run([sys.executable, "-m", "onnx2c.conformance.sanitize", str(src),
                            str(out), str(jobs), str(chunk)], env=env, capture_output=True,
                           text=True, timeout=timeout)
        if not out.exists():
            raise RuntimeError(f"the sanitized run failed ({p.returncode}):\n{p.stderr[-4000:]}")
        return [Result(**r) for r in json.loads(out.read_text())], p.stderr


def main(argv: list[str]) -> int:
    src, out, jobs, chunk = argv
    cases = pickle.loads(Path(src).read_bytes())
    results = run_cases(cases, jobs=int(jobs), chunk=int(chunk), cflags=SANITIZE,
                        patience=PATIENCE)
    Path(out).write_text(json.dumps([r.__dict__ for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
