"""The other ai.onnx.ml operators against onnxruntime: linear models with every
post-transform, every SVM kernel with and without Platt probabilities, the
preprocessing ops, and the map ABI (ZipMap, DictVectorizer, CastMap)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.errors import CompileError
from tests.conftest import O2C_ERR_VALUE, compile_host, graph_model
from tests.ml.helpers import ML, OPSETS, X, check, ml_model


# -- linear models --------------------------------------------------------------------------

@pytest.mark.parametrize("post,rows", [(p, r) for p in ("NONE", "LOGISTIC", "SOFTMAX",
                                                         "SOFTMAX_ZERO", "PROBIT")
                                       for r in (1, 3) if (p, r) != ("PROBIT", 1)])
def test_linear_classifier(post, rows, tmp_path):
    """(PROBIT of a one-row binary classifier is left out: onnxruntime 1.32 packs those
    scores into the first column of every other row and leaves the rest unset.)"""
    coef = np.linspace(-1, 1, rows * 3).astype(np.float32) * (0.2 if post == "PROBIT" else 1)
    labels = [4, 9] if rows == 1 else [1, 2, 3]
    m = ml_model("LinearClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.INT64, [6]), ("scores", TP.FLOAT, [6, 2 if rows == 1 else 3])],
                 coefficients=coef.tolist(), intercepts=[0.1 * k for k in range(rows)],
                 classlabels_ints=labels, post_transform=post)
    x = X * (0.1 if post == "PROBIT" else 1) + (0.5 if post == "PROBIT" else 0)
    check(m, {"x": x.astype(np.float32)}, tmp_path)


def test_linear_classifier_string_labels_int_input(tmp_path):
    m = ml_model("LinearClassifier", [("x", TP.INT64, [4, 2])],
                 [("label", TP.STRING, [4]), ("scores", TP.FLOAT, [4, 3])],
                 coefficients=[1, -1, 0.5, 0.5, -1, 2], intercepts=[0, 0.1, -0.2],
                 classlabels_strings=["a", "b", "c"])
    check(m, {"x": np.array([[1, 2], [3, -1], [0, 0], [-2, 5]], np.int64)}, tmp_path)


@pytest.mark.parametrize("targets,post", [(1, "NONE"), (2, "NONE"), (2, "SOFTMAX"),
                                          (3, "LOGISTIC")])
def test_linear_regressor(targets, post, tmp_path):
    m = ml_model("LinearRegressor", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, targets])],
                 coefficients=np.linspace(-2, 2, 3 * targets).tolist(),
                 intercepts=[0.5] * targets, targets=targets, post_transform=post)
    check(m, {"x": X}, tmp_path)


# -- SVMs -------------------------------------------------------------------------------------

_SV = np.array([[0.5, 1.0, -1.0], [1.0, 0.0, 0.5], [-1.0, 0.5, 0.0], [0.0, -1.0, 1.0],
                [2.0, 0.5, 0.5]], np.float32)


@pytest.mark.parametrize("kernel,params", [("LINEAR", [0.0, 0.0, 0.0]), ("POLY", [0.5, 1.0, 2.0]),
                                           ("POLY", [0.3, 0.5, 3.0]), ("POLY", [0.3, 0.0, 4.0]),
                                           ("RBF", [0.7, 0.0, 0.0]), ("SIGMOID", [0.2, 0.1, 0.0])])
@pytest.mark.parametrize("classes,proba", [(3, False), (3, True), (2, False), (2, True)])
def test_svm_classifier_kernels(kernel, params, classes, proba, tmp_path):
    per_class = [2, 2, 1][:classes] if classes == 3 else [3, 2]
    rng = np.random.default_rng(1)
    attrs = dict(kernel_type=kernel, kernel_params=params, vectors_per_class=per_class,
                 support_vectors=_SV.reshape(-1).tolist(),
                 coefficients=rng.uniform(-1, 1, (classes - 1) * 5).astype(np.float32).tolist(),
                 rho=rng.uniform(-0.5, 0.5, classes * (classes - 1) // 2).tolist(),
                 classlabels_ints=list(range(10, 10 + classes)))
    if proba:
        pairs = classes * (classes - 1) // 2
        attrs.update(prob_a=[-1.5 - 0.1 * k for k in range(pairs)], prob_b=[0.1] * pairs)
    cols = classes if proba else (3 if classes == 3 else 2)
    m = ml_model("SVMClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.INT64, [6]), ("scores", TP.FLOAT, [6, cols])], **attrs)
    check(m, {"x": X}, tmp_path)


@pytest.mark.parametrize("post", ["LOGISTIC"])
def test_svm_classifier_binary_transform(post, tmp_path):
    """(Not PROBIT: onnxruntime 1.32 leaves that case's second column unset.)"""
    m = ml_model("SVMClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.INT64, [6]), ("scores", TP.FLOAT, [6, 2])],
                 kernel_type="RBF", kernel_params=[0.5, 0.0, 0.0], vectors_per_class=[3, 2],
                 support_vectors=_SV.reshape(-1).tolist(), post_transform=post,
                 coefficients=[0.5, -0.2, 0.3, -0.7, 0.1], rho=[0.05], classlabels_ints=[0, 1])
    check(m, {"x": X * 0.2}, tmp_path)


@pytest.mark.parametrize("classes", [2, 3])
def test_svm_classifier_liblinear_form(classes, tmp_path):
    m = ml_model("SVMClassifier", [("x", TP.FLOAT, [6, 3])],
                 [("label", TP.STRING, [6]), ("scores", TP.FLOAT, [6, classes])],
                 coefficients=np.linspace(-1, 1, classes * 3).tolist(), rho=[0.2],
                 kernel_type="LINEAR", kernel_params=[0.0, 0.0, 0.0],
                 classlabels_strings=["no", "yes", "maybe"][:classes])
    check(m, {"x": X}, tmp_path)


@pytest.mark.parametrize("kernel", ["LINEAR", "RBF", "POLY"])
@pytest.mark.parametrize("one_class", [0, 1])
@pytest.mark.parametrize("vectors", [0, 5])
def test_svm_regressor(kernel, one_class, vectors, tmp_path):
    attrs = dict(kernel_type=kernel, kernel_params=[0.4, 0.5, 2], n_supports=vectors, rho=[0.3],
                 one_class=one_class, coefficients=[0.5, -1.0, 0.25, 1.5, -0.75][:vectors or 3])
    if vectors:
        attrs["support_vectors"] = _SV.reshape(-1).tolist()
    m = ml_model("SVMRegressor", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, 1])], **attrs)
    check(m, {"x": X}, tmp_path)


# -- preprocessing ---------------------------------------------------------------------------

@pytest.mark.parametrize("norm", ["MAX", "L1", "L2"])
@pytest.mark.parametrize("dtype", [TP.FLOAT, TP.INT64])
def test_normalizer(norm, dtype, tmp_path):
    x = np.array([[1, -2, 3], [0, 0, 0], [-4, -1, -2], [5, 0, 0]])
    m = ml_model("Normalizer", [("x", dtype, [4, 3])], [("y", TP.FLOAT, [4, 3])], norm=norm)
    check(m, {"x": x.astype(helper.tensor_dtype_to_np_dtype(dtype))}, tmp_path)


@pytest.mark.parametrize("dtype", [TP.FLOAT, TP.DOUBLE, TP.INT64])
def test_scaler(dtype, tmp_path):
    m = ml_model("Scaler", [("x", dtype, [6, 3])], [("y", TP.FLOAT, [6, 3])],
                 offset=[0.5, -1.0, 2.0], scale=[2.0, 0.5, 0.1])
    check(m, {"x": (X * 3).astype(helper.tensor_dtype_to_np_dtype(dtype))}, tmp_path)


def test_imputer_float_nan_and_int(tmp_path):
    x = X.copy()
    x[0, 1] = x[2, 2] = np.nan
    m = ml_model("Imputer", [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, 3])],
                 imputed_value_floats=[9.0, 8.0, 7.0], replaced_value_float=float("nan"))
    check(m, {"x": x}, tmp_path / "f")
    m = ml_model("Imputer", [("x", TP.INT64, [2, 3])], [("y", TP.INT64, [2, 3])],
                 imputed_value_int64s=[5], replaced_value_int64=-1)
    check(m, {"x": np.array([[-1, 2, -1], [3, -1, 0]], np.int64)}, tmp_path / "i")


def test_binarizer_and_array_feature_extractor(tmp_path):
    nodes = [helper.make_node("Binarizer", ["x"], ["b"], domain=ML, threshold=0.25),
             helper.make_node("ArrayFeatureExtractor", ["b", "idx"], ["y"], domain=ML)]
    m = graph_model(nodes, [("x", TP.FLOAT, [6, 3])], [("y", TP.FLOAT, [6, 2])], OPSETS,
                    inits=[("idx", np.array([2, 0], np.int64))])
    check(m, {"x": X}, tmp_path)


def test_feature_vectorizer(tmp_path):
    m = ml_model("FeatureVectorizer", [("a", TP.INT64, [2, 3]), ("b", TP.INT64, [2, 1])],
                 [("y", TP.FLOAT, [2, 6])], inputdimensions=[2, 4])
    check(m, {"a": np.array([[1, 2, 3], [4, 5, 6]], np.int64),
              "b": np.array([[7], [-3]], np.int64)}, tmp_path)


@pytest.mark.parametrize("zeros", [0, 1])
def test_one_hot_encoder(zeros, tmp_path):
    m = ml_model("OneHotEncoder", [("x", TP.STRING, [2, 3])], [("y", TP.FLOAT, [2, 3, 3])],
                 cats_strings=["red", "green", "blue"], zeros=zeros)
    known = np.array([["red", "blue", "red"], ["green", "green", "blue"]], dtype=object)
    check(m, {"x": known}, tmp_path / "known")
    unknown = known.copy()
    unknown[1, 1] = "mauve"
    if zeros:
        check(m, {"x": unknown}, tmp_path / "unknown")
    else:       # onnxruntime fails the run; onnx2c returns O2C_ERR_VALUE
        _, host = compile_host(m, tmp_path / "err")
        assert host.run({"x": unknown})[0] == O2C_ERR_VALUE


def test_one_hot_encoder_numbers(tmp_path):
    m = ml_model("OneHotEncoder", [("x", TP.FLOAT, [4])], [("y", TP.FLOAT, [4, 3])],
                 cats_int64s=[3, 1, 7], zeros=1)
    check(m, {"x": np.array([1.0, 7.0, 3.9, 2.0], np.float32)}, tmp_path)


def test_category_mapper_both_directions(tmp_path):
    cats = dict(cats_strings=["a", "bb", "c"], cats_int64s=[5, 7, 9])
    m = ml_model("CategoryMapper", [("x", TP.STRING, [4])], [("y", TP.INT64, [4])],
                 default_int64=-7, **cats)
    check(m, {"x": np.array(["c", "a", "zz", "bb"], dtype=object)}, tmp_path / "s")
    m = ml_model("CategoryMapper", [("x", TP.INT64, [4])], [("y", TP.STRING, [4])],
                 default_string="none", **cats)
    check(m, {"x": np.array([9, 1, 5, 7], np.int64)}, tmp_path / "i")


# -- maps ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("labels", [dict(classlabels_int64s=[3, 1, 2]),
                                    dict(classlabels_strings=["x", "y", "z"])])
def test_zipmap_output_is_probabilities_and_labels(labels, tmp_path):
    nodes = [helper.make_node("Softmax", ["x"], ["p"], axis=1),
             helper.make_node("ZipMap", ["p"], ["maps"], domain=ML, **labels)]
    key = TP.INT64 if "classlabels_int64s" in labels else TP.STRING
    out = helper.make_value_info("maps", helper.make_sequence_type_proto(
        helper.make_map_type_proto(key, helper.make_tensor_type_proto(TP.FLOAT, None))))
    m = graph_model(nodes, [("x", TP.FLOAT, [6, 3])], [out], OPSETS)
    c = check(m, {"x": X}, tmp_path)
    want = list(labels.values())[0]
    assert c.result.outputs[0].labels.tolist() == want
    header = (c.result.out_dir / "model.h").read_text()
    assert "model_maps_labels[3]" in header


def test_zipmap_read_by_another_node_is_refused():
    nodes = [helper.make_node("ZipMap", ["x"], ["maps"], domain=ML, classlabels_int64s=[0, 1]),
             helper.make_node("SequenceLength", ["maps"], ["n"])]
    m = graph_model(nodes, [("x", TP.FLOAT, [2, 2])], [("n", TP.INT64, [])], OPSETS)
    with pytest.raises(CompileError, match="ZipMap"):
        compile_host(m, __import__("pathlib").Path("/nonexistent"))


def _map_input(key, value):
    return helper.make_value_info("m", helper.make_map_type_proto(
        key, helper.make_tensor_type_proto(value, None)))


def test_dict_vectorizer_takes_the_vocabulary_as_a_dense_array(tmp_path):
    vocab = ["b", "a", "d"]
    m = graph_model([helper.make_node("DictVectorizer", ["m"], ["y"], domain=ML,
                                      string_vocabulary=vocab)],
                    [_map_input(TP.STRING, TP.FLOAT)], [("y", TP.FLOAT, [1, 3])], OPSETS)
    given = {"a": 2.5, "d": -1.0, "q": 9.0}
    r, host = compile_host(m, tmp_path)
    status, got = host.run({"m": np.array([given.get(k, 0.0) for k in vocab], np.float32)})
    import onnxruntime as ort
    want = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]
                                ).run(None, {"m": given})[0]
    assert status == 0 and np.array_equal(got[0], want)


def test_cast_map_sparse(tmp_path):
    m = graph_model([helper.make_node("CastMap", ["m"], ["y"], domain=ML, map_form="SPARSE",
                                      max_map=4, cast_to="TO_FLOAT")],
                    [_map_input(TP.INT64, TP.FLOAT)], [("y", TP.FLOAT, [1, 4])], OPSETS)
    given = {1: 2.5, 3: -1.0}
    r, host = compile_host(m, tmp_path)
    status, got = host.run({"m": np.array([given.get(k, 0.0) for k in range(4)], np.float32)})
    import onnxruntime as ort
    want = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]
                                ).run(None, {"m": given})[0]
    assert status == 0 and np.array_equal(got[0], want)
