"""ai.onnx.ml preprocessing: ArrayFeatureExtractor, Binarizer, Scaler, Normalizer, Imputer
and FeatureVectorizer, each with its type rule where ONNX shape inference has none."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..codegen.literals import scalar
from ..errors import CompileError
from ._elementwise import elementwise
from ._util import inp, out, require_float
from .gather import lower_gather
from ..ir.optable import Kernel, op

_ML = "ai.onnx.ml"


@op("ArrayFeatureExtractor", domain=_ML)
def lower_array_feature_extractor(node, ctx):
    # Gather along the last axis: the output only reshapes Gather's (same element order)
    return lower_gather(dataclasses.replace(node, attrs={"axis": -1}), ctx)


@op("Binarizer", domain=_ML)
def lower_binarizer(node, ctx):
    thr = scalar(float(node.attrs.get("threshold", 0.0)), "double")
    return elementwise(node, ctx, f"r = (double)a0 > {thr} ? 1 : 0;")
