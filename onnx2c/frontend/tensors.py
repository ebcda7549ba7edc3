"""Every tensor a model file holds, checked before any is decoded: a known element type,
dims that are not negative, a size within the limits, data of exactly the length the
dims give. Also the graph inputs' declared sizes, and sparse initializers made dense
(as onnxruntime does)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from ..errors import CompileError
from ..limits import check_size, elem_bits as _elem_bits
from .scope import subgraphs

# the typed field that holds each element type's data, and how many entries an element takes
_FIELD = {TensorProto.FLOAT: ("float_data", 1), TensorProto.DOUBLE: ("double_data", 1),
          TensorProto.INT64: ("int64_data", 1), TensorProto.UINT32: ("uint64_data", 1),
          TensorProto.UINT64: ("uint64_data", 1), TensorProto.COMPLEX64: ("float_data", 2),
          TensorProto.COMPLEX128: ("double_data", 2), TensorProto.STRING: ("string_data", 1)}
_PACKED_BITS = {TensorProto.INT4: 4, TensorProto.UINT4: 4, TensorProto.FLOAT4E2M1: 4,
                TensorProto.INT2: 2, TensorProto.UINT2: 2}


def _known_dtype(dtype: int) -> bool:
    return dtype in TensorProto.DataType.values() and dtype != TensorProto.UNDEFINED



def check_tensor(t: TensorProto, what: str = "") -> None:
    what = what or f"tensor '{t.name}'"
    if not _known_dtype(t.data_type):
        raise CompileError(f"{what} has element type {t.data_type}, which ONNX does not define",
                           reason="unknown element type")
    if t.HasField("segment"):
        raise CompileError(f"{what} is stored in segments, which onnx2c does not read",
                           reason="tensor segments")
    if t.data_location == TensorProto.EXTERNAL:
        raise CompileError(f"{what}'s external data was not loaded", reason="external data")
    count = check_size(what, t.dims, t.data_type)
    if t.HasField("raw_data"):
        if t.data_type == TensorProto.STRING:
            raise CompileError(f"{what} holds strings in raw_data", reason="bad tensor data")
        want = (count * _elem_bits(t.data_type) + 7) // 8
        if len(t.raw_data) != want:
            raise CompileError(f"{what} has {len(t.raw_data)} bytes of data, its dims "
                               f"{list(t.dims)} need {want}", reason="bad tensor data")
        return
    if t.data_type in _PACKED_BITS:
        return      # packed in int32_data in more than one way; decoding checks it
    name, per = _FIELD.get(t.data_type, ("int32_data", 1))
    have = len(getattr(t, name))
    if have != count * per:
        raise CompileError(f"{what} has {have} values in {name}, its dims {list(t.dims)} need "
                           f"{count * per}", reason="bad tensor data")


def _densify(sp: onnx.SparseTensorProto) -> TensorProto:
    name = sp.values.name
    what = f"sparse initializer '{name}'"
    check_tensor(sp.values, what)
    check_tensor(sp.indices, what + " (its indices)")
    count = check_size(what, sp.dims, sp.values.data_type)
    values = numpy_helper.to_array(sp.values).reshape(-1)
    idx = numpy_helper.to_array(sp.indices).astype(np.int64)
    if idx.ndim == 2 and idx.shape[1] == len(sp.dims) and len(sp.dims):
        idx = np.ravel_multi_index(tuple(np.clip(idx, 0, None).T), tuple(sp.dims), mode="clip") \
            if (idx >= 0).all() and (idx < np.array(sp.dims)).all() else np.full(len(idx), -1)
    idx = idx.reshape(-1)
    if len(idx) != len(values) or ((idx < 0) | (idx >= max(count, 1))).any():
        raise CompileError(f"{what} has indices that do not fit its values or dims",
                           reason="bad sparse tensor")
    dense = np.zeros(count, values.dtype)
    dense[idx] = values
    return numpy_helper.from_array(dense.reshape(tuple(sp.dims)), name)


def check_graph_tensors(g: onnx.GraphProto) -> None:
    """Initializers (sparse ones made dense), Constant values and the declared sizes of
    graph inputs, in g and its subgraphs."""
    if g.sparse_initializer:
        g.initializer.extend(_densify(sp) for sp in g.sparse_initializer)
        del g.sparse_initializer[:]
    for t in g.initializer:
        check_tensor(t)
    inits = {t.name: t for t in g.initializer}
    for vi in g.input:
        tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if tt is None or not tt.HasField("shape"):
            continue
        # a negative dim means unknown to some exporters: the importer asks for --shape
        dims = [d.dim_value for d in tt.shape.dim if d.HasField("dim_value") and d.dim_value >= 0]
        check_size(f"graph input '{vi.name}'", dims, tt.elem_type if
                   _known_dtype(tt.elem_type) else TensorProto.FLOAT)
        init = inits.get(vi.name)
        if init is not None and (tt.elem_type != init.data_type or
                                 len(tt.shape.dim) != len(init.dims) or
                                 any(d.HasField("dim_value") and d.dim_value != k
                                     for d, k in zip(tt.shape.dim, init.dims))):
            raise CompileError(f"graph input '{vi.name}' is declared "
                               f"{_type_text(tt.elem_type, tt.shape.dim)} but its initializer is "
                               f"{_type_text(init.data_type, init.dims)}",
                               reason="initializer contradicts its input")
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                check_tensor(a.t, f"attribute '{a.name}' of node '{n.name or n.op_type}'")
            elif a.type == onnx.AttributeProto.SPARSE_TENSOR:
                check_tensor(a.sparse_tensor.values, f"attribute '{a.name}' of node "
                             f"'{n.name or n.op_type}'")
        for s in subgraphs(n):
            check_graph_tensors(s)


def _type_text(dtype: int, dims) -> str:
    name = TensorProto.DataType.Name(dtype).lower() if _known_dtype(dtype) else str(dtype)
    shown = [(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?"))
             if hasattr(d, "HasField") else d for d in dims]
    return f"{name}[{'x'.join(map(str, shown))}]"
