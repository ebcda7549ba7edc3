"""The epilogue a fused node (passes/fuse_epilogue.py) asks its GEMM kernel to apply.

A Conv, ConvTranspose, Gemm or MatMul in domain `onnx2c` is its ONNX namesake plus
attributes `activation` (an ONNX op name, '' for none), `activation_alpha`,
`activation_beta`, `residual_first`, and an optional residual input at index 3 (a tensor
of the output's shape). runtime_c/o2c_epilogue.h defines what the kernel does with them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Node
from ..passes.fuse_epilogue import DOMAIN, RESIDUAL
from ._util import inp

# activation -> (O2C_ACT_ suffix, default alpha, default beta)
ACTIVATIONS = {
    "": ("NONE", 0.0, 0.0),
    "Relu": ("RELU", 0.0, 0.0),
    "Clip": ("CLIP", float("-inf"), float("inf")),
    "LeakyRelu": ("LEAKY_RELU", 0.01, 0.0),
    "Sigmoid": ("SIGMOID", 0.0, 0.0),
    "HardSwish": ("HARD_SWISH", 0.0, 0.0),
    "SiLU": ("SILU", 0.0, 0.0),
}


@dataclass(frozen=True)
class Epilogue:
    act: str = "NONE"           # O2C_ACT_<act>
    alpha: float = 0.0
    beta: float = 0.0
    residual: int | None = None     # node input index of the residual, if any
    residual_first: bool = False

    @property
    def plain(self) -> bool:
        return self.act == "NONE" and self.residual is None


def epilogue_of(node: Node, ctx) -> Epilogue:
    """The node's epilogue (a plain one for an ONNX-domain node)."""
    if node.domain != DOMAIN:
        return Epilogue()
    a = node.attrs
    act, alpha, beta = ACTIVATIONS[a.get("activation", "")]
    has_res = inp(node, ctx, RESIDUAL) is not None
    return Epilogue(act, float(a.get("activation_alpha", alpha)),
                    float(a.get("activation_beta", beta)), RESIDUAL if has_res else None,
                    bool(a.get("residual_first", 0)))
