"""The PyTorch-exported models compile, build strictly, and match onnxruntime.

Models well under 1 MB are committed, so these tests need no PyTorch; the autoencoder
(just over 1 MB) and a fresh export of every model come from generate.py when torch is
installed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import c_compilers, check_against_ort, strict_compile

HERE = Path(__file__).resolve().parent
NAMES = [f"{m}_{e}" for m in ("dscnn", "mobilenetv1", "resnet8", "autoencoder", "lenet5", "lstm",
                              "mobilenetv2", "effnet_block", "unet", "transformer", "gru",
                              "conv1d_audio")
         for e in ("ts", "dynamo")]
LARGE = {"autoencoder_ts", "autoencoder_dynamo"}      # just over 1 MB: generated, not committed
COMMITTED = sorted(p.stem for p in HERE.glob("*.onnx") if p.stem not in LARGE)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0 "
                        "onnxscript) so the models cannot be regenerated")
    pytest.importorskip("onnxscript", reason="onnxscript is needed for dynamo=True exports")
    out = tmp_path_factory.mktemp("models")
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--out", str(out)], check=True,
                   capture_output=True)
    return out


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_model_matches_onnxruntime(name, tmp_path):
    r = check_against_ort(HERE / f"{name}.onnx", tmp_path, name="net", atol=1e-5)
    for cc in c_compilers():
        strict_compile(cc, r.out_dir, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_regenerated_model_matches_onnxruntime(name, regenerated, tmp_path):
    r = check_against_ort(regenerated / f"{name}.onnx", tmp_path, name="net", atol=1e-5)
    for cc in c_compilers():
        strict_compile(cc, r.out_dir, tmp_path)


def test_committed_models_are_small():
    for name in COMMITTED:
        assert (HERE / f"{name}.onnx").stat().st_size < 1_000_000, name
