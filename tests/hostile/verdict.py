"""What the corpus promises, as one verdict per model, shared by the test and the survey."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx

import onnx2c
from onnx2c.errors import CompileError, UnknownShape

from .generate import ACCEPT, REFUSE
from .runner import Outcome
from .sanitize import check_accepted

FREEZE = re.compile(r"--freeze (\S+)=FILE\.npy")


def refusal_problem(o: Outcome) -> str | None:
    """A refused model: exactly one line, `onnx2c: error: ...`, exit status 2, no output."""
    lines = o.stderr.strip().splitlines()
    if o.status != 2:
        return f"exit status {o.status}, not 2: {o.stderr.strip()[:300]}"
    if len(lines) != 1 or not lines[0].startswith("onnx2c: error: "):
        return f"not one error line: {o.stderr[:600]!r}"
    if o.case.says and o.case.says not in lines[0]:
        return f"does not say {o.case.says!r}: {lines[0][:300]}"
    out = o.folder / "out"
    if out.exists() and any(out.iterdir()):
        return "refused but wrote files"
    return None


def _candidates(vi: onnx.ValueInfoProto) -> list[np.ndarray]:
    """Values of the input's dtype and shape to freeze it with: ones, zeros, a -1 first."""
    t = vi.type.tensor_type
    shape = tuple(d.dim_value for d in t.shape.dim)
    dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
    minus = np.ones(shape, np.float64)
    minus.reshape(-1)[:1] = -1
    return [np.ones(shape, dtype), np.zeros(shape, dtype), minus.astype(dtype)]


def freeze_advice_problem(o: Outcome) -> str | None:
    """Advice to --freeze inputs holds only if freezing them (to ones, zeros or a -1
    first, of their dtype and shape) makes the model compile, or fail only for the
    dummy value (a shape that now computes but contradicts a declaration, a Reshape
    target of the wrong size): anything but a shape that still cannot be computed."""
    names = FREEZE.findall(o.stderr)
    if not names:
        return None
    m = onnx.load_from_string(o.case.data)
    inputs = {i.name: i for i in m.graph.input}
    if any(n not in inputs for n in names):
        return f"advises freezing {names}, not all graph inputs"
    last = None
    for values in zip(*(_candidates(inputs[n]) for n in names)):
        try:
            onnx2c.build(m, freeze=dict(zip(names, values)))
        except UnknownShape as e:
            last = e
            continue
        except CompileError:
            pass
        return None
    return f"advice {names} is false: frozen with ones, zeros or a -1 first: {last}"


def problem(o: Outcome, work: Path) -> str | None:
    """None if onnx2c kept every promise on this model, else which one it broke."""
    if o.traceback:
        return f"traceback: {o.traceback.strip().splitlines()[-1][:300]}"
    if o.status is None:
        return "hang or crash"
    if o.case.expect == REFUSE and not o.refused:
        return "accepted an invalid model"
    if o.case.expect == ACCEPT and o.refused:
        return f"refused a valid model: {o.stderr.strip()[:300]}"
    if o.refused:
        return refusal_problem(o) or freeze_advice_problem(o)
    args = o.case.args
    name = args[args.index("--name") + 1] if "--name" in args else "model"
    return check_accepted(o.folder / "out", work, name)


def exit_status(o: Outcome) -> tuple[int, str]:
    """The same model through a real `python -m onnx2c` process: its exit status, stderr."""
    argv = [a for a in o.case.args]
    model = o.folder / f"{o.case.name}.onnx"
    p = subprocess.run([sys.executable, "-m", "onnx2c", "compile", str(model), "-o",
                        str(o.folder / "out_subprocess"), "-q",
                        *[a.replace("{dir}", str(o.folder)) for a in argv]],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr
