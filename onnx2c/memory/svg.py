"""The memory plan as a picture: x is the execution step, y the workspace offset.

Each buffer is a rectangle over the steps it lives and the bytes it holds, numbered; the
legend beside the chart gives each number's tensor in full (PyTorch names are long) with
its size and steps, and hovering a rectangle shows the same.
"""
from __future__ import annotations

import math
from html import escape

CHART_W, CHART_H = 640, 440           # the plot area
LEFT, TOP, BOTTOM, GAP = 80, 50, 60, 30
ROW, CHAR = 15, 6.6                   # legend line height; width of a character at 11 px


def _ticks(top: float, count: int = 8) -> list[float]:
    """Round numbers from 0 to top (a step of 1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0]
    raw = top / count
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    return [k * step for k in range(int(top // step) + 1)]


def _label(b) -> str:
    return f"scratch of {b.name[8:]}" if b.name.startswith("scratch:") else b.name


def _row(x: float, y: float, cols, cells, attrs: str = "") -> str:
    """One legend line: cells at the column offsets, numbers right-aligned."""
    anchor = ("start", "end", "start", "end", "start")
    return "".join(f'<text x="{x + c:.0f}" y="{y}" text-anchor="{a}" {attrs}>{escape(t)}</text>'
                   for c, a, t in zip(cols, anchor, cells) if t)


def plan_svg(plan, title: str = "") -> str:
    bufs = sorted(plan.buffers.values(), key=lambda b: (b.first, b.offset, b.name))
    steps = max(len(plan.steps), 1)
    total = max(plan.workspace_bytes, 1)
    kib = total >= 10 * 1024
    sx, sy = CHART_W / steps, CHART_H / total
    names = [_label(b) for b in bufs]
    name_w = max([len(n) for n in names] + [6]) * CHAR
    # legend columns: swatch, number (right-aligned), tensor, bytes (right-aligned), steps
    cols = (0, 44, 52, 52 + name_w + 80, 52 + name_w + 92)
    width = LEFT + CHART_W + GAP + cols[4] + 70
    height = max(TOP + CHART_H + BOTTOM, TOP + ROW * (len(bufs) + 1))
    x0, y0 = LEFT, TOP + CHART_H               # the chart's origin
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width:.0f}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14">{escape(title)}: workspace '
           f'{plan.workspace_bytes:,} B, lower bound {plan.lower_bound:,} B, without reuse '
           f'{plan.no_reuse_bytes:,} B</text>']
    for t in _ticks(steps, 12):
        x = x0 + t * sx
        out += [f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + 5}" stroke="black"/>',
                f'<text x="{x:.1f}" y="{y0 + 18}" text-anchor="middle">{t:g}</text>']
    for t in _ticks(total / 1024 if kib else total):
        y = y0 - t * (1024 if kib else 1) * sy
        out += [f'<line x1="{x0 - 5}" y1="{y:.1f}" x2="{x0 + CHART_W}" y2="{y:.1f}" '
                f'stroke="#ddd"/>',
                f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">{t:,.0f}</text>']
    out += [f'<line x1="{x0}" y1="{y0}" x2="{x0 + CHART_W}" y2="{y0}" stroke="black"/>',
            f'<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}" stroke="black"/>',
            f'<text x="{x0 + CHART_W / 2}" y="{y0 + 42}" text-anchor="middle">'
            f'step (node in execution order)</text>',
            f'<text x="18" y="{TOP + CHART_H / 2}" transform="rotate(-90 18 {TOP + CHART_H / 2})"'
            f' text-anchor="middle">workspace offset ({"KiB" if kib else "bytes"})</text>']
    lx = LEFT + CHART_W + GAP
    out.append(_row(lx, TOP - 8, cols, ("", "#", "tensor", "bytes", "steps"), 'font-weight="bold"'))
    for k, (b, name) in enumerate(zip(bufs, names), 1):
        fill = f"hsl({(k * 137) % 360},60%,75%)"
        x, w = x0 + b.first * sx, max((b.last - b.first + 1) * sx, 1.0)
        y, h = y0 - (b.offset + b.size) * sy, max(b.size * sy, 1.0)
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="{fill}" stroke="black" stroke-width="0.5"><title>{k}: '
                   f'{escape(name)}, {b.size:,} B at offset {b.offset:,}, steps {b.first}-'
                   f'{b.last}</title></rect>')
        if h > 12 and w > 7 * len(str(k)):
            out.append(f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 4:.1f}" '
                       f'text-anchor="middle">{k}</text>')
        ly = TOP + (k - 1) * ROW
        out += [f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{fill}" '
                f'stroke="black" stroke-width="0.5"/>',
                _row(lx, ly + 9, cols, ("", str(k), name, f"{b.size:,}", f"{b.first}-{b.last}"))]
    out.append("</svg>")
    return "\n".join(out) + "\n"
