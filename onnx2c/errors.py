"""The one error type the compiler raises for bad or unsupported input."""
from __future__ import annotations

import contextvars

# The first complaint of strict ONNX shape inference during one compilation (inference
# then goes on leniently): the likeliest explanation when a shape stays unknown.
INFERENCE_PROBLEM: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "inference_problem", default=None)


class CompileError(Exception):
    """A problem with the user's model, reported as one line naming the node and a fix."""

    def __init__(self, message: str, node=None, reason: str | None = None):
        self.node = node
        # a short, stable category used to group failures (conformance report)
        self.reason = reason or message
        where = f"{node}: " if node is not None else ""
        super().__init__(where + message)


class UnknownShape(CompileError):
    """A shape onnx2c cannot compute at compile time (as opposed to one it computed and
    found wrong): what advice.py tells apart when it tries freezing inputs."""


class NeedsConstant(UnknownShape):
    """An input decides a shape; compiling requires freezing it (--freeze). The driver
    gives this advice only once freezing those inputs has been tried (advice.py)."""

    def __init__(self, inputs: list[str], node=None, what: str = "an output shape"):
        self.inputs, self.what = list(inputs), what
        names = ", ".join(inputs)
        how = " ".join(f"--freeze {i}=FILE.npy" for i in inputs)
        super().__init__(
            f"{what} depends on the run-time value of graph input {names}; "
            f"pass {how} to make {'them constants' if len(inputs) > 1 else 'it a constant'}",
            node, reason="value-dependent shape needs --freeze")
