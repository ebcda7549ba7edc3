"""SVMClassifier and SVMRegressor (ai.onnx.ml), templates/ops/ml_svm.c.j2, as onnxruntime
computes them: the input as float, kernels in float (LINEAR x.s, POLY (gamma x.s +
coef0)^degree, RBF exp(-gamma |x - s|^2), SIGMOID tanh(gamma x.s + coef0)), each pair's
one-vs-one decision summed in double, votes picking the label; with prob_a/prob_b the
pairwise Platt probabilities coupled into class probabilities; without support vectors
the liblinear form, x.w + rho[0] per class."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ._ml import ML, class_labels, floats, label_dtype, label_literals, post_code, rows_cols, rows_of, text
from ._util import inp
from .strings import cell

_KERNELS = ("LINEAR", "POLY", "RBF", "SIGMOID")


@dataclass
class SvmParams:
    rows: int
    features: int
    kernel: str
    gamma: float
    coef0: float
    degree: float
    vectors: int                # support vectors (0: the liblinear form)
    support: list[float]
    coefficients: list[float]
    rho: list[float]
    post: int
    columns: int                # score columns
    classify: bool = False
    classes: int = 0
    starts: list[int] = None    # each class's first support vector (and the total)
    prob_a: list[float] = None
    prob_b: list[float] = None
    labels: list[str] = None
    label_string: bool = False
    cell: int = 0
    all_positive: bool = False
    bin_labels: tuple = ("0", "1")
    one_class: bool = False
    scratch_at: dict = None


def _common(node, ctx, vectors: int) -> dict:
    rows, features = rows_cols(inp(node, ctx, 0))
    kernel = text(node.attrs.get("kernel_type", "LINEAR"))
    params = floats(node, "kernel_params", "float32") or [0.0, 0.0, 0.0]
    if kernel not in _KERNELS or len(params) != 3:
        raise CompileError(f"kernel_type {kernel!r} with kernel_params {params} is not valid",
                           node, reason=f"{node.op_type}: kernel")
    support = floats(node, "support_vectors", "float32")
    if vectors and len(support) != vectors * features:
        raise CompileError(f"{len(support)} support vector values are not {vectors} vectors "
                           f"of {features} features", node, reason=f"{node.op_type}: vectors")
    return dict(rows=rows, features=features, kernel=kernel if vectors else "LINEAR",
                gamma=params[0], coef0=params[1], degree=params[2], vectors=vectors,
                support=support, coefficients=floats(node, "coefficients", "float32"),
                rho=floats(node, "rho", "float32"), post=post_code(node))


def _scratch(sizes: dict) -> tuple[dict, int]:
    at, offsets = 0, {}
    for name, n in sizes.items():
        offsets[name] = at
        at += 4 * max(n, 1)
    return offsets, at


@op("SVMClassifier", domain=ML, strings=True)
def lower_svm_classifier(node, ctx):
    labels, strings = class_labels(node)
    per_class = [int(v) for v in node.attrs.get("vectors_per_class") or []]
    vectors, k = sum(per_class), len(labels)
    c = _common(node, ctx, vectors)
    pairs, prob_a = k * (k - 1) // 2, floats(node, "prob_a", "float32")
    prob_b = floats(node, "prob_b", "float32")
    expected = (k - 1) * vectors if vectors else k * c["features"]
    if k < 2 or len(c["coefficients"]) != expected or len(prob_a) != len(prob_b) or \
            (vectors and (len(per_class) != k or len(c["rho"]) < pairs)) or not c["rho"] or \
            (prob_a and len(prob_a) < pairs):
        raise CompileError("SVMClassifier's coefficients, rho, vectors_per_class or prob_a/"
                           "prob_b do not fit its classes", node, reason="SVMClassifier: sizes")
    columns = _classifier_columns(node, vectors, bool(prob_a), k)
    lits = label_literals(node, labels, strings)
    starts = [sum(per_class[:i]) for i in range(k + 1)]
    offsets, size = _scratch({"kernel": vectors, "votes": k, "pair": pairs, "r": k * k,
                              "q": k * k, "qp": k})
    p = SvmParams(**c, columns=columns, classify=True, classes=k, starts=starts, prob_a=prob_a,
                  prob_b=prob_b, labels=lits, label_string=strings, cell=cell(),
                  all_positive=all(v >= 0 for v in c["coefficients"]),
                  bin_labels=(lits[0], lits[1]) if k == 2 else
                  (('"0"', '"1"') if strings else ("0", "1")), scratch_at=offsets)
    return Kernel("ops/ml_svm.c.j2", p, scratch=size)


def _classifier_columns(node, vectors: int, proba: bool, k: int) -> int:
    if vectors and not proba:
        return k * (k - 1) // 2 if k > 2 else 2
    return k


@op("SVMRegressor", domain=ML)
def lower_svm_regressor(node, ctx):
    vectors = int(node.attrs.get("n_supports", 0))
    c = _common(node, ctx, vectors)
    if len(c["coefficients"]) != (vectors or c["features"]) or not c["rho"]:
        raise CompileError("SVMRegressor's coefficients or rho do not fit its vectors", node,
                           reason="SVMRegressor: sizes")
    offsets, size = _scratch({"kernel": vectors})
    p = SvmParams(**c, columns=1, one_class=bool(node.attrs.get("one_class", 0)),
                  scratch_at=offsets)
    return Kernel("ops/ml_svm.c.j2", p, scratch=size)


@type_rule("SVMClassifier", domain=ML)
def _classifier_types(node, inputs):
    k = len(class_labels(node)[0])
    vectors = sum(int(v) for v in node.attrs.get("vectors_per_class") or [])
    columns = _classifier_columns(node, vectors, bool(floats(node, "prob_a")), k)
    return [(label_dtype(node), (rows_of(inputs[0]),)),
            (DType.FLOAT, (rows_of(inputs[0]), columns))]


@type_rule("SVMRegressor", domain=ML)
def _regressor_types(node, inputs):
    return [(DType.FLOAT, (rows_of(inputs[0]), 1))]
