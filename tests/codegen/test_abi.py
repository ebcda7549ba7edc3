"""The C ABI promises: header contents, no malloc, no mutable state, determinism, strictness."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnx2c
from tests.conftest import REPO, c_compilers, strict_compile

MODELS = REPO / "tests" / "models"


def small_model():
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"]),
         helper.make_node("Cast", ["y"], ["yi"], to=TensorProto.INT32)],
        "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4]),
         helper.make_tensor_value_info("yi", TensorProto.INT32, [2, 4])], initializer=[w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_header_declares_the_abi(tmp_path):
    r = onnx2c.compile(small_model(), tmp_path, name="net")
    h = (tmp_path / "net.h").read_text()
    assert "#define NET_WORKSPACE_BYTES" in h
    assert re.search(r"int net_run\(\s*const float \*x,.*float \*y,.*int32_t \*yi,.*"
                     r"void \*workspace\);", h, re.S)
    assert "extern const o2c_tensor_desc net_inputs[1];" in h
    assert "extern const o2c_tensor_desc net_outputs[2];" in h
    ws = int(re.search(r"NET_WORKSPACE_BYTES (\d+)u", h).group(1))
    assert ws == r.workspace_bytes


def test_sources_only_include_allowed_headers(tmp_path):
    onnx2c.compile(small_model(), tmp_path, name="net")
    allowed = {"stdint.h", "stddef.h", "string.h", "math.h", "stdbool.h"}
    # target intrinsics: in its target's o2c_simd_*.h (which o2c_simd.h includes only
    # behind that target's predefined macro), or right behind such a macro
    intrinsics = {"immintrin.h", "emmintrin.h", "arm_neon.h", "wasm_simd128.h", "arm_acle.h"}
    local = {p.name for p in tmp_path.iterdir()}
    for f in tmp_path.iterdir():
        text = f.read_text()
        for m in re.finditer(r'#include [<"]([^>"]+)[>"]', text):
            inc = m.group(1)
            guard = re.findall(r"^#if .*$", text[:m.start()], re.M)
            behind_macro = bool(guard) and "defined(__" in guard[-1]
            assert inc in allowed or inc in local or (inc in intrinsics and (
                f.name.startswith("o2c_simd_") or behind_macro)), f"{f.name} includes {inc}"


def test_deterministic(tmp_path):
    a = onnx2c.build(MODELS / "dscnn_ts.onnx", "m").files
    b = onnx2c.build(MODELS / "dscnn_ts.onnx", "m").files
    assert a == b


def _writable_symbols(obj: Path) -> list[str]:
    """Symbols in sections the program may write: .data and .bss (.data.rel.ro is only
    written by the dynamic loader when the object is position-independent)."""
    out = subprocess.run(["objdump", "-t", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    bad = []
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ .{7} (\S+)\s+[0-9a-f]+\s+(\S+)$", line)
        if not m:
            continue
        section, name = m.groups()
        if section == "*COM*" or section.startswith(".bss") or (
                section.startswith(".data") and not section.startswith(".data.rel.ro")):
            bad.append(f"{name} in {section}")
    return bad


@pytest.mark.skipif(not (shutil.which("nm") and shutil.which("objdump")),
                    reason="binutils (nm, objdump) is not installed")
def test_no_malloc_and_no_mutable_state(tmp_path):
    onnx2c.compile(MODELS / "dscnn_ts.onnx", tmp_path / "src", name="kws")
    compiler = (c_compilers() or pytest.skip("no C compiler"))[0]
    objs = strict_compile(compiler, tmp_path / "src", tmp_path)
    for obj in objs:
        syms = subprocess.run(["nm", str(obj)], capture_output=True, text=True,
                              check=True).stdout.split("\n")
        kinds = [line.split()[-2:] for line in syms if line.strip()]
        undefined = {name for kind, name in kinds if kind == "U"}
        assert not undefined & {"malloc", "calloc", "realloc", "free"}, undefined
        assert any(name == "kws_run" and kind == "T" for kind, name in kinds)
        assert not _writable_symbols(obj), f"writable state in {obj.name}"


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_strict_compile(compiler, tmp_path):
    if not shutil.which(compiler):
        pytest.skip(f"{compiler} is not installed")
    onnx2c.compile(small_model(), tmp_path / "src", name="net")
    strict_compile(compiler, tmp_path / "src", tmp_path)
