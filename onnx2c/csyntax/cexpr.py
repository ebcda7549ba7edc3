"""dtype-aware C fragments the templates use: element loads/stores and math function names.

Kernels compute in DType.compute (float for every small float type); loads widen the
stored element and stores narrow it with the rounding ONNX prescribes, so a template is
written once for every dtype.
"""
from __future__ import annotations

from ..ir import DType

_SMALLFLOAT = {
    DType.FLOAT16: "f16", DType.BFLOAT16: "bf16", DType.FLOAT8E4M3FN: "e4m3fn",
    DType.FLOAT8E4M3FNUZ: "e4m3fnuz", DType.FLOAT8E5M2: "e5m2", DType.FLOAT8E5M2FNUZ: "e5m2fnuz",
    DType.FLOAT8E8M0: "e8m0",
}
_PACKED = {DType.INT4: "i4", DType.UINT4: "u4", DType.INT2: "i2", DType.UINT2: "u2",
           DType.FLOAT4E2M1: "u4"}


def _dt(x) -> DType:
    return x if isinstance(x, DType) else x.dtype


def load(x, ptr: str, idx: str) -> str:
    """Expression: element idx of buffer ptr, widened to the compute type."""
    dt = _dt(x)
    if dt in _PACKED:
        raw = f"o2c_get_{_PACKED[dt]}({ptr}, {idx})"
        return f"o2c_e2m1_to_f32((uint8_t){raw})" if dt == DType.FLOAT4E2M1 else raw
    if dt in _SMALLFLOAT:
        return f"o2c_{_SMALLFLOAT[dt]}_to_f32({ptr}[{idx}])"
    return f"{ptr}[{idx}]"


def narrow(x, expr: str, saturate: str = "1") -> str:
    """Expression: a compute-type value converted to the stored element type."""
    dt = _dt(x)
    if dt == DType.FLOAT16 or dt == DType.BFLOAT16:
        return f"o2c_f32_to_{_SMALLFLOAT[dt]}({expr})"
    if dt == DType.FLOAT8E8M0:
        return f"o2c_f32_to_e8m0({expr}, {saturate}, O2C_E8M0_ROUND_UP)"
    if dt in _SMALLFLOAT:
        return f"o2c_f32_to_{_SMALLFLOAT[dt]}({expr}, {saturate})"
    if dt == DType.FLOAT4E2M1:
        return f"o2c_f32_to_e2m1({expr}, {saturate})"
    if dt == DType.BOOL:
        return f"(uint8_t)(({expr}) != 0)"
    return f"({dt.ctype})({expr})"


def store(x, ptr: str, idx: str, expr: str, saturate: str = "1") -> str:
    """Statement: store a compute-type value as element idx of ptr."""
    dt = _dt(x)
    if dt in _PACKED:
        code = "u4" if dt == DType.FLOAT4E2M1 else _PACKED[dt]
        return f"o2c_set_{code}({ptr}, {idx}, {narrow(dt, expr, saturate)});"
    return f"{ptr}[{idx}] = {narrow(dt, expr, saturate)};"


def fn(name: str, x) -> str:
    """C math function for the compute type: expf for float-like, exp for double."""
    return name if _dt(x).compute == "double" else name + "f"


def ctype(x) -> str:
    return _dt(x).ctype


def compute(x) -> str:
    return _dt(x).compute
