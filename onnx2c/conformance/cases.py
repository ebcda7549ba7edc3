"""Where the test cases come from: onnx's node test generators and the wheel's data folders."""
from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

SUITES = ("node", "simple", "pytorch-converted", "pytorch-operator", "light")
DEFAULT_SUITES = ("node", "simple", "pytorch-converted", "pytorch-operator")


@dataclass
class Case:
    name: str
    model: onnx.ModelProto
    data_sets: list            # [(inputs list, expected outputs list)]
    rtol: float = 1e-3
    atol: float = 1e-7
    timeout: float = 60.0      # seconds a worker may stay silent compiling or running it


@functools.lru_cache(maxsize=None)
def _node_cases() -> tuple[Case, ...]:
    """Every node test (generated once per process: onnx computes the expected outputs,
    which takes a while)."""
    from onnx.backend.test.case.node import collect_testcases
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    # tests of types numpy lacks (float8, int4, ...) store their tensors as TensorProto
    arr = lambda t: numpy_helper.to_array(t) if isinstance(t, onnx.TensorProto) else t
    return tuple(Case(c.name, c.model, [([arr(t) for t in ins], [arr(t) for t in outs])
                                        for ins, outs in c.data_sets], c.rtol, c.atol)
                 for c in cases)


def _read_pb(path: Path):
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(t)


def _data_cases(suite: str) -> list[Case]:
    root = Path(os.path.dirname(onnx.__file__)) / "backend" / "test" / "data" / suite
    cases = []
    for d in sorted(root.iterdir()):
        if not (d / "model.onnx").exists():
            continue
        sets = []
        for s in sorted(d.glob("test_data_set_*")):
            key = lambda p: int(p.stem.split("_")[-1])
            ins = [_read_pb(p) for p in sorted(s.glob("input_*.pb"), key=key)]
            outs = [_read_pb(p) for p in sorted(s.glob("output_*.pb"), key=key)]
            sets.append((ins, outs))
        model = onnx.load(str(d / "model.onnx"), load_external_data=False)
        cases.append(Case(f"{suite}/{d.name}", model, sets))
    return cases


def _light_cases() -> list[Case]:
    """The model zoo in miniature: light_NAME.onnx beside the output onnx computed for the
    input the ONNX backend runner generates, arange(n) / n (see onnx.backend.test.runner)."""
    from onnx.backend.test.case.model import collect_testcases
    root = Path(os.path.dirname(onnx.__file__)) / "backend" / "test" / "data" / "light"
    cases = []
    for t in collect_testcases():
        if t.kind != "real" or not (root / f"light_{t.model_name}.onnx").exists():
            continue
        model = onnx.load(str(root / f"light_{t.model_name}.onnx"))
        inits = {i.name for i in model.graph.initializer}
        ins = []
        for x in model.graph.input:
            if x.name not in inits:
                shape = tuple(d.dim_value or 1 for d in x.type.tensor_type.shape.dim)
                n = int(np.prod(shape))
                ins.append((np.arange(n).reshape(shape) / n).astype(np.float32))
        outs = [_read_pb(p) for p in sorted(root.glob(f"light_{t.model_name}_output_*.pb"))]
        # VGG-19 takes minutes through naive convolution loops
        cases.append(Case(f"light/{t.name}", model, [(ins, outs)], t.rtol, t.atol, 1800.0))
    return cases


def collect(suites=DEFAULT_SUITES) -> list[Case]:
    out = []
    for s in suites:
        out.extend(_node_cases() if s == "node" else _light_cases() if s == "light"
                   else _data_cases(s))
    return out


def spread(cases, per_kind: int) -> list[Case]:
    """A deterministic sample over operator types: the first per_kind cases of each set of
    operators a model uses (one op for a node test, its expansion for an _expanded one)."""
    kinds: dict[tuple, list[Case]] = {}
    for c in cases:
        kinds.setdefault(tuple(sorted({n.op_type for n in c.model.graph.node})), []).append(c)
    return [c for key in sorted(kinds) for c in kinds[key][:per_kind]]
