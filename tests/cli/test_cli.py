"""The command line as a user meets it: compile, verify, and one clear line for bad input."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tests.conftest import REPO

SEED = REPO / "examples" / "seed_motion"


def onnx2c(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "onnx2c.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "seed_motion.onnx"
    subprocess.run([sys.executable, str(SEED / "make_model.py"), str(path)], check=True)
    return path


def test_compile_writes_a_self_contained_folder(seed_model, tmp_path):
    p = onnx2c("compile", seed_model, "-o", tmp_path / "out", "--name", "motion")
    assert p.returncode == 0, p.stderr
    names = {f.name for f in (tmp_path / "out").iterdir()}
    assert {"motion.h", "motion.c", "o2c_abi.h", "o2c_runtime.h"} <= names
    cc = subprocess.run(["cc", "-std=c99", "-c", "motion.c"], cwd=tmp_path / "out",
                        capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr


def test_verify_passes_and_prints_a_table(seed_model):
    p = onnx2c("verify", seed_model)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "PASS" in p.stdout and "out" in p.stdout


def test_verify_with_given_inputs(seed_model, tmp_path):
    xin = np.zeros((300, 400, 3), np.int64)
    np.savez(tmp_path / "in.npz", xin=xin)
    p = onnx2c("verify", seed_model, "--inputs", tmp_path / "in.npz")
    assert p.returncode == 0, p.stdout + p.stderr


def _model(node, inputs, outputs, opset=17):
    g = helper.make_graph([node], "bad", inputs, outputs)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _bad_models(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not a protobuf \x00\x01\x02")
    unsupported = tmp_path / "unsupported.onnx"
    onnx.save(_model(helper.make_node("ImageDecoder", ["x"], ["y"], name="decode"),
                     [helper.make_tensor_value_info("x", TensorProto.UINT8, [100])],
                     [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 1, 3])], 20),
              unsupported)
    symbolic = tmp_path / "symbolic.onnx"
    onnx.save(_model(helper.make_node("Relu", ["x"], ["y"]),
                     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])]),
              symbolic)
    return {"broken": (broken, "not a readable ONNX model"),
            "missing": (tmp_path / "nope.onnx", "does not exist"),
            "unsupported": (unsupported, "node 'decode' (ImageDecoder)"),
            "symbolic": (symbolic, "--shape x=")}


@pytest.mark.parametrize("kind", ["broken", "missing", "unsupported", "symbolic"])
def test_bad_input_gives_one_line_and_no_output(kind, tmp_path):
    path, expect = _bad_models(tmp_path)[kind]
    out = tmp_path / "out"
    p = onnx2c("compile", path, "-o", out)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("onnx2c: error:"), p.stderr
    assert expect in lines[0]
    assert "Traceback" not in p.stderr
    assert not out.exists()


def test_shape_option_pins_symbolic_dims(tmp_path):
    path, _ = _bad_models(tmp_path)["symbolic"]
    p = onnx2c("compile", path, "-o", tmp_path / "out", "--shape", "x=2x4")
    assert p.returncode == 0, p.stderr


def test_freeze_option(tmp_path):
    node = helper.make_node("Reshape", ["x", "s"], ["y"])
    m = _model(node, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
                      helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b"])])
    onnx.save(m, tmp_path / "r.onnx")
    p = onnx2c("compile", tmp_path / "r.onnx", "-o", tmp_path / "a")
    assert p.returncode == 2 and "--freeze s=" in p.stderr, p.stderr
    np.save(tmp_path / "s.npy", np.array([3, 2], np.int64))
    p = onnx2c("compile", tmp_path / "r.onnx", "-o", tmp_path / "b", "--freeze",
               f"s={tmp_path / 's.npy'}")
    assert p.returncode == 0, p.stderr
    assert "const float *x" in (tmp_path / "b" / "model.h").read_text()


def test_inspect_lists_the_float_nodes_of_a_quantized_model():
    model = REPO / "tests" / "models" / "quant" / "unet_ts_qdq_u8s8.onnx"
    p = onnx2c("inspect", model)
    assert p.returncode == 0, p.stderr
    listed = p.stdout.split("left in float")[1].splitlines()[1:]
    assert sorted(line.split()[0] for line in listed) == ["ConvTranspose", "Resize"]
    assert "interpolating Resize runs in float, as in onnxruntime" in p.stdout


def test_verify_quantized_io(tmp_path):
    model = REPO / "tests" / "models" / "quant" / "lenet5_ts_qop_s8s8_pc.onnx"
    p = onnx2c("verify", model, "--quantized-io", "--atol", "0", "--rtol", "0")
    assert p.returncode == 0 and "PASS" in p.stdout, p.stdout + p.stderr
