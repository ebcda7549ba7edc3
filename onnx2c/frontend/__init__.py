"""From an .onnx file (or ModelProto) to an IR graph with static shapes: everything that
works on ModelProto lives here."""
from .load import load_graph, load_subgraph, read_model

__all__ = ["load_graph", "load_subgraph", "read_model"]
