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
from tests.conftest import REPO, c_compilers, check_against_ort, strict_compile


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
    """Element count of every constant array defined in a generated .c file: the static
    ones beside the code (not the dims tables), the weights of NAME_weights.c."""
    static = re.finditer(r"static const \w+ (\w+_c_\w+)\[(\d+)\] = \{", c_source)
    weights = re.finditer(r"^const union \{ unsigned char bytes\[\d+\]\[\d+\]; \w+ v\[(\d+)\]; \} "
                          r"(\w+) = \{", c_source, re.M)
    return {**{m.group(1): int(m.group(2)) for m in static},
            **{m.group(2): int(m.group(1)) for m in weights}}


def test_splat_constants_are_filled_not_printed(tmp_path, cc):
    r = check_against_ort(splat_model(), tmp_path, name="sp")
    c = (tmp_path / "src" / "sp.c").read_text()
    weights = (tmp_path / "src" / "sp_weights.c").read_text()
    assert len(c + weights) < 20_000, f"{len(c + weights)} bytes of C for three splats"
    # W is filled into the workspace, planned like an intermediate; z, written straight
    # into the caller's buffer, is one memset; b, below the threshold, stays in flash
    # with C zero-filling it
    assert splat.MIN_BYTES <= 64 * 4096 * 4 <= r.workspace_bytes
    assert "= 0.25f;" in c and "memset(out0, 0, 32768u" in c
    assert _literal_counts(c) == {} and _literal_counts(weights) == {"sp_w_b": 4096}
    assert re.search(r"sp_w_b = \{ \{\s*\"\"\s*\} \};", weights)


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


def test_weights_hold_every_dtype_bit_exactly(tmp_path):
    """Constant outputs of every storage width, NaN payloads, -0.0, arrays over one
    string row (4,095 bytes) of odd lengths and with trailing zeros come back from
    NAME_weights.c exactly as the initializers hold them."""
    rng = np.random.default_rng(0)
    f32 = rng.standard_normal(1100).astype(np.float32)
    f32[:3] = [np.float32(-0.0), np.inf, np.nan]
    f32.view(np.uint32)[3] = 0x7FC01234            # a NaN with a payload
    f32[-40:] = 0.0                                 # trailing zeros, left to C
    values = {"f32": f32, "f64": rng.standard_normal(33).astype(np.float64),
              "f16": rng.standard_normal(700).astype(np.float16),
              "i8": rng.integers(-128, 128, 4097).astype(np.int8),
              "u16": rng.integers(0, 1 << 16, 40).astype(np.uint16),
              "i64": rng.integers(-(1 << 62), 1 << 62, 9).astype(np.int64),
              "b": rng.integers(0, 2, 70).astype(bool)}
    inits = [numpy_helper.from_array(a, f"{k}_w") for k, a in values.items()]
    nodes = [helper.make_node("Identity", [f"{k}_w"], [k]) for k in values]
    outs = [helper.make_tensor_value_info(k, numpy_helper.from_array(a).data_type, a.shape)
            for k, a in values.items()]
    r = onnx2c.compile(_model(nodes, [], outs, inits), tmp_path / "src", name="w")
    counts = _literal_counts((tmp_path / "src" / "w_weights.c").read_text())
    assert counts == {f"w_w_{k}": a.size for k, a in values.items()}
    status, got = build_host(r, tmp_path / "build").run({})
    assert status == 0
    for (k, want), g in zip(values.items(), got):
        assert g.dtype == want.dtype and g.tobytes() == want.tobytes(), k


def test_weights_are_a_translation_unit_of_their_own(tmp_path):
    """The 51,200-byte weight (packed at compile time into the GEMM's panels, a few
    padding columns more) and the 800-byte bias are in NAME_weights.c, declared in NAME.c;
    the 16-byte scale stays static beside the code, where the compiler can fold it."""
    r = onnx2c.compile(dense_model(), tmp_path, name="net")
    c, w = (tmp_path / "net.c").read_text(), (tmp_path / "net_weights.c").read_text()
    assert r.sources == ["net.c", "net_weights.c"]
    counts = _literal_counts(w)
    assert set(counts) == {"net_w_W_packed", "net_w_b"} and counts["net_w_b"] == 200
    assert 64 * 200 <= counts["net_w_W_packed"] < 64 * 216
    assert list(_literal_counts(c).values()) == [4]
    rows, cols = literals.string_rows(4 * counts["net_w_W_packed"])
    assert rows * cols >= 4 * counts["net_w_W_packed"] and cols <= 4095
    assert (f"extern const union {{ unsigned char bytes[{rows}][{cols}]; float "
            f"v[{counts['net_w_W_packed']}]; }} net_w_W_packed;") in c
    assert len(c) < 10_000 < 51_200 < len(w)


@pytest.mark.parametrize("model", ["packed", "int8"])
def test_weights_unit_compiles_strictly(model, tmp_path):
    """Compile-time packed float weights (Kernel.packed) and int8 weights go to
    NAME_weights.c, which gcc and clang take at the strict flags: its string rows stay
    within the 4,095 characters C99 promises (-Woverlength-strings, part of -Wpedantic)."""
    src = REPO / "tests" / "models" / "quant" / "mobilenetv2_ts_qop_s8s8_pc.onnx"
    onnx2c.compile(dense_model() if model == "packed" else src, tmp_path / "src", name="net")
    w = (tmp_path / "src" / "net_weights.c").read_text()
    kinds = re.findall(r"^const union \{ unsigned char bytes\[\d+\]\[(\d+)\]; (\w+) v\[", w, re.M)
    assert kinds and all(int(cols) <= 4095 for cols, _ in kinds)
    assert ("float" if model == "packed" else "int8_t") in {ctype for _, ctype in kinds}
    if model == "packed":
        assert "net_w_W_packed" in w
    for cc in c_compilers() or pytest.skip("no C compiler"):
        strict_compile(cc, tmp_path / "src", tmp_path)
