"""C literals for constants, and the raw storage bytes of every ONNX dtype."""
from __future__ import annotations

import math

import numpy as np

from ..errors import CompileError
from ..ir import DType

_STORAGE = {"uint8_t": np.uint8, "uint16_t": np.uint16}


def string_cells(arr, cell: int) -> np.ndarray:
    """Strings (str or bytes) as the ABI stores them: `cell` bytes each, UTF-8 and
    NUL-padded; ValueError if one does not fit with its NUL."""
    flat = [x.encode("utf-8") if isinstance(x, str) else bytes(x)
            for x in np.asarray(arr, dtype=object).reshape(-1)]
    for x in flat:
        if len(x) >= cell:
            raise ValueError(f"string {x[:32]!r}... of {len(x)} bytes does not fit a "
                             f"{cell}-byte string cell (raise --string-bytes)")
    return np.frombuffer(b"".join(x.ljust(cell, b"\0") for x in flat), np.uint8).copy()


def _c_string(raw: bytes) -> str:
    """raw as the text of a C string literal: printable ASCII as is, every other byte (and
    `?`, against trigraphs) as a 3-digit octal escape, which no following digit extends."""
    return "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\?' else f"\\{b:03o}"
                   for b in raw)


def string_literal(text: str) -> str:
    """A C string literal holding text's UTF-8 bytes."""
    return f'"{_c_string(text.encode("utf-8"))}"'


def _string_body(arr: np.ndarray, dtype: DType) -> str:
    """One string literal per element, padded to its cell with NULs but the last (C
    zero-fills the rest), initializing a char array of storage_array(arr)'s length."""
    cell = dtype.nbytes(1)
    raw = bytes(storage_array(arr, dtype))
    cells = [raw[k:k + cell] for k in range(0, len(raw), cell)] or [b""]
    cells[-1] = cells[-1].rstrip(b"\0")
    return "\n    ".join(f'"{_c_string(c)}"' for c in cells)


def storage_array(arr: np.ndarray, dtype: DType) -> np.ndarray:
    """The flat array whose C elements hold exactly ONNX's raw_data bytes."""
    if dtype == DType.STRING:
        try:
            return string_cells(arr, dtype.nbytes(1))
        except ValueError as e:
            raise CompileError(f"a string constant: {e}", reason="string too long") from None
    flat = np.asarray(arr).reshape(-1)
    if dtype.is_packed:
        per = 8 // dtype.bits
        mask = (1 << dtype.bits) - 1
        raw = flat.view(np.uint8) if flat.dtype.itemsize == 1 else flat.astype(np.int64)
        raw = raw.astype(np.uint32) & mask
        pad = (-len(raw)) % per
        raw = np.concatenate([raw, np.zeros(pad, np.uint32)]).reshape(-1, per)
        return (raw << (np.arange(per, dtype=np.uint32) * dtype.bits)).sum(axis=1).astype(np.uint8)
    if dtype == DType.BOOL:
        return flat.astype(np.uint8)
    if dtype.info.kind == "smallfloat":
        return flat.astype(dtype.np).view(_STORAGE[dtype.ctype])
    return flat.astype(dtype.np)


def _float(x: float, suffix: str, digits: int) -> str:
    if math.isnan(x):
        return "NAN" if suffix else "(double)NAN"
    if math.isinf(x):
        inf = "INFINITY" if suffix else "(double)INFINITY"
        return inf if x > 0 else "-" + inf
    s = f"{x:.{digits}g}"
    if not any(c in s for c in ".e"):
        s += ".0"
    return s + suffix


def scalar(x, ctype: str) -> str:
    """One value as a C constant expression of type ctype."""
    if ctype == "float":
        return _float(float(x), "f", 9)
    if ctype == "double":
        return _float(float(x), "", 17)
    x = int(x)
    if -(1 << 31) < x < (1 << 31) and ctype in ("int64_t", "uint64_t"):
        return str(x)          # converts implicitly; keeps big weight tables short
    if ctype == "int64_t":
        return "INT64_MIN" if x == -(1 << 63) else f"INT64_C({x})"
    if ctype == "uint64_t":
        return f"UINT64_C({x})"
    if ctype == "int32_t":
        return "INT32_MIN" if x == -(1 << 31) else str(x)
    if ctype == "uint32_t":
        return f"{x}u"
    return str(x)


def _items(data: np.ndarray, ctype: str) -> list[str]:
    """scalar(x, ctype) of every element, formatted in bulk: the common cases through one
    format string, the few values that need care (integral or non-finite floats, integers
    beyond 32 bits) through scalar()."""
    vals = data.tolist()
    with np.errstate(all="ignore"):
        if ctype in ("float", "double"):
            digits = 9 if ctype == "float" else 17
            items = list(map(f"{{:.{digits}g}}{'f' if ctype == 'float' else ''}".format, vals))
            odd = ~np.isfinite(data) | ((data == np.trunc(data)) & (np.abs(data) < 10.0 ** digits))
        else:
            items = list(map("{}u".format if ctype == "uint32_t" else str, vals))
            odd = (data <= -(1 << 31)) | (data >= (1 << 31)) \
                if ctype in ("int64_t", "uint64_t", "int32_t") else None
    if odd is not None:
        for k in np.flatnonzero(odd).tolist():
            items[k] = scalar(vals[k], ctype)
    return items


def _significant(arr: np.ndarray, dtype: DType) -> np.ndarray:
    """storage_array(arr) up to its last element with any bit set: C zero-fills the rest
    of an array declared with its full length."""
    data = storage_array(arr, dtype)
    nonzero = np.flatnonzero(data.view(np.dtype(f"u{data.itemsize}")))
    return data[:nonzero[-1] + 1] if nonzero.size else data[:0]


def estimated_chars(arr: np.ndarray, dtype: DType) -> int:
    """About how many characters array_body(arr, dtype) prints, from a sample."""
    if dtype == DType.STRING:
        return 4 * int(np.asarray(arr).size) * dtype.nbytes(1)
    data = _significant(arr, dtype)
    sample = data[::max(1, data.size // 4096)]
    if not sample.size:
        return 0
    return int(len(", ".join(_items(sample, dtype.ctype))) / sample.size * data.size)


def array_body(arr: np.ndarray, dtype: DType, per_line: int = 12) -> str:
    """Initializer list of a C array declared with storage_array(arr)'s length; trailing
    zeros are left to C (an all-zero array prints as `0`)."""
    if dtype == DType.STRING:
        return _string_body(arr, dtype)
    data = _significant(arr, dtype)
    if data.size == 0:
        return "0"
    items = _items(data, dtype.ctype)
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return ",\n    ".join(lines)
