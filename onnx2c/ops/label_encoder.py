"""ai.onnx.ml LabelEncoder: a static map from keys to values (strings, integers or floats),
looked up by binary search over a table sorted at compile time."""
from __future__ import annotations

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import inp, out
from ..ir.optable import op
from .strings import Element, StaticTable, c_string, cell, string_map

_KINDS = (("strings", DType.STRING), ("int64s", DType.INT64), ("floats", DType.FLOAT))


def _attr(node, what: str):
    """(array, dtype) of keys or values: the `{what}_tensor` or a `{what}_*` list."""
    a = node.attrs
    if a.get(f"{what}_tensor") is not None:
        t = np.asarray(a[f"{what}_tensor"])
        dt = DType.STRING if t.dtype.kind in "OSU" else DType(
            {np.dtype(v.np): v for v in DType if v != DType.STRING and v.info.kind != "packed"
             and v.info.kind != "smallfloat"}[t.dtype])
        return t.reshape(-1), dt
    for suffix, dt in _KINDS:
        if a.get(f"{what}_{suffix}") is not None:
            return np.asarray(a[f"{what}_{suffix}"], dtype=object if dt == DType.STRING
                              else dt.np), dt
    raise CompileError(f"LabelEncoder has no {what}", node, reason="LabelEncoder: no mapping")


def _default(node, dt: DType):
    a = node.attrs
    if a.get("default_tensor") is not None:
        return np.asarray(a["default_tensor"]).reshape(-1)[0]
    name = {DType.STRING: "default_string", DType.FLOAT: "default_float"}.get(dt, "default_int64")
    return a.get(name, {DType.STRING: "_Unused", DType.FLOAT: -0.0}.get(dt, -1))


def _text(x) -> str:
    return x.decode("utf-8") if isinstance(x, bytes) else str(x)


def _literal(x, dt: DType) -> str:
    if dt == DType.STRING:
        if len(_text(x).encode("utf-8")) >= cell():
            raise CompileError(f"LabelEncoder value {_text(x)!r} does not fit a {cell()}-byte "
                               "string cell; raise --string-bytes", reason="string too long")
        return c_string(_text(x))
    return scalar(x, dt.ctype)


@op("LabelEncoder", domain="ai.onnx.ml", since=2, strings=True)
def lower_label_encoder(node, ctx):
    (keys, kt), (vals, vt) = _attr(node, "keys"), _attr(node, "values")
    x, y = inp(node, ctx, 0), out(node, ctx)
    if kt.info.kind != x.dtype.info.kind and not (kt.is_float and x.dtype.is_float):
        raise CompileError(f"LabelEncoder keys are {kt.onnx_name}, the input {x.dtype.onnx_name}",
                           node, reason="LabelEncoder: key type")
    if len(keys) != len(vals):
        raise CompileError("LabelEncoder needs as many keys as values", node,
                           reason="LabelEncoder: mapping size")
    # sorted like the C search compares: UTF-8 bytes, or numbers (NaN keys never match)
    sort = (lambda k: _text(keys[k]).encode("utf-8")) if kt == DType.STRING else \
        (lambda k: float(keys[k]))
    order = sorted((k for k in range(len(keys)) if kt == DType.STRING or keys[k] == keys[k]),
                   key=sort)
    n, kc, vc = len(order), ("const char *const" if kt == DType.STRING else
                             f"const {x.dtype.compute}"), (
        "const char *const" if vt == DType.STRING else f"const {y.dtype.compute}")
    tables = [StaticTable(ctype, name, f"[{max(1, n)}]",
                          [_literal(data[k], dt) for k in order] or ["0"], one_line=True)
              for ctype, name, data, dt in ((kc, "keys", keys, x.dtype), (vc, "vals", vals, y.dtype))]
    dflt = _literal(_default(node, vt), y.dtype)
    return string_map(node, ctx, Element(value=f"at >= 0 ? vals[at] : {dflt}", lookup=n), tables)
