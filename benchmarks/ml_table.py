"""Tree models on a microcontroller: onnx2c against emlearn and m2cgen, and onnxruntime.

    python benchmarks/ml_table.py [-k SUBSTR] [--readme README.md]

Needs the converters' fitted models, so scikit-learn, xgboost, lightgbm, emlearn and
m2cgen (the versions pinned in tests/ml/generate.py; emlearn 0.23.2, m2cgen 0.10.0),
plus arm-none-eabi-gcc and qemu-system-arm. Per tree model of tests/ml/models:

* flash: text + rodata + data on Cortex-M4 (arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
  -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -ffunction-sections -fdata-sections) of the
  entry function and everything it refers to, i.e. what a --gc-sections link keeps when
  the firmware calls only it: NAME_run for onnx2c (so not its descriptor and label
  tables; "onnx2c .o" is the whole object as `onnx2c size` reports it), emlearn's
  NAME_predict (its inline form over float features, the form that runs the model on
  the features it was trained on; it returns the majority vote, not probabilities),
  m2cgen's score (double arithmetic, whose soft-float routines are not counted);
* instructions of one NAME_run on the Cortex-M4 board (benchmarks/cortexm.py), one row;
* host microseconds of one row, onnx2c's C (-O3 -march=native) against onnxruntime on
  one thread, interleaved (benchmarks/hostbench.py).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):       # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import onnx  # noqa: E402

import onnx2c  # noqa: E402
from benchmarks import cortexm, hostbench, oracle  # noqa: E402
from onnx2c import mdtable  # noqa: E402
from onnx2c.harness.build import build_host  # noqa: E402
from onnx2c.targets import get  # noqa: E402
from onnx2c.targets.size import reachable_flash, size_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "tests" / "ml" / "models"
TREES = ("dtree_clf", "dtree_reg", "rf_clf", "rf_reg", "et_clf", "et_reg", "rf_digits",
         "gb_clf", "gb_binary", "gb_reg", "hgb_clf", "hgb_reg", "xgb_clf", "xgb_reg",
         "lgbm_clf", "lgbm_reg")
TABLE_KEY = "ml"
HEADER = ["| model | nodes | onnx2c flash (B) | onnx2c .o (B) | emlearn (B) | m2cgen (B) | "
          "M4 instructions | host C (µs) | host ORT (µs) | check |",
          "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]


def _compile_c(source: str, work: Path, root: str, include: str | None = None) -> int:
    """Flash of root in source, built for Cortex-M4 like onnx2c's C."""
    t = get("cortex-m4")
    work.mkdir(parents=True, exist_ok=True)
    (work / "m.c").write_text(source)
    cmd = [t.cc, "-std=c99", *t.cflags, "-c", str(work / "m.c"), "-o", str(work / "m.o")]
    subprocess.run(cmd + ([f"-I{include}"] if include else []), check=True,
                   capture_output=True, text=True)
    return reachable_flash(t, work / "m.o", root)


def emlearn_flash(est, features: int, work: Path) -> str:
    import emlearn
    work.mkdir(parents=True, exist_ok=True)
    try:
        model = emlearn.convert(est, method="inline", dtype="float")
    except Exception as e:      # not an estimator emlearn converts
        return f"n/a ({type(e).__name__})"
    model.save(file=str(work / "model.h"), name="model")
    entry = (f'#include "model.h"\nint predict_entry(const float *x)\n'
             f"{{ return (int)model_predict(x, {features}); }}\n")
    return f"{_compile_c(entry, work, 'predict_entry', emlearn.includedir):,}"


def m2cgen_flash(est, work: Path) -> str:
    import m2cgen
    try:
        code = m2cgen.export_to_c(est)
    except Exception as e:
        return f"n/a ({type(e).__name__})"
    try:
        return f"{_compile_c(code, work, 'score'):,}"
    except subprocess.CalledProcessError:
        return "n/a (C does not build)"


def host_us(model, feeds: dict, work: Path) -> tuple[float, float, str]:
    r = onnx2c.compile(model, work / "src", name=hostbench.C_NAME,
                       shapes={k: v.shape for k, v in feeds.items()})
    call = build_host(r, work / "build", hostbench.FLAGS).bind(feeds)
    status = call.call()
    session = oracle.session(model)
    check = oracle.verdict(call.outputs(status), session.run([o.name for o in r.outputs], feeds))
    run_ort = lambda: session.run(None, feeds)     # ZipMap's maps cannot be IO-bound
    c, o = hostbench.interleaved(call.call, run_ort, 10, 0.05, 5.0)
    return 1e6 * c, 1e6 * o, check


def row(name: str, work: Path) -> str:
    sys.path.insert(0, str(REPO / "tests" / "ml"))
    import generate
    model = onnx.load(MODELS / f"{name}.onnx")
    feeds = {k: v[:1] for k, v in np.load(MODELS / f"{name}.inputs.npz").items()}
    shapes = {k: v.shape for k, v in feeds.items()}
    t = get("cortex-m4")
    size = size_model(model, t, "net", keep=work / "size", shapes=shapes)
    flash = reachable_flash(t, work / "size" / "build" / "net.o", "net_run")
    nodes = sum(len(a.ints) for n in model.graph.node if n.op_type.startswith("TreeEnsemble")
                for a in n.attribute if a.name == "nodes_nodeids")
    est, x, _ = generate.fitted(name)
    em = emlearn_flash(est, x.shape[1], work / "emlearn")
    m2 = m2cgen_flash(est, work / "m2cgen")
    m4 = cortexm.measure(model, name, work / "m4", feeds=feeds, shapes=shapes)
    c_us, ort_us, check = host_us(model, feeds, work / "host")
    if m4.status != "ok":
        check = f"M4: {m4.status}"
    return (f"| {name} | {nodes:,} | {flash:,} | {size.flash:,} | {em} | {m2} | "
            f"{m4.instructions:,} | {c_us:.2f} | {ort_us:.2f} | {check} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/ml_table.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", default="", help="only models whose name contains this")
    ap.add_argument("--readme", type=Path, help="rewrite the table between the ml markers")
    args = ap.parse_args(argv)
    rows = []
    print("\n".join(HEADER), flush=True)
    with tempfile.TemporaryDirectory(prefix="onnx2c-ml-") as tmp:
        for name in [m for m in TREES if args.k in m]:
            rows.append(row(name, Path(tmp) / name))
            print(rows[-1], flush=True)
    if args.readme:
        mdtable.update(args.readme, TABLE_KEY, "\n".join(HEADER + rows))
        print(f"updated {args.readme}", file=sys.stderr)
    return 0 if all(r.endswith("| ok |") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
