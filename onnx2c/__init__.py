"""onnx2c: an ahead-of-time compiler from ONNX models to portable C99."""
from .compiler import CompileResult, build, compile
from .errors import CompileError

__version__ = "0.1.0"
__all__ = ["CompileError", "CompileResult", "build", "compile", "__version__"]
