"""The lowering stage: IR nodes to Kernels, by the op modules of onnx2c.ops."""
from .context import LoweringContext, Options
from .lower import lower
from .splat import materialise_splats

__all__ = ["LoweringContext", "Options", "lower", "materialise_splats"]
