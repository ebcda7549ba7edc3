"""The model checked against the spec before shape inference sees it: IR and opset
versions, attribute values the spec restricts, and the structure of control-flow nodes.
ONNX's checker passes much of this (and its shape inference shrugs some of it off), so
onnx2c says what is wrong here, naming the node, rather than fail later for a reason that
points elsewhere."""
from __future__ import annotations

import onnx
from onnx import AttributeProto, ModelProto, NodeProto, TensorProto, helper

from ..errors import CompileError
from ..limits import MAX_TRIP_COUNT
from .scope import graph_attr, subgraphs

_CONV = ("Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv")
_POOL = ("MaxPool", "AveragePool", "LpPool")
_AUTO_PAD = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}
_ENUMS = {
    **{(op, "auto_pad"): _AUTO_PAD for op in _CONV + _POOL},
    ("Pad", "mode"): {"constant", "reflect", "edge", "wrap"},
    ("Resize", "mode"): {"nearest", "linear", "cubic"},
    ("Resize", "coordinate_transformation_mode"): {
        "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
        "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"},
    ("Resize", "nearest_mode"): {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
    ("Resize", "keep_aspect_ratio_policy"): {"stretch", "not_larger", "not_smaller"},
    ("DepthToSpace", "mode"): {"DCR", "CRD"},
    ("BitShift", "direction"): {"LEFT", "RIGHT"},
    **{(op, "direction"): {"forward", "reverse", "bidirectional"} for op in ("RNN", "GRU", "LSTM")},
    ("GridSample", "mode"): {"bilinear", "nearest", "bicubic", "linear", "cubic"},
    ("GridSample", "padding_mode"): {"zeros", "border", "reflection"},
    ("RoiAlign", "mode"): {"avg", "max"},
    ("RoiAlign", "coordinate_transformation_mode"): {"half_pixel", "output_half_pixel"},
    ("Gelu", "approximate"): {"none", "tanh"},
    **{(op, "reduction"): {"none", "add", "mul", "max", "min"}
       for op in ("ScatterElements", "ScatterND", "TensorScatter")},
    **{(op, "reduction"): {"none", "sum", "mean"}
       for op in ("NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss")},
    ("StringNormalizer", "case_change_action"): {"LOWER", "UPPER", "NONE"},
}
# attributes whose every entry must be at least 1, or at least 0
_POSITIVE = {**{(op, a): 1 for op in _CONV + _POOL for a in ("strides", "dilations", "kernel_shape")},
             **{(op, "group"): 1 for op in _CONV},
             ("DepthToSpace", "blocksize"): 1, ("SpaceToDepth", "blocksize"): 1, ("LRN", "size"): 1,
             **{(op, "hidden_size"): 1 for op in ("RNN", "GRU", "LSTM")},
             **{(op, "pads"): 0 for op in _CONV + _POOL}, ("Split", "num_outputs"): 1}
_FLAGS = ("keepdims", "ceil_mode", "storage_order", "select_last_index", "noop_with_empty_axes",
          "allowzero", "exclusive", "reverse", "fmod", "largest", "sorted", "count_include_pad")
_DTYPE_ATTRS = {("Cast", "to"), ("EyeLike", "dtype"), ("RandomNormal", "dtype"),
                ("RandomUniform", "dtype"), ("RandomNormalLike", "dtype"),
                ("RandomUniformLike", "dtype"), ("Multinomial", "dtype"), ("Bernoulli", "dtype")}
_CONSTANT_VALUES = {"value", "value_float", "value_floats", "value_int", "value_ints",
                    "value_string", "value_strings", "sparse_value"}


def check_text(m: ModelProto) -> None:
    """Every name is text: protobuf hands a string field that is not valid UTF-8 (a damaged
    file) back as bytes, which nothing downstream expects."""
    def in_nodes(nodes):
        for n in nodes:
            yield from (n.name, n.op_type, n.domain, *n.input, *n.output)
            yield from (a.name for a in n.attribute)
            for sub in subgraphs(n):
                yield from in_graph(sub)

    def in_graph(g):
        yield g.name
        for vi in list(g.input) + list(g.output) + list(g.value_info):
            yield vi.name
        for t in g.initializer:
            yield t.name
        yield from in_nodes(g.node)

    def in_functions():
        for f in m.functions:
            yield from (f.name, f.domain, *f.input, *f.output, *f.attribute)
            yield from in_nodes(f.node)

    found = [x for x in in_graph(m.graph) if isinstance(x, bytes)]
    found += [x for x in in_functions() if isinstance(x, bytes)]
    found += [o.domain for o in m.opset_import if isinstance(o.domain, bytes)]
    if found:
        raise CompileError(f"the model holds a name that is not valid UTF-8 ({found[0]!r}); "
                           "the file is damaged", reason="invalid UTF-8 name")


def check_versions(m: ModelProto) -> None:
    if m.ir_version > onnx.IR_VERSION:
        raise CompileError(f"the model's IR version {m.ir_version} is newer than the "
                           f"{onnx.IR_VERSION} onnx {onnx.__version__} knows; upgrade onnx",
                           reason="IR version too new")
    known = onnx.defs.C.schema_version_map()
    seen: dict[str, int] = {}
    for o in m.opset_import:
        dom = "" if o.domain == "ai.onnx" else o.domain
        shown = o.domain or "ai.onnx"
        if dom in seen and seen[dom] != o.version:
            raise CompileError(f"the model imports opset {shown} twice, as versions "
                               f"{seen[dom]} and {o.version}", reason="opset imported twice")
        seen[dom] = o.version
        if o.version < 1:
            raise CompileError(f"the model imports opset {shown} version {o.version}, which "
                               "does not exist", reason="bad opset version")
        if dom in known and o.version > known[dom][1]:
            raise CompileError(f"the model uses opset {o.version} of {shown}, newer than the "
                               f"{known[dom][1]} onnx {onnx.__version__} knows; convert it "
                               "with onnx.version_converter or upgrade onnx",
                               reason="opset too new")


class _Where:
    """A node and the name the importer will give it (`Op_idx` when it has none)."""

    def __init__(self, n: NodeProto, idx: int):
        self.node, self.name = n, n.name or f"{n.op_type}_{idx}"

    def fail(self, message: str, reason: str):
        raise CompileError(f"node '{self.name}' ({self.node.op_type}): {message}",
                           reason=reason)


def _check_attributes(w: _Where) -> None:
    n, op = w.node, w.node.op_type
    for a in n.attribute:
        value = helper.get_attribute_value(a)
        allowed = _ENUMS.get((op, a.name))
        if allowed is not None and isinstance(value, bytes) and value.decode(errors="replace") not in allowed:
            w.fail(f"{a.name}='{value.decode(errors='replace')}' is not one of "
                  f"{', '.join(sorted(allowed))}", f"{op}: bad {a.name}")
        low = _POSITIVE.get((op, a.name))
        if low is not None:
            values = value if isinstance(value, list) else [value]
            if any(not isinstance(v, int) or v < low for v in values):
                w.fail(f"{a.name}={value} must be {'positive' if low else 'non-negative'}",
                      f"{op}: bad {a.name}")
        if a.name in _FLAGS and a.type == AttributeProto.INT and value not in (0, 1):
            w.fail(f"{a.name}={value} must be 0 or 1", f"{op}: bad {a.name}")
        if (op, a.name) in _DTYPE_ATTRS and (value not in TensorProto.DataType.values() or
                                             value == TensorProto.UNDEFINED):
            w.fail(f"{a.name}={value} is not an ONNX element type", f"{op}: bad {a.name}")
    if op == "Constant" and n.domain in ("", "ai.onnx"):
        given = [a.name for a in n.attribute if a.name in _CONSTANT_VALUES]
        if len(given) != 1:
            w.fail(f"a Constant needs exactly one value attribute, it has {len(given)}",
                  "Constant: value attributes")


def _outputs(g) -> int:
    return len(g.output)


def _check_control(w: _Where, inits: dict, opset: int) -> None:
    n, op = w.node, w.node.op_type
    if op == "If" and {a.name for a in n.attribute} >= {"then_branch", "else_branch"}:
        t, e = graph_attr(n, "then_branch"), graph_attr(n, "else_branch")
        if not _outputs(t) == _outputs(e) == len(n.output):
            w.fail(f"its branches have {_outputs(t)} and {_outputs(e)} outputs, the node "
                  f"{len(n.output)}", "If: branch outputs")
        for a, b in zip(t.output, e.output):
            ta, tb = a.type.tensor_type.elem_type, b.type.tensor_type.elem_type
            if ta and tb and ta != tb:
                w.fail(f"branch outputs '{a.name}' and '{b.name}' differ in type "
                      f"({TensorProto.DataType.Name(ta).lower()} and "
                      f"{TensorProto.DataType.Name(tb).lower()})", "If: branch types")
    elif op == "Loop" and any(a.name == "body" for a in n.attribute):
        body, state = graph_attr(n, "body"), len(n.input) - 2
        if len(body.input) != 2 + state or _outputs(body) < 1 + state or \
                len(n.output) != _outputs(body) - 1:
            w.fail(f"its body has {len(body.input)} inputs and {_outputs(body)} outputs; with "
                  f"{state} loop-carried values and {len(n.output)} node outputs it needs "
                  f"{2 + state} inputs and {len(n.output) + 1} outputs", "Loop: body signature")
        trip = inits.get(n.input[0]) if n.input and n.input[0] else None
        if trip is not None and len(trip) == 1 and trip[0] > MAX_TRIP_COUNT and \
                (len(n.input) < 2 or not n.input[1]):
            w.fail(f"a trip count of {trip[0]:,} with no condition to stop it is over "
                  f"onnx2c's limit of {MAX_TRIP_COUNT:,} iterations (README: Limits)",
                  "Loop: trip count over the limit")
    elif op == "Scan" and any(a.name == "body" for a in n.attribute):
        body = graph_attr(n, "body")
        k = next((helper.get_attribute_value(a) for a in n.attribute
                  if a.name == "num_scan_inputs"), 0)
        formal = len(n.input) - (1 if opset < 9 else 0)   # Scan-8: sequence_lens first
        if not 1 <= k <= formal or len(body.input) != formal or _outputs(body) != len(n.output):
            w.fail(f"num_scan_inputs={k}, {formal} inputs and {len(n.output)} outputs need a "
                  f"body of {formal} inputs and {len(n.output)} outputs, it has "
                  f"{len(body.input)} and {_outputs(body)}", "Scan: body signature")


def check_nodes(m: ModelProto) -> None:
    """Attributes and control-flow structure of every node, subgraphs included."""
    versions = {o.version for o in m.opset_import if o.domain in ("", "ai.onnx")}
    _walk(m.graph, min(versions, default=1))


def _scalars(g) -> dict:
    out = {}
    for t in g.initializer:
        if t.data_type == TensorProto.INT64 and len(t.dims) <= 1 and \
                (not t.dims or t.dims[0] == 1):
            out[t.name] = [int(v) for v in onnx.numpy_helper.to_array(t).reshape(-1)]
    return out


def _walk(g, opset: int) -> None:
    inits = _scalars(g)
    for idx, n in enumerate(g.node):
        w = _Where(n, idx)
        for a in n.attribute:
            if a.ref_attr_name:
                w.fail(f"attribute '{a.name}' refers to '{a.ref_attr_name}' of a function, "
                       "but the node is not in one", "reference attribute outside a function")
        if n.domain in ("", "ai.onnx"):
            _check_attributes(w)
            _check_control(w, inits, opset)
        for s in subgraphs(n):
            _walk(s, opset)
