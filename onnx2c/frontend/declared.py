"""What a file declares about its values (graph output types, value_info) against what
onnx2c computes.

Declarations are taken off before shape inference, so a wrong one can neither steer it
nor be trusted (a Relu of 2x3 declared 7x7 would make C that writes 49 elements), then
compared with what inference and folding computed: a contradiction is an error naming
both. A dim declared as -1 or a symbol is simply computed, and so is a graph output's
leading dim declared 1 (converters' batch of one). Where inference leaves a
value open (a custom op, a shape read from a run-time input), the declaration is put
back, and inference runs again if anything reads the value; kernels whose output shape
rests on a declaration check it at run time.
"""
from __future__ import annotations

from onnx import ModelProto, TensorProto, TypeProto, helper

from ..errors import CompileError
from .settle import settle


def _tensor(t: TypeProto) -> bool:
    return t.HasField("tensor_type")


def take_declarations(m: ModelProto) -> dict[str, TypeProto]:
    g, out = m.graph, {}
    for vi in g.value_info:
        if _tensor(vi.type):
            out[vi.name] = vi.type
    keep = [vi for vi in g.value_info if not _tensor(vi.type)]
    for o in g.output:
        if _tensor(o.type):
            out[o.name] = TypeProto()
            out[o.name].CopyFrom(o.type)
            o.type.tensor_type.Clear()
    del g.value_info[:]
    g.value_info.extend(keep)
    return out


def _dims(t: TypeProto):
    """Declared dims (None for -1 or symbols), or None for an unknown rank."""
    tt = t.tensor_type
    if not tt.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else None
            for d in tt.shape.dim]


def _text(elem: int, dims) -> str:
    name = TensorProto.DataType.Name(elem).lower() if elem in TensorProto.DataType.values() \
        else str(elem)
    return name + ("" if dims is None else "[" + "x".join("?" if d is None else str(d)
                                                          for d in dims) + "]")


def _compare(name: str, declared: TypeProto, elem: int, dims, output: bool
             ) -> CompileError | None:
    d_elem, d_dims = declared.tensor_type.elem_type, _dims(declared)
    if output and d_dims and dims and d_dims[0] == 1:
        # converters declare a batch of 1 for outputs they compute one row per input row
        # (onnxmltools' LightGBM label): that first dim is computed, not contradicted
        d_dims = [None] + d_dims[1:]
    wrong = (d_elem and elem and d_elem != elem) or (
        d_dims is not None and dims is not None and
        (len(d_dims) != len(dims) or any(a is not None and b is not None and a != b
                                         for a, b in zip(d_dims, dims))))
    if not wrong:
        return None
    return CompileError(f"'{name}' is declared {_text(d_elem or elem, d_dims)} but computes as "
                        f"{_text(elem, dims)}; the model's declaration is wrong",
                        reason="declared shape contradicts the computed one")


def _computed(m: ModelProto) -> dict:
    g, out = m.graph, {}
    for vi in list(g.value_info) + list(g.output):
        if _tensor(vi.type) and vi.type.tensor_type.elem_type:
            out[vi.name] = (vi.type.tensor_type.elem_type, _dims(vi.type))
    for t in g.initializer:
        out[t.name] = (t.data_type, list(t.dims))
    return out


def compare(m: ModelProto, declared: dict[str, TypeProto], wrong: list) -> bool:
    """Compare the declarations with m's computed types (contradictions go to wrong); put
    back those of values inference left open. Whether a value something reads got its
    declaration back."""
    g, computed = m.graph, _computed(m)
    outputs = {o.name: o for o in g.output}
    read = {i for n in g.node for i in n.input}
    restored = False
    for name, typ in declared.items():
        elem, dims = computed.get(name, (0, None))
        problem = _compare(name, typ, elem, dims, name in outputs)
        if problem is not None:
            wrong.append(problem)
            continue
        if dims is not None and None not in dims and elem:
            continue
        if name in outputs:
            outputs[name].type.CopyFrom(typ)
        else:
            g.value_info.append(helper.make_value_info(name, typ))
        restored |= name in read
    return restored


def infer_static(m: ModelProto) -> tuple[ModelProto, list[CompileError]]:
    """settle() (shape inference, folding, resolution) with the declarations taken off, then
    compared and, where inference cannot settle a value, put back. Returns the model and
    the contradictions, which the caller reports once the import has had its say (a
    type error there explains a contradiction better)."""
    declared, wrong = take_declarations(m), []
    m = settle(m)
    if compare(m, declared, wrong):
        m = settle(m)
    return m, wrong
