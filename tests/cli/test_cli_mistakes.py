"""Every mistake a user can make on the command line gets one `onnx2c: error:` line and a
non-zero exit status, never a traceback; and the options say what they default to."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from onnx2c import __version__, progress
from onnx2c.cli import main, parser
from onnx2c.harness.verify import compare


@pytest.fixture
def relu(tmp_path):
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _one_line(capsys, argv, status=2):
    got = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert got == status and len(lines) == 1, err
    assert lines[0].startswith("onnx2c: error: ") and "Traceback" not in err
    return lines[0]


def _exits(capsys, argv) -> str:
    """argparse's own mistakes raise SystemExit(2) after their one line."""
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("onnx2c: error: ")
    return err


def test_output_folder_that_is_a_file(relu, tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    assert "is a file" in _one_line(capsys, ["compile", relu, "-o", tmp_path / "taken"])


def test_output_folder_under_a_file(relu, tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    _one_line(capsys, ["compile", relu, "-o", tmp_path / "taken" / "sub"])


def test_plan_svg_in_a_missing_folder(relu, tmp_path, capsys):
    line = _one_line(capsys, ["inspect", relu, "--plan-svg", tmp_path / "nope" / "p.svg"])
    assert "--plan-svg" in line


@pytest.mark.parametrize("kind", ["missing", "not_npz", "unknown_key", "wrong_shape",
                                  "wrong_dtype"])
def test_bad_inputs_file(relu, tmp_path, capsys, kind):
    path = tmp_path / "in.npz"
    if kind == "not_npz":
        path.write_bytes(b"not a zip")
    elif kind == "unknown_key":
        np.savez(path, X=np.zeros((2, 3), np.float32))     # misspelt: the input is x
    elif kind == "wrong_shape":
        np.savez(path, x=np.zeros((3, 2), np.float32))
    elif kind == "wrong_dtype":
        np.savez(path, x=np.zeros((2, 3), np.int64))
    line = _one_line(capsys, ["verify", relu, "--inputs", path])
    assert "--inputs" in line


def test_no_c_compiler(relu, monkeypatch, capsys):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    assert "no C compiler" in _one_line(capsys, ["verify", relu])


def test_verify_without_onnxruntime_says_how_to_install_it(relu, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)     # import fails
    assert "onnx2c[verify]" in _one_line(capsys, ["verify", relu])


@pytest.mark.parametrize("argv", [["compile"], ["compile", "m.onnx"], ["frobnicate"],
                                  ["compile", "m.onnx", "-o", "o", "--shape", "x=2xq"],
                                  ["compile", "m.onnx", "-o", "o", "--freeze", "s=nope.npy"],
                                  ["compile", "m.onnx", "-o", "o", "--max-workspace", "lots"],
                                  ["compile", "m.onnx", "-o", "o", "--target", "pdp11"],
                                  ["verify", "m.onnx", "--rtol", "tight"]])
def test_argument_mistakes(capsys, argv):
    _exits(capsys, argv)


def test_missing_model_and_bad_name(relu, tmp_path, capsys):
    _one_line(capsys, ["compile", tmp_path / "none.onnx", "-o", tmp_path / "o"])
    _one_line(capsys, ["compile", tmp_path, "-o", tmp_path / "o"])
    _one_line(capsys, ["compile", relu, "-o", tmp_path / "o", "--name", "1x"])


def test_version():
    p = subprocess.run([sys.executable, "-m", "onnx2c", "--version"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and p.stdout.strip() == f"onnx2c {__version__}"


def test_every_option_has_help_and_its_default():
    ap = parser()
    for sub in ap._subparsers._group_actions[0].choices.values():
        for action in sub._actions:
            if not action.option_strings or action.dest == "help":
                continue
            assert action.help, f"{sub.prog} {action.option_strings} has no help"
            text = sub.formatter_class(sub.prog)._get_help_string(action)
            shown = action.default not in (None, False, []) and \
                not isinstance(action.default, bool)
            assert not shown or "(default: %(default)s)" in text or "default:" in text, \
                f"{sub.prog} {action.option_strings} hides its default"


def test_relative_error_is_sane_where_the_reference_is_zero():
    ok, abs_err, rel_err = compare(np.array([1e-6, 2.0], np.float32),
                                   np.array([0.0, 2.0], np.float32), 1e-3, 1e-5)
    assert ok and abs_err == pytest.approx(1e-6) and rel_err == 0.0
    ok, abs_err, rel_err = compare(np.array([0.5, 2.0]), np.array([0.0, 1.0]), 1e-3, 1e-5)
    assert not ok and rel_err == pytest.approx(1.0)


def test_progress_names_stages_and_times_and_q_silences_it(relu, tmp_path, capsys,
                                                          monkeypatch):
    monkeypatch.setattr(progress, "AFTER", 0.0)
    assert main(["compile", str(relu), "-o", str(tmp_path / "a"), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "onnx2c: load, infer shapes, fold:" in err and " s" in err
    assert main(["compile", str(relu), "-o", str(tmp_path / "b"), "--progress", "-q"]) == 0
    assert capsys.readouterr().err == ""
