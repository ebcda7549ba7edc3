"""`python -m tests.hostile.survey [WORKDIR] [-k SUBSTR]`: the corpus through onnx2c, a
table of what happened per category and every broken promise, one line each."""
from __future__ import annotations

import argparse
import collections
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .generate import cases
from .runner import run_corpus
from .verdict import problem


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir", nargs="?")
    ap.add_argument("-k", default="", help="only cases whose id contains this")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    root = Path(a.workdir or tempfile.mkdtemp(prefix="hostile-"))
    todo = [c for c in cases() if a.k in c.id]
    t0 = time.monotonic()
    outcomes = run_corpus(todo, root, jobs=a.jobs)
    t1 = time.monotonic()
    with ThreadPoolExecutor(a.jobs) as pool:
        problems = list(pool.map(lambda o: problem(o, o.folder / "build"), outcomes))
    t2 = time.monotonic()
    table = collections.defaultdict(collections.Counter)
    for o, p in zip(outcomes, problems):
        kind = "traceback" if o.traceback else "hang" if o.status is None else \
            "refused" if o.refused else "accepted"
        table[o.case.category][kind] += 1
        table[o.case.category]["broken" if p else "ok"] += 1
    cols = ["refused", "accepted", "traceback", "hang", "broken"]
    print(f"{'category':12} {'models':>6} " + " ".join(f"{c:>9}" for c in cols))
    for cat in sorted(table):
        row = table[cat]
        print(f"{cat:12} {sum(row[c] for c in cols[:4]):6} " + " ".join(f"{row[c]:9}" for c in cols))
    print(f"total {len(outcomes)} models, {sum(map(bool, problems))} broken promises; "
          f"compile {t1 - t0:.0f} s, checks {t2 - t1:.0f} s, in {root}")
    for o, p in zip(outcomes, problems):
        if p:
            print(f"BROKEN {o.case.id}: {' | '.join(p.splitlines()[:3])[:400]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
