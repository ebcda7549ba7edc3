"""The sizes onnx2c refuses to go beyond (README: Limits), checked before anything of
that size is allocated, folded or emitted.

Generated C indexes with size_t and unsigned literals, which are 32 bits on the
microcontrollers it targets, so no tensor may reach 2 GiB; a Loop without a run-time
condition may not promise more iterations than that either (a loop of 2^40 steps is a
broken model, not a long computation). The workspace limit depends on the target.
"""
from __future__ import annotations

import contextlib
import os
import threading

from onnx import TensorProto, helper

from .errors import CompileError

MAX_TENSOR_BYTES = (1 << 31) - 1        # one tensor, constant or not
MAX_TRIP_COUNT = (1 << 31) - 1          # a Loop's constant trip count, when no condition stops it
HOST_MAX_WORKSPACE = 1 << 31            # default --max-workspace off a board (host, aarch64, wasm32)


def describe(nbytes: int) -> str:
    """A byte count as people write it: 16 MiB, 2 GiB, 1,000 bytes."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    return f"{nbytes:,} bytes"


_PACKED_BITS = {TensorProto.INT4: 4, TensorProto.UINT4: 4, TensorProto.FLOAT4E2M1: 4,
                TensorProto.INT2: 2, TensorProto.UINT2: 2}


def elem_bits(dtype: int) -> int:
    """Bits of one element of ONNX element type dtype (8 for strings and unknown types:
    the size check then counts elements)."""
    if dtype in _PACKED_BITS:
        return _PACKED_BITS[dtype]
    try:
        return 8 * helper.tensor_dtype_to_np_dtype(dtype).itemsize
    except (KeyError, ValueError, TypeError):
        return 8


def check_size(what: str, dims, dtype: int) -> int:
    """The element count of a tensor of these dims; refuses negative dims and sizes over
    MAX_TENSOR_BYTES before anything of that size exists."""
    if any(d < 0 for d in dims):
        raise CompileError(f"{what} has a negative dimension {list(dims)}",
                           reason="negative dimension")
    count = 1
    for d in dims:
        count *= int(d)
    bits = 8 if dtype == TensorProto.STRING else elem_bits(dtype)
    if count * bits > 8 * MAX_TENSOR_BYTES:
        raise CompileError(f"{what} has dims {list(dims)}: {count:,} elements, over onnx2c's "
                           f"limit of {describe(MAX_TENSOR_BYTES)} per tensor (README: Limits)",
                           reason="tensor over the size limit")
    return count


@contextlib.contextmanager
def memory_cap(headroom: int = 4 << 30):
    """Limit this process's address space to what it uses now plus headroom while a
    library call runs that may try to allocate without bound on absurd input (ONNX's
    C++ shape inference does, for some Slice and Range constants): it then fails with
    MemoryError instead of taking the machine down. A no-op where rlimits do not exist
    or a tighter limit is already set, and while other Python threads run: the limit is
    the whole process's, and a program launched from one of them meanwhile would inherit
    it (ASan, which reserves terabytes of shadow, then cannot start)."""
    if threading.active_count() > 1:
        yield
        return
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError, AttributeError):
        yield
        return
    cap = used + headroom
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
