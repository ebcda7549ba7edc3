"""Vision, signal and miscellaneous ops (GridSample, RoiAlign, DFT, TreeEnsemble, ...): the
generated C against onnxruntime or the onnx reference evaluator on cases the ONNX node
tests leave out, run-time indices and lengths out of range (a negative status, not a
crash), and the refusals of ops onnx2c does not generate."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import onnx2c
from onnx2c.errors import CompileError
from onnx2c.frontend import fold
from tests.conftest import (O2C_ERR_INDEX, O2C_ERR_VALUE, build_and_run, one_node_model,
                            run_and_compare, strict_compile)

ML, TRAINING = "ai.onnx.ml", "ai.onnx.preview.training"
_model = partial(one_node_model, opset=22)
TOL = dict(rtol=1e-4, atol=1e-5)


rng = np.random.default_rng(0)
F = lambda *s: rng.standard_normal(s).astype(np.float32)
X4 = F(2, 3, 5, 6)
# grid points well beyond [-1, 1] exercise every padding mode's far side
GRID = (rng.uniform(-1.7, 1.7, (2, 4, 3, 2))).astype(np.float32)
ROIS = np.array([[0.5, 0.3, 4.2, 3.9], [1.0, 1.0, 1.2, 1.1], [-1.0, 2.0, 7.0, 5.5]], np.float32)
SIGNAL = F(2, 12, 2)


def _tree(**attrs):
    """Two trees over 3 features and 2 targets, one with a set-membership node."""
    tree = dict(nodes_featureids=[0, 1, 2, 2], nodes_modes=np.array([0, 3, 6, 1], np.uint8),
                nodes_splits=np.array([0.1, -0.4, 0.0, 0.3], np.float32),
                nodes_truenodeids=[1, 0, 2, 3], nodes_trueleafs=[0, 1, 1, 1],
                nodes_falsenodeids=[2, 1, 3, 4], nodes_falseleafs=[0, 1, 1, 1],
                nodes_missing_value_tracks_true=[1, 0, 0, 1],
                membership_values=np.array([1.0, 2.0, np.nan], np.float32),
                leaf_targetids=[0, 1, 1, 0, 1], tree_roots=[0, 3], n_targets=2,
                leaf_weights=np.array([1.5, -2.0, 0.25, 3.0, 0.75], np.float32))
    tree.update(attrs)
    tensors = {k: numpy_helper.from_array(np.asarray(v), k) for k, v in tree.items()
               if isinstance(v, np.ndarray)}
    tree.update(tensors)
    return _model("TreeEnsemble", [("x", TP.FLOAT, [5, 3])], [("y", TP.FLOAT, None)], opset=5,
                  domain=ML, **tree)


TREE_X = np.array([[0.0, 1.0, 2.0], [0.5, -1.0, 0.2], [np.nan, 0.0, 1.0],
                   [0.2, 0.0, np.nan], [-3.0, 2.0, 0.25]], np.float32)

# (id, model, feeds, oracle)
CASES = [
    ("gridsample_bilinear_reflection", _model(
        "GridSample", [("x", TP.FLOAT, [2, 3, 5, 6]), ("g", TP.FLOAT, [2, 4, 3, 2])],
        [("y", TP.FLOAT, None)], mode="linear", padding_mode="reflection"),
     {"x": X4, "g": GRID}, "ort"),
    ("gridsample_bicubic_border_aligned", _model(
        "GridSample", [("x", TP.FLOAT, [2, 3, 5, 6]), ("g", TP.FLOAT, [2, 4, 3, 2])],
        [("y", TP.FLOAT, None)], mode="cubic", padding_mode="border", align_corners=1),
     {"x": X4, "g": GRID}, "ort"),
    ("gridsample_bicubic_reflection", _model(
        "GridSample", [("x", TP.FLOAT, [2, 3, 5, 6]), ("g", TP.FLOAT, [2, 4, 3, 2])],
        [("y", TP.FLOAT, None)], mode="cubic", padding_mode="reflection"),
     {"x": X4, "g": GRID}, "ort"),
    ("gridsample_nearest_zeros_opset16", _model(
        "GridSample", [("x", TP.FLOAT, [2, 3, 5, 6]), ("g", TP.FLOAT, [2, 4, 3, 2])],
        [("y", TP.FLOAT, None)], opset=16, mode="nearest"), {"x": X4, "g": GRID}, "ort"),
    ("affine_grid_3d", _model(
        "AffineGrid", [("t", TP.FLOAT, [2, 3, 4]), ("s", TP.INT64, [5])],
        [("y", TP.FLOAT, None)], inits=[("s", np.array([2, 1, 3, 1, 4]))]),
     {"t": F(2, 3, 4)}, "ref"),
    ("roialign_adaptive_sampling", _model(
        "RoiAlign", [("x", TP.FLOAT, [2, 3, 5, 6]), ("r", TP.FLOAT, [3, 4]),
                     ("b", TP.INT64, [3])], [("y", TP.FLOAT, None)], opset=16,
        output_height=2, output_width=3, spatial_scale=0.8, sampling_ratio=0),
     {"x": X4, "r": ROIS, "b": np.array([1, 0, 1])}, "ort"),
    ("roialign_max_output_half_pixel", _model(
        "RoiAlign", [("x", TP.FLOAT, [2, 3, 5, 6]), ("r", TP.FLOAT, [3, 4]),
                     ("b", TP.INT64, [3])], [("y", TP.FLOAT, None)], opset=16, mode="max",
        coordinate_transformation_mode="output_half_pixel", output_height=3, output_width=2,
        sampling_ratio=2), {"x": X4, "r": ROIS, "b": np.array([0, 1, 1])}, "ort"),
    ("col2im_strided_dilated_padded", _model(
        "Col2Im", [("x", TP.FLOAT, [2, 12, 8]), ("i", TP.INT64, [2]), ("k", TP.INT64, [2])],
        [("y", TP.FLOAT, None)], opset=18, strides=[2, 1], dilations=[1, 2], pads=[1, 0, 2, 1],
        inits=[("i", np.array([6, 5])), ("k", np.array([2, 3]))]), {"x": F(2, 12, 8)}, "ort"),
    ("center_crop_pad_int8", _model(
        "CenterCropPad", [("x", TP.INT8, [5, 4, 3]), ("s", TP.INT64, [2])],
        [("y", TP.INT8, None)], opset=18, axes=[0, 2], inits=[("s", np.array([2, 6]))]),
     {"x": rng.integers(-100, 100, (5, 4, 3)).astype(np.int8)}, "ref"),
    ("deform_conv_groups_strided", _model(
        "DeformConv", [("x", TP.FLOAT, [1, 4, 6, 5]), ("w", TP.FLOAT, [6, 2, 2, 3]),
                       ("o", TP.FLOAT, [1, 24, 3, 2]), ("b", TP.FLOAT, [6]),
                       ("m", TP.FLOAT, [1, 12, 3, 2])], [("y", TP.FLOAT, None)],
        group=2, offset_group=2, strides=[2, 2], pads=[1, 0, 0, 1], dilations=[1, 1]),
     {"x": F(1, 4, 6, 5), "w": F(6, 2, 2, 3), "o": 2 * F(1, 24, 3, 2), "b": F(6),
      "m": rng.uniform(0, 1, (1, 12, 3, 2)).astype(np.float32)}, "ort"),
    ("dft_zero_padded_axis_input", _model(
        "DFT", [("x", TP.FLOAT, [2, 12, 2]), ("n", TP.INT64, []), ("a", TP.INT64, [])],
        [("y", TP.FLOAT, None)], opset=20,
        inits=[("n", np.array(16)), ("a", np.array(1))]), {"x": SIGNAL}, "ort"),
    ("dft_truncated_inverse_double", _model(
        "DFT", [("x", TP.DOUBLE, [3, 12, 2]), ("n", TP.INT64, [])],
        [("y", TP.DOUBLE, None)], opset=17, axis=1, inverse=1,
        inits=[("n", np.array(7))]), {"x": rng.standard_normal((3, 12, 2))}, "ort"),
    ("dft_rfft_odd_length", _model(
        "DFT", [("x", TP.FLOAT, [2, 9, 1])], [("y", TP.FLOAT, None)], opset=17, axis=1,
        onesided=1), {"x": F(2, 9, 1)}, "ort"),
    ("stft_two_sided_complex", _model(
        "STFT", [("s", TP.FLOAT, [2, 12, 2]), ("h", TP.INT64, []), ("w", TP.FLOAT, [5])],
        [("y", TP.FLOAT, None)], opset=17, onesided=0, inits=[("h", np.array(3))]),
     {"s": SIGNAL, "w": F(5)}, "ref"),
    ("det_batched_f64", _model("Det", [("x", TP.DOUBLE, [2, 3, 4, 4])], [("y", TP.DOUBLE, None)]),
     {"x": rng.standard_normal((2, 3, 4, 4))}, "ref"),
    ("bitcast_f16_to_i16", _model(
        "BitCast", [("x", TP.FLOAT16, [3, 2])], [("y", TP.INT16, None)], opset=26, to=TP.INT16),
     {"x": F(3, 2).astype(np.float16)}, "ref"),
    ("tensorscatter_circular_axis1", _model(
        "TensorScatter", [("c", TP.FLOAT, [2, 5, 3]), ("u", TP.FLOAT, [2, 3, 3]),
                          ("w", TP.INT64, [2])], [("y", TP.FLOAT, None)], opset=24, axis=1,
        mode="circular"), {"c": F(2, 5, 3), "u": F(2, 3, 3), "w": np.array([4, -1])}, "ref"),
    ("reversesequence_inner_dims", _model(
        "ReverseSequence", [("x", TP.FLOAT16, [4, 3, 2]), ("l", TP.INT64, [3])],
        [("y", TP.FLOAT16, None)], opset=10, batch_axis=1, time_axis=0),
     {"x": F(4, 3, 2).astype(np.float16), "l": np.array([4, 0, 2])}, "ort"),
    ("adam_post_regularized", _model(
        "Adam", [("r", TP.FLOAT, []), ("t", TP.INT64, []), ("x", TP.FLOAT, [4]),
                 ("g", TP.FLOAT, [4]), ("v", TP.FLOAT, [4]), ("h", TP.FLOAT, [4])],
        [("xn", TP.FLOAT, None), ("vn", TP.FLOAT, None), ("hn", TP.FLOAT, None)], opset=1,
        domain=TRAINING, alpha=0.9, beta=0.99, norm_coefficient=0.01,
        norm_coefficient_post=0.02, epsilon=1e-6),
     {"r": np.array(0.1, np.float32), "t": np.array(3), "x": F(4), "g": F(4), "v": F(4),
      "h": np.abs(F(4))}, "ref"),
    ("array_feature_extractor_1d", _model(
        "ArrayFeatureExtractor", [("x", TP.INT64, [5]), ("i", TP.INT64, [1, 3])],
        [("y", TP.INT64, [1, 3])], opset=1, domain=ML),
     {"x": np.arange(5) * 7, "i": np.array([[4, 0, 2]])}, "ort"),
    ("tree_ensemble_sum", _tree(), {"x": TREE_X}, "ref"),
    ("tree_ensemble_max", _tree(aggregate_function=3), {"x": TREE_X}, "ref"),
]


@pytest.mark.parametrize("model, feeds, oracle", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_against_oracle(model, feeds, oracle, tmp_path):
    run_and_compare(model, feeds, tmp_path, oracle, **TOL)


def _softmax(v, keep_zeros=False):
    e = np.exp(v - v.max(axis=1, keepdims=True))
    if keep_zeros:      # onnxruntime's SOFTMAX_ZERO: zero scores stay zero
        e = np.where(v == 0, 0, e)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("post, transform", [
    (1, _softmax), (2, lambda v: 1 / (1 + np.exp(-v))),
    (3, lambda v: _softmax(v, keep_zeros=True))], ids=["softmax", "logistic", "softmax_zero"])
def test_tree_ensemble_post_transform(post, transform, tmp_path):
    """Numbered as the spec numbers them (onnxruntime swaps SOFTMAX and LOGISTIC; the
    reference evaluator ignores post_transform), applied to the reference's scores."""
    raw = ReferenceEvaluator(_tree(aggregate_function=0)).run(None, {"x": TREE_X})[0]
    status, (got,) = build_and_run(_tree(aggregate_function=0, post_transform=post),
                                   {"x": TREE_X}, tmp_path)
    assert status == 0
    np.testing.assert_allclose(got, transform(raw.astype(np.float64)), rtol=1e-5, atol=1e-6)


# ops whose inputs all decide the output shape are folded away when constant; with
# folding off, their own kernels run
NO_FOLD = [
    ("hann_symmetric_f64", _model("HannWindow", [("n", TP.INT64, [])], [("y", TP.DOUBLE, None)],
                                  opset=17, periodic=0, output_datatype=TP.DOUBLE,
                                  inits=[("n", np.array(9))]), {}),
    ("blackman_periodic", _model("BlackmanWindow", [("n", TP.INT32, [])],
                                 [("y", TP.FLOAT, None)], opset=17,
                                 inits=[("n", np.array(12, np.int32))]), {}),
    ("melweightmatrix", _model(
        "MelWeightMatrix", [("m", TP.INT64, []), ("d", TP.INT64, []), ("r", TP.INT64, []),
                            ("lo", TP.FLOAT, []), ("hi", TP.FLOAT, [])],
        [("y", TP.FLOAT, None)], opset=17,
        inits=[("m", np.array(6)), ("d", np.array(32))]),
     {"r": np.array(8000), "lo": np.array(100, np.float32), "hi": np.array(3500, np.float32)}),
]


@pytest.mark.parametrize("model, feeds", [c[1:] for c in NO_FOLD], ids=[c[0] for c in NO_FOLD])
def test_unfolded_generators(model, feeds, tmp_path, monkeypatch):
    monkeypatch.setattr(fold, "_evaluate", lambda *a: None)
    r, _, _ = run_and_compare(model, feeds, tmp_path, "ref", rtol=1e-4, atol=1e-6)
    assert [n.op_type for n in r.graph.nodes] == [model.graph.node[0].op_type]


def test_melweightmatrix_edge_beyond_nyquist(tmp_path, monkeypatch):
    monkeypatch.setattr(fold, "_evaluate", lambda *a: None)
    model, feeds = NO_FOLD[-1][1:]
    status, _ = build_and_run(model, {**feeds, "hi": np.array(9000, np.float32)}, tmp_path)
    assert status == O2C_ERR_VALUE


BAD = [
    ("roialign_batch_index", CASES[5][1], CASES[5][2], "b",
     [np.array([1, 2, 0]), np.array([-1, 0, 0])], O2C_ERR_INDEX),
    ("tensorscatter_linear_write_index", _model(
        "TensorScatter", [("c", TP.FLOAT, [2, 1, 4, 3]), ("u", TP.FLOAT, [2, 1, 2, 3]),
                          ("w", TP.INT64, [2])], [("y", TP.FLOAT, None)], opset=24),
     {"c": F(2, 1, 4, 3), "u": F(2, 1, 2, 3), "w": np.array([2, 0])}, "w",
     [np.array([3, 0]), np.array([0, -1])], O2C_ERR_INDEX),
    ("reversesequence_length", CASES[17][1], CASES[17][2], "l",
     [np.array([5, 0, 0]), np.array([1, -1, 0])], O2C_ERR_VALUE),
]


@pytest.mark.parametrize("model, feeds, name, values, status", [c[1:] for c in BAD],
                         ids=[c[0] for c in BAD])
def test_out_of_range_is_an_error(model, feeds, name, values, status, tmp_path):
    _, host, _ = run_and_compare(model, feeds, tmp_path, "ort" if name != "w" else "ref", **TOL)
    for v in values:
        got, _ = host.run({**feeds, name: v})
        assert got == status, f"{name}={v.tolist()} gave status {got}"


@pytest.mark.parametrize("op, inputs, attrs, reason", [
    ("ImageDecoder", [("d", TP.UINT8, [64])], dict(pixel_format="RGB"), "image decoding"),
    ("Bernoulli", [("p", TP.FLOAT, [4])], {}, "random numbers"),
    ("RandomNormalLike", [("p", TP.FLOAT, [4])], {}, "random numbers"),
])
def test_refused_with_a_reason(op, inputs, attrs, reason, tmp_path):
    out_type = TP.UINT8 if op == "ImageDecoder" else TP.FLOAT
    shape = [1, 1, 3] if op == "ImageDecoder" else [4]
    node = helper.make_node(op, [i[0] for i in inputs], ["y"], **attrs)
    m = helper.make_model(helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(*i) for i in inputs],
        [helper.make_tensor_value_info("y", out_type, shape)]),
        opset_imports=[helper.make_opsetid("", 22)])
    with pytest.raises(CompileError) as e:
        onnx2c.compile(m, tmp_path)
    assert e.value.reason == f"{op}: {reason}"


def test_generated_c_is_strict_c99(cc, tmp_path, monkeypatch):
    """Every template of the family, under gcc and clang with -Werror."""
    monkeypatch.setattr(fold, "_evaluate", lambda *a: None)
    models = [c[1] for c in CASES + NO_FOLD] + [_tree(post_transform=3)]
    for k, model in enumerate(models):
        onnx2c.compile(model, tmp_path / "src", name=f"m{k}")
    strict_compile(cc, tmp_path / "src", tmp_path)
