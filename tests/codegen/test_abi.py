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


def test_only_the_runtime_headers_the_kernels_use(tmp_path):
    """Every runtime header NAME.c includes defines something NAME.c uses; the folder holds
    those and the headers they include, and no string, regex or TF-IDF header for a
    float network."""
    onnx2c.compile(MODELS / "lenet5_ts.onnx", tmp_path, name="net")
    c = (tmp_path / "net.c").read_text()
    written = {p.name for p in tmp_path.glob("o2c_*.h")}
    included = set(re.findall(r'#include "(o2c_\w+\.h)"', c))
    assert "o2c_abi.h" in written and included <= written
    for h in included:
        names = set(re.findall(r"\b[oO]2[cC]_\w+", (tmp_path / h).read_text()))
        assert names & set(re.findall(r"\b[oO]2[cC]_\w+", c)), f"{h} is of no use to net.c"
    for h in written - included - {"o2c_abi.h"}:
        assert any(f'#include "{h}"' in (tmp_path / i).read_text() for i in written), h
    assert not written & {"o2c_string.h", "o2c_regex.h", "o2c_tfidf.h", "o2c_random.h"}
    assert len(written) < len(list((REPO / "runtime_c").glob("o2c_*.h"))) // 2


def test_run_passes_named_pointers(tmp_path):
    """The run function names each buffer after its ONNX tensor (a comment gives the ONNX
    name where the C name differs) and passes only those names to the node functions."""
    onnx2c.compile(MODELS / "lenet5_ts.onnx", tmp_path, name="net")
    run = (tmp_path / "net.c").read_text().split("int net_run(")[1]
    pointers = re.findall(r"^    (?:const )?\w+ \*const (\w+) = \(.*\);(.*)$", run, re.M)
    assert len(pointers) > 5            # activations and the kernels' scratch
    assert ("v1_Relu_output_0", "   /* '/1/Relu_output_0' */") in pointers
    for args in re.findall(r"st = \w+\(([^)]*)\);", run):
        for arg in args.split(", "):
            assert re.fullmatch(r"\w+(\.v)?", arg), f"{arg} is not a name"


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
    """NAME.o defines NAME_run; NAME_weights.o only read-only data; every global symbol
    either defines carries the model's prefix, so two models link into one program."""
    onnx2c.compile(MODELS / "dscnn_ts.onnx", tmp_path / "src", name="kws")
    compiler = (c_compilers() or pytest.skip("no C compiler"))[0]
    objs = {o.name.split(".")[0]: o for o in strict_compile(compiler, tmp_path / "src", tmp_path)}
    assert sorted(objs) == ["kws", "kws_weights"]
    for stem, obj in objs.items():
        syms = subprocess.run(["nm", str(obj)], capture_output=True, text=True,
                              check=True).stdout.split("\n")
        kinds = [line.split()[-2:] for line in syms if line.strip()]
        undefined = {name for kind, name in kinds if kind == "U"}
        assert not undefined & {"malloc", "calloc", "realloc", "free"}, undefined
        assert not _writable_symbols(obj), f"writable state in {obj.name}"
        defined = {name: kind for kind, name in kinds if kind.isupper() and kind != "U"}
        assert all(name.startswith("kws_") for name in defined), defined
        if stem == "kws":
            assert defined["kws_run"] == "T"
        else:
            assert len(defined) > 10 and set(defined.values()) == {"R"}, defined


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_strict_compile(compiler, tmp_path):
    if not shutil.which(compiler):
        pytest.skip(f"{compiler} is not installed")
    onnx2c.compile(small_model(), tmp_path / "src", name="net")
    strict_compile(compiler, tmp_path / "src", tmp_path)
