"""The compiler's intermediate representation: typed values with static shapes, nodes, a graph."""
from .dtypes import DType
from .graph import Graph, Node, Value

__all__ = ["DType", "Graph", "Node", "Value"]
