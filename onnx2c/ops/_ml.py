"""What the ai.onnx.ml classifier and regressor modules share: the [N, C] view of their
input, class labels as C literals, and the post-transform codes of runtime_c/o2c_ml.h."""
from __future__ import annotations

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from .strings import c_string, cell

ML = "ai.onnx.ml"
# o2c_ml.h's O2C_POST_* by attribute name (the older ops) and by TreeEnsemble's integer
POST = {"NONE": 0, "LOGISTIC": 1, "SOFTMAX": 2, "SOFTMAX_ZERO": 3, "PROBIT": 4}
POST_V5 = (0, 2, 1, 3, 4)       # TreeEnsemble's NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT


def text(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def rows_cols(x) -> tuple[int, int]:
    """An [N, C] input (or [C], one row) as (N, C): every ml op reads rows of features."""
    if len(x.shape) == 1:
        return 1, int(x.shape[0])
    if len(x.shape) != 2:
        raise CompileError(f"the input must be [N, C] or [C], not {list(x.shape)}",
                           reason="ml: input rank")
    return int(x.shape[0]), int(x.shape[1])


def rows_of(x) -> int:
    return 1 if x is None or len(x.shape) < 2 else int(x.shape[0])


def post_code(node) -> int:
    name = text(node.attrs.get("post_transform", "NONE"))
    if name not in POST:
        raise CompileError(f"post_transform {name!r} is not one ONNX defines", node,
                           reason=f"{node.op_type}: post_transform")
    return POST[name]


def class_labels(node) -> tuple[list, bool]:
    """(labels, are strings) from classlabels_strings or classlabels_int64s/_ints."""
    a = node.attrs
    strings = a.get("classlabels_strings")
    if strings:
        return [text(s) for s in strings], True
    ints = a.get("classlabels_int64s") or a.get("classlabels_ints") or []
    return [int(v) for v in ints], False


def label_dtype(node) -> DType:
    return DType.STRING if class_labels(node)[1] else DType.INT64


def label_literals(node, labels, strings: bool) -> list[str]:
    """C literals of class labels; a string label must fit the string cell."""
    if not strings:
        return [scalar(v, "int64_t") for v in labels]
    for s in labels:
        if len(s.encode("utf-8")) >= cell():
            raise CompileError(f"class label {s!r} does not fit a {cell()}-byte string cell; "
                               "raise --string-bytes", node, reason="string too long")
    return [c_string(s) for s in labels]


def floats(node, name: str, dtype=np.float64) -> list[float]:
    """A float list attribute or its *_as_tensor twin ([] when neither is set)."""
    v = node.attrs.get(f"{name}_as_tensor")
    if v is None:
        v = node.attrs.get(name)
    return [] if v is None else [float(t) for t in np.asarray(v, dtype).reshape(-1)]
