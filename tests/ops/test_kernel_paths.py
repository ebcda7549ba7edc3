"""Every path of the float32 kernel library (runtime_c/o2c_gemm.h, o2c_conv.h) in one
model, against onnxruntime: on this host with each vector path the compilers can build
(SSE2, AVX2+FMA, AVX-512, GNU C vectors, the portable C99 path), under gcc and clang, and
on the emulated targets (NEON under qemu-aarch64, SIMD128 under wasmtime, the scalar
Cortex-M4 path in QEMU). Shapes are chosen to leave partial register tiles, partial
vectors and ragged panels everywhere."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onnx2c
from onnx2c.harness.verify import compare, random_input
from onnx2c.targets import get
from onnx2c.targets.run import run_model
from tests.conftest import (REPO, STRICT, c_compilers, check_against_ort, oracle_run,
                            run_and_compare)

rng = np.random.default_rng(11)
N = helper.make_node
F = TP.FLOAT


def _w(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def paths_model():
    """One graph, one output per kernel path: direct row-stack convs (stride 1 and 2,
    dilated, grouped, 1-D, run-time weights), im2col (column stride 3, 3-D), pointwise
    (band and plain), depthwise (3x3 s1 and s2, 5x5 with two outputs per channel, a
    narrow plane as one flat run with a residual),
    ConvTranspose, fused epilogues, packed and generic Gemm/MatMul, GRU."""
    nodes, inits = [], []

    def conv(op, src, dst, w, b=None, act=None, **attrs):
        inits.append(numpy_helper.from_array(w, f"w_{dst}"))
        ins = [src, f"w_{dst}"]
        if b is not None:
            inits.append(numpy_helper.from_array(b, f"b_{dst}"))
            ins.append(f"b_{dst}")
        nodes.append(N(op, ins, [dst if act is None else f"{dst}_pre"], **attrs))
        if act is not None:
            nodes.append(N(act, [f"{dst}_pre"], [dst]))

    conv("Conv", "x", "im2col_relu", _w(12, 8, 3, 3), _w(12), "Relu", pads=[1, 1, 1, 1])
    conv("Conv", "x", "strided_grouped", _w(6, 4, 3, 3), None, "LeakyRelu", strides=[2, 2],
         dilations=[2, 1], group=2, pads=[2, 0, 1, 1])
    conv("Conv", "x", "im2col_stride3", _w(5, 8, 3, 2), _w(5), "Relu", strides=[1, 3],
         pads=[1, 1, 1, 0])
    conv("Conv", "x", "pointwise_band", _w(8, 8, 1, 1), _w(8))
    nodes.append(N("Add", ["pointwise_band", "x"], ["band_residual"]))
    conv("Conv", "x", "pointwise_wide", _w(16, 8, 1, 1), _w(16), "HardSwish")
    conv("Conv", "x", "depthwise_s1", _w(8, 1, 3, 3), _w(8), "Relu", pads=[1, 1, 1, 1],
         group=8)
    conv("Conv", "x", "depthwise_s2", _w(8, 1, 3, 3), _w(8), "Sigmoid", strides=[2, 2],
         auto_pad="SAME_UPPER", group=8)
    conv("Conv", "xn", "depthwise_narrow", _w(8, 1, 3, 3), _w(8), pads=[1, 1, 1, 1], group=8)
    nodes += [N("Add", ["depthwise_narrow", "xn"], ["dn_sum"]), N("Relu", ["dn_sum"], ["dn_res"])]
    conv("Conv", "x", "depthwise_5x5_mult2", _w(16, 1, 5, 5), _w(16), strides=[2, 2],
         pads=[2, 2, 2, 2], group=8)
    conv("ConvTranspose", "x", "transpose_grouped", _w(8, 3, 2, 2), _w(6), "Relu",
         strides=[2, 2], group=2)
    conv("ConvTranspose", "x", "transpose_padded", _w(8, 5, 3, 3), None, strides=[2, 2],
         pads=[1, 0, 1, 1], output_padding=[1, 0])
    conv("Conv", "x1", "conv1d", _w(6, 4, 5), _w(6), strides=[2])
    conv("Conv", "x3", "conv3d", _w(4, 1, 2, 3, 2), _w(4), group=2, pads=[1, 0, 1, 0, 1, 1])
    nodes.append(N("Conv", ["x", "w_runtime"], ["conv_runtime_weights"], pads=[0, 1, 0, 1]))
    inits += [numpy_helper.from_array(_w(7, 20), "gemm_b"), numpy_helper.from_array(_w(3, 1),
                                                                                      "gemm_c")]
    nodes.append(N("Gemm", ["at", "gemm_b", "gemm_c"], ["gemm_packed"], transA=1, transB=1,
                   alpha=0.75, beta=1.5))
    nodes.append(N("Gemm", ["a", "b", "c"], ["gemm_generic"], alpha=-1.0, beta=0.5))
    inits.append(numpy_helper.from_array(_w(20, 37), "mm_b"))
    nodes += [N("MatMul", ["a3", "mm_b"], ["mm"]), N("Sigmoid", ["mm"], ["mm_s"]),
              N("Mul", ["mm", "mm_s"], ["matmul_packed_silu"])]
    nodes.append(N("MatMul", ["a3", "b3"], ["matmul_broadcast"]))
    hidden = 20
    inits += [numpy_helper.from_array(_w(1, 3 * hidden, 6), "gru_w"),
              numpy_helper.from_array(_w(1, 3 * hidden, hidden), "gru_r"),
              numpy_helper.from_array(_w(1, 6 * hidden), "gru_b")]
    nodes.append(N("GRU", ["seq", "gru_w", "gru_r", "gru_b"], ["gru_y", "gru_h"],
                   hidden_size=hidden, linear_before_reset=1))
    inputs = [("x", F, [1, 8, 11, 37]), ("xn", F, [1, 8, 9, 5]), ("x1", F, [1, 4, 50]), ("x3", F, [1, 2, 4, 5, 6]),
              ("w_runtime", F, [6, 8, 2, 3]), ("at", F, [20, 3]), ("a", F, [5, 20]),
              ("b", F, [20, 9]), ("c", F, [5, 9]), ("a3", F, [2, 3, 5, 20]),
              ("b3", F, [3, 20, 6]), ("seq", F, [7, 1, 6])]
    outputs = [n.output[0] for n in nodes if not n.output[0].endswith(("_pre", "mm", "_s"))
               and n.output[0] not in ("pointwise_band", "depthwise_narrow", "dn_sum")] + ["gru_h"]
    graph = helper.make_graph(nodes, "paths", [helper.make_tensor_value_info(*i) for i in inputs],
                              [helper.make_tensor_value_info(o, TP.UNDEFINED, None)
                               for o in outputs], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


HOST_PATHS = {   # flags -> the CPU features they need to run here
    "": set(), "-mavx2 -mfma": {"avx2", "fma"}, "-mavx512f": {"avx512f"},
    "-DO2C_GNU_VECTORS": set(), "-DO2C_PORTABLE": set(),
}


@pytest.mark.parametrize("compiler", c_compilers())
@pytest.mark.parametrize("flags", sorted(HOST_PATHS), ids=lambda f: f or "default")
def test_every_path_on_this_host(flags, compiler, tmp_path, monkeypatch):
    if not HOST_PATHS[flags] <= _cpu_flags():
        pytest.skip(f"this CPU lacks {sorted(HOST_PATHS[flags] - _cpu_flags())}")
    monkeypatch.setenv("CC", compiler)
    monkeypatch.setenv("O2C_HOST_CFLAGS", flags)
    check_against_ort(paths_model(), tmp_path)


@pytest.mark.parametrize("compiler", c_compilers())
@pytest.mark.parametrize("flags", ["-O2", "-O3 -march=native", "-O3 -mavx2 -mfma",
                                   "-O2 -DO2C_GNU_VECTORS", "-O2 -DO2C_PORTABLE"])
def test_every_path_builds_warning_free(flags, compiler, tmp_path):
    """The optimisers' own warnings (-Waggressive-loop-optimizations, ...) appear only at
    -O2 and above, and differ with the vector path."""
    r = onnx2c.compile(paths_model(), tmp_path / "src", name="model")
    p = subprocess.run([compiler, *STRICT, *flags.split(), "-c", str(r.out_dir / "model.c"),
                        "-I", str(r.out_dir), "-o", str(tmp_path / "m.o")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[:3000]


@pytest.mark.parametrize("target", ["cortex-m4", "aarch64-linux", "wasm32"])
def test_every_path_on_target(target, tmp_path):
    t = get(target)
    if t.missing():
        pytest.skip(t.missing())
    model = paths_model()
    r = onnx2c.compile(model, tmp_path / "src", name="net")
    feeds = {i.name: random_input(i.dtype, i.shape, np.random.default_rng(0)) for i in r.inputs}
    status, got = run_model(r, t, feeds, timeout=240)
    assert status == 0
    want = oracle_run(model, feeds, names=[o.name for o in r.outputs])
    for info, g, w in zip(r.outputs, got, want):
        ok, err_abs, err_rel = compare(g, w, rtol=1e-3, atol=1e-5)
        assert ok, f"{info.name} on {target}: max abs err {err_abs}, max rel err {err_rel}"


def test_optimize_size_trades_scratch_for_speed(tmp_path):
    """--optimize size: strict im2col tiles, one output row per stack pass, no flat
    depthwise buffer; the same results, and for the U-Net (whose peak is at a 3x3 conv
    of 64 channels) a smaller workspace."""
    run_and_compare(paths_model(), None, tmp_path / "paths", optimize="size")
    unet = REPO / "tests" / "models" / "unet_ts.onnx"
    speed = onnx2c.build(unet, "m")
    size = run_and_compare(unet, None, tmp_path / "unet", optimize="size").result
    assert size.workspace_bytes < speed.workspace_bytes
