"""The hostile-model corpus: models built to break a compiler, in categories.

Every case is built deterministically in memory (`cases()`); `python -m
tests.hostile.generate DIR` writes them out (DIR/CATEGORY/NAME.onnx, extra files beside
them) for a look by hand. test_hostile.py holds onnx2c to its promises on each: a model it
refuses gets one `onnx2c: error:` line and exit status 2, never a traceback or a hang; a
model it accepts builds at the strict flags and runs clean under ASan and UBSan on
adversarial inputs; "--freeze" advice is given only where freezing makes it compile.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper

REFUSE, ACCEPT, EITHER = "refuse", "accept", "either"
OPEN = "open"       # an output shape left undeclared


@dataclass
class Case:
    category: str
    name: str
    data: bytes                         # the .onnx file
    expect: str = EITHER                # REFUSE, ACCEPT or EITHER
    says: str = ""                      # a refusal's line must contain this
    args: list[str] = field(default_factory=list)           # more CLI arguments
    files: dict[str, bytes] = field(default_factory=dict)   # written beside the model

    @property
    def id(self) -> str:
        return f"{self.category}/{self.name}"


def vi(name, elem=T.FLOAT, shape=(2, 3)):
    return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))


def model(nodes, inputs, outputs, inits=(), opset=17, ir=None, value_info=(), name="g",
          opsets=None, functions=()) -> onnx.ModelProto:
    """A model as given, never checked or inferred. inputs/outputs: ValueInfoProtos or
    (name, elem, shape); inits: (name, array) or TensorProtos; opsets: {domain: version}."""
    as_vi = lambda v: v if isinstance(v, onnx.ValueInfoProto) else vi(*v)
    as_t = lambda t: t if isinstance(t, onnx.TensorProto) else numpy_helper.from_array(
        np.asarray(t[1]), t[0])
    g = helper.make_graph(nodes, name, [as_vi(i) for i in inputs], [as_vi(o) for o in outputs],
                          [as_t(t) for t in inits], value_info=[as_vi(v) for v in value_info])
    ops = opsets if opsets is not None else {"": opset}
    m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in ops.items()],
                          functions=list(functions))
    if ir is not None:
        m.ir_version = ir
    return m


def unary(op, elem=T.FLOAT, shape=(2, 3), out_shape=None, opset=17, out_elem=None,
          **attrs) -> onnx.ModelProto:
    """x -> op -> y; y declared with x's shape, out_shape, or none (OPEN)."""
    declared = None if out_shape == OPEN else shape if out_shape is None else out_shape
    return model([helper.make_node(op, ["x"], ["y"], **attrs)], [vi("x", elem, shape)],
                 [vi("y", out_elem or elem, declared)], opset=opset)


def case(category, name, m, expect=EITHER, says="", args=(), files=None) -> Case:
    data = m if isinstance(m, bytes) else m.SerializeToString()
    return Case(category, name, data, expect, says, list(args), dict(files or {}))


def cases() -> list[Case]:
    from . import (cases_attrs, cases_edges, cases_graph, cases_names, cases_proto,
                   cases_quant, cases_shapes, cases_values)
    out = []
    for mod in (cases_proto, cases_graph, cases_attrs, cases_shapes, cases_names, cases_values,
                cases_edges, cases_quant):
        out.extend(mod.cases())
    ids = [c.id for c in out]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, f"duplicate case ids {sorted(dup)}"
    return out


def write(case_: Case, folder: Path) -> Path:
    """case_'s model (and its files) under folder; the model's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for fname, data in case_.files.items():
        (folder / fname).parent.mkdir(parents=True, exist_ok=True)
        (folder / fname).write_bytes(data)
    path = folder / f"{case_.name}.onnx"
    path.write_bytes(case_.data)
    return path


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "hostile_corpus")
    all_cases = cases()
    for c in all_cases:
        write(c, root / c.category / c.name)
    cats = sorted({c.category for c in all_cases})
    print(f"{len(all_cases)} models in {len(cats)} categories under {root}: "
          + ", ".join(f"{k} {sum(c.category == k for c in all_cases)}" for k in cats))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
