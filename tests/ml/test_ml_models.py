"""The converted scikit-learn, XGBoost and LightGBM models of tests/ml/models compile,
build warning-free and match onnxruntime: labels exactly, probabilities and scores within
rtol 1e-5, atol 1e-6, on rows of their training data plus edge cases: each tree
feature set exactly to a threshold, and NaN where the trees have missing-value tracks.

The models are committed; test_generated_models_are_committed regenerates them when
the converters (pinned in generate.py) are installed.
"""
from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

from onnx2c.ops import _tree_tables
from tests.conftest import check_run, compile_host, strict_compile

HERE = Path(__file__).resolve().parent
MODELS = sorted(p.stem for p in (HERE / "models").glob("*.onnx"))
RTOL, ATOL = 1e-5, 1e-6
_TREES = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")


def _tree_nodes(model: onnx.ModelProto):
    for n in model.graph.node:
        if n.op_type in _TREES:
            yield {a.name: helper.get_attribute_value(a) for a in n.attribute}


def edge_rows(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """Rows of x with one feature set exactly to a tree threshold (the first 8 distinct
    ones), and with NaNs in two features when some node tracks missing values."""
    extra = []
    for a in _tree_nodes(model):
        splits = [(f, v) for f, v, m in zip(a["nodes_featureids"], a["nodes_values"],
                                             a["nodes_modes"]) if m != b"LEAF"]
        for k, (f, v) in enumerate(dict.fromkeys(splits).keys()):
            if k == 8:
                break
            row = x[k % len(x)].copy()
            row[f] = np.float32(v)
            extra.append(row)
        if any(a.get("nodes_missing_value_tracks_true") or []):
            for k, (f, _) in enumerate(splits[:2]):
                row = x[k].copy()
                row[f] = np.nan
                extra.append(row)
    return np.concatenate([x] + [np.stack(extra)] if extra else [x]).astype(x.dtype)


def feeds_for(name: str) -> tuple[onnx.ModelProto, dict]:
    model = onnx.load(HERE / "models" / f"{name}.onnx")
    feeds = dict(np.load(HERE / "models" / f"{name}.inputs.npz"))
    if len(feeds) == 1:
        (key, x), = feeds.items()
        feeds = {key: edge_rows(model, x)}
    return model, feeds


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """name -> (model, feeds, compile result, host build), compiled once per model."""
    cache, root = {}, tmp_path_factory.mktemp("ml")

    def get(name: str):
        if name not in cache:
            model, feeds = feeds_for(name)
            r, host = compile_host(model, root / name, name="net",
                                   shapes={k: v.shape for k, v in feeds.items()})
            cache[name] = (model, feeds, r, host)
        return cache[name]
    return get


@pytest.mark.parametrize("name", MODELS)
def test_model_matches_onnxruntime(name, built):
    model, feeds, _, host = built(name)
    got = check_run(host, model, feeds, rtol=RTOL, atol=ATOL)
    assert all(np.isfinite(g).all() for g in got if g.dtype.kind == "f") or \
        any(np.isnan(v).any() for v in feeds.values() if v.dtype.kind == "f")


@pytest.mark.parametrize("name", MODELS)
def test_model_builds_strictly(name, built, cc, tmp_path):
    _, _, r, _ = built(name)
    assert strict_compile(cc, r.out_dir, tmp_path)


@pytest.mark.parametrize("name", [m for m in MODELS if m.startswith(("rf_", "gb_", "xgb_",
                                                                       "lgbm_", "dtree_"))])
@pytest.mark.parametrize("form", ["table", "code"])
def test_tree_forms_match(name, form, tmp_path, monkeypatch):
    """Both tree forms (tables and if/else code) give onnxruntime's results."""
    monkeypatch.setattr(_tree_tables, "choose_form", lambda *a: form)
    model, feeds = feeds_for(name)
    _, host = compile_host(model, tmp_path, shapes={k: v.shape for k, v in feeds.items()})
    check_run(host, model, feeds, rtol=RTOL, atol=ATOL)


_PINS = {"sklearn": "1.9.1", "skl2onnx": "1.20.0", "onnxmltools": "1.16.0",
         "xgboost": "3.2.0", "lightgbm": "4.7.0", "pandas": None}


def test_generated_models_are_committed(tmp_path):
    """generate.py, run again, writes exactly the committed files (with the pinned
    converters; other versions fit other trees)."""
    for module, version in _PINS.items():
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: the committed models are used as they are "
                        "(pip install scikit-learn==1.9.1 skl2onnx==1.20.0 onnxmltools==1.16.0 "
                        "xgboost==3.2.0 lightgbm==4.7.0 pandas to regenerate)")
        have = importlib.import_module(module).__version__
        if version and have != version:
            pytest.skip(f"{module} {have} is installed; the models were made with {version}")
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in (HERE / "models").iterdir())
    for f in made:
        assert (tmp_path / f).read_bytes() == (HERE / "models" / f).read_bytes(), f

