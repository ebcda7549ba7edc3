"""From an .onnx file (or ModelProto) to an IR graph with static shapes."""
from .load import load_graph, read_model

__all__ = ["load_graph", "read_model"]
