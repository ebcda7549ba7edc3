"""DFT, STFT, the Hann/Hamming/Blackman windows and MelWeightMatrix.

Lengths, axes and frame steps decide output shapes, so they are constants; the signal,
the STFT window and the mel edges and sample rate are run-time data. DFT and STFT share
one template: each lane (a DFT along the axis, or one STFT frame) is gathered into a
double-precision complex buffer, zero-padded or truncated to the transform length, and
handed to the o2c_dft core.
"""
from __future__ import annotations

import math

from ..codegen.literals import scalar
from ..errors import CompileError
from ._strided import affine
from ._util import axis_split, const, inp, norm_axis, out
from .registry import Kernel, op


def _int(node, g, i, default=None):
    v = const(node, g, i, "the output shape")
    return default if v is None else int(v.reshape(-1)[0])


def _transform(node, x, y, loops, lane, n, inverse=False, onesided=False,
               window=False) -> Kernel:
    """Kernel over lanes: `loops` are (extent, input stride, output stride) in scalars
    (complex values interleaved); `lane` is (input count, input step, bins, output step)."""
    n_in, step, bins, ostep = lane
    if n <= 0:
        raise CompileError(f"transform length {n} is not positive", node,
                           reason=f"{node.op_type}: length")
    loops = [lp for lp in loops if lp[0] != 1]
    hermitian = inverse and onesided          # irfft: rebuild the mirrored half
    top = n // 2 if hermitian else n - 1      # highest input position a lane reads
    return Kernel("ops/dft.c.j2", dict(
        dims=[lp[0] for lp in loops], src=affine(0, [lp[1] for lp in loops]),
        dst=affine(0, [lp[2] for lp in loops]), step=step, ostep=ostep, n=n, n_in=n_in,
        bins=bins, cin=x.shape[-1], cout=y.shape[-1], inverse=int(inverse),
        hermitian=hermitian, check=top >= n_in, window=window,
        scale=scalar(1.0 / n, "double") if inverse else None),
        scratch=8 * (4 * n + 2 * bins), inputs=[0, 2] if window else [0])


@op("DFT", since=17)
def lower_dft(node, g):
    x, y = inp(node, g, 0), out(node, g)
    rank = len(x.shape)
    axis = _int(node, g, 2, -2) if node.version >= 20 else node.attrs.get("axis", 1)
    axis = norm_axis(axis, rank, node)
    if axis == rank - 1 or not x.dtype.is_float:
        raise CompileError("DFT runs along a float signal axis, not the complex one", node,
                           reason="DFT: axis or dtype")
    inverse, onesided = bool(node.attrs.get("inverse", 0)), bool(node.attrs.get("onesided", 0))
    outer, n_in, inner = axis_split(x.shape[:-1], axis)
    n = _int(node, g, 1, 2 * (n_in - 1) if inverse and onesided else n_in)
    bins, cin, cout = y.shape[axis], x.shape[-1], y.shape[-1]
    loops = [(outer, n_in * inner * cin, bins * inner * cout), (inner, cin, cout)]
    return _transform(node, x, y, loops, (n_in, inner * cin, bins, inner * cout), n,
                      inverse, onesided)


@op("STFT", since=17)
def lower_stft(node, g):
    x, y = inp(node, g, 0), out(node, g)
    if not x.dtype.is_float:
        raise CompileError(f"STFT of {x.dtype.onnx_name} is not supported", node,
                           reason=f"STFT: dtype {x.dtype.onnx_name}")
    hop = _int(node, g, 1)
    win = inp(node, g, 2)
    n = _int(node, g, 3, win.shape[0] if win is not None else x.shape[1])
    if win is not None and win.shape[0] != n:
        raise CompileError(f"window of {win.shape[0]} samples for frames of {n}", node,
                           reason="STFT: window length")
    batch, frames, bins = y.shape[:3]
    cin = x.shape[-1]
    loops = [(batch, x.shape[1] * cin, frames * bins * 2), (frames, hop * cin, bins * 2)]
    return _transform(node, x, y, loops, (n, cin, bins, 2), n,
                      onesided=bool(node.attrs.get("onesided", 1)), window=win is not None)


# w[i] = a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N)
_WINDOWS = {"HannWindow": (0.5, 0.5, 0.0), "HammingWindow": (25 / 46, 21 / 46, 0.0),
            "BlackmanWindow": (0.42, 0.5, 0.08)}


@op(*_WINDOWS, since=17)
def lower_window(node, g):
    y = out(node, g)
    size = _int(node, g, 0)
    period = size if node.attrs.get("periodic", 1) else size - 1
    coef = [scalar(c, "double") for c in _WINDOWS[node.op_type]]
    step = 2 * math.pi / period if period > 0 else 0.0
    return Kernel("ops/window.c.j2", dict(n=y.size, coef=coef, step=scalar(step, "double")),
                  inputs=[])


@op("MelWeightMatrix", since=17)
def lower_mel_weight_matrix(node, g):
    y = out(node, g)
    mels, dft_length = _int(node, g, 0), _int(node, g, 1)
    lo = inp(node, g, 3)
    return Kernel("ops/melweight.c.j2", dict(mels=mels, length=dft_length, spec=y.shape[0],
                                             edge=lo.dtype),
                  scratch=8 * (mels + 2), inputs=[2, 3, 4])
