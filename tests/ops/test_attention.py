"""Attention and friends (Attention, FlexAttention, RotaryEmbedding, SwiGLU, LinearAttention,
CausalConvWithState, Einsum): the generated C against onnxruntime, or the onnx reference
evaluator where onnxruntime lacks the op, on cases the ONNX node tests leave out; and an
out-of-range position id, which must give a negative status instead of a crash."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from tests.conftest import (O2C_ERR_INDEX, compile_host, one_node_model, run_and_compare,
                            strict_compile)

F, F16, I64 = TP.FLOAT, TP.FLOAT16, TP.INT64
rng = np.random.default_rng(1)
_model = partial(one_node_model, opset=23)
# looser for 16-bit floats, whose oracles round intermediates that the generated C keeps
# in float
TOL = dict(rtol=1e-4, atol=1e-5, dtype_tol={np.float16: (4e-3, 1e-3)})


def _r(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _qkv(q, k, v, dt=F):
    return [("Q", dt, list(q)), ("K", dt, list(k)), ("V", dt, list(v))]


def _feeds(q, k, v, dtype=np.float32, **more):
    return dict(Q=_r(*q, dtype=dtype), K=_r(*k, dtype=dtype), V=_r(*v, dtype=dtype), **more)


SCORE_MOD = helper.make_graph(
    [helper.make_node("Constant", [], ["c"], value=helper.make_tensor("", F, [], [1.5])),
     helper.make_node("Div", ["s", "c"], ["d"]), helper.make_node("Tanh", ["d"], ["t"]),
     helper.make_node("Shape", ["s"], ["shp"]),
     helper.make_node("ConstantOfShape", ["shp"], ["z"]),
     helper.make_node("EyeLike", ["two"], ["eye"]),
     helper.make_node("Add", ["t", "eye"], ["o"])],
    "mod", [helper.make_tensor_value_info("s", F, None)],
    [helper.make_tensor_value_info("o", F, None)],
    [helper.make_tensor("two", F, [3, 4], np.zeros(12))])

# (id, model, feeds, oracle)
CASES = [
    ("attention_3d_gqa_causal_softcap", _model(
        "Attention", _qkv((2, 5, 32), (2, 5, 16), (2, 5, 12)), [("Y", F, None)],
        q_num_heads=4, kv_num_heads=2, is_causal=1, softcap=3.0),
     _feeds((2, 5, 32), (2, 5, 16), (2, 5, 12)), "ort"),
    ("attention_past_boolmask_qk_bias", _model(
        "Attention", _qkv((1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 6)) +
        [("M", TP.BOOL, [3, 5]), ("pk", F, [1, 2, 2, 4]), ("pv", F, [1, 2, 2, 6])],
        [("Y", F, None), ("ok", F, None), ("ov", F, None), ("qk", F, None)],
        qk_matmul_output_mode=2, scale=0.3),
     _feeds((1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 6), M=rng.random((3, 5)) > 0.3,
            pk=_r(1, 2, 2, 4), pv=_r(1, 2, 2, 6)), "ref"),   # ort: -FLT_MAX, not -inf
    ("attention_mqa_float_mask_short_softmax_out", _model(
        "Attention", _qkv((2, 4, 3, 8), (2, 1, 5, 8), (2, 1, 5, 8)) +
        [("M", F, [2, 1, 3, 4])], [("Y", F, None), ("",), ("",), ("qk", F, None)],
        qk_matmul_output_mode=3),
     _feeds((2, 4, 3, 8), (2, 1, 5, 8), (2, 1, 5, 8), M=_r(2, 1, 3, 4)), "ref"),
    ("attention_raw_qk_with_softcap", _model(
        "Attention", _qkv((1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)),
        [("Y", F, None), ("",), ("",), ("qk", F, None)], softcap=1.0),
     _feeds((1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)), "ort"),
    ("attention_f16_causal_past", _model(
        "Attention", _qkv((1, 2, 3, 8), (1, 2, 3, 8), (1, 2, 3, 8), F16) +
        [("",), ("pk", F16, [1, 2, 4, 8]), ("pv", F16, [1, 2, 4, 8])],
        [("Y", F16, None), ("ok", F16, None), ("ov", F16, None)], is_causal=1),
     _feeds((1, 2, 3, 8), (1, 2, 3, 8), (1, 2, 3, 8), np.float16,
            pk=_r(1, 2, 4, 8, dtype=np.float16), pv=_r(1, 2, 4, 8, dtype=np.float16)), "ort"),
    ("attention_24_nonpad_causal", _model(
        "Attention", _qkv((2, 2, 3, 4), (2, 2, 6, 4), (2, 2, 6, 4)) +
        [("",), ("",), ("",), ("n", I64, [2])], [("Y", F, None)], opset=24, is_causal=1),
     _feeds((2, 2, 3, 4), (2, 2, 6, 4), (2, 2, 6, 4), n=np.array([4, 6])), "ort"),
    ("flex_gqa_score_mod_scale", _model(
        "FlexAttention", _qkv((1, 4, 3, 8), (1, 2, 4, 8), (1, 2, 4, 5)), [("Y", F, None)],
        opset=1, domain="ai.onnx.preview", onnx_opset=26, scale=0.5, score_mod=SCORE_MOD),
     _feeds((1, 4, 3, 8), (1, 2, 4, 8), (1, 2, 4, 5)), "ref"),
    ("rotary_3d_interleaved_partial", _model(
        "RotaryEmbedding", [("x", F, [2, 3, 16]), ("c", F, [7, 2]), ("s", F, [7, 2]),
                            ("p", I64, [2, 3])], [("y", F, None)],
        num_heads=2, interleaved=1, rotary_embedding_dim=4),
     dict(x=_r(2, 3, 16), c=_r(7, 2), s=_r(7, 2), p=np.array([[0, 6, 2], [5, 5, 1]])), "ort"),
    ("swiglu_alpha_f16", _model("SwiGLU", [("a", F16, [3, 5]), ("b", F16, [3, 5])],
                                [("y", F16, None)], opset=28, alpha=1.7),
     dict(a=_r(3, 5, dtype=np.float16), b=_r(3, 5, dtype=np.float16)), "ref"),
    ("linear_attention_gated_delta_gqa_past", _model(
        "LinearAttention", [("q", F, [2, 3, 16]), ("k", F, [2, 3, 8]), ("v", F, [2, 3, 6]),
                            ("ps", F, [2, 2, 4, 3]), ("g", F, [2, 3, 2]), ("b", F, [2, 3, 1])],
        [("y", F, None), ("st", F, None)], opset=27, q_num_heads=4, kv_num_heads=2),
     dict(q=_r(2, 3, 16), k=_r(2, 3, 8) / 3, v=_r(2, 3, 6), ps=_r(2, 2, 4, 3),
          g=-rng.random((2, 3, 2), np.float32), b=rng.random((2, 3, 1), np.float32)), "ort"),
    ("causal_conv_silu_bias_past", _model(
        "CausalConvWithState", [("x", F, [2, 3, 5]), ("w", F, [3, 1, 3]), ("b", F, [3]),
                                ("ps", F, [2, 3, 2])], [("y", F, None), ("st", F, None)],
        opset=27, activation="silu"),
     dict(x=_r(2, 3, 5), w=_r(3, 1, 3), b=_r(3), ps=_r(2, 3, 2)), "ort"),
    ("einsum_gemm_transposed_b", _model(
        "Einsum", [("x", F, [2, 3, 4]), ("y", F, [2, 5, 4])], [("z", F, None)], opset=13,
        equation="bij,bkj->bik"), dict(x=_r(2, 3, 4), y=_r(2, 5, 4)), "ort"),
    ("einsum_ellipsis_broadcast_implicit", _model(
        "Einsum", [("x", F, [2, 1, 3, 4]), ("y", F, [1, 5, 4, 3])], [("z", F, None)],
        opset=13, equation="...ij,...ji"), dict(x=_r(2, 1, 3, 4), y=_r(1, 5, 4, 3)), "ort"),
    ("einsum_diagonal_trace_int32", _model(
        "Einsum", [("x", TP.INT32, [3, 3, 4])], [("z", TP.INT32, None)], opset=13,
        equation="iij->j"), dict(x=rng.integers(-9, 9, (3, 3, 4)).astype(np.int32)), "ort"),
    ("einsum_outer_three_operands", _model(
        "Einsum", [("x", F, [3]), ("y", F, [4]), ("w", F, [3, 4])], [("z", F, None)],
        opset=13, equation="i,j,ij->ji"), dict(x=_r(3), y=_r(4), w=_r(3, 4)), "ort"),
]


@pytest.mark.parametrize("model, feeds, oracle", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_against_oracle(model, feeds, oracle, tmp_path):
    run_and_compare(model, feeds, tmp_path, oracle, **TOL)


def test_einsum_matmul_uses_gemm_core():
    model = CASES[[c[0] for c in CASES].index("einsum_gemm_transposed_b")][1]
    assert "o2c_gemm_f32(0, 1," in onnx2c.build(model).files["model.c"]


def test_rotary_position_out_of_range_is_an_error(tmp_path):
    name, model, feeds, _ = CASES[[c[0] for c in CASES].index("rotary_3d_interleaved_partial")]
    _, host = compile_host(model, tmp_path)
    for bad in (7, -8):
        p = feeds["p"].copy()
        p[1, 2] = bad
        status, _ = host.run({**feeds, "p": p})
        assert status == O2C_ERR_INDEX, f"position {bad} gave status {status}"


def test_generated_c_is_strict_c99(cc, tmp_path):
    for k, (_, model, _, _) in enumerate(CASES):
        onnx2c.compile(model, tmp_path / "src", name=f"m{k}")
    strict_compile(cc, tmp_path / "src", tmp_path)
