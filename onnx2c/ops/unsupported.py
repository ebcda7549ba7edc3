"""Operators onnx2c deliberately does not generate, each refused with the reason and what
to do instead, so a user (and the conformance report) sees why rather than a bare
"unsupported op"."""
from __future__ import annotations

from ..errors import CompileError
from ..ir.optable import op

_WHY = {
    "ImageDecoder": ("image decoding",
                     "decoding compressed images (JPEG, PNG, ...) is outside what onnx2c "
                     "generates; decode the image before calling the model's _run function "
                     "and feed the pixels as an input"),
    "random": ("random numbers",
               "its output is random, and generated C has no random number generator "
               "state; draw the numbers outside and feed them as an input (a model for "
               "inference normally has no random op left)"),
}

_RANDOM = ("Bernoulli", "RandomUniform", "RandomNormal", "RandomUniformLike",
           "RandomNormalLike", "Multinomial")


@op("ImageDecoder", since=20)
@op(*_RANDOM)
def refuse(node, ctx):
    reason, why = _WHY["random" if node.op_type in _RANDOM else node.op_type]
    raise CompileError(why, node, reason=f"{node.op_type}: {reason}")
