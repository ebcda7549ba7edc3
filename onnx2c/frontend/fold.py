"""Constant folding on the ONNX graph: a node whose inputs are all constants becomes a
constant (computed by onnx.reference), and Shape/Size of a static shape too.

This runs on the ModelProto rather than the IR because ONNX shape inference (with data
propagation) works on protos: each folded value can make more shapes static, and each
newly static shape can make a Shape/Size node foldable (frontend.settle alternates the
two). The exporters' Shape->Gather->Unsqueeze->Concat->Reshape chains disappear this way.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import ModelProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from ..limits import check_size, memory_cap
from .resolve.structure import where
from .sizes import output_elements

# ops whose result is not a function of their inputs alone
_NONDETERMINISTIC = {"RandomUniform", "RandomNormal", "RandomUniformLike", "RandomNormalLike",
                     "Bernoulli", "Multinomial"}
# ops whose output size follows their input values, which shape inference may not know;
# one of those is folded only once its size is known (from inference or sizes.py)
_VALUE_SIZED = {"ConstantOfShape", "Range", "Expand", "Tile", "Pad", "Resize", "Upsample",
                "OneHot", "EyeLike", "CenterCropPad", "Col2Im", "MelWeightMatrix",
                "BlackmanWindow", "HannWindow", "HammingWindow", "DFT", "STFT"}
# kept as nodes even with constant inputs: the QDQ pass (passes/qdq.py) reads a weight's
# DequantizeLinear to keep the weight in 8 bits, and folds the ones it leaves in float
_KEEP = {"DequantizeLinear"}


def _static_shape(vi) -> tuple[int, ...] | None:
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    dims = vi.type.tensor_type.shape.dim
    if all(d.HasField("dim_value") for d in dims):
        return tuple(d.dim_value for d in dims)
    return None


def _shape_op(node, shape: tuple[int, ...]) -> np.ndarray:
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "Size":
        return np.array(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    r = len(shape)
    start, end = attrs.get("start", 0), attrs.get("end", r)
    start = min(max(start + r if start < 0 else start, 0), r)
    end = min(max(end + r if end < 0 else end, 0), r)
    return np.array(shape[start:end], dtype=np.int64)


def _evaluate(m: ModelProto, node, consts: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    feeds = {i: consts[i] for i in node.input if i}
    inputs = [helper.make_tensor_value_info(i, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
              for i, v in feeds.items()]
    outputs = [helper.make_value_info(o, onnx.TypeProto()) for o in node.output if o]
    model = helper.make_model(helper.make_graph([node], "fold", inputs, outputs),
                              opset_imports=m.opset_import, ir_version=m.ir_version)
    try:
        with memory_cap():
            res = ReferenceEvaluator(model).run(None, feeds)
    except Exception:
        return None         # leave it to the C kernel, which reports what it can't do
    if not all(isinstance(r, np.ndarray) for r in res):
        return None
    return [np.asarray(r) for r in res]


def _size_known(node, shapes: dict, consts: dict) -> bool:
    """Whether node's outputs are known to be within the size limits (so it may be
    evaluated); refuses a value-sized op that is known to exceed them."""
    if node.op_type not in _VALUE_SIZED or all(shapes.get(o) is not None
                                               for o in node.output if o):
        return True
    n = output_elements(node, consts)
    if n is not None:
        check_size(f"the output of {where(node)}", [n], 1)
    return n is not None


def fold_once(m: ModelProto) -> bool:
    """Fold every node that can be; whether any was."""
    g = m.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    shapes = {vi.name: _static_shape(vi) for vi in list(g.input) + list(g.value_info)}
    graph_inputs = {i.name for i in g.input} - set(consts)
    keep, new_inits, changed = [], [], False
    for node in g.node:
        result = None
        if node.op_type in ("Shape", "Size") and node.domain in ("", "ai.onnx") \
                and shapes.get(node.input[0]) is not None:
            result = [_shape_op(node, shapes[node.input[0]])]
        elif (node.op_type not in _NONDETERMINISTIC and node.op_type not in _KEEP
              and all(i in consts for i in node.input if i)
              and _size_known(node, shapes, consts)
              and not any(i in graph_inputs for i in node.input)
              and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                          for a in node.attribute)):
            result = _evaluate(m, node, consts)
        if result is None:
            keep.append(node)
            continue
        changed = True
        for name, arr in zip([o for o in node.output if o], result):
            consts[name] = arr
            new_inits.append(numpy_helper.from_array(arr, name))
    if changed:
        del g.node[:]
        g.node.extend(keep)
        g.initializer.extend(new_inits)
        folded = {t.name for t in new_inits}
        vis = [vi for vi in g.value_info if vi.name not in folded]
        del g.value_info[:]
        g.value_info.extend(vis)
    return changed
