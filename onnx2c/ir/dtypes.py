"""ONNX element types and how each is stored in C.

Every buffer holds exactly the bytes ONNX's raw_data would hold, so the C storage type of
float16/bfloat16 is uint16_t, of the float8 family uint8_t, and 4/2-bit types are packed.
"""
from __future__ import annotations

import contextvars
import enum
from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, helper


# A string element is a fixed cell of this many bytes (UTF-8, NUL-terminated, so at most
# STRING_BYTES - 1 bytes of text), so string tensors have static sizes like any other. It
# is an option of one compilation (compiler.build sets it for the duration), not of the
# dtype, hence a context variable rather than a constant.
STRING_BYTES: contextvars.ContextVar[int] = contextvars.ContextVar("string_bytes", default=64)


@dataclass(frozen=True)
class _Info:
    ctype: str          # C storage type of one element (or of one packed byte)
    bits: int           # bits per element
    kind: str           # 'float', 'int', 'uint', 'bool', 'smallfloat', 'packed', 'string'
    compute: str        # C type arithmetic is done in


class DType(enum.IntEnum):
    FLOAT = TensorProto.FLOAT
    UINT8 = TensorProto.UINT8
    INT8 = TensorProto.INT8
    UINT16 = TensorProto.UINT16
    INT16 = TensorProto.INT16
    INT32 = TensorProto.INT32
    INT64 = TensorProto.INT64
    STRING = TensorProto.STRING
    BOOL = TensorProto.BOOL
    FLOAT16 = TensorProto.FLOAT16
    DOUBLE = TensorProto.DOUBLE
    UINT32 = TensorProto.UINT32
    UINT64 = TensorProto.UINT64
    BFLOAT16 = TensorProto.BFLOAT16
    FLOAT8E4M3FN = TensorProto.FLOAT8E4M3FN
    FLOAT8E4M3FNUZ = TensorProto.FLOAT8E4M3FNUZ
    FLOAT8E5M2 = TensorProto.FLOAT8E5M2
    FLOAT8E5M2FNUZ = TensorProto.FLOAT8E5M2FNUZ
    UINT4 = TensorProto.UINT4
    INT4 = TensorProto.INT4
    FLOAT4E2M1 = TensorProto.FLOAT4E2M1
    FLOAT8E8M0 = TensorProto.FLOAT8E8M0
    UINT2 = TensorProto.UINT2
    INT2 = TensorProto.INT2

    @property
    def info(self) -> _Info:
        return _INFO[self]

    @property
    def ctype(self) -> str:
        return self.info.ctype

    @property
    def compute(self) -> str:
        """C type in which a kernel computes with this element type."""
        return self.info.compute

    @property
    def is_float(self) -> bool:
        return self.info.kind in ("float", "smallfloat")

    @property
    def is_int(self) -> bool:
        return self.info.kind in ("int", "uint")

    @property
    def is_signed(self) -> bool:
        return self.info.kind in ("int", "float", "smallfloat") or self in (DType.INT4, DType.INT2)

    @property
    def is_packed(self) -> bool:
        return self.info.kind == "packed"

    @property
    def bits(self) -> int:
        return 8 * STRING_BYTES.get() if self is DType.STRING else self.info.bits

    @property
    def onnx_name(self) -> str:
        return TensorProto.DataType.Name(int(self)).lower()

    def nbytes(self, count: int) -> int:
        return (count * self.bits + 7) // 8

    @property
    def np(self) -> np.dtype:
        return np.dtype(helper.tensor_dtype_to_np_dtype(int(self)))

    @classmethod
    def from_onnx(cls, elem_type: int) -> "DType":
        return cls(elem_type)


_INFO = {
    DType.FLOAT: _Info("float", 32, "float", "float"),
    DType.DOUBLE: _Info("double", 64, "float", "double"),
    DType.FLOAT16: _Info("uint16_t", 16, "smallfloat", "float"),
    DType.BFLOAT16: _Info("uint16_t", 16, "smallfloat", "float"),
    DType.FLOAT8E4M3FN: _Info("uint8_t", 8, "smallfloat", "float"),
    DType.FLOAT8E4M3FNUZ: _Info("uint8_t", 8, "smallfloat", "float"),
    DType.FLOAT8E5M2: _Info("uint8_t", 8, "smallfloat", "float"),
    DType.FLOAT8E5M2FNUZ: _Info("uint8_t", 8, "smallfloat", "float"),
    DType.FLOAT8E8M0: _Info("uint8_t", 8, "smallfloat", "float"),
    DType.FLOAT4E2M1: _Info("uint8_t", 4, "packed", "float"),
    DType.INT8: _Info("int8_t", 8, "int", "int32_t"),
    DType.INT16: _Info("int16_t", 16, "int", "int32_t"),
    DType.INT32: _Info("int32_t", 32, "int", "int32_t"),
    DType.INT64: _Info("int64_t", 64, "int", "int64_t"),
    DType.UINT8: _Info("uint8_t", 8, "uint", "uint32_t"),
    DType.UINT16: _Info("uint16_t", 16, "uint", "uint32_t"),
    DType.UINT32: _Info("uint32_t", 32, "uint", "uint32_t"),
    DType.UINT64: _Info("uint64_t", 64, "uint", "uint64_t"),
    DType.BOOL: _Info("uint8_t", 8, "bool", "int"),
    DType.INT4: _Info("uint8_t", 4, "packed", "int32_t"),
    DType.UINT4: _Info("uint8_t", 4, "packed", "int32_t"),
    DType.INT2: _Info("uint8_t", 2, "packed", "int32_t"),
    DType.UINT2: _Info("uint8_t", 2, "packed", "int32_t"),
    DType.STRING: _Info("char", 0, "string", "char"),   # bits: see STRING_BYTES
}
