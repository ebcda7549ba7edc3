"""The one error type the compiler raises for bad or unsupported input."""
from __future__ import annotations


class CompileError(Exception):
    """A problem with the user's model, reported as one line naming the node and a fix."""

    def __init__(self, message: str, node=None, reason: str | None = None):
        self.node = node
        # a short, stable category used to group failures (conformance report)
        self.reason = reason or message
        where = f"{node}: " if node is not None else ""
        super().__init__(where + message)


class NeedsConstant(CompileError):
    """An input decides a shape; compiling requires freezing it (--freeze)."""

    def __init__(self, inputs: list[str], node=None, what: str = "an output shape"):
        self.inputs = inputs
        names = ", ".join(inputs)
        super().__init__(
            f"{what} depends on the run-time value of graph input {names}; "
            f"pass --freeze {inputs[0]}=FILE.npy to make it a constant",
            node, reason="value-dependent shape needs --freeze")
