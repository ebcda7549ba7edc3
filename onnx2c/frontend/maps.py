"""Maps in the C ABI (README "The C ABI"): ai.onnx.ml's ZipMap outputs and the map inputs
of DictVectorizer and CastMap, rewritten into tensors before shape inference.

* ZipMap's sequence of maps (one {class label: probability} per row) is its input, the
  [N, classes] float tensor, as the graph output; the labels become a constant table
  NAME_<output>_labels in NAME.h (returned here, by output name).
* A map input read only by DictVectorizer or CastMap has a static key set (the
  vocabulary; keys 0..max_map-1 for a SPARSE CastMap; --shape NAME=K keys for a DENSE
  one) and arrives as a dense array of its values in key order (a key the map lacks: 0).
  DictVectorizer becomes a Reshape to [1, K], CastMap a Cast and a Reshape.
"""
from __future__ import annotations

import numpy as np
from onnx import ModelProto, TensorProto, helper, numpy_helper

from ..errors import CompileError

_ML = "ai.onnx.ml"


def _attrs(n) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in n.attribute}


def _text(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _zipmap_labels(n) -> np.ndarray:
    a = _attrs(n)
    if a.get("classlabels_strings"):
        return np.array([_text(s) for s in a["classlabels_strings"]], dtype=object)
    return np.array(list(a.get("classlabels_int64s") or []), dtype=np.int64)


def _swap(m: ModelProto, old, new: list) -> None:
    nodes = []
    for n in m.graph.node:
        nodes += new if n is old else [n]
    del m.graph.node[:]
    m.graph.node.extend(nodes)


def _zipmaps(m: ModelProto) -> dict[str, np.ndarray]:
    g, labels = m.graph, {}
    outputs = {o.name: o for o in g.output}
    readers = {i for n in g.node for i in n.input}
    for n in [n for n in g.node if n.op_type == "ZipMap" and n.domain == _ML]:
        o = n.output[0]
        if o not in outputs or o in readers:
            raise CompileError(f"ZipMap '{n.name or o}': its maps must be a graph output that "
                               "no other node reads (onnx2c returns them as a probability "
                               "tensor and a label table)", reason="ZipMap: not an output")
        labels[o] = _zipmap_labels(n)
        _swap(m, n, [helper.make_node("Identity", [n.input[0]], [o], name=n.name)])
        vi = outputs[o]
        vi.type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    return labels


def _dense_node(n, name: str, keys: int) -> list:
    """The nodes replacing map consumer n once its map input is a dense array."""
    a, out = _attrs(n), n.output[0]
    shape = f"{out}__o2c_shape"
    reshape = helper.make_node("Reshape", [name if n.op_type == "DictVectorizer" else
                                           f"{out}__o2c_cast", shape], [out], name=n.name)
    const = helper.make_node("Constant", [], [shape], value=numpy_helper.from_array(
        np.array([1, keys], np.int64)))
    if n.op_type == "DictVectorizer":
        return [const, reshape]
    to = {"TO_FLOAT": TensorProto.FLOAT, "TO_INT64": TensorProto.INT64}.get(
        _text(a.get("cast_to", "TO_FLOAT")))
    if to is None:
        raise CompileError(f"CastMap '{n.name}': cast_to TO_STRING is not supported",
                           reason="CastMap: TO_STRING")
    return [helper.make_node("Cast", [name], [f"{out}__o2c_cast"], to=to), const, reshape]


def _key_count(n, name: str, shapes: dict) -> int:
    a = _attrs(n)
    if n.op_type == "DictVectorizer":
        vocab = a.get("string_vocabulary") or a.get("int64_vocabulary") or []
        return len(vocab)
    if _text(a.get("map_form", "DENSE")) == "SPARSE":
        return int(a.get("max_map", 1))
    spec = shapes.pop(name, None)
    if not isinstance(spec, (list, tuple)) or len(spec) != 1:
        raise CompileError(f"graph input '{name}' is a map read by a DENSE CastMap: give its "
                           f"number of keys with --shape {name}=K", reason="map input needs --shape")
    return int(spec[0])


def _map_inputs(m: ModelProto, shapes: dict) -> None:
    g = m.graph
    for vi in list(g.input):
        if vi.type.WhichOneof("value") != "map_type":
            continue
        readers = [n for n in g.node if vi.name in n.input]
        if not readers or any(n.op_type not in ("DictVectorizer", "CastMap") or n.domain != _ML
                              for n in readers):
            raise CompileError(f"graph input '{vi.name}' is a map: onnx2c takes maps only as "
                               "the input of DictVectorizer or CastMap", reason="map input")
        keys = {_key_count(n, vi.name, shapes) for n in readers}
        if len(keys) != 1:
            raise CompileError(f"the readers of map input '{vi.name}' disagree on its keys",
                               reason="map input keys")
        value_type = vi.type.map_type.value_type.tensor_type.elem_type
        count = keys.pop()
        vi.type.CopyFrom(helper.make_tensor_type_proto(value_type, [count]))
        for n in readers:
            _swap(m, n, _dense_node(n, vi.name, count))


def resolve_maps(m: ModelProto, shapes: dict) -> dict[str, np.ndarray]:
    """Rewrites m's ZipMaps and map inputs (shapes: the --shape entries, from which a
    DENSE CastMap's key count is taken); returns the ZipMap label tables by output."""
    _map_inputs(m, shapes)
    return _zipmaps(m)
