"""Names a C compiler chokes on: punctuation, control characters, comment and trigraph
openers, bidi controls, non-ASCII letters, keywords, macros and library names, very long
names, and names that collide once made identifiers."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as T, helper

from .generate import ACCEPT, EITHER, case, model, vi

N = helper.make_node

HOSTILE = {
    "question": "?", "bang": "!", "newline": "a\nb", "crlf": "a\r\nb", "nul": "a\0b",
    "trigraph_hash": "??=", "trigraph_backslash": "a??/", "trigraph_run": "??(??)??<??>??'??!??-",
    "comment_close": "*/", "comment_open": "/*", "line_comment": "//", "comment_escape": "*/ #error pwned /*",
    "bidi_override": "x\u202eevil", "bidi_isolate": "\u2066x\u2069", "bidi_alone": "\u202e",
    "latin_accent": "caf\u00e9", "cjk": "\u6570\u636e", "emoji": "\U0001f600", "combining": "e\u0301",
    "zero_width_joiner": "a\u200db", "bom": "\ufeffx", "del_char": "a\x7fb", "ctrl_a": "\x01",
    "quote": '"', "backslash": "\\", "backslash_end": "ab\\", "apostrophe": "'", "printf": "%s%n%d",
    "jinja_expr": "{{ x }}", "jinja_block": "{% raw %}", "space": " ", "tab": "\t", "digits": "123",
    "keyword_int": "int", "keyword_static_assert": "_Static_assert", "keyword_alignas": "_Alignas",
    "keyword_generic": "_Generic", "keyword_thread_local": "_Thread_local", "c23_constexpr": "constexpr",
    "c23_nullptr": "nullptr", "c23_typeof": "typeof", "c23_bitint": "_BitInt", "c23_bool": "bool",
    "macro_o2c_ok": "O2C_OK", "macro_o2c_err": "O2C_ERR_INDEX", "macro_int64_max": "INT64_MAX",
    "macro_nan": "NAN", "macro_infinity": "INFINITY", "macro_null": "NULL", "macro_eof": "EOF",
    "macro_errno": "errno", "macro_workspace": "MODEL_WORKSPACE_BYTES", "macro_guard": "MODEL_H",
    "macro_num_inputs": "MODEL_NUM_INPUTS", "macro_assert": "assert", "macro_offsetof": "offsetof",
    "macro_isnan": "isnan", "macro_line": "__LINE__", "macro_func": "__func__", "macro_int8_c": "INT8_C",
    "fn_model_run": "model_run", "table_model_inputs": "model_inputs", "fn_memcpy": "memcpy",
    "fn_memset": "memset", "fn_expf": "expf", "fn_fabsf": "fabsf", "type_size_t": "size_t",
    "type_int64_t": "int64_t", "fn_main": "main", "runtime_fn": "o2c_f16_to_f32",
    "runtime_type": "o2c_tensor_desc", "reserved_underscore_upper": "_X", "reserved_double": "__x",
    "local_ws": "ws", "local_st": "st", "param_workspace": "workspace", "param_in0": "in0",
    "long_10000": "x" * 10000, "long_unicode_5000": "\u00e9" * 5000,
}


def _model(s: str):
    """s as graph input, node name, and the stem of every other name (which all make the
    same identifier when s does)."""
    nodes = [N("Add", [s, s + "?"], [s + "!"], name=s), N("Relu", [s + "!"], [s + "*"], name=s)]
    return model(nodes, [vi(s)], [vi(s + "*")], [(s + "?", np.full((2, 3), 0.5, np.float32))], name=s)


def _as_output(s: str):
    return model([N("Neg", ["x"], [s], name=s)], [vi("x")], [vi(s)])


def _groups():
    """Several names at once that reduce to the same identifier or differ only subtly."""
    sets = {"question_and_bang": ["?", "!"], "dash_dot_underscore": ["a-b", "a.b", "a_b", "a b"],
            "case_only": ["A", "a"], "long_twins": ["y" * 9999 + "1", "y" * 9999 + "2"],
            "suffix_lookalikes": ["v", "v_1", "v?", "v_2"], "underscores": ["_", "__", "___", "?_"]}
    out = []
    for label, names in sets.items():
        nodes = [N("Sum", names, ["total"])]
        out.append(case("names", f"group_{label}", model(nodes, [vi(n) for n in names], [vi("total")]), ACCEPT))
    return out


def cases():
    out = [case("names", f"in_{k}", _model(s), ACCEPT) for k, s in HOSTILE.items()]
    for k in ("question", "newline", "comment_escape", "keyword_static_assert", "macro_workspace",
              "fn_memcpy", "long_10000", "bidi_override", "macro_nan", "fn_model_run"):
        out.append(case("names", f"out_{k}", _as_output(HOSTILE[k]), ACCEPT))
    out.append(case("names", "empty_input_name", model([N("Relu", [""], ["y"])], [vi("")], [vi("y")]), EITHER))
    out.append(case("names", "graph_name_hostile",
                    model([N("Relu", ["x"], ["y"])], [vi("x")], [vi("y")], name="*/\n#error x\n/* ??/"), ACCEPT))
    doc = model([N("Relu", ["x"], ["y"], doc_string="*/ ??= \n")], [vi("x")], [vi("y")])
    doc.doc_string = "*/\0\n"
    out.append(case("names", "doc_strings_hostile", doc, ACCEPT))
    dup_nodes = model([N("Relu", ["x"], ["a"], name="n"), N("Relu", ["a"], ["b"], name="n"),
                       N("Relu", ["b"], ["y"], name="n_1")], [vi("x")], [vi("y")])
    out.append(case("names", "duplicate_node_names", dup_nodes, ACCEPT))
    return out + _groups()
