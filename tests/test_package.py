"""`pip install .` into a fresh virtual environment gives a working onnx2c (not only editable)."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    env = tmp_path_factory.mktemp("venv")
    # A venv that sees nothing outside it but the test venv's own packages (onnx, numpy,
    # onnxruntime, hatchling), through a .pth file: the system Python's site-packages
    # would make the test depend on what a machine happens to have installed. Path lines
    # of a .pth are not themselves scanned for .pth files, so the editable install of
    # onnx2c in the test venv stays invisible and the wheel below is what gets imported.
    venv.create(env, with_pip=True)
    py = env / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    ours = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (Path(site.stdout.strip()) / "_test_venv.pth").write_text(
        "\n".join(sorted(ours)) + "\n")
    # --no-build-isolation: the build backend comes from the test venv (pinned in the
    # test extra), so the test needs no network
    p = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps",
                        "--no-build-isolation", str(REPO)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return env


def test_wheel_ships_templates_and_runtime(installed, tmp_path):
    py = installed / "bin" / "python"
    code = ("import onnx2c, pathlib; p = pathlib.Path(onnx2c.__file__).parent; "
            "print(p); assert (p / 'templates' / 'model.c.j2').is_file(); "
            "assert (p / 'runtime_c' / 'o2c_abi.h').is_file()")
    p = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert str(installed) in p.stdout


def test_installed_cli_compiles_and_verifies_the_seed_model(installed, tmp_path):
    model = tmp_path / "seed.onnx"
    subprocess.run([sys.executable, str(REPO / "examples" / "seed_motion" / "make_model.py"),
                    str(model)], check=True)
    exe = installed / "bin" / "onnx2c"
    p = subprocess.run([str(exe), "compile", str(model), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(exe), "verify", str(model)], capture_output=True, text=True,
                       cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "PASS" in p.stdout
