"""Where the constants kernels read at run time live.

* Small ones (under INLINE_BELOW bytes: scalars, shapes, little tables) are `static const`
  arrays in the function's own file, where the compiler can fold them into the code.
* Weights are `const` objects of NAME_weights.c, a translation unit of their own that
  NAME.c declares `extern`: the code compiles without wading through megabytes of
  numbers. Each is a union of its little-endian bytes, which a string literal gives
  (compilers read one far faster than a list of numbers), and its elements, which the
  kernels read. Subgraphs put theirs there too.
* With a weights file, each constant of at least `threshold` bytes is a slice of the blob
  the caller passes to NAME_run, for boards whose weights sit in external flash and for
  models whose literal arrays would make a C file no compiler wants to read. It is stored
  at a BLOB_ALIGN-aligned offset, as ONNX raw_data bytes (little-endian), so the blob is
  the same on every target.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from ..errors import CompileError
from ..ir import Value
from ..csyntax import literals

BLOB_ALIGN = 16
DEFAULT_THRESHOLD = 1024          # bytes; smaller constants stay literal arrays in C
INLINE_BELOW = 64                 # bytes; smaller constants stay beside the code
MAX_SOURCE_BYTES = 256 << 20      # literal arrays beyond this are refused ...
SOURCE_TOO_LARGE = "C source too large"     # ... with this CompileError.reason


@dataclass
class Array:
    """One constant array as the templates print it (templates/_arrays.j2)."""
    cname: str
    value: Value
    count: int                    # C elements (at least 1: C has no empty arrays)
    rows: tuple[int, int] | None  # a weight's bytes as literals.string_rows lays them out
    body: str = ""                # the initializer, once printed

    @property
    def ctype(self) -> str:
        return self.value.dtype.ctype

    @property
    def ref(self) -> str:
        """The C expression of a pointer to its elements: a weight is a union of its
        bytes (the string literal that initializes it) and its elements (`v`)."""
        return f"{self.cname}.v" if self.rows else self.cname


def _array(cname: str, v: Value, weight: bool) -> Array:
    storage = literals.storage_array(v.data, v.dtype)
    return Array(cname, v, max(1, storage.size),
                 literals.string_rows(storage.nbytes) if weight else None)


class Constants:
    """The constants one C function reads, in first-use order; ref() decides each one's
    home. Subgraph functions get theirs from sub(), sharing NAME_weights.c."""

    def __init__(self, name: str, namer, threshold: int | None, prefix: str | None = None,
                 weights: list[Array] | None = None):
        """name: the model's C name; threshold: None for no weights file, else the size
        from which constants go to it; prefix: of this function's static arrays."""
        self.name, self.namer, self.threshold = name, namer, threshold
        self.prefix = prefix or name
        self.refs: dict[str, str] = {}
        self.inline: list[Array] = []
        self.weights: list[Array] = [] if weights is None else weights
        self.external: list[tuple[int, Value]] = []
        self.blob_bytes = 0

    def sub(self, fn: str) -> "Constants":
        """The constants of subgraph function fn (never in a weights file)."""
        return Constants(self.name, self.namer, None, fn, self.weights)

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
            elif v.nbytes < INLINE_BELOW:
                self.inline.append(_array(self.namer(vname, prefix=f"{self.prefix}_c_"), v, False))
                self.refs[vname] = self.inline[-1].ref
            else:
                self.weights.append(_array(self.namer(vname, prefix=f"{self.name}_w_"), v, True))
                self.refs[vname] = self.weights[-1].ref
        return self.refs[vname]

    def arrays(self) -> list[Array]:
        """This function's static arrays, printed."""
        return _printed(self.inline, self.name, self.weights_file)

    def weight_arrays(self) -> list[Array]:
        """The arrays of NAME_weights.c (of every function), printed."""
        return _printed(self.weights, self.name, self.weights_file)

    def blob(self) -> bytes | None:
        if not self.weights_file:
            return None
        out = bytearray(self.blob_bytes)
        for offset, v in self.external:
            raw = literals.raw_bytes(v.data, v.dtype)
            out[offset:offset + len(raw)] = raw
        return bytes(out)

    def header(self, blob: bytes | None) -> dict | None:
        """What NAME.h says about the blob (None without a weights file)."""
        if blob is None:
            return None
        return dict(bytes=len(blob), align=BLOB_ALIGN, crc32=zlib.crc32(blob))


def _printed(arrays: list[Array], name: str, weights_file: bool) -> list[Array]:
    total = sum(literals.estimated_chars(a.value.data, a.value.dtype) for a in arrays)
    if total > MAX_SOURCE_BYTES:
        hint = "lower --weights-threshold" if weights_file else \
            "pass --weights-file (weights_file=True in Python) to move them to a " \
            f"{name}.weights.bin blob that {name}_run reads"
        raise CompileError(f"the weights would make {name}_weights.c about {total >> 20} MB "
                           f"of C; {hint}", reason=SOURCE_TOO_LARGE)
    for a in arrays:
        if not a.body:
            print_body = literals.bytes_body if a.rows else literals.array_body
            a.body = print_body(a.value.data, a.value.dtype)
    return arrays
