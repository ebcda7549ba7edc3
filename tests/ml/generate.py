"""Fit the classical-ML test models (scikit-learn, XGBoost, LightGBM) from fixed seeds on
data sets that ship with scikit-learn, and convert them to ONNX (skl2onnx, onnxmltools).

The .onnx files are committed, so the tests need none of these packages;
test_ml_models.py regenerates them (into a temporary folder) when the packages are
importable and checks they equal the committed ones. Each forest is kept small (about
10-30 trees of modest depth) so the folder stays well under a megabyte.

Usage: python tests/ml/generate.py [--out DIR] [-k SUBSTR]
Pinned: scikit-learn 1.9.1, skl2onnx 1.20.0, onnxmltools 1.16.0, xgboost 3.2.0,
lightgbm 4.7.0 (the versions the committed files were made with).
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OPSET = {"": 17, "ai.onnx.ml": 3}
SEED = 0
ROWS = 12


def _data(kind: str):
    from sklearn import datasets
    if kind == "iris":              # 4 features, 3 classes
        x, y = datasets.load_iris(return_X_y=True)
    elif kind == "cancer":          # 30 features, 2 classes
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif kind == "wine":            # 13 features, 3 classes
        x, y = datasets.load_wine(return_X_y=True)
    elif kind == "diabetes":        # 10 features, regression
        x, y = datasets.load_diabetes(return_X_y=True)
    elif kind == "digits":          # 64 integer-valued features (0..16), 10 classes
        x, y = datasets.load_digits(return_X_y=True)
    elif kind == "iris_names":      # string class labels
        x, y = datasets.load_iris(return_X_y=True)
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    else:
        raise ValueError(kind)
    return x.astype(np.float32), y


def _mixed():
    """A frame of string and integer categories beside numbers, for the ColumnTransformer."""
    import pandas as pd
    rng = np.random.default_rng(SEED)
    n = 200
    colour = rng.choice(["red", "green", "blue"], n)
    size = rng.choice([1, 2, 3, 4], n).astype(np.int64)
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    y = ((colour == "red") ^ (size > 2) ^ (a > 0.3)).astype(np.int64)
    return pd.DataFrame({"colour": colour, "size": size, "a": a, "b": b}), y


def _models():
    """name -> (fitted estimator, data kind, converter): the test set of the issue."""
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                                  GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, Normalizer, OneHotEncoder, StandardScaler
    from sklearn.svm import SVC, LinearSVC
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    s = dict(random_state=SEED)
    forest = dict(n_estimators=15, max_depth=6, **s)
    boost = dict(n_estimators=20, max_depth=3, **s)
    out = {
        "logreg_binary": (LogisticRegression(max_iter=5000), "cancer"),
        "logreg_multi": (LogisticRegression(max_iter=5000), "iris"),
        "linearsvc": (LinearSVC(max_iter=20000, **s), "iris"),
        "svc_linear": (SVC(kernel="linear"), "iris"),
        "svc_poly": (SVC(kernel="poly", degree=3), "iris"),
        "svc_rbf": (SVC(kernel="rbf"), "iris"),
        "svc_linear_proba": (SVC(kernel="linear", probability=True, **s), "iris"),
        "svc_poly_proba": (SVC(kernel="poly", degree=3, probability=True, **s), "iris"),
        "svc_rbf_proba": (SVC(kernel="rbf", probability=True, **s), "iris"),
        "svc_rbf_binary": (make_pipeline(StandardScaler(), SVC(kernel="rbf")), "cancer"),
        "dtree_clf": (DecisionTreeClassifier(max_depth=6, **s), "wine"),
        "dtree_reg": (DecisionTreeRegressor(max_depth=6, **s), "diabetes"),
        "rf_clf": (RandomForestClassifier(**forest), "wine"),
        "rf_reg": (RandomForestRegressor(**forest), "diabetes"),
        "et_clf": (ExtraTreesClassifier(**forest), "wine"),
        "et_reg": (ExtraTreesRegressor(**forest), "diabetes"),
        "rf_digits": (RandomForestClassifier(n_estimators=10, max_depth=5, **s), "digits"),
        "rf_names": (RandomForestClassifier(n_estimators=5, max_depth=4, **s), "iris_names"),
        "gb_clf": (GradientBoostingClassifier(**boost), "iris"),
        "gb_binary": (GradientBoostingClassifier(**boost), "cancer"),
        "gb_reg": (GradientBoostingRegressor(**boost), "diabetes"),
        "hgb_clf": (HistGradientBoostingClassifier(max_iter=20, max_depth=4, **s), "wine"),
        "hgb_reg": (HistGradientBoostingRegressor(max_iter=20, max_depth=4, **s), "diabetes"),
        "knn_clf": (KNeighborsClassifier(n_neighbors=5), "iris"),
        "mlp_clf": (MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, **s), "iris"),
        "gnb": (GaussianNB(), "wine"),
        "pipe_std_logreg": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
                            "wine"),
        "pipe_minmax_svc": (make_pipeline(MinMaxScaler(), SVC(kernel="rbf")), "wine"),
        "pipe_norm_logreg": (make_pipeline(Normalizer(), LogisticRegression(max_iter=5000)),
                             "iris"),
        "pipe_pca_logreg": (make_pipeline(StandardScaler(), PCA(n_components=4, **s),
                                          LogisticRegression(max_iter=5000)), "wine"),
        "pipe_onehot": (make_pipeline(ColumnTransformer([
            ("colour", OneHotEncoder(handle_unknown="ignore"), ["colour"]),
            ("size", OneHotEncoder(handle_unknown="ignore"), ["size"]),
            ("num", StandardScaler(), ["a", "b"])]),
            LogisticRegression(max_iter=5000)), "mixed"),
    }
    return {k: (est, kind, "skl") for k, (est, kind) in out.items()} | _boosters()


def _boosters():
    out = {}
    try:
        import xgboost
        out["xgb_clf"] = (xgboost.XGBClassifier(n_estimators=20, max_depth=3,
                                                random_state=SEED, n_jobs=1), "iris", "xgb")
        out["xgb_reg"] = (xgboost.XGBRegressor(n_estimators=20, max_depth=3,
                                               random_state=SEED, n_jobs=1), "diabetes", "xgb")
    except ImportError:
        pass
    try:
        import lightgbm
        kw = dict(n_estimators=20, num_leaves=8, random_state=SEED, n_jobs=1, verbose=-1)
        out["lgbm_clf"] = (lightgbm.LGBMClassifier(**kw), "iris", "lgbm")
        out["lgbm_reg"] = (lightgbm.LGBMRegressor(**kw), "diabetes", "lgbm")
    except ImportError:
        pass
    return out


# skl2onnx options: ZipMap stays on (its default) where the users meet it, and is
# switched off for a twin of the logistic regressions
_NO_ZIPMAP = {"logreg_binary_nozipmap": "logreg_binary", "logreg_multi_nozipmap": "logreg_multi"}


def _convert(name, est, x, converter, zipmap=True):
    from onnxmltools.convert.common.data_types import FloatTensorType as MlFloat
    if converter == "skl":
        from skl2onnx import to_onnx
        options = None if zipmap or not hasattr(est, "predict_proba") else \
            {id(est): {"zipmap": False}}
        if hasattr(x, "columns"):       # a DataFrame: one input per column
            return to_onnx(est, x[:1], target_opset=OPSET, options=options)
        return to_onnx(est, x[:1], target_opset=OPSET, options=options)
    if converter == "xgb":
        from onnxmltools import convert_xgboost
        return convert_xgboost(est, initial_types=[("X", MlFloat([None, x.shape[1]]))],
                               target_opset=15)
    from onnxmltools import convert_lightgbm
    return convert_lightgbm(est, initial_types=[("X", MlFloat([None, x.shape[1]]))],
                            target_opset=15, zipmap=False)


def _column(values):
    """A frame column as the [rows, 1] input the converted pipeline takes (str, not
    object, so the .npz loads without pickle)."""
    return (values.astype(str) if values.dtype == object else values).reshape(-1, 1)


def _bools_as_ints():
    """skl2onnx 1.20 passes HistGradientBoosting's numpy-bool missing-value flags as
    ints, which onnx.helper refuses: make them ints (its own comment says it meant to)."""
    import skl2onnx.common.tree_ensemble as te
    add = te.add_node
    te.add_node = lambda *a, **kw: add(*a, **{k: int(v) if isinstance(v, (bool, np.bool_)) else v
                                              for k, v in kw.items()})


def fitted(name: str):
    """(fitted estimator, X, y) of test model `name` (a _NO_ZIPMAP twin: its source), as
    build() fits it: for benchmarks that compile the same model with other tools."""
    est, kind, _ = _models()[_NO_ZIPMAP.get(name, name)]
    x, y = _mixed() if kind == "mixed" else _data(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(x, y)
    return est, x, y


def build(out: Path, only: str = "") -> list[Path]:
    import onnx
    import onnx.helper
    _bools_as_ints()
    out.mkdir(parents=True, exist_ok=True)
    models = _models()
    written = []
    todo = [(n, n, True) for n in models] + [(t, s, False) for t, s in _NO_ZIPMAP.items()]
    for name, source, zipmap in sorted(todo):
        if only not in name:
            continue
        est, kind, converter = models[source]
        x, y = _mixed() if kind == "mixed" else _data(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(x, y)
            m = _convert(name, est, x, converter, zipmap)
        m.graph.name = name
        m.producer_version = ""         # the same bytes whatever converter build made it
        # the converters list opsets in set order (it varies with the hash seed)
        opsets = sorted({(o.domain, o.version) for o in m.opset_import})
        del m.opset_import[:]
        m.opset_import.extend(onnx.helper.make_opsetid(d, v) for d, v in opsets)
        path = out / f"{name}.onnx"
        onnx.save(m, path)
        written.append(path)
        # a few rows of the training data: realistic inputs for the tests, which add edge
        # cases (values at thresholds, NaN) themselves
        rows = np.random.default_rng(SEED).choice(len(y), ROWS, replace=False)
        feeds = {c: _column(x[c].to_numpy()[rows]) for c in x.columns} \
            if hasattr(x, "columns") else {m.graph.input[0].name: x[rows]}
        np.savez(out / f"{name}.inputs.npz", **feeds)
        written.append(out / f"{name}.inputs.npz")
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "models")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    for p in build(a.out, a.k):
        print(f"{p.name:32} {p.stat().st_size:8d} B")


if __name__ == "__main__":
    main()
