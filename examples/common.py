"""What the examples share: compile with onnx2c, build with a C compiler, run the program."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import onnx2c

STRICT = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def compile_and_build(model, name: str, main_c: Path) -> tuple[Path, Path, "onnx2c.CompileResult"]:
    """Compile model to C, build it with main_c; returns (work dir, executable, result)."""
    work = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    result = onnx2c.compile(model, work / "src", name=name)
    print(f"compiled to {work / 'src'}: workspace {result.workspace_bytes} bytes")
    cc = shutil.which("cc") or "gcc"
    exe = work / name
    subprocess.run([cc, *STRICT, "-I", str(work / "src"), str(main_c),
                    *map(str, (work / "src").glob("*.c")), "-o", str(exe), "-lm"], check=True)
    return work, exe, result


def run(exe: Path, *args) -> str:
    return subprocess.run([str(exe), *map(str, args)], check=True, capture_output=True,
                          text=True).stdout
