"""`onnx2c compile --target`'s Makefile, `onnx2c size`, the stack measure, error statuses
and external-RAM placement on the Cortex-M4 board."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

import onnx2c
from onnx2c.targets import NAMES, get
from onnx2c.targets.project import compile_model
from onnx2c.targets.run import run_model
from onnx2c.targets.size import measure, reachable_flash
from tests.conftest import REPO

LENET = REPO / "tests" / "models" / "lenet5_ts.onnx"


def need(target: str, run: bool = True):
    why = get(target).missing(run)
    if why:
        pytest.skip(why)
    return get(target)


def onnx2c_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "onnx2c.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("target", NAMES)
def test_makefile_builds_runs_and_reports_size(target, tmp_path):
    need(target)
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    out = tmp_path / "out"
    p = onnx2c_cli("compile", LENET, "-o", out, "--name", "lenet", "--target", target)
    assert p.returncode == 0, p.stderr
    # the model alone still builds from the top folder, as without --target
    assert sorted(f.name for f in out.glob("*.c")) == ["lenet.c"]
    make = ["make", "-s", "-C", str(out), f"PYTHON={sys.executable}"]
    for goal in ("all", "run", "size"):
        p = subprocess.run(make + [goal], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, f"make {goal}:\n{p.stdout}\n{p.stderr}"
        if goal == "run":
            assert "o2c-status 0" in p.stdout and "o2c-output 0 40 output" in p.stdout
    assert re.search(r"flash +[\d,]+ B = text", p.stdout), p.stdout
    assert "workspace 35,120" in p.stdout, p.stdout


def test_size_command_reports_what_the_toolchain_measured(tmp_path):
    t = need("cortex-m4", run=False)
    p = onnx2c_cli("size", LENET, "--target", "cortex-m4", "--name", "net", "--keep", tmp_path)
    assert p.returncode == 0, p.stderr
    obj = tmp_path / "build" / "net.o"
    # Berkeley format counts rodata as text: it must agree with the report's flash
    berkeley = subprocess.run([t.size, str(obj)], capture_output=True, text=True).stdout
    text, data, _bss = map(int, berkeley.splitlines()[1].split()[:3])
    rep = measure(t, tmp_path, "net", tmp_path / "build")
    assert rep.flash == text + data
    assert f"flash {rep.flash:>10,} B" in p.stdout
    assert rep.workspace == onnx2c.build(LENET, "net").workspace_bytes
    assert rep.stack > 0 and rep.stack_chain[0].startswith("net_run")


def test_reachable_flash_leaves_out_what_the_run_does_not_use(tmp_path):
    """NAME_run's closure: the whole object less the descriptor tables and their strings,
    which nothing NAME_run refers to."""
    t = need("cortex-m4", run=False)
    p = onnx2c_cli("size", LENET, "--target", "cortex-m4", "--name", "net", "--keep", tmp_path)
    assert p.returncode == 0, p.stderr
    obj = tmp_path / "build" / "net.o"
    whole = measure(t, tmp_path, "net", tmp_path / "build").flash
    run = reachable_flash(t, obj, "net_run")
    readelf = subprocess.run([t.size[:-4] + "readelf", "-SW", str(obj)], capture_output=True,
                             text=True).stdout
    tables = sum(int(n, 16) for name, n in re.findall(
        r"\] (\.rodata\.net_(?:in|out)put\S*|\.rodata\.str\S*)\s+PROGBITS\s+\S+\s+\S+\s+"
        r"([0-9a-f]+)", readelf))
    assert 0 < tables and run == whole - tables


def test_stack_is_the_deepest_call_chain(tmp_path):
    """A hand-written 'model' whose run calls a chain of non-inlined frames; twin is
    identical to shallow, so GCC folds it into an alias the call graph has no frame for."""
    t = need("cortex-m4", run=False)
    (tmp_path / "m.h").write_text("#define M_WORKSPACE_BYTES 16u\n")
    (tmp_path / "m.c").write_text("""
#include <string.h>
#define NOINLINE __attribute__((noinline))
typedef volatile unsigned char byte;
NOINLINE static int leaf(byte *p) { byte b[200]; b[2] = *p; return (int)strlen((const char *)b); }
NOINLINE static int mid(byte *p) { byte b[64]; b[0] = *p; return leaf(b); }
NOINLINE static int shallow(byte *p) { byte b[240]; b[1] = *p; return b[*p]; }
NOINLINE static int twin(byte *p) { byte b[240]; b[1] = *p; return b[*p]; }
int m_run(byte *p);
int m_run(byte *p) { return mid(p) + shallow(p) + twin(p); }
""")
    compile_model(tmp_path, "m", t, tmp_path / "build")
    frames = {}
    for line in (tmp_path / "build" / "m.su").read_text().splitlines():
        loc, n, _ = line.split("\t")
        frames[loc.rsplit(":", 1)[-1]] = int(n)
    rep = measure(t, tmp_path, "m", tmp_path / "build")
    # the chain through two frames is deeper than the single biggest frame
    assert frames["shallow"] > max(frames["mid"], frames["leaf"])
    assert frames["mid"] + frames["leaf"] > frames["shallow"]
    assert rep.stack == frames["m_run"] + frames["mid"] + frames["leaf"]
    assert [c.split()[0] for c in rep.stack_chain] == ["m_run", "mid", "leaf"]
    assert rep.uncounted == ["strlen"]


def test_compile_target_refuses_a_name_the_example_program_uses(tmp_path):
    p = onnx2c_cli("compile", LENET, "-o", tmp_path / "out", "--name", "main",
                   "--target", "cortex-m4")
    assert p.returncode == 2 and "clashes" in p.stderr
    assert not (tmp_path / "out").exists()


def _gather_model():
    g = helper.make_graph(
        [helper.make_node("Gather", ["data", "idx"], ["y"])], "gather",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [4, 3]),
         helper.make_tensor_value_info("idx", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_error_status_comes_back_from_the_board(tmp_path):
    t = need("cortex-m4")
    r = onnx2c.compile(_gather_model(), tmp_path, name="g")
    feeds = {"data": np.ones((4, 3), np.float32), "idx": np.array([1, 9], np.int64)}
    status, _ = run_model(r, t, feeds, timeout=60)
    assert status == -1          # O2C_ERR_INDEX, printed before QEMU exits with 1


def test_workspace_too_big_for_sram_runs_from_psram(tmp_path):
    """A 4.5 MiB intermediate does not fit the board's 4 MiB SRAM: the arena moves to PSRAM."""
    t = need("cortex-m4")
    rows = 1100
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [rows, 1024])
    g = helper.make_graph(
        [helper.make_node("Expand", ["x", "shape"], ["big"]),
         helper.make_node("Relu", ["big"], ["r"]),
         helper.make_node("ReduceSum", ["r"], ["y"], keepdims=0)], "big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])], initializer=[shape])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    r = onnx2c.compile(model, tmp_path, name="big")
    assert r.workspace_bytes > t.onchip_ram
    # small integers: the float sum is exact whatever the order of additions
    x = (np.arange(1024) % 8 - 3).astype(np.float32).reshape(1, 1024)
    status, (y,) = run_model(r, t, {"x": x}, timeout=120)
    assert status == 0
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(y, sess.run(None, {"x": x})[0], rtol=1e-3)
    syms = subprocess.run(["arm-none-eabi-nm", str(tmp_path / "build" / "big.elf")],
                          capture_output=True, text=True).stdout
    addr = int(re.search(r"^([0-9a-f]+) b workspace$", syms, re.M).group(1), 16)
    assert 0x21000000 <= addr < 0x22000000


def test_bounded_output_reports_its_actual_dims(tmp_path):
    t = need("cortex-m4")
    g = helper.make_graph(
        [helper.make_node("NonZero", ["x"], ["idx"])], "nz",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("idx", TensorProto.INT64, [2, None])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    r = onnx2c.compile(model, tmp_path, name="nz")
    assert r.outputs[0].bounded
    x = np.array([[0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 4, 5]], np.float32)
    status, (idx,) = run_model(r, t, {"x": x}, timeout=60)
    assert status == 0
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(idx, sess.run(None, {"x": x})[0])


@pytest.mark.parametrize("target", ["cortex-m4", "wasm32"])
def test_weights_file_is_linked_into_the_example_program(target, tmp_path):
    t = need(target)
    r = onnx2c.compile(LENET, tmp_path, name="net", weights_file=True)
    assert r.weights is not None
    x = np.random.default_rng(0).standard_normal((1, 1, 28, 28)).astype(np.float32)
    status, (y,) = run_model(r, t, {"input": x}, timeout=60)
    assert status == 0
    sess = ort.InferenceSession(str(LENET), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(y, sess.run(None, {"input": x})[0], rtol=1e-3, atol=1e-5)
