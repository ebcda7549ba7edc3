"""Compile-time resolution of what has no run-time form in onnx2c's C: sequences,
optionals, If with a known condition, Loop and Scan that must unroll. Each rule
(structure.rule) rewrites one node of the ModelProto; driver.resolve runs them once per
round of frontend.settle."""
from .driver import finish, resolve

__all__ = ["finish", "resolve"]
