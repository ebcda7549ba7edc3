"""Compile generated sources into a shared library and call NAME_run through cffi."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import cffi
import numpy as np

from ..codegen.literals import storage_array
from ..compiler import CompileResult, TensorInfo
from ..ir import DType

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


class BuildError(Exception):
    pass


def compiler() -> str:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"


def to_storage(arr, info: TensorInfo) -> np.ndarray:
    arr = np.asarray(arr)
    if tuple(arr.shape) != tuple(info.shape):
        raise ValueError(f"input '{info.name}' has shape {arr.shape}, the model expects "
                         f"{tuple(info.shape)}")
    return np.ascontiguousarray(storage_array(arr, info.dtype))


def from_storage(raw: np.ndarray, info: TensorInfo) -> np.ndarray:
    dt: DType = info.dtype
    n = int(np.prod(info.shape, dtype=np.int64))
    if dt.is_packed:
        per, mask = 8 // dt.bits, (1 << dt.bits) - 1
        codes = ((raw[:, None] >> (np.arange(per) * dt.bits)) & mask).reshape(-1)[:n]
        codes = codes.astype(np.uint8)
        if dt.is_signed and dt != DType.FLOAT4E2M1:
            vals = codes.astype(np.int8)
            vals = np.where(vals >= (1 << (dt.bits - 1)), vals - (1 << dt.bits), vals)
            return vals.astype(dt.np).reshape(info.shape)
        return codes.view(dt.np).reshape(info.shape) if dt == DType.FLOAT4E2M1 else \
            codes.astype(dt.np).reshape(info.shape)
    if dt == DType.BOOL:
        return (raw != 0).reshape(info.shape)
    return raw.view(dt.np).reshape(info.shape)


def _cdecl(r: CompileResult) -> str:
    params = [f"const {i.dtype.ctype} *{i.cname}" for i in r.inputs]
    params += [f"{o.dtype.ctype} *{o.cname}" for o in r.outputs]
    return f"int {r.name}_run({', '.join(params + ['void *workspace'])});"


def _storage_dtype(info: TensorInfo):
    return np.dtype(np.uint8) if info.dtype.is_packed or info.dtype == DType.BOOL else \
        storage_array(np.zeros(1, info.dtype.np), info.dtype).dtype


def compile_shared(sources: list[Path], include_dir: Path, out: Path,
                   flags: list[str] | None = None) -> Path:
    cmd = [compiler(), *STRICT, "-O1", "-fPIC", "-shared", "-I", str(include_dir),
           *(flags or []), *map(str, sources), "-o", str(out), "-lm"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(p.stderr.strip() or p.stdout.strip())
    return out


class HostModel:
    """A compiled model loaded into this process."""

    def __init__(self, result: CompileResult, ffi: cffi.FFI, lib):
        self.result, self.ffi, self.lib = result, ffi, lib
        self.fn = getattr(lib, f"{result.name}_run")

    def run(self, inputs) -> tuple[int, list[np.ndarray]]:
        """inputs: a list in graph order or a dict by name; returns (status, outputs)."""
        r = self.result
        if isinstance(inputs, dict):
            inputs = [inputs[i.name] for i in r.inputs]
        bufs = [to_storage(a, i) for a, i in zip(inputs, r.inputs)]
        outs = [np.zeros(max(1, o.nbytes // _storage_dtype(o).itemsize), _storage_dtype(o))
                for o in r.outputs]
        ws = np.zeros(r.workspace_bytes + 16, np.uint8)
        ws_ptr = self.ffi.cast("void *", (ws.ctypes.data + 15) // 16 * 16)
        ptrs = [self.ffi.cast("void *", b.ctypes.data) for b in bufs + outs]
        status = self.fn(*ptrs, ws_ptr)
        return status, [from_storage(b[:max(0, o.nbytes // b.itemsize)], o)
                        for b, o in zip(outs, r.outputs)]


def load_shared(results: list[CompileResult], so: Path) -> list[HostModel]:
    ffi = cffi.FFI()
    ffi.cdef("\n".join(_cdecl(r) for r in results))
    lib = ffi.dlopen(str(so))
    return [HostModel(r, ffi, lib) for r in results]


def build_host(result: CompileResult, build_dir: Path) -> HostModel:
    """Build one compiled model (already written to result.out_dir) for this host."""
    build_dir.mkdir(parents=True, exist_ok=True)
    so = compile_shared([result.out_dir / f for f in result.files if f.endswith(".c")],
                        result.out_dir, build_dir / f"lib{result.name}.so")
    return load_shared([result], so)[0]
