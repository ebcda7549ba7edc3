"""Damaged files: truncated and bit-flipped protobufs, malformed tensors, bad external data."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper, numpy_helper

from .generate import ACCEPT, EITHER, REFUSE, case, model, unary, vi


def _bases():
    """Three small valid models whose bytes get damaged: weights, strings and a subgraph."""
    rng = np.random.default_rng(7)
    conv = model([helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"),
                  helper.make_node("Relu", ["c"], ["r"], name="relu"),
                  helper.make_node("Flatten", ["r"], ["f"]),
                  helper.make_node("Gemm", ["f", "fw"], ["y"], transB=1)],
                 [vi("x", T.FLOAT, (1, 2, 4, 4))], [vi("y", T.FLOAT, (1, 3))],
                 [("w", rng.standard_normal((4, 2, 3, 3)).astype(np.float32)),
                  ("b", rng.standard_normal(4).astype(np.float32)),
                  ("fw", rng.standard_normal((3, 64)).astype(np.float32))])
    shape = model([helper.make_node("Gather", ["x", "idx"], ["g"], axis=1),
                   helper.make_node("Reshape", ["g", "s"], ["r"]),
                   helper.make_node("Concat", ["r", "r"], ["y"], axis=0)],
                  [vi("x", T.FLOAT, (2, 5)), vi("idx", T.INT64, (3,))], [vi("y", T.FLOAT, (12, 1))],
                  [("s", np.array([6, 1], np.int64))])
    then = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [],
                             [vi("t", T.FLOAT, (2, 3))])
    other = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                              [vi("e", T.FLOAT, (2, 3))])
    branch = model([helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)],
                   [vi("c", T.BOOL, ()), vi("x")], [vi("y")])
    return {"conv": conv.SerializeToString(), "shape": shape.SerializeToString(),
            "if": branch.SerializeToString()}


def _damaged():
    out = []
    rng = np.random.default_rng(2024)
    for base, data in _bases().items():
        for k in range(1, 12):
            cut = len(data) * k // 12
            out.append(case("protobuf", f"{base}_truncated_{k:02d}", data[:cut]))
        for k in range(16):
            flipped = bytearray(data)
            pos = int(rng.integers(0, len(data)))
            flipped[pos] ^= 1 << int(rng.integers(0, 8))
            out.append(case("protobuf", f"{base}_bitflip_{k:02d}", bytes(flipped)))
        for k in range(3):
            junk = bytearray(data)
            pos = int(rng.integers(0, len(data) - 8))
            junk[pos:pos + 8] = b"\xff" * 8
            out.append(case("protobuf", f"{base}_ff_run_{k}", bytes(junk)))
    out += [case("protobuf", "empty_file", b"", REFUSE),
            case("protobuf", "not_protobuf", b"\x00\x01hello onnx\xff\xfe", REFUSE),
            case("protobuf", "text_file", b"ir_version: 8\ngraph { name: 'g' }\n", REFUSE)]
    return out


def _not_utf8():
    """Names whose bytes are not UTF-8 (protobuf hands them back as bytes), one per place a
    name lives: every marker QQQQ in the model becomes Q\\xff\\xfeQ."""
    then = helper.make_graph([helper.make_node("Relu", ["x"], ["QQQQ"])], "then", [],
                             [vi("QQQQ")])
    other = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [vi("e")])
    fn = helper.make_function("local", "QQQQ", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])],
                              [helper.make_opsetid("", 17)])
    models = {
        "graph_input": model([helper.make_node("Relu", ["QQQQ"], ["y"])], [vi("QQQQ")], [vi("y")]),
        "node_name": model([helper.make_node("Relu", ["x"], ["y"], name="QQQQ")], [vi("x")], [vi("y")]),
        "op_type": model([helper.make_node("QQQQ", ["x"], ["y"])], [vi("x")], [vi("y")]),
        "attribute_name": model([helper.make_node("Softmax", ["x"], ["y"], QQQQ=1)], [vi("x")], [vi("y")]),
        "subgraph_value": model([helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)],
                                [vi("c", T.BOOL, ()), vi("x")], [vi("y")]),
        "function_name": model([helper.make_node("QQQQ", ["x"], ["y"], domain="local")], [vi("x")], [vi("y")],
                               opsets={"": 17, "local": 1}, functions=[fn]),
        "opset_domain": model([helper.make_node("Relu", ["x"], ["y"])], [vi("x")], [vi("y")],
                              opsets={"": 17, "QQQQ": 1}),
    }
    out = []
    for place, m in models.items():
        data = m.SerializeToString()
        assert data.count(b"QQQQ") >= 1, place
        out.append(case("protobuf", f"not_utf8_{place}", data.replace(b"QQQQ", b"Q\xff\xfeQ"),
                        REFUSE, says="not valid UTF-8"))
    return out


def _tensor(name, dtype, dims, raw=None, **fields):
    t = T(name=name, data_type=dtype, dims=list(dims))
    if raw is not None:
        t.raw_data = raw
    for k, v in fields.items():
        getattr(t, k).extend(v)
    return t


def _add_const(t, elem=T.FLOAT, shape=(2, 3)):
    """y = x + the initializer t."""
    return model([helper.make_node("Add", ["x", t.name], ["y"])], [vi("x", elem, shape)],
                 [vi("y", elem, shape)], [t])


def _tensors():
    f32 = np.arange(6, dtype=np.float32)
    seg = _tensor("w", T.FLOAT, (2, 3), f32.tobytes())
    seg.segment.begin, seg.segment.end = 0, 3
    sparse = _add_const(_tensor("w0", T.FLOAT, (2, 3), f32.tobytes()))
    sp = sparse.graph.sparse_initializer.add()
    sp.values.CopyFrom(numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "w0"))
    sp.indices.CopyFrom(numpy_helper.from_array(np.array([0, 4], np.int64), "w_idx"))
    sp.dims.extend([2, 3])
    del sparse.graph.initializer[:]
    const_bad = model([helper.make_node("Constant", [], ["c"], value=_tensor("v", 999, (1,), b"\0" * 4)),
                       helper.make_node("Add", ["x", "c"], ["y"])], [vi("x")], [vi("y")])
    return [
        case("tensor", "data_type_999", _add_const(_tensor("w", 999, (2, 3), f32.tobytes())), REFUSE),
        case("tensor", "data_type_undefined", _add_const(_tensor("w", 0, (2, 3), f32.tobytes())), REFUSE),
        case("tensor", "raw_longer_than_dims", _add_const(_tensor("w", T.FLOAT, (2, 3), f32.tobytes() * 2)), REFUSE),
        case("tensor", "raw_shorter_than_dims", _add_const(_tensor("w", T.FLOAT, (2, 3), f32.tobytes()[:10])), REFUSE),
        case("tensor", "float_data_too_few", _add_const(_tensor("w", T.FLOAT, (2, 3), float_data=[1.0, 2.0])), REFUSE),
        case("tensor", "float_data_too_many", _add_const(_tensor("w", T.FLOAT, (2, 3), float_data=[1.0] * 9)), REFUSE),
        case("tensor", "no_data_at_all", _add_const(_tensor("w", T.FLOAT, (2, 3))), REFUSE),
        case("tensor", "int64_data_for_float", _add_const(_tensor("w", T.FLOAT, (2, 3), int64_data=[1] * 6)), REFUSE),
        case("tensor", "negative_dim", _add_const(_tensor("w", T.FLOAT, (-2, 3), f32.tobytes())), REFUSE),
        case("tensor", "huge_dims_no_data", _add_const(_tensor("w", T.FLOAT, (1 << 20, 1 << 20))), REFUSE),
        case("tensor", "segment", _add_const(seg), REFUSE),
        case("tensor", "sparse_initializer", sparse, EITHER),
        case("tensor", "constant_data_type_999", const_bad, REFUSE),
        case("tensor", "string_raw_data", _add_const(_tensor("w", T.STRING, (2, 3), b"abcdef"), T.STRING), REFUSE),
        case("tensor", "unnamed_initializer", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x")], [vi("y")],
                                                     [_tensor("", T.FLOAT, (1,), b"\0" * 4)]), EITHER),
        case("tensor", "double_raw_for_float", _add_const(_tensor("w", T.FLOAT, (2, 3), f32.astype(np.float64).tobytes())), REFUSE),
        case("tensor", "bool_value_7", model([helper.make_node("Where", ["c", "x", "x"], ["y"])], [vi("x")], [vi("y")],
                                              [_tensor("c", T.BOOL, (2, 3), bytes([7, 0, 1, 255, 2, 0]))]), EITHER),
    ]


def _external(location: str, offset=0, length=None, dims=(2, 3), keep_offset=True):
    t = _tensor("w", T.FLOAT, dims)
    t.data_location = T.EXTERNAL
    entries = [("location", location)] + ([("offset", str(offset))] if keep_offset else []) + \
        ([("length", str(length))] if length is not None else [])
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return _add_const(t)


def _external_data():
    blob = np.arange(6, dtype=np.float32).tobytes()
    files = {"w.bin": blob}
    nolocation = _external("w.bin")
    del nolocation.graph.initializer[0].external_data[:]
    return [
        case("external", "valid", _external("w.bin", length=24), ACCEPT, files=files),
        case("external", "missing_file", _external("nope.bin"), REFUSE),
        case("external", "parent_dir", _external("../../../../etc/passwd"), REFUSE),
        case("external", "absolute_path", _external("/etc/passwd"), REFUSE),
        case("external", "offset_past_end", _external("w.bin", offset=4096), REFUSE, files=files),
        case("external", "length_past_end", _external("w.bin", length=4096), REFUSE, files=files),
        case("external", "length_short_of_dims", _external("w.bin", length=8), REFUSE, files=files),
        case("external", "file_short_of_dims", _external("w.bin", dims=(4, 3)), REFUSE, files=files),
        case("external", "location_is_folder", _external("sub"), REFUSE, files={"sub/x": b"1"}),
        case("external", "no_location", nolocation, REFUSE),
        case("external", "negative_offset", _external("w.bin", offset=-8), REFUSE, files=files),
        case("external", "bad_offset_text", _external("w.bin", offset="ten"), REFUSE, files=files),
    ]


def cases():
    return _damaged() + _not_utf8() + _tensors() + _external_data() + [
        case("tensor", "valid_reference", unary("Relu"), ACCEPT)]
