"""`onnx2c verify`: the generated C against onnxruntime on the same inputs."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..codegen.constants import DEFAULT_THRESHOLD
from ..compiler import compile
from ..errors import CompileError
from ..ir import DType
from ..limits import HOST_MAX_WORKSPACE
from ..progress import stage
from .build import BuildError, build_host, compiler
from .oracle import ort_session


def random_input(dtype: DType, shape, rng: np.random.Generator) -> np.ndarray:
    if dtype == DType.BOOL:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype == DType.STRING:       # short ASCII words, some repeated, some empty
        words = np.array(["", "a", "cat", "Dog", "hello", "world", "x.y", "the end"], dtype=object)
        return words[rng.integers(0, len(words), shape)]
    if dtype.is_float:
        return rng.standard_normal(shape).astype(dtype.np)
    lo = -10 if dtype.is_signed else 0
    return rng.integers(lo, 10, shape).astype(dtype.np)


def dequantize(arr: np.ndarray, info) -> np.ndarray:
    """An 8-bit input or output of --quantized-io as the float the model computes with
    (DequantizeLinear's float32 (q - zero point) * scale); other tensors unchanged."""
    if info.quant is None:
        return arr
    scale, zero = info.quant
    return (arr.astype(np.int32) - zero).astype(np.float32) * np.float32(scale)


def as_tensor(want, info) -> np.ndarray:
    """An onnxruntime output as onnx2c returns it: ZipMap's list of {label: probability}
    dicts (one per row) becomes the [rows x labels] array in the order of info.labels."""
    if getattr(info, "labels", None) is not None and isinstance(want, list):
        return np.array([[row[k] for k in info.labels.tolist()] for row in want],
                        np.float32).reshape(info.shape)
    return np.asarray(want)


def compare(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> tuple[bool, float, float]:
    """ONNX-backend comparison: allclose for floats (NaNs equal), exact otherwise. Returns
    (ok, max abs error, max relative error); the relative error counts only where the
    reference is larger than atol, since near zero only the absolute error means anything."""
    want = np.asarray(want)
    if got.shape != want.shape:
        return False, float("inf"), float("inf")
    if got.size == 0:
        return True, 0.0, 0.0
    if want.dtype.kind in "OSU":      # strings: equal as str (bytes decoded as UTF-8)
        text = lambda a: [x.decode("utf-8") if isinstance(x, bytes) else str(x)
                          for x in np.asarray(a, dtype=object).reshape(-1)]
        ok = text(got) == text(want)
        return ok, 0.0 if ok else float("inf"), 0.0 if ok else float("inf")
    if want.dtype.kind in "fc" or str(want.dtype) in ("bfloat16",) or "float" in str(want.dtype):
        g, w = got.astype(np.float64), want.astype(np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        same_inf = np.isinf(w) & (g == w)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.where(both_nan | same_inf, 0.0, np.abs(g - w))
            ok = bool(np.all((err <= atol + rtol * np.abs(np.where(np.isinf(w), 0, w))) |
                             both_nan | same_inf))
            big = np.abs(w) > atol
            rel = np.where(big, err / np.where(big, np.abs(w), 1.0), 0.0)
        err_max = float(np.nanmax(np.where(np.isnan(err), np.inf, err)))
        return ok, err_max, float(np.nanmax(np.where(np.isnan(rel), np.inf, rel)))
    ok = bool(np.array_equal(got, want))
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    return ok, diff, 0.0 if ok else float("inf")


def _onnxruntime() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise CompileError("onnx2c verify compares with onnxruntime, which is not installed: "
                           "pip install 'onnx2c[verify]' (or pip install onnxruntime)") from None


def _given_inputs(path) -> dict:
    if path is None:
        return {}
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise CompileError(f"cannot read --inputs '{path}': {reason}") from None


def _feeds(r, given: dict, rng: np.random.Generator) -> dict:
    """One array per graph input: the given one (its shape checked) or a random one."""
    names = [i.name for i in r.inputs]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise CompileError(f"--inputs has '{unknown[0]}', which is not an input of the "
                           f"compiled model (inputs: {', '.join(names) or 'none'})")
    feeds = {}
    for i in r.inputs:
        if i.name not in given:
            feeds[i.name] = random_input(i.dtype, i.shape, rng)
            continue
        a = given[i.name]
        if tuple(a.shape) != tuple(i.shape):
            raise CompileError(f"--inputs '{i.name}' has shape {list(a.shape)}, the model "
                               f"expects {list(i.shape)}")
        if i.dtype != DType.STRING and a.dtype != i.dtype.np:
            if a.dtype.kind != i.dtype.np.kind:     # float64 for a float input is fine
                raise CompileError(f"--inputs '{i.name}' is {a.dtype}, the model expects "
                                   f"{i.dtype.onnx_name}")
            a = a.astype(i.dtype.np)
        feeds[i.name] = a
    return feeds


def verify(model, shapes=None, freeze=None, inputs=None, name="model", seed=0,
           rtol=1e-3, atol=1e-5, keep=None, capacity=None, weights_file=False,
           weights_threshold=DEFAULT_THRESHOLD, string_bytes=64, optimize="speed",
           requant="float", quantized_io=False, max_workspace=HOST_MAX_WORKSPACE) -> int:
    import onnx
    _onnxruntime()
    given = _given_inputs(inputs)
    if not shutil.which(compiler()):
        raise CompileError(f"no C compiler: '{compiler()}' is not on PATH (install gcc or "
                           "clang, or set CC)")
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="onnx2c-verify-"))
    r = compile(model, work / "src", name=name, shapes=shapes, freeze=freeze, capacity=capacity,
                weights_file=weights_file, weights_threshold=weights_threshold,
                string_bytes=string_bytes, optimize=optimize, requant=requant,
                quantized_io=quantized_io, max_workspace=max_workspace)
    feeds = _feeds(r, given, np.random.default_rng(seed))
    try:
        with stage(f"build the C ({compiler()})"):
            host = build_host(r, work / "build")
    except BuildError as e:
        print(f"onnx2c: error: the generated C did not build:\n{e}", file=sys.stderr)
        return 1
    with stage("run the C"):
        status, got = host.run(feeds)
    if status != 0:
        what = {-1: "O2C_ERR_INDEX", -2: "O2C_ERR_VALUE",
                -3: "O2C_ERR_CAPACITY: raise the output's --capacity"}.get(status, "")
        print(f"{name}_run returned {status}" + (f" ({what})" if what else ""))
        return 1
    with stage("run onnxruntime"):
        m = onnx.load(model) if not isinstance(model, onnx.ModelProto) else model
        proto = m.SerializeToString() if m.ByteSize() < 2**31 - 1 else model
        sess = ort_session(proto)
        ort_feeds = {i.name: dequantize(feeds[i.name], i) for i in r.inputs}
        ort_feeds.update(freeze or {})
        want = sess.run([o.name for o in r.outputs], ort_feeds)
    got = [dequantize(g_, info) for g_, info in zip(got, r.outputs)]
    print(f"{'output':24} {'shape':>16} {'max abs err':>12} {'max rel err':>12}  result")
    failed = 0
    for info, g_, w in zip(r.outputs, got, want):
        ok, ea, er = compare(g_, as_tensor(w, info), rtol, atol)
        failed += not ok
        shape = "x".join(map(str, g_.shape)) or "scalar"    # a bounded output's actual dims
        print(f"{info.name[:24]:24} {shape:>16} {ea:12.3g} {er:12.3g}  {'PASS' if ok else 'FAIL'}")
    print(f"workspace {r.workspace_bytes} bytes; sources in {work / 'src'}" if keep else
          f"workspace {r.workspace_bytes} bytes")
    return 1 if failed else 0
