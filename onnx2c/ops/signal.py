"""DFT, STFT, the Hann/Hamming/Blackman windows and MelWeightMatrix.

The signal, the STFT window and the mel edges and sample rate are data. Lengths, axes and
frame steps decide output shapes; when they only exist at run time, the kernel checks
them against the static shapes (O2C_ERR_VALUE when they disagree): a window size or a
mel bin count is then fixed by the output shape, a frame step or a mel DFT length is
used as read, and a DFT axis or length the shapes leave open (an rfft of 2b - 2 or
2b - 1 samples both give b bins) is one of a few cases, each compiled.

DFT and STFT share one template: each lane (a DFT along the axis, or one STFT frame) is
gathered into a double-precision complex buffer, zero-padded or truncated to the
transform length, and handed to the o2c_dft core.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import (axis_split, const, consts, inp, norm_axis, out, require_float, runtime,
                    runtime_equals)
from ..ir.optable import Kernel, op

_MAX_CASES = 8      # transforms a run-time axis or length may choose among


def _int(node, ctx, i, default=None):
    v = const(node, ctx, i, "the output shape")
    return default if v is None else int(v.reshape(-1)[0])


@dataclass(frozen=True)
class Transform:
    """One transform case of templates/ops/dft.c.j2: lanes over `dims` (input and output
    element strides `src`, `dst`; loop `hop_loop`'s input stride is also multiplied by
    STFT's run-time step), each transforming n points from its first n_in inputs (`step`
    apart) into `bins` bins (`ostep` apart); cin, cout: scalars per input and output
    value (1 real, 2 complex); `check`: the lane reads past its inputs; `scale`: 1/n for
    an inverse; run when `cond` holds."""
    cond: str | None
    dims: list[int]
    src: list[int]
    dst: list[int]
    hop_loop: int | None
    step: int
    ostep: int
    n: int
    n_in: int
    bins: int
    cin: int
    cout: int
    inverse: int
    hermitian: bool             # irfft: rebuild the mirrored half
    check: bool
    scale: str | None


@dataclass(frozen=True)
class Dft:
    """Parameters of templates/ops/dft.c.j2; `hop_input`: STFT's step is read from in1."""
    cases: list[Transform]
    window: bool
    hop_input: bool


@dataclass(frozen=True)
class Window:
    """templates/ops/window.c.j2: n values a0 - a1 cos(i step) + a2 cos(2 i step) with
    `coef` = (a0, a1, a2); `check`: C condition the run-time size agrees."""
    n: int
    coef: list[str]
    step: str
    check: str | None


@dataclass(frozen=True)
class MelWeights:
    """templates/ops/melweight.c.j2: a spec x mels matrix for a DFT of `length` points
    (a C expression), band edges of dtype `edge`; `checks`: run-time inputs agree."""
    mels: int
    length: str
    spec: int
    edge: object
    checks: list[str]


def _case(node, x, y, loops, lane, n, cond=None, inverse=False, onesided=False,
          hop_loop=None) -> Transform:
    """One transform over lanes: `loops` are (extent, input stride, output stride) in
    scalars (complex values interleaved), loop `hop_loop`'s input stride per sample of
    STFT's run-time step; `lane` is (input count, input step, bins, output step); `cond`
    the C condition on run-time inputs that selects it."""
    n_in, step, bins, ostep = lane
    kept = [k for k, lp in enumerate(loops) if lp[0] != 1]
    hermitian = inverse and onesided          # irfft: rebuild the mirrored half
    top = n // 2 if hermitian else n - 1      # highest input position a lane reads
    extents, src, dst = ([loops[k][j] for k in kept] for j in range(3))
    return Transform(
        cond, extents, src, dst, kept.index(hop_loop) if hop_loop in kept else None, step,
        ostep, n, n_in, bins, x.shape[-1], y.shape[-1], int(inverse), hermitian, top >= n_in,
        scalar(1.0 / n, "double") if inverse else None)


def _kernel(node, cases, inputs, window=False, hop_input=False) -> Kernel:
    if not cases:
        raise CompileError("the output shape fits no transform of the input", node,
                           reason=f"{node.op_type}: shapes disagree")
    return Kernel("ops/dft.c.j2", Dft(cases, window, hop_input),
                  scratch=max(8 * (4 * c.n + 2 * c.bins) for c in cases),
                  inputs=inputs)


def _lengths(node, ctx, i, bins, onesided, default):
    """Candidate transform lengths giving `bins` bins, with their C conditions."""
    if not runtime(node, ctx, i):
        return [(_int(node, ctx, i, default), None)]
    ns = [2 * bins - 2, 2 * bins - 1] if onesided else [bins]
    return [(n, f"in{i}[0] == {n}") for n in ns]


@op("DFT", since=17)
def lower_dft(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    rank = len(x.shape)
    require_float(node, x)
    inverse, onesided = bool(node.attrs.get("inverse", 0)), bool(node.attrs.get("onesided", 0))
    if node.version >= 20 and runtime(node, ctx, 2):
        axes = [(a, f"o2c_axis((int64_t)in2[0], {rank}) == {a}") for a in range(rank - 1)]
    else:
        axis = _int(node, ctx, 2, -2) if node.version >= 20 else node.attrs.get("axis", 1)
        axes = [(norm_axis(axis, rank, node), None)]
    cases = []
    for a, axis_cond in axes:
        if a == rank - 1:
            raise CompileError("DFT runs along a signal axis, not the complex one", node,
                               reason="DFT: axis")
        outer, n_in, inner = axis_split(x.shape[:-1], a)
        b, rfft = y.shape[a], onesided and not inverse
        for n, n_cond in _lengths(node, ctx, 1, b, rfft,
                                  2 * (n_in - 1) if inverse and onesided else n_in):
            if n <= 0 or (n // 2 + 1 if rfft else n) != b or \
                    list(x.shape[:a]) + list(x.shape[a + 1:-1]) != \
                    list(y.shape[:a]) + list(y.shape[a + 1:-1]):
                continue
            cin, cout = x.shape[-1], y.shape[-1]
            cond = " && ".join(c for c in (axis_cond, n_cond) if c) or None
            loops = [(outer, n_in * inner * cin, b * inner * cout), (inner, cin, cout)]
            cases.append(_case(node, x, y, loops, (n_in, inner * cin, b, inner * cout), n,
                               cond, inverse, onesided))
    if len(cases) > _MAX_CASES:
        consts(node, ctx, [1, 2], "the transform")
    return _kernel(node, cases, [i for i in range(3) if i == 0 or runtime(node, ctx, i)])


@op("STFT", since=17)
def lower_stft(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    require_float(node, x)
    win, onesided = inp(node, ctx, 2), bool(node.attrs.get("onesided", 1))
    batch, frames, bins = y.shape[:3]
    length, cin = x.shape[1], x.shape[-1]
    if win is not None:
        n = win.shape[0]
        ns = [(n, f"in3[0] == {n}" if runtime(node, ctx, 3) else None)]
        if not runtime(node, ctx, 3) and _int(node, ctx, 3, n) != n:
            raise CompileError(f"window of {n} samples for frames of {_int(node, ctx, 3)}",
                               node, reason="STFT: window length")
    else:
        ns = _lengths(node, ctx, 3, bins, onesided, length)
    hop_input = runtime(node, ctx, 1)
    hop = None if hop_input else _int(node, ctx, 1)
    cases = []
    for n, cond in ns:
        if n <= 0 or n > length or (n // 2 + 1 if onesided else n) != bins:
            continue
        if hop_input:     # the frame count the run-time step gives must be the static one
            cond = " && ".join(c for c in (cond, f"hop > 0 && {length - n} / hop + 1 == "
                                                 f"{frames}") if c)
        step = cin if hop_input else hop * cin
        loops = [(batch, length * cin, frames * bins * 2), (frames, step, bins * 2)]
        cases.append(_case(node, x, y, loops, (n, cin, bins, 2), n, cond,
                           onesided=onesided, hop_loop=1 if hop_input else None))
    inputs = [i for i in range(4) if i in (0, 2) and inp(node, ctx, i) or runtime(node, ctx, i)]
    return _kernel(node, cases, inputs, window=win is not None, hop_input=hop_input)


# w[i] = a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N)
_WINDOWS = {"HannWindow": (0.5, 0.5, 0.0), "HammingWindow": (25 / 46, 21 / 46, 0.0),
            "BlackmanWindow": (0.42, 0.5, 0.08)}


@op(*_WINDOWS, since=17)
def lower_window(node, ctx):
    y = out(node, ctx)
    size = y.shape[0]       # the size input's value, checked when it is run-time data
    period = size if node.attrs.get("periodic", 1) else size - 1
    coef = [scalar(c, "double") for c in _WINDOWS[node.op_type]]
    step = 2 * math.pi / period if period > 0 else 0.0
    check = runtime_equals("in0", [size]) if runtime(node, ctx, 0) else None
    return Kernel("ops/window.c.j2", Window(y.size, coef, scalar(step, "double"), check), inputs=[0] if check else [])


@op("MelWeightMatrix", since=17)
def lower_mel_weight_matrix(node, ctx):
    y = out(node, ctx)
    spec, mels = y.shape
    checks = [runtime_equals("in0", [mels])] if runtime(node, ctx, 0) else []
    if runtime(node, ctx, 1):     # 2 spec - 2 and 2 spec - 1 both fit; the bins differ
        length = "(double)in1[0]"
        checks.append(f"in1[0] > 0 && in1[0] / 2 + 1 == {spec}")
    else:
        length = f"{_int(node, ctx, 1)}.0"
    return Kernel("ops/melweight.c.j2", MelWeights(mels, length, spec, inp(node, ctx, 3).dtype,
                                                   checks),
                  scratch=8 * (mels + 2),
                  inputs=[i for i in range(5) if i >= 2 or runtime(node, ctx, i)])
