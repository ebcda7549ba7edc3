"""Host speed of onnx2c's C against onnxruntime, side by side in one run.

    python benchmarks/speed.py [-k SUBSTR] [--model M.onnx] [--dir DIR] [--readme README.md]
                               [--rounds 10] [--min-batch 0.05] [--budget 20] [--no-cache]

Per model: onnxruntime (CPU provider, one intra-op and one inter-op thread, default graph
optimisations, inputs bound once through IOBinding) and the generated C built for this
host with -O3 -march=native (no -ffast-math) as a shared library, called through cffi
with its buffers prepared once. First both run on the same deterministic random inputs
and the outputs are compared (rtol 1e-3, atol 1e-5; integers exactly): a mismatch is
marked in the table and left out of the summary, since a fast wrong answer is no result.

Then they are timed interleaved: ORT batch, C batch, C batch, ORT batch, ... (--rounds
each; fewer, at least 2, when one side would take over --budget seconds), every batch at
least --min-batch seconds (at least one call), on the process's CPU-time clock, so time
spent waiting for a core on a shared machine is not counted. The table gives the MINIMUM
over the rounds of each batch's time per call: other work on the machine (a busy sibling
hyperthread, cache pressure) only ever adds time, so the fastest batch is the best
estimate of the undisturbed cost, and batches of >= 50 ms keep a lucky single call from
setting it. On a busy machine the ratios still move by 10-30 % from run to run.

The summary is the geometric mean and the maximum of C/ORT over the acceptance set (the
float models of tests/models and the light model zoo) and over everything measured.

Builds are cached in --work (default: TMPDIR/onnx2c-bench-speed) under a hash of the
generated C, the compiler and the flags, so an unchanged model is not rebuilt; build
seconds go to stderr. Models: the defaults of benchmarks/models.py plus the ONNX "light"
zoo in the onnx wheel (placeholder weights; VGG-19, AlexNet and ZFNet take a while).
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):       # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import hostbench, models, oracle  # noqa: E402
from onnx2c import mdtable  # noqa: E402

TABLE_KEY = "speed"
ACCEPTANCE_GROUPS = ("tests", "light")


@dataclass
class Row:
    entry: models.Entry
    ort_us: float | None = None
    c_us: float | None = None
    check: str = ""
    floats_only: bool = False        # every input and output is a float tensor

    @property
    def ratio(self) -> float | None:
        return self.c_us / self.ort_us if self.c_us and self.ort_us else None

    def line(self) -> str:
        cell = lambda us: "–" if us is None else f"{us:,.1f}" if us < 1000 else f"{us:,.0f}"
        ratio = "–" if self.ratio is None else f"{self.ratio:.2f}"
        return f"| {self.entry.name} | {cell(self.ort_us)} | {cell(self.c_us)} | {ratio} | " \
               f"{self.check} |"


HEADER = ["| model | ORT (µs) | C (µs) | C / ORT | check |", "|---|--:|--:|--:|---|"]


def _measure(entry: models.Entry, model, built: hostbench.Build, args) -> Row:
    host = built.host
    r = host.result
    row = Row(entry, floats_only=all(t.dtype.is_float for t in r.inputs + r.outputs))
    feeds = oracle.random_feeds(r.inputs)
    session = oracle.session(model)
    call = host.bind(feeds)
    status = call.call()
    if status != 0:
        row.check = f"FAIL: {hostbench.C_NAME}_run returned {status}"
        return row
    row.check = oracle.verdict(call.outputs(status),
                               session.run([o.name for o in r.outputs], feeds))
    ort_seconds, c_seconds = hostbench.interleaved(hostbench.ort_call(session, feeds),
                                                   call.call, args.rounds, args.min_batch,
                                                   args.budget)
    row.ort_us, row.c_us = 1e6 * ort_seconds, 1e6 * c_seconds
    return row


def summary(rows: list[Row]) -> list[str]:
    sets = (("acceptance set (float models of tests/models and the light zoo)",
             [r for r in rows if r.entry.group in ACCEPTANCE_GROUPS and r.floats_only]),
            ("all models", rows))
    lines = []
    for label, chosen in sets:
        good = [r for r in chosen if r.ratio is not None and r.check == "ok"]
        left_out = len(chosen) - len(good)
        if not good:
            continue
        geomean = math.exp(sum(math.log(r.ratio) for r in good) / len(good))
        worst = max(good, key=lambda r: r.ratio)
        note = f"; {left_out} failed or mismatched, left out" if left_out else ""
        lines.append(f"{label}, {len(good)} models{note}: geomean C/ORT {geomean:.2f}, "
                     f"max C/ORT {worst.ratio:.2f} ({worst.entry.name})")
    return lines


def _build_all(entries: list[models.Entry], cache: Path, use_cache: bool) -> dict:
    """entry name -> (model, Build) or the exception; two at a time (gcc -O3 is the slow part)."""
    def one(entry):
        try:
            model = entry.load(cache)
            built = hostbench.build(model, cache, use_cache)
        except Exception as e:      # reported in the table, the other models still run
            print(f"build {entry.name}: FAILED: {str(e).strip()[:300]}", file=sys.stderr)
            return entry.name, e
        state = "cached" if built.cached else "built"
        print(f"build {entry.name}: {state} in {built.seconds:.1f} s", file=sys.stderr)
        return entry.name, (model, built)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, entries))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/speed.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    models.add_arguments(ap, TABLE_KEY)
    ap.add_argument("--rounds", type=int, default=10, help="batches of each (default 10)")
    ap.add_argument("--min-batch", type=float, default=0.05, metavar="SECONDS",
                    help="shortest batch (default 0.05)")
    ap.add_argument("--budget", type=float, default=20, metavar="SECONDS",
                    help="fewer rounds (at least 2) for a model whose batches of one side "
                         "would take longer in all (default 20)")
    ap.add_argument("--no-cache", action="store_true", help="rebuild every library")
    args = ap.parse_args(argv)
    entries = models.select(args, models.repo_entries() + models.light_entries())
    cache = args.work or Path(tempfile.gettempdir()) / "onnx2c-bench-speed"
    cache.mkdir(parents=True, exist_ok=True)
    builds = _build_all(entries, cache, not args.no_cache)
    print("\n".join(HEADER), flush=True)
    rows = []
    for entry in entries:
        built = builds.pop(entry.name)      # dropped after its row: big models' buffers
        if isinstance(built, Exception):
            row = Row(entry, check=oracle.error_status(built))
        else:
            try:
                row = _measure(entry, *built, args)
            except Exception as e:      # one broken model must not hide the others' figures
                row = Row(entry, check=oracle.error_status(e))
        rows.append(row)
        print(row.line(), flush=True)
    lines = summary(rows)
    print("\n" + "\n".join(lines))
    if args.readme:
        table = HEADER + [r.line() for r in rows] + [""] + [f"- {line}" for line in lines]
        mdtable.update(args.readme, TABLE_KEY, "\n".join(table))
        print(f"updated {args.readme}", file=sys.stderr)
    return 0 if all(r.check == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
