"""TfIdfVectorizer against onnxruntime: every mode, with and without weights, skips,
several gram lengths, int32 and int64 tokens, [C] and [N, C]."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onnx2c
from onnx2c.harness import build_host
from tests.conftest import c_compilers, strict_compile

# unigrams 2, 3, 5, 4; bigrams (5, 6), (7, 8), (6, 7), (3, 2); trigram (2, 3, 5)
_POOL = dict(ngram_counts=[0, 4, 12], pool_int64s=[2, 3, 5, 4, 5, 6, 7, 8, 6, 7, 3, 2, 2, 3, 5],
             ngram_indexes=[0, 1, 2, 3, 4, 5, 6, 7, 8])


def _model(x_shape, x_type, y_shape, **attrs):
    node = helper.make_node("TfIdfVectorizer", ["x"], ["y"], **attrs)
    graph = helper.make_graph(
        [node], "tfidf", [helper.make_tensor_value_info("x", x_type, x_shape)],
        [helper.make_tensor_value_info("y", TP.FLOAT, y_shape)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])


@pytest.mark.parametrize("mode", ["TF", "IDF", "TFIDF"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("grams,skip", [((1, 1), 0), ((2, 2), 0), ((1, 2), 3), ((1, 3), 2),
                                        ((2, 3), 1)])
@pytest.mark.parametrize("x_shape,x_type", [([16], TP.INT32), ([3, 7], TP.INT64)])
def test_tfidf_matches_onnxruntime(mode, weighted, grams, skip, x_shape, x_type, tmp_path):
    attrs = dict(_POOL, mode=mode, min_gram_length=grams[0], max_gram_length=grams[1],
                 max_skip_count=skip)
    if weighted:
        attrs["weights"] = [0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75, 1.25, 4.0]
    y_shape = x_shape[:-1] + [9]
    model = _model(x_shape, x_type, y_shape, **attrs)
    r = onnx2c.compile(model, tmp_path / "src", name="model")
    for cc in c_compilers():
        strict_compile(cc, tmp_path / "src", tmp_path)
    host = build_host(r, tmp_path / "build")
    np_type = np.int32 if x_type == TP.INT32 else np.int64
    x = np.random.default_rng(sum(grams) + skip).integers(2, 9, x_shape).astype(np_type)
    status, got = host.run({"x": x})
    assert status == 0
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, {"x": x})[0]
    np.testing.assert_allclose(got[0], want, rtol=1e-6)
