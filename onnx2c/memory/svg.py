"""The memory plan as a picture: x is the execution step, y the workspace offset."""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT, MARGIN = 960, 540, 60


def plan_svg(plan, title: str = "") -> str:
    bufs = sorted(plan.buffers.values(), key=lambda b: (b.first, b.offset))
    steps = max(len(plan.steps), 1)
    total = max(plan.workspace_bytes, 1)
    sx = (WIDTH - 2 * MARGIN) / steps
    sy = (HEIGHT - 2 * MARGIN) / total
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="10">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{MARGIN}" y="20" font-size="14">{escape(title)} workspace '
           f'{plan.workspace_bytes} B, lower bound {plan.lower_bound} B, without reuse '
           f'{plan.no_reuse_bytes} B</text>',
           f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
           f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
           f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" '
           f'stroke="black"/>',
           f'<text x="{WIDTH / 2}" y="{HEIGHT - 20}" text-anchor="middle">step</text>',
           f'<text x="15" y="{HEIGHT / 2}" transform="rotate(-90 15 {HEIGHT / 2})" '
           f'text-anchor="middle">offset (bytes)</text>']
    for k, b in enumerate(bufs):
        x = MARGIN + b.first * sx
        w = max((b.last - b.first + 1) * sx, 1.0)
        y = HEIGHT - MARGIN - (b.offset + b.size) * sy
        h = max(b.size * sy, 1.0)
        hue = (k * 137) % 360
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="hsl({hue},60%,75%)" stroke="black" stroke-width="0.5">'
                   f'<title>{escape(b.name)}: {b.size} B at {b.offset}, steps {b.first}-'
                   f'{b.last}</title></rect>')
        if h > 11 and w > 30:
            out.append(f'<text x="{x + 2:.1f}" y="{y + 10:.1f}">'
                       f'{escape(b.name[:int(w / 6)])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
