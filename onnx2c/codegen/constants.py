"""Where the constants kernels read at run time live: a `static const` array in NAME.c, or,
with a weights file, a slice of the blob the caller passes to NAME_run.

The blob is for boards whose weights sit in external flash, and for models whose literal
arrays would make a C file no compiler wants to read. Each constant of at least
`threshold` bytes is stored at a BLOB_ALIGN-aligned offset, as ONNX raw_data bytes
(little-endian), so the blob is the same on every target.
"""
from __future__ import annotations

import zlib

from ..errors import CompileError
from ..ir import Value
from ..csyntax import literals

BLOB_ALIGN = 16
DEFAULT_THRESHOLD = 1024          # bytes; smaller constants stay literal arrays in NAME.c
MAX_SOURCE_BYTES = 256 << 20      # literal arrays beyond this are refused ...
SOURCE_TOO_LARGE = "C source too large"     # ... with this CompileError.reason


class Constants:
    """The constants one C function reads, in first-use order; ref() decides each one's home."""

    def __init__(self, name: str, namer, threshold: int | None):
        """threshold: None for no weights file, else the size from which constants go to it."""
        self.name, self.namer, self.threshold = name, namer, threshold
        self.refs: dict[str, str] = {}
        self.inline: list[tuple[str, Value]] = []
        self.external: list[tuple[int, Value]] = []
        self.blob_bytes = 0

    @property
    def weights_file(self) -> bool:
        return self.threshold is not None

    def ref(self, vname: str, v: Value) -> str:
        """C expression for a pointer to constant v's elements."""
        if vname not in self.refs:
            if self.threshold is not None and v.nbytes >= max(1, self.threshold):
                offset = -(-self.blob_bytes // BLOB_ALIGN) * BLOB_ALIGN
                self.external.append((offset, v))
                self.blob_bytes = offset + v.nbytes
                self.refs[vname] = f"(const {v.dtype.ctype} *)(const void *)(wts + {offset})"
            else:
                cn = self.namer(vname, prefix=f"{self.name}_c_")
                self.inline.append((cn, v))
                self.refs[vname] = cn
        return self.refs[vname]

    def arrays(self) -> list[tuple[str, Value, str, int]]:
        """(C name, value, initializer text, element count) of each literal array."""
        total = sum(literals.estimated_chars(v.data, v.dtype) for _, v in self.inline)
        if total > MAX_SOURCE_BYTES:
            hint = "lower --weights-threshold" if self.weights_file else \
                "pass --weights-file (weights_file=True in Python) to move them to a " \
                f"{self.name}.weights.bin blob that {self.name}_run reads"
            raise CompileError(f"the weights would make {self.name}.c about {total >> 20} MB of "
                               f"C; {hint}", reason=SOURCE_TOO_LARGE)
        return [(cn, v, literals.array_body(v.data, v.dtype),
                 max(1, len(literals.storage_array(v.data, v.dtype))))
                for cn, v in self.inline]

    def blob(self) -> bytes | None:
        if not self.weights_file:
            return None
        out = bytearray(self.blob_bytes)
        for offset, v in self.external:
            raw = literals.storage_array(v.data, v.dtype)
            raw = raw.astype(raw.dtype.newbyteorder("<"), copy=False).tobytes()
            out[offset:offset + len(raw)] = raw
        return bytes(out)

    def header(self, blob: bytes | None) -> dict | None:
        """What NAME.h says about the blob (None without a weights file)."""
        if blob is None:
            return None
        return dict(bytes=len(blob), align=BLOB_ALIGN, crc32=zlib.crc32(blob))
