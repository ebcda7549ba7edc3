"""LinearClassifier and LinearRegressor (ai.onnx.ml): scores = X W^T + b in float, then
labels and score transforms as onnxruntime computes them (templates/ops/ml_linear.c.j2).

A classifier with one coefficient row and two labels writes two score columns, [1 - s, s]
(onnxruntime applies no transform to them but PROBIT); with one row its label is the
second label when s > 0 (or 1 / "1" without two labels), otherwise the first-maximum
score's label.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ._ml import (ML, class_labels, floats, label_dtype, label_literals, post_code, rows_cols,
                  rows_of)
from ._util import inp
from .strings import cell


@dataclass
class LinearParams:
    rows: int
    features: int
    targets: int                # coefficient rows
    columns: int                # score columns written (2 for a one-row binary classifier)
    coefficients: list[float]
    intercepts: list[float]     # [] when there is none per target
    post: int
    classify: bool
    labels: list[str]           # C literals: one per target, or (negative, positive)
    label_string: bool = False
    cell: int = 0


def _model(node, ctx, targets: int) -> tuple[list[float], int, int]:
    x = inp(node, ctx, 0)
    rows, features = rows_cols(x)
    coefficients = floats(node, "coefficients", "float32")
    if targets < 1 or len(coefficients) != targets * features:
        raise CompileError(f"{len(coefficients)} coefficients do not make {targets} rows of "
                           f"{features} features", node, reason=f"{node.op_type}: coefficients")
    return coefficients, rows, features


@op("LinearClassifier", domain=ML, strings=True)
def lower_linear_classifier(node, ctx):
    intercepts = floats(node, "intercepts", "float32")
    labels, strings = class_labels(node)
    targets = len(intercepts)
    coefficients, rows, features = _model(node, ctx, targets)
    lits = label_literals(node, labels, strings)
    if targets == 1:
        lits = lits if len(labels) == 2 else (['"0"', '"1"'] if strings else ["0", "1"])
    elif len(labels) != targets:
        raise CompileError(f"{targets} intercepts but {len(labels)} class labels", node,
                           reason="LinearClassifier: labels")
    p = LinearParams(rows, features, targets, 2 if targets == 1 and len(labels) == 2 else targets,
                     coefficients, intercepts, post_code(node), True, lits, strings, cell())
    return Kernel("ops/ml_linear.c.j2", p)


@op("LinearRegressor", domain=ML)
def lower_linear_regressor(node, ctx):
    targets = int(node.attrs.get("targets", 1))
    coefficients, rows, features = _model(node, ctx, targets)
    intercepts = floats(node, "intercepts", "float32")
    p = LinearParams(rows, features, targets, targets, coefficients,
                     intercepts if len(intercepts) == targets else [], post_code(node), False, [])
    return Kernel("ops/ml_linear.c.j2", p)


@type_rule("LinearClassifier", domain=ML)
def _classifier_types(node, inputs):
    n, targets = rows_of(inputs[0]), len(floats(node, "intercepts"))
    two = targets == 1 and len(class_labels(node)[0]) == 2
    return [(label_dtype(node), (n,)), (DType.FLOAT, (n, 2 if two else targets))]


@type_rule("LinearRegressor", domain=ML)
def _regressor_types(node, inputs):
    return [(DType.FLOAT, (rows_of(inputs[0]), int(node.attrs.get("targets", 1))))]
