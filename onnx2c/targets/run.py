"""Run a program built for a target under its emulator, and read what the example main prints.

`python -m onnx2c.targets.run wasm32 PROGRAM.wasm` runs a WASI program with the wasmtime
package (the Makefile's `make run` for wasm32 uses it); other targets run their emulator
directly.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from ..csyntax.literals import storage_array
from ..compiler import CompileResult
from ..harness.build import from_storage
from . import Target


class RunError(Exception):
    pass


def command(t: Target, program: Path, emulator_args: tuple[str, ...] = ()) -> list[str]:
    """emulator_args go right after the emulator's name (QEMU's -icount for the benchmarks)."""
    run = [sys.executable if a == "{python}" else a for a in t.run]
    return run[:1] + list(emulator_args) + run[1:] + [str(program)]


def run_program(t: Target, program: Path, timeout: float = 300,
                emulator_args: tuple[str, ...] = ()) -> str:
    """The program's standard output; RunError if it fails, hangs or prints no end marker."""
    cmd = command(t, program, emulator_args)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RunError(f"{program.name} on {t.name} did not finish within {timeout:g} s") from None
    if "o2c-end" not in p.stdout:
        raise RunError(f"{' '.join(cmd)} exited with {p.returncode}:\n"
                       f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout


def parse_output(text: str, r: CompileResult) -> tuple[int, list[np.ndarray]]:
    """(status, outputs) from the example main's lines: o2c-status, o2c-dims (a bounded
    output's actual dims), o2c-output and its hex rows."""
    status, chunks, dims, cur = None, {}, {}, None
    for line in text.splitlines():
        if line.startswith("o2c-status "):
            status = int(line.split()[1])
        elif line.startswith("o2c-dims "):
            k, *ds = map(int, line.split()[1:])
            dims[k] = tuple(ds)
        elif line.startswith("o2c-output "):
            cur = int(line.split()[1])
            chunks[cur] = []
        elif line.startswith("o2c-end"):
            cur = None
        elif cur is not None:
            chunks[cur].append(line.strip())
    if status is None:
        raise RunError(f"no o2c-status line in the program's output:\n{text[-2000:]}")
    outs = []
    for k, info in enumerate(r.outputs):
        raw = np.frombuffer(bytes.fromhex("".join(chunks.get(k, []))), np.uint8)
        if len(raw) != info.nbytes:
            raise RunError(f"output {info.name}: {len(raw)} bytes printed, {info.nbytes} expected")
        shape = dims.get(k) if info.bounded and status == 0 else None
        if shape is not None and (len(shape) != len(info.shape) or
                                  any(not 0 <= d <= c for d, c in zip(shape, info.shape))):
            raise RunError(f"output {info.name}: dims {shape} exceed the capacity {info.shape}")
        # every target here is little-endian, like the hosts this runs on
        storage = storage_array(np.zeros(1, info.dtype.np), info.dtype).dtype
        outs.append(from_storage(raw.view(storage).copy(), info, shape))
    return status, outs


def run_model(r: CompileResult, t: Target, feeds: dict, timeout: float = 300
              ) -> tuple[int, list[np.ndarray]]:
    """Build r (from onnx2c.compile) with the inputs compiled in, run it on t, read the outputs."""
    from .project import build_program, write_project
    write_project(r, t, feeds)
    return parse_output(run_program(t, build_program(r.out_dir, r.name, t), timeout), r)


def run_wasi(program: Path) -> int:
    """Run a wasm32-wasi command module with wasmtime; stdout/stderr are this process's."""
    import wasmtime

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [program.name]
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wasmtime.Module.from_file(engine, str(program)))
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        return e.code
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "wasm32":
        print("usage: python -m onnx2c.targets.run wasm32 PROGRAM.wasm", file=sys.stderr)
        return 2
    return run_wasi(Path(args[1]))


if __name__ == "__main__":
    sys.exit(main())
