"""Compile generated sources into a shared library and call NAME_run through cffi."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import cffi
import numpy as np

from ..csyntax.literals import storage_array, string_cells
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
    if info.dtype == DType.STRING:
        return string_cells(arr, info.string_bytes)
    return np.ascontiguousarray(storage_array(arr, info.dtype))


def from_storage(raw: np.ndarray, info: TensorInfo, shape=None) -> np.ndarray:
    """The first prod(shape) elements of raw as an array (shape: info.shape by default)."""
    dt: DType = info.dtype
    shape = tuple(info.shape if shape is None else shape)
    n = int(np.prod(shape, dtype=np.int64))
    if dt == DType.STRING:      # cells -> str, as onnxruntime returns them
        cells = raw[:n * info.string_bytes].reshape(n, info.string_bytes)
        text = [bytes(c).split(b"\0", 1)[0].decode("utf-8", "replace") for c in cells]
        return np.array(text + [""], dtype=object)[:n].reshape(shape)
    if dt.is_packed:
        per, mask = 8 // dt.bits, (1 << dt.bits) - 1
        codes = ((raw[:, None] >> (np.arange(per) * dt.bits)) & mask).reshape(-1)[:n]
        codes = codes.astype(np.uint8)
        if dt.is_signed and dt != DType.FLOAT4E2M1:
            vals = codes.astype(np.int8)
            vals = np.where(vals >= (1 << (dt.bits - 1)), vals - (1 << dt.bits), vals)
            return vals.astype(dt.np).reshape(shape)
        return codes.view(dt.np).reshape(shape) if dt == DType.FLOAT4E2M1 else \
            codes.astype(dt.np).reshape(shape)
    if dt == DType.BOOL:
        return (raw[:n] != 0).reshape(shape)
    return raw[:n].view(dt.np).reshape(shape)


def _cdecl(r: CompileResult) -> str:
    params = [f"const {i.dtype.ctype} *{i.cname}" for i in r.inputs]
    for o in r.outputs:
        params.append(f"{o.dtype.ctype} *{o.cname}")
        if o.bounded:
            params.append("int64_t *")      # its actual dims
    if r.weights is not None:
        params.append("const void *weights")
    return f"int {r.name}_run({', '.join(params + ['void *workspace'])});"


def _storage_dtype(info: TensorInfo):
    return np.dtype(np.uint8) if info.dtype.is_packed or info.dtype in (DType.BOOL, DType.STRING) \
        else \
        storage_array(np.zeros(1, info.dtype.np), info.dtype).dtype


def host_flags() -> list[str]:
    """Extra flags for every host build, from $O2C_HOST_CFLAGS: a vector path of the
    kernels under test (`-mavx2 -mfma`, `-mavx512f`) or the portable one
    (`-DO2C_PORTABLE`), e.g. `O2C_HOST_CFLAGS=-mavx2 pytest tests/ops`."""
    return shlex.split(os.environ.get("O2C_HOST_CFLAGS", ""))


def compile_shared(sources: list[Path], include_dir: Path, out: Path,
                   flags: list[str] | None = None) -> Path:
    cmd = [compiler(), *STRICT, "-O1", "-fPIC", "-shared", "-I", str(include_dir),
           *host_flags(), *(flags or []), *map(str, sources), "-o", str(out), "-lm"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(p.stderr.strip() or p.stdout.strip())
    return out


def _actual_dims(info: TensorInfo, dims) -> tuple[int, ...] | None:
    """A bounded output's dims as the run reported them, checked against the capacity."""
    if dims is None:
        return None
    if any(not 0 <= d <= c for d, c in zip(dims, info.shape)) or \
            np.prod(dims) > np.prod(info.shape):
        raise ValueError(f"the run reported dims {list(dims)} for '{info.name}', which do not "
                         f"fit its capacity {list(info.shape)}")
    return tuple(int(d) for d in dims)


def _aligned(data: bytes | int, align: int = 16) -> np.ndarray:
    """A copy of data (or that many zero bytes) at an align-aligned address."""
    n = data if isinstance(data, int) else len(data)
    buf = np.zeros(n + align, np.uint8)
    out = buf[-buf.ctypes.data % align:][:n]
    if not isinstance(data, int):
        out[:] = np.frombuffer(data, np.uint8)
    return out


class Call:
    """NAME_run bound to buffers prepared once: call() runs it with nothing else to do (what a
    benchmark times); outputs() reads the results of the last call."""

    def __init__(self, model: "HostModel", inputs):
        r = model.result
        if isinstance(inputs, dict):
            inputs = [inputs[i.name] for i in r.inputs]
        self.result, self.fn = r, model.fn
        self.inputs = [to_storage(a, i) for a, i in zip(inputs, r.inputs)]
        self.outs = [np.zeros(max(1, o.nbytes // _storage_dtype(o).itemsize), _storage_dtype(o))
                     for o in r.outputs]
        self.workspace = _aligned(r.workspace_bytes)
        self.dims = [np.full(len(o.shape), -1, np.int64) if o.bounded else None
                     for o in r.outputs]
        ptr = lambda a, ctype="void *": model.ffi.cast(ctype, a.ctypes.data)
        self.args = [ptr(b) for b in self.inputs]
        for b, d in zip(self.outs, self.dims):
            self.args += [ptr(a) for a in (b, d) if a is not None]
        if model.weights is not None:
            self.args.append(ptr(model.weights, "const void *"))
        self.args.append(ptr(self.workspace))

    def call(self) -> int:
        return self.fn(*self.args)

    def outputs(self, status: int) -> list[np.ndarray]:
        """A bounded output comes back with the dims the run reported (on success; with its
        capacity shape otherwise)."""
        return [from_storage(b[:max(0, o.nbytes // b.itemsize)], o,
                             _actual_dims(o, d) if status == 0 else None)
                for b, o, d in zip(self.outs, self.result.outputs, self.dims)]


class HostModel:
    """A compiled model loaded into this process."""

    def __init__(self, result: CompileResult, ffi: cffi.FFI, lib):
        self.result, self.ffi, self.lib = result, ffi, lib
        self.fn = getattr(lib, f"{result.name}_run")
        # the blob passed to NAME_run when the model has a weights file
        self.weights = None if result.weights is None else _aligned(result.weights)

    def bind(self, inputs) -> Call:
        """inputs: a list in graph order or a dict by name."""
        return Call(self, inputs)

    def run(self, inputs) -> tuple[int, list[np.ndarray]]:
        """inputs: a list in graph order or a dict by name; returns (status, outputs)."""
        call = self.bind(inputs)
        status = call.call()
        return status, call.outputs(status)


def load_shared(results: list[CompileResult], so: Path) -> list[HostModel]:
    ffi = cffi.FFI()
    ffi.cdef("\n".join(_cdecl(r) for r in results))
    lib = ffi.dlopen(str(so))
    return [HostModel(r, ffi, lib) for r in results]


def build_host(result: CompileResult, build_dir: Path, flags: list[str] | None = None,
               reuse: bool = False) -> HostModel:
    """Build one compiled model (already written to result.out_dir) for this host; with a
    weights file, the run reads the NAME.weights.bin written there. flags come after the
    default -O1 (a benchmark passes -O3 -march=native). reuse loads the library an earlier
    call left in build_dir instead of building it again: only for a build_dir named after
    the sources and flags."""
    build_dir.mkdir(parents=True, exist_ok=True)
    so = build_dir / f"lib{result.name}.so"
    if not (reuse and so.exists()):
        # built aside and renamed, so an interrupted build never leaves a library to reuse
        part = so.with_name(so.name + ".part")
        compile_shared([result.out_dir / f for f in result.files if f.endswith(".c")],
                       result.out_dir, part, flags)
        os.replace(part, so)
    host = load_shared([result], so)[0]
    if result.weights is not None:
        host.weights = _aligned((result.out_dir / result.weights_name).read_bytes())
    return host
