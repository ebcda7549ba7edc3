"""String tensors and the string ops: the generated C against onnxruntime, plus the cell
capacity (a string that does not fit is O2C_ERR_CAPACITY, never an overflow)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from tests.conftest import (O2C_ERR_CAPACITY, c_compilers, compile_host, graph_model,
                            run_and_compare, strict_compile)


def _model(node, inputs, outputs, opsets=(("", 20),)):
    return graph_model([node], inputs, outputs, opset=dict(opsets), ir_version=10)


def _strict(r, tmp_path):
    """The generated C under every C compiler there is, with -Werror."""
    for cc in c_compilers():
        strict_compile(cc, r.out_dir, tmp_path)


def _run(tmp_path, m, feeds, **kw):
    r, host = compile_host(m, tmp_path, name="net", **kw)
    _strict(r, tmp_path)
    return host.run(feeds)


def _check(tmp_path, m, feeds, **kw):
    r, _, _ = run_and_compare(m, feeds, tmp_path, "ort", rtol=0, atol=0, name="net", **kw)
    _strict(r, tmp_path)


def test_normalizer_insensitive_upper(tmp_path):
    node = helper.make_node("StringNormalizer", ["x"], ["y"], case_change_action="UPPER",
                            is_case_sensitive=0, stopwords=["the", "Over"], locale="C")
    m = _model(node, [("x", TP.STRING, [6])], [("y", TP.STRING, ["c"])])
    # ASCII only: onnxruntime maps case through the C++ locale, and the host may lack en_US
    x = np.array(["The", "quick", "over", "brown", "THE", "fox"], dtype=object)
    _check(tmp_path, m, {"x": x})


def test_concat_broadcast_utf8(tmp_path):
    node = helper.make_node("StringConcat", ["x", "y"], ["z"])
    m = _model(node, [("x", TP.STRING, [2, 3]), ("y", TP.STRING, [3])], [("z", TP.STRING, [2, 3])])
    x = np.array([["a", "", "中文"], ["b?", "??=", "\\\"q"]], dtype=object)
    _check(tmp_path, m, {"x": x, "y": np.array(["1", "的", ""], dtype=object)})


def test_concat_too_long_is_capacity_error(tmp_path):
    node = helper.make_node("StringConcat", ["x", "y"], ["z"])
    m = _model(node, [("x", TP.STRING, [2]), ("y", TP.STRING, [2])], [("z", TP.STRING, [2])])
    fits = {"x": np.array(["abcdefg", "a"], dtype=object),
            "y": np.array(["12345678", "b"], dtype=object)}      # 15 bytes + NUL: fits 16
    status, got = _run(tmp_path / "a", m, fits, string_bytes=16)
    assert status == 0 and list(got[0]) == ["abcdefg12345678", "ab"]
    over = dict(fits, y=np.array(["123456789", "b"], dtype=object))
    status, _ = _run(tmp_path / "b", m, over, string_bytes=16)
    assert status == O2C_ERR_CAPACITY


@pytest.mark.parametrize("pattern, words", [
    (r"[a-z]+(\.[a-z]+)*@(ex|mail)\.(com|org)", ["a.b@ex.com", "a@mail.org", "a@@ex.com", ""]),
    (r"\d{2,3}-?\w*\s?$", ["12", "123-ab", "1234", "99 ", "12-\t"]),
    (r"(a|ab)(c|bcd)(d*)", ["abcd", "abcdd", "acd", "abc", "ab"]),
    (r"h.llo|caf.", ["hello", "hallo", "café", "cafés", "h\nllo"]),
])
def test_regex_full_match(tmp_path, pattern, words):
    node = helper.make_node("RegexFullMatch", ["x"], ["y"], pattern=pattern)
    m = _model(node, [("x", TP.STRING, [len(words)])], [("y", TP.BOOL, [len(words)])])
    _check(tmp_path, m, {"x": np.array(words, dtype=object)})


def test_regex_unsupported_feature_is_compile_error(tmp_path):
    node = helper.make_node("RegexFullMatch", ["x"], ["y"], pattern="(?=a)a")
    m = _model(node, [("x", TP.STRING, [1])], [("y", TP.BOOL, [1])])
    with pytest.raises(onnx2c.CompileError, match="not supported"):
        onnx2c.build(m)


def test_label_encoder_int_to_string(tmp_path):
    node = helper.make_node("LabelEncoder", ["x"], ["y"], domain="ai.onnx.ml",
                            keys_int64s=[7, -3, 12], values_strings=["seven", "minus", "zwölf"],
                            default_string="??")
    m = _model(node, [("x", TP.INT64, [5])], [("y", TP.STRING, [5])],
               opsets=(("", 20), ("ai.onnx.ml", 2)))
    _check(tmp_path, m, {"x": np.array([12, 0, -3, 7, 8], np.int64)})


def test_split_whitespace_maxsplit(tmp_path):
    node = helper.make_node("StringSplit", ["x"], ["y", "n"], maxsplit=1)
    m = _model(node, [("x", TP.STRING, [3])], [("y", TP.STRING, [3, "k"]), ("n", TP.INT64, [3])])
    x = np.array(["  a b  c ", "", "one"], dtype=object)
    status, (y, n) = _run(tmp_path, m, {"x": x})
    assert status == 0
    want = [s.split(None, 1) for s in x]     # StringSplit is Python's str.split
    assert n.tolist() == [len(w) for w in want]
    assert y.tolist() == [w + [""] * (2 - len(w)) for w in want]
