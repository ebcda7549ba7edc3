"""Build an accepted model strictly with gcc and clang, then with ASan and UBSan around
sanitize_main.c, and run it on adversarial inputs (NaN, infinities, INT_MIN, indices out
of range, strings without a NUL, all-zero divisors)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
# -O0: clang's optimiser takes minutes over the instrumented float kernel library (o2c_gemm*.h)
# at -O1, and the sanitizers need no optimisation to see every access
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
            "-g", "-O0"]


def _call_header(header: str, name: str) -> str:
    """call.h for sanitize_main.c: NAME.h, its tables and sizes under the harness's names,
    and CALL_MODEL(in, out, dims, ws) for NAME_run as NAME.h declares it."""
    decl = header[header.index(f"int {name}_run("):]
    decl = decl[decl.index("(") + 1:decl.index(");")]
    args, k_in, k_out = [], 0, 0
    for line in decl.splitlines():
        param = re.sub(r"/\*.*?\*/", "", line).strip().rstrip(",").strip()
        if not param:
            continue
        if param == "void *workspace":
            args.append("ws")
        elif param.startswith("const void *"):
            raise ValueError("weights file builds are not part of the corpus")
        elif param.startswith("const "):
            args.append(f"in[{k_in}]")
            k_in += 1
        elif param.startswith("int64_t *") and param.endswith("_dims") and k_out:
            args.append(f"dims[{k_out - 1}]")
        else:
            args.append(f"out[{k_out}]")
            k_out += 1
    up = name.upper()
    return "\n".join([f'#include "{name}.h"', f"#define H_NUM_INPUTS {up}_NUM_INPUTS",
                      f"#define H_NUM_OUTPUTS {up}_NUM_OUTPUTS",
                      f"#define H_WORKSPACE_BYTES {up}_WORKSPACE_BYTES",
                      f"#define H_INPUTS {name}_inputs", f"#define H_OUTPUTS {name}_outputs",
                      f"#define CALL_MODEL(in, out, dims, ws) {name}_run({', '.join(args)})", ""])


def _run(cmd, cwd, timeout=120, env=None) -> tuple[bool, str]:
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s: {' '.join(map(str, cmd))}"
    return p.returncode == 0, (p.stdout + p.stderr)[-4000:]


def check_accepted(src: Path, work: Path, name: str = "model", run_timeout: float = 30
                   ) -> str | None:
    """None if the C in src builds strictly with gcc and clang and runs clean under the
    sanitizers on every input pattern; else what went wrong."""
    work.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p) for p in src.glob("*.c"))
    for cc in ("gcc", "clang"):
        if not shutil.which(cc):
            continue
        ok, log = _run([cc, *STRICT, "-O2", "-c", *sources, "-I", str(src)], work)
        if not ok:
            return f"{cc} strict build failed:\n{log}"
    (work / "call.h").write_text(_call_header((src / f"{name}.h").read_text(), name))
    exe = work / "model_asan"
    ok, log = _run(["clang", *STRICT, *SANITIZE, "-I", str(src), "-I", str(work), *sources,
                    "-c"], work)
    if not ok:
        return f"clang sanitizer build failed:\n{log}"
    objs = [str(work / (Path(s).stem + ".o")) for s in sources]
    ok, log = _run(["clang", "-std=c99", *SANITIZE, "-I", str(src), "-I", str(work),
                    str(HERE / "sanitize_main.c"), *objs, "-o", str(exe), "-lm"], work)
    if not ok:
        return f"harness build failed:\n{log}"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1")
    ok, log = _run([str(exe)], work, run_timeout, env)
    return None if ok else f"sanitized run failed:\n{log}"
