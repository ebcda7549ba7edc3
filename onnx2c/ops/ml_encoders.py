"""ai.onnx.ml category encoders: OneHotEncoder (templates/ops/ml_encoders.c.j2) and
CategoryMapper, which is LabelEncoder's lookup in one direction or the other."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ._ml import ML, label_literals, text
from ._util import inp
from .label_encoder import lower_label_encoder
from .strings import cell


@dataclass
class OneHotParams:
    count: int                  # input elements
    categories: int
    keys: list[str]             # C literals, sorted as the C search compares them
    columns: list[int]          # each sorted key's output column
    strings: bool
    zeros: bool                 # an unknown category gives a zero row (else O2C_ERR_VALUE)
    cell: int = 0


def _categories(node) -> tuple[list, bool]:
    a = node.attrs
    if a.get("cats_strings"):
        return [text(s) for s in a["cats_strings"]], True
    return [int(v) for v in a.get("cats_int64s") or []], False


@op("OneHotEncoder", domain=ML, strings=True)
def lower_one_hot_encoder(node, ctx):
    cats, strings = _categories(node)
    x = inp(node, ctx, 0)
    if not cats or strings != (x.dtype == DType.STRING):
        raise CompileError("OneHotEncoder needs cats_strings for a string input and "
                           "cats_int64s for a number", node, reason="OneHotEncoder: categories")
    order = sorted(range(len(cats)), key=lambda k: (cats[k].encode("utf-8") if strings
                                                     else cats[k], k))
    keys = label_literals(node, [cats[k] for k in order], strings)
    return Kernel("ops/ml_encoders.c.j2", OneHotParams(
        x.size, len(cats), keys, order, strings, bool(node.attrs.get("zeros", 1)), cell()))


@op("CategoryMapper", domain=ML, strings=True)
def lower_category_mapper(node, ctx):
    a = node.attrs
    strings = [text(s) for s in a.get("cats_strings") or []]
    ints = [int(v) for v in a.get("cats_int64s") or []]
    if inp(node, ctx, 0).dtype == DType.STRING:
        attrs = dict(keys_strings=strings, values_int64s=ints,
                     default_int64=int(a.get("default_int64", -1)))
    else:
        attrs = dict(keys_int64s=ints, values_strings=strings,
                     default_string=text(a.get("default_string", "_Unused")))
    return lower_label_encoder(dataclasses.replace(node, attrs=attrs), ctx)


@type_rule("OneHotEncoder", domain=ML)
def _one_hot_types(node, inputs):
    return [(DType.FLOAT, tuple(inputs[0].shape) + (len(_categories(node)[0]),))]


@type_rule("CategoryMapper", domain=ML)
def _mapped_types(node, inputs):
    to = DType.INT64 if inputs[0].dtype == DType.STRING else DType.STRING
    return [(to, inputs[0].shape)]
