"""Shared fixtures and helpers: build small models, compile one, build it for this host, run
it, and compare with onnxruntime or the onnx reference evaluator."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

import onnx2c
from onnx2c.compiler import CompileResult
from onnx2c.harness import build_host
from onnx2c.harness.build import HostModel
from onnx2c.harness.oracle import ort_session
from onnx2c.harness.verify import as_tensor, compare, random_input

REPO = Path(__file__).resolve().parents[1]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
O2C_ERR_INDEX, O2C_ERR_VALUE, O2C_ERR_CAPACITY = -1, -2, -3     # runtime_c/o2c_abi.h


def c_compilers() -> list[str]:
    return [c for c in ("gcc", "clang") if shutil.which(c)]


def strict_compile(compiler: str, src_dir: Path, out_dir: Path) -> list[Path]:
    """Compile every .c in src_dir to an object with the strict flags; returns the objects."""
    objs = []
    for c in sorted(src_dir.glob("*.c")):
        obj = out_dir / f"{c.stem}.{compiler}.o"
        p = subprocess.run([compiler, *STRICT, "-O2", "-c", str(c), "-I", str(src_dir), "-o",
                            str(obj)], capture_output=True, text=True)
        assert p.returncode == 0, f"{compiler} rejected {c.name}:\n{p.stderr[:3000]}"
        objs.append(obj)
    return objs


# -- models ------------------------------------------------------------------------------

def _value_info(v):
    """A ValueInfoProto as given, or one made from (name, elem type, shape)."""
    return v if isinstance(v, onnx.ValueInfoProto) else helper.make_tensor_value_info(*v)


def graph_model(nodes, inputs, outputs, opset: int | Mapping[str, int] = 17, inits=(),
                **model_kwargs) -> onnx.ModelProto:
    """A model of `nodes`, without shape inference. inputs/outputs are ValueInfoProtos or
    (name, elem type, shape); inits are (name, array) initializers; opset is the default
    domain's version or {domain: version}; model_kwargs go to helper.make_model."""
    opsets = opset if isinstance(opset, Mapping) else {"": opset}
    graph = helper.make_graph(nodes, "g", [_value_info(i) for i in inputs],
                              [_value_info(o) for o in outputs],
                              [numpy_helper.from_array(np.asarray(a), n) for n, a in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                   for d, v in opsets.items()], **model_kwargs)


def one_node_model(op, inputs, outputs, opset: int, domain="", inits=(), onnx_opset=22,
                   **attrs) -> onnx.ModelProto:
    """One `op` node, shapes inferred (strict). inputs/outputs are (name, elem type, shape);
    ("",) skips an optional input or output; inits are (name, array) initializers (constant,
    not graph inputs). opset is the version of the op's domain; with a domain other than
    ONNX's, onnx_opset is the version of ONNX's."""
    node = helper.make_node(op, [i[0] for i in inputs], [o[0] for o in outputs],
                            domain=domain or None, **attrs)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info(*i) for i in inputs
                             if i[0] and i[0] not in dict(inits)],
        [helper.make_tensor_value_info(*o) for o in outputs if o[0]],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in inits])
    opsets = {"": onnx_opset, domain: opset} if domain else {"": opset}
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                for d, v in opsets.items()])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


# -- compile, build, run, compare --------------------------------------------------------

def compile_host(model, tmp_path: Path, name="model", **compile_kwargs
                 ) -> tuple[CompileResult, HostModel]:
    """Compile to tmp_path/src (compile_kwargs: shapes, capacity, string_bytes, ...) and
    build that for this host in tmp_path/build."""
    r = onnx2c.compile(model, tmp_path / "src", name=name, **compile_kwargs)
    return r, build_host(r, tmp_path / "build")


def build_and_run(model, feeds, tmp_path: Path, **compile_kwargs
                  ) -> tuple[int, list[np.ndarray]]:
    """compile_host, then one run: (status, outputs), the status not checked."""
    return compile_host(model, tmp_path, **compile_kwargs)[1].run(feeds)


def oracle_run(model, feeds, oracle="ort", names=None) -> list[np.ndarray]:
    """Outputs `names` (None: all) of `model` (a ModelProto or path) on feeds, computed by
    onnxruntime ("ort") or the onnx reference evaluator ("reference", or "ref")."""
    proto = model if isinstance(model, onnx.ModelProto) else onnx.load(str(model))
    if oracle == "ort":
        return ort_session(proto).run(names, feeds)
    if oracle in ("reference", "ref"):
        from onnx.reference import ReferenceEvaluator
        return ReferenceEvaluator(proto).run(names, feeds)
    raise ValueError(f"oracle {oracle!r}: 'ort' or 'reference'")


def assert_outputs_match(names, got, want, rtol, atol, dtype_tol=None):
    """Each got[k] as want[k] by harness.verify.compare (floats within atol + rtol * |want|,
    NaNs equal; other types exactly). dtype_tol {numpy dtype: (rtol, atol)} replaces the
    tolerances for the outputs whose expected values have that dtype."""
    assert len(got) == len(want), f"{len(got)} outputs, the oracle gave {len(want)}"
    by_dtype = {np.dtype(k): v for k, v in (dtype_tol or {}).items()}
    for name, g, w in zip(names, got, want):
        w = np.asarray(w)
        rt, at = by_dtype.get(w.dtype, (rtol, atol))
        ok, ea, er = compare(g, w, rt, at)
        assert ok, (f"output {name}: max abs err {ea}, max rel err {er}, shapes {g.shape} "
                    f"{w.shape}\ngot {g}\nwant {w}")


def check_run(host: HostModel, model, feeds, oracle="ort", rtol=1e-3, atol=1e-5,
              dtype_tol=None) -> list[np.ndarray]:
    """One run of a built model on feeds: status 0 and every output as the oracle's."""
    status, got = host.run(feeds)
    assert status == 0, f"run returned {status}"
    names = [o.name for o in host.result.outputs]
    want = [as_tensor(w, info) for w, info in
            zip(oracle_run(model, feeds, oracle, names), host.result.outputs)]
    assert_outputs_match(names, got, want, rtol, atol, dtype_tol)
    return got


class Compared(NamedTuple):
    result: CompileResult
    host: HostModel
    outputs: list[np.ndarray]


def run_and_compare(model, feeds, tmp_path: Path, oracle="ort", rtol=1e-3, atol=1e-5,
                    dtype_tol=None, seed=0, name="model", **compile_kwargs) -> Compared:
    """Compile (compile_kwargs go to onnx2c.compile), build for this host, run on feeds
    (None: random inputs from seed) and assert status 0 and every output matching the
    oracle, "ort" (onnxruntime) or "reference" (onnx.reference). Returns the compile
    result, the built model (for more runs: check_run, host.run) and the outputs."""
    r, host = compile_host(model, tmp_path, name=name, **compile_kwargs)
    if feeds is None:
        rng = np.random.default_rng(seed)
        feeds = {i.name: random_input(i.dtype, i.shape, rng) for i in r.inputs}
    return Compared(r, host, check_run(host, model, feeds, oracle, rtol, atol, dtype_tol))


def check_against_ort(model, tmp_path: Path, name="model", rtol=1e-3, atol=1e-5, seed=0,
                      feeds=None):
    """Compile, build, run on random inputs (or feeds); assert every output matches
    onnxruntime. Returns the compile result."""
    return run_and_compare(model, feeds, tmp_path, "ort", rtol, atol, seed=seed,
                           name=name).result


@pytest.fixture(params=c_compilers() or [pytest.param("none", marks=pytest.mark.skip(
    reason="no C compiler (gcc or clang) on PATH"))])
def cc(request):
    return request.param
