"""What the ai.onnx.ml op tests share: one-node models and the comparison with
onnxruntime (probabilities and scores within rtol 1e-5, atol 1e-6; labels exactly)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from tests.conftest import graph_model, run_and_compare

RTOL, ATOL = 1e-5, 1e-6
ML = "ai.onnx.ml"
OPSETS = {"": 17, ML: 3}
X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -2.0], [-0.5, 3.0, 0.25], [1.5, -0.2, 0.0],
              [0.0, 0.0, 0.0], [2.0, 1.0, 1.0]], np.float32)


def ml_model(op, inputs, outputs, opsets=OPSETS, **attrs) -> onnx.ModelProto:
    return graph_model([helper.make_node(op, [i[0] for i in inputs], [o[0] for o in outputs],
                                         domain=ML, **attrs)], inputs, outputs, opsets)


def check(model, feeds, tmp_path, **kw):
    return run_and_compare(model, feeds, tmp_path, rtol=RTOL, atol=ATOL, **kw)
