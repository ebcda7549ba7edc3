"""Build targets: a toolchain, its flags, and how to run and measure what it builds.

One Target describes everything the rest of this package needs, so the Makefile that
`onnx2c compile --target` writes, the builds the tests run and the size report all use
the same compiler flags.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..codegen.environment import data_dir
from ..limits import HOST_MAX_WORKSPACE

# Warnings are errors for the model and for the example main alike.
WARN = ("-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wunreachable-code")


@dataclass(frozen=True)
class Target:
    name: str
    cc: str
    cflags: tuple[str, ...]          # code generation flags, also used when linking
    ldflags: tuple[str, ...]         # after the objects; {board} is the board files' folder
    suffix: str                      # of the program file
    run: tuple[str, ...]             # command before the program; {python} is the interpreter
    size: str                        # the toolchain's section-size tool
    stack_flags: tuple[str, ...]     # per-function stack usage (and call graph) files
    board: str | None = None         # folder of runtime_c/targets/ with startup and linker script
    onchip_ram: int | None = None    # bytes of RAM the arena may use before it moves off-chip
    tools: tuple[str, ...] = ()      # further executables the build or run needs
    # the largest workspace a model may plan (--max-workspace's default): the RAM the
    # arena can live in on a board, else limits.HOST_MAX_WORKSPACE
    max_workspace: int = HOST_MAX_WORKSPACE

    @property
    def board_files(self) -> list[Path]:
        return sorted(board_dir(self).iterdir()) if self.board else []

    def missing(self, run: bool = True) -> str | None:
        """Why this target cannot build (and with run, link and run) here; None if it can."""
        for tool in (self.cc, self.size, *(self.tools if run else ())):
            if not shutil.which(tool):
                return f"{tool} is not installed (needed for --target {self.name})"
        if self.name == "wasm32":
            return _wasi_missing(run)
        return None


def board_dir(t: Target) -> Path:
    return data_dir("runtime_c") / "targets" / t.board


_GCC_STACK = ("-fstack-usage", "-fcallgraph-info=su")
_ARM = ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard")


@functools.lru_cache(maxsize=None)
def wasi_sysroot() -> str:
    """WASI_SYSROOT, wasi-sdk's sysroot, or Debian's wasi-libc (which installs into /usr)."""
    for root in (os.environ.get("WASI_SYSROOT"), "/usr/share/wasi-sysroot",
                 "/opt/wasi-sdk/share/wasi-sysroot", "/usr"):
        if root and (Path(root) / "lib" / "wasm32-wasi" / "libc.a").exists():
            return root
    return "/usr/share/wasi-sysroot"


def _wasi_missing(run: bool) -> str | None:
    if not (Path(wasi_sysroot()) / "lib" / "wasm32-wasi" / "libc.a").exists():
        return "no WASI sysroot (apt-get install wasi-libc, or set WASI_SYSROOT)"
    if not run:
        return None
    rt = subprocess.run(["clang", "--target=wasm32-wasi", "-print-libgcc-file-name"],
                        capture_output=True, text=True).stdout.strip()
    if not rt or not Path(rt).exists():
        return "clang's wasm32 builtins are missing (apt-get install libclang-rt-dev-wasm32)"
    if importlib.util.find_spec("wasmtime") is None:
        return "the wasmtime Python package is not installed (pip install wasmtime)"
    return None


@functools.lru_cache(maxsize=None)
def targets() -> dict[str, Target]:
    host_cc = os.environ.get("CC") or "cc"
    ts = [
        Target("host", host_cc, ("-O2",), ("-lm",), "", (), "size",
               _GCC_STACK if "clang" not in host_cc else ("-fstack-usage",)),
        Target("cortex-m4", "arm-none-eabi-gcc",
               (*_ARM, "-O2", "-ffunction-sections", "-fdata-sections"),
               ("--specs=rdimon.specs", "-nostartfiles", "-T", "{board}/mps2_an386.ld",
                "-Wl,--gc-sections", "-lm"), ".elf",
               ("qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting-config",
                "enable=on,target=native", "-kernel"), "arm-none-eabi-size", _GCC_STACK,
               board="cortex_m4", onchip_ram=(4 << 20) - (512 << 10),
               tools=("qemu-system-arm",), max_workspace=16 << 20),   # the board's PSRAM
        Target("aarch64-linux", "aarch64-linux-gnu-gcc", ("-O2",), ("-static", "-lm"), "",
               ("qemu-aarch64",), "aarch64-linux-gnu-size", _GCC_STACK,
               tools=("qemu-aarch64",)),
        # clang reports frame sizes but no call graph; llvm-readobj names wasm data segments;
        # SIMD128 (which wasmtime and every current browser run) vectorises the kernels
        Target("wasm32", "clang", ("--target=wasm32-wasi", f"--sysroot={wasi_sysroot()}", "-O2",
                                   "-msimd128"),
               ("-fuse-ld=lld", "-lm"), ".wasm", ("{python}", "-m", "onnx2c.targets.run", "wasm32"),
               "llvm-readobj", ("-fstack-usage",), tools=("wasm-ld",)),
    ]
    return {t.name: t for t in ts}


NAMES = ("host", "cortex-m4", "aarch64-linux", "wasm32")


def max_workspace(target: str | None) -> int:
    """The default --max-workspace for a --target (None: the host)."""
    return get(target or "host").max_workspace


def get(name: str) -> Target:
    try:
        return targets()[name]
    except KeyError:
        from ..errors import CompileError
        raise CompileError(f"unknown target '{name}' (choose from {', '.join(NAMES)})") from None
