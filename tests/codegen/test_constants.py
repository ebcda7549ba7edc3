"""How constants are emitted: splats as workspace fills, large weights in a blob the caller
passes in, bulk literal printing, and the size limit on literal C."""
from __future__ import annotations

import re
import shutil
import zlib

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnx2c
from onnx2c.cli import main as cli_main
from onnx2c.codegen import constants
from onnx2c.csyntax import literals
from onnx2c.harness import build_host
from onnx2c.ir import DType
from onnx2c.lowering import splat
from onnx2c.ops.packing import PANEL_COLS
from tests.codegen.test_abi import _writable_symbols
from tests.conftest import c_compilers, check_against_ort, strict_compile


def _model(nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "consts", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _fill(name, shape, value, dtype=TensorProto.FLOAT):
    """A ConstantOfShape node and its shape initializer: folding makes it a splat."""
    shape_init = numpy_helper.from_array(np.array(shape, np.int64), f"{name}_shape")
    node = helper.make_node("ConstantOfShape", [f"{name}_shape"], [name],
                            value=helper.make_tensor("v", dtype, [1], [value]))
    return node, shape_init


def splat_model():
    """y = x @ W + b with W (1 MiB) all 0.25 and b (16 KiB) all zero; z (128 KiB of int32
    zeros) an output."""
    w, w_shape = _fill("W", [64, 4096], 0.25)
    b, b_shape = _fill("b", [4096], 0.0)
    z, z_shape = _fill("z", [32768], 0, TensorProto.INT32)
    nodes = [w, b, z, helper.make_node("MatMul", ["x", "W"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["y"])]
    return _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4096]),
                   helper.make_tensor_value_info("z", TensorProto.INT32, [32768])],
                  [w_shape, b_shape, z_shape])


def dense_model():
    """Random weights: W and b above a 256-byte threshold, a 4-float scale below it."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((64, 200)).astype(np.float32), "W"),
             numpy_helper.from_array(rng.standard_normal(200).astype(np.float32), "b"),
             numpy_helper.from_array(rng.standard_normal((4, 1)).astype(np.float32), "s"),
             numpy_helper.from_array(np.array([4, 50], np.int64), "shape")]
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["h2"]),
             helper.make_node("Reshape", ["h2", "shape"], ["h3"]),
             helper.make_node("Mul", ["h3", "s"], ["y"])]
    return _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 50])], inits)


def _literal_counts(c_source: str) -> dict[str, int]:
    """Element count of every constant array in a generated .c file (not the dims tables)."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"static const \w+ (\w+_c_\w+)\[(\d+)\] = \{", c_source)}


def test_splat_constants_are_filled_not_printed(tmp_path, cc):
    r = check_against_ort(splat_model(), tmp_path, name="sp")
    c = (tmp_path / "src" / "sp.c").read_text()
    assert len(c) < 20_000, f"{len(c)} bytes of C for three splats"
    # W is filled into the workspace, planned like an intermediate; z, written straight
    # into the caller's buffer, is one memset; b, below the threshold, stays in flash
    # with C zero-filling it
    assert splat.MIN_BYTES <= 64 * 4096 * 4 <= r.workspace_bytes
    assert "= 0.25f;" in c and "memset(out0, 0, 32768u" in c
    assert _literal_counts(c) == {"sp_c_b": 4096}
    assert re.search(r"sp_c_b\[4096\] = \{\s*0\s*\};", c)


def test_small_splats_stay_literal():
    b, b_shape = _fill("b", [8], 1.5)
    m = _model([b, helper.make_node("Add", ["x", "b"], ["y"])],
               [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8])], [b_shape])
    r = onnx2c.build(m, "tiny")
    assert r.workspace_bytes == 0
    assert list(_literal_counts(r.files["tiny.c"]).values()) == [8]


def test_weights_file_matches_onnxruntime(tmp_path, cc):
    r = onnx2c.compile(dense_model(), tmp_path / "src", name="net", weights_file=True,
                       weights_threshold=256)
    blob = (tmp_path / "src" / "net.weights.bin").read_bytes()
    h, c = (tmp_path / "src" / "net.h").read_text(), (tmp_path / "src" / "net.c").read_text()
    assert blob == r.weights
    assert f"#define NET_WEIGHTS_BYTES {len(blob)}u" in h
    assert f"#define NET_WEIGHTS_CRC32 0x{zlib.crc32(blob):08x}u" in h
    assert re.search(r"int net_run\(.*const void \*weights,.*void \*workspace\);", h, re.S)
    # W (64 x 200, packed in panels of 16 columns: 64 x 208 floats) and b (800 bytes) are
    # in the blob, 16-aligned; only s (16 bytes) is in C
    cols = -(-200 // PANEL_COLS) * PANEL_COLS
    assert len(blob) == 64 * cols * 4 + 800
    assert list(_literal_counts(c).values()) == [4]
    assert len(c) < 10_000
    host = build_host(r, tmp_path / "build")
    assert host.weights is not None and host.weights.ctypes.data % 16 == 0
    import onnxruntime as ort
    x = np.random.default_rng(1).standard_normal((1, 64)).astype(np.float32)
    sess = ort.InferenceSession(dense_model().SerializeToString(),
                                providers=["CPUExecutionProvider"])
    status, (y,) = host.run({"x": x})
    assert status == 0
    np.testing.assert_allclose(y, sess.run(None, {"x": x})[0], rtol=1e-4, atol=1e-5)


def test_weights_file_without_large_constants_keeps_the_parameter(tmp_path):
    r = onnx2c.compile(dense_model(), tmp_path, name="net", weights_file=True,
                       weights_threshold=1 << 20)
    assert r.weights == b"" and (tmp_path / "net.weights.bin").read_bytes() == b""
    assert "const void *weights" in (tmp_path / "net.h").read_text()


def test_oversized_c_is_refused_with_a_hint(monkeypatch):
    monkeypatch.setattr(constants, "MAX_SOURCE_BYTES", 10_000)
    with pytest.raises(onnx2c.CompileError, match="--weights-file") as e:
        onnx2c.build(dense_model(), "net")
    assert e.value.reason == constants.SOURCE_TOO_LARGE
    r = onnx2c.build(dense_model(), "net", weights_file=True)
    assert len(r.weights) > 50_000


def test_cli_writes_the_weights_file(tmp_path):
    model = tmp_path / "dense.onnx"
    model.write_bytes(dense_model().SerializeToString())
    assert cli_main(["compile", str(model), "-o", str(tmp_path / "out"), "--name", "d",
                     "--weights-file", "--weights-threshold", "4096"]) == 0
    # only W, packed in panels of 16 columns (200 -> 208), is above the threshold
    cols = -(-200 // PANEL_COLS) * PANEL_COLS
    assert (tmp_path / "out" / "d.weights.bin").stat().st_size == 64 * cols * 4


@pytest.mark.skipif(not shutil.which("objdump"), reason="binutils (objdump) is not installed")
@pytest.mark.parametrize("weights_file", [False, True])
def test_no_writable_globals(tmp_path, weights_file):
    compiler = (c_compilers() or pytest.skip("no C compiler"))[0]
    src = tmp_path / "src"
    onnx2c.compile(splat_model(), src, name="sp", weights_file=weights_file)
    onnx2c.compile(dense_model(), src, name="net", weights_file=weights_file,
                   weights_threshold=256)
    for obj in strict_compile(compiler, src, tmp_path):
        assert not _writable_symbols(obj), f"writable state in {obj.name}"


@pytest.mark.parametrize("dtype", [DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.INT64,
                                   DType.UINT64, DType.INT32, DType.UINT32, DType.INT8,
                                   DType.BOOL, DType.INT4])
def test_bulk_literals_equal_scalar_literals(dtype):
    special = [0.0, -0.0, 1.0, -3.0, 0.1, 1e8, 123456789.0, 1e9, 1e17, 1e-45, 2.0 ** 31,
               -(2.0 ** 31), float("nan"), float("inf"), float("-inf")]
    rng = np.random.default_rng(0)
    if dtype.is_float:
        with np.errstate(all="ignore"):
            arr = np.concatenate([special, rng.standard_normal(100)]).astype(dtype.np)
    elif dtype == DType.BOOL:
        arr = rng.integers(0, 2, 30).astype(bool)
    else:
        base = np.int8 if dtype == DType.INT4 else dtype.np
        lo, hi = (-8, 7) if dtype == DType.INT4 else (np.iinfo(base).min, np.iinfo(base).max)
        arr = np.concatenate([np.array([lo, hi, 0, 1], base),
                              rng.integers(lo, hi, 50, base, endpoint=True)]).astype(dtype.np)
    data = literals.storage_array(arr, dtype)
    want = [literals.scalar(x, dtype.ctype) for x in data.tolist()]
    got = literals.array_body(arr, dtype, per_line=1).split(",\n    ")
    assert got == want


def test_trailing_zeros_are_left_to_c():
    body = lambda *xs: literals.array_body(np.array(xs, np.float32), DType.FLOAT)
    assert body(1.5, 0.0, 0.0) == "1.5f"
    assert body(0.0, 0.0) == "0"
    assert body(0.0, -0.0) == "0.0f, -0.0f"          # -0.0 has a bit set
