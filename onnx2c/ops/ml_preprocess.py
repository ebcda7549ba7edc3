"""ai.onnx.ml preprocessing: ArrayFeatureExtractor, Binarizer, Scaler, Normalizer, Imputer
and FeatureVectorizer (templates/ops/ml_preprocess.c.j2), each with a type rule where
ONNX shape inference gives no static shape. Arithmetic follows onnxruntime: float
results, Scaler in the input's promotion with float offsets, Normalizer in float."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ._elementwise import elementwise
from ._ml import ML, floats, rows_cols, rows_of, text
from ._util import inp, out
from .gather import lower_gather

_NORMS = ("MAX", "L1", "L2")


@dataclass
class ColumnParams:
    """One pass over an [N, C] input (or [C], one row)."""
    op: str
    rows: int
    cols: int
    tables: dict = field(default_factory=dict)      # name -> list of C literals
    norm: str = ""
    nan: bool = False           # Imputer: the replaced value is NaN
    replaced: str = "0"         # Imputer: the replaced value
    widths: list = field(default_factory=list)      # FeatureVectorizer: (input cols, kept)


@op("ArrayFeatureExtractor", domain=ML, strings=True)
def lower_array_feature_extractor(node, ctx):
    # Gather along the last axis: the output only reshapes Gather's (same element order)
    return lower_gather(dataclasses.replace(node, attrs={"axis": -1}), ctx)


@op("Binarizer", domain=ML)
def lower_binarizer(node, ctx):
    thr = scalar(float(node.attrs.get("threshold", 0.0)), "double")
    return elementwise(node, ctx, f"(double)a0 > {thr} ? 1 : 0")


def _per_column(node, values: list[float], cols: int, what: str) -> list[float]:
    if len(values) == 1:
        return values * cols
    if len(values) != cols:
        raise CompileError(f"{what} has {len(values)} values for {cols} columns", node,
                           reason=f"{node.op_type}: {what}")
    return values


@op("Scaler", domain=ML)
def lower_scaler(node, ctx):
    rows, cols = rows_cols(inp(node, ctx, 0))
    ctype = "double" if inp(node, ctx, 0).dtype == DType.DOUBLE else "float"
    tables = {k: [scalar(v, ctype) for v in _per_column(
        node, floats(node, k, "float32") or [default], cols, k)]
        for k, default in (("offset", 0.0), ("scale", 1.0))}
    return Kernel("ops/ml_preprocess.c.j2", ColumnParams("Scaler", rows, cols, tables))


@op("Normalizer", domain=ML)
def lower_normalizer(node, ctx):
    rows, cols = rows_cols(inp(node, ctx, 0))
    norm = text(node.attrs.get("norm", "MAX"))
    if norm not in _NORMS:
        raise CompileError(f"norm {norm!r} is not MAX, L1 or L2", node,
                           reason="Normalizer: norm")
    return Kernel("ops/ml_preprocess.c.j2", ColumnParams("Normalizer", rows, cols, norm=norm))


@op("Imputer", domain=ML)
def lower_imputer(node, ctx):
    x = inp(node, ctx, 0)
    rows, cols = rows_cols(x)
    if x.dtype.is_float:
        imputed, replaced = floats(node, "imputed_value_floats", "float32"), \
            float(node.attrs.get("replaced_value_float", 0.0))
    else:
        imputed = [int(v) for v in node.attrs.get("imputed_value_int64s") or []]
        replaced = int(node.attrs.get("replaced_value_int64", 0))
    if not imputed:
        raise CompileError("Imputer has no imputed values", node, reason="Imputer: values")
    tables = {"imputed": [scalar(v, x.dtype.compute) for v in
                          _per_column(node, imputed, cols, "imputed values")]}
    return Kernel("ops/ml_preprocess.c.j2", ColumnParams(
        "Imputer", rows, cols, tables, nan=replaced != replaced,
        replaced=scalar(replaced, x.dtype.compute)), inplace=[0])


@op("FeatureVectorizer", domain=ML)
def lower_feature_vectorizer(node, ctx):
    dims = [int(d) for d in node.attrs.get("inputdimensions") or []]
    xs = [inp(node, ctx, i) for i in range(len(node.inputs))]
    if len(dims) != len(xs):
        raise CompileError(f"{len(dims)} inputdimensions for {len(xs)} inputs", node,
                           reason="FeatureVectorizer: inputdimensions")
    rows = rows_of(out(node, ctx))
    widths = []
    for x, d in zip(xs, dims):
        r, c = rows_cols(x)
        if r != rows:
            raise CompileError("the inputs have different numbers of rows", node,
                               reason="FeatureVectorizer: rows")
        widths.append((c, min(c, d), d))
    return Kernel("ops/ml_preprocess.c.j2", ColumnParams("FeatureVectorizer", rows, sum(dims),
                                                         widths=widths))


@type_rule("Scaler", "Normalizer", domain=ML)
def _float_like_input(node, inputs):
    return [(DType.FLOAT, inputs[0].shape)]


@type_rule("Imputer", domain=ML)
def _same_as_input(node, inputs):
    return [(inputs[0].dtype, inputs[0].shape)]


@type_rule("FeatureVectorizer", domain=ML)
def _vectorized(node, inputs):
    return [(DType.FLOAT, (rows_of(inputs[0]), sum(node.attrs.get("inputdimensions") or [])))]


@type_rule("ArrayFeatureExtractor", domain=ML)
def _extracted(node, inputs):
    x, idx = inputs
    count = 1
    for d in idx.shape:         # run-time indices too: only their count shapes the output
        count *= int(d)
    return [(x.dtype, (1, count) if len(x.shape) == 1 else tuple(x.shape[:-1]) + (count,))]
