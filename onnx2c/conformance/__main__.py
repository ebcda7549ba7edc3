"""python -m onnx2c.conformance: run the ONNX backend suites through onnx2c.

Prints the totals (passed with every input at run time, passed after freezing inputs,
unsupported by reason, wrong results, build failures) and, with --expected, checks the
failures against the checked-in list: a failure not on the list, or a listed test that
now passes, makes the exit status 1.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from .cases import DEFAULT_SUITES, SUITES, collect
from .runner import run_cases

PASSING = ("pass", "frozen")


def read_expected(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def write_expected(path: Path, results) -> None:
    """List the failures; a test already listed keeps its (possibly hand-written) reason."""
    old = read_expected(path) if path.exists() else {}
    lines = ["# Conformance tests onnx2c is known to fail, one per line: test name, then why.",
             "# Kept true by the test suite: an unlisted failure or a listed pass fails it.",
             "# Regenerate with: python -m onnx2c.conformance --write-expected " + str(path)]
    for r in sorted(results, key=lambda r: r.name):
        if r.status not in PASSING:
            lines.append(f"{r.name} {old.get(r.name) or f'{r.status}: {r.detail}'}".rstrip())
    path.write_text("\n".join(lines) + "\n")


def tested_dtypes(cases, results) -> dict[str, list[str]]:
    """op -> element types of the inputs and outputs of its passing one-node tests."""
    import onnx
    passing = {r.name for r in results if r.status in PASSING}
    found: dict[str, set[str]] = {}
    for c in cases:
        nodes = c.model.graph.node
        if c.name not in passing or "/" in c.name or len(nodes) != 1:
            continue
        key = f"{nodes[0].domain}:{nodes[0].op_type}" if nodes[0].domain else nodes[0].op_type
        for vi in list(c.model.graph.input) + list(c.model.graph.output):
            if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
                name = onnx.TensorProto.DataType.Name(vi.type.tensor_type.elem_type).lower()
                found.setdefault(key, set()).add(name)
    return {k: sorted(v) for k, v in found.items()}


def summarize(results, out=sys.stdout) -> None:
    by = collections.Counter(r.status for r in results)
    print(f"total:                          {len(results)}", file=out)
    print(f"passed, inputs at run time:     {by['pass']}", file=out)
    print(f"passed after freezing inputs:   {by['frozen']}", file=out)
    print(f"unsupported:                    {by['unsupported']}", file=out)
    reasons = collections.Counter(r.detail for r in results if r.status == "unsupported")
    for reason, n in reasons.most_common():
        print(f"  {n:5}  {reason}", file=out)
    for status, label in (("wrong", "wrong results"), ("build", "C build failures"),
                          ("crash", "crashes/hangs"), ("error", "compiler errors")):
        bad = [r for r in results if r.status == status]
        print(f"{label + ':':32}{len(bad)}", file=out)
        for r in bad[:40]:
            print(f"  {r.name}: {r.detail}", file=out)
        if len(bad) > 40:
            print(f"  ... {len(bad) - 40} more", file=out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m onnx2c.conformance", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", action="append", choices=SUITES,
                    help=f"suites to run (default: {', '.join(DEFAULT_SUITES)})")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTR",
                    help="only tests whose name contains SUBSTR (repeatable)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=40, help="tests per compiler call")
    ap.add_argument("--expected", type=Path, help="check failures against this list")
    ap.add_argument("--write-expected", type=Path, help="write the failures to this list")
    ap.add_argument("--json", type=Path, help="write every result to this file")
    ap.add_argument("--dtypes", type=Path, help="write, per operator, the element types its "
                    "passing single-node node tests use (read by python -m onnx2c.opsdoc)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each result")
    a = ap.parse_args(argv)

    t0 = time.monotonic()
    cases = collect(tuple(a.suite or DEFAULT_SUITES))
    if a.k:
        cases = [c for c in cases if any(k in c.name for k in a.k)]
    progress = (lambda r: print(f"{r.status:12} {r.name} {r.detail}", flush=True)) \
        if a.verbose else None
    results = run_cases(cases, jobs=a.jobs, chunk=a.chunk, progress=progress)
    summarize(results)
    print(f"time: {time.monotonic() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    if a.dtypes:
        a.dtypes.write_text(json.dumps(tested_dtypes(cases, results), indent=1, sort_keys=True)
                            + "\n")
    if a.write_expected:
        write_expected(a.write_expected, results)
    if a.expected:
        expected = read_expected(a.expected)
        ran = {r.name for r in results}
        failed = {r.name for r in results if r.status not in PASSING}
        listed = {n for n in expected if n in ran}
        new, fixed = sorted(failed - listed), sorted(listed - failed)
        for n in new:
            r = next(r for r in results if r.name == n)
            print(f"UNEXPECTED FAILURE {n}: {r.status}: {r.detail}")
        for n in fixed:
            print(f"UNEXPECTED PASS {n} (remove it from {a.expected})")
        print(f"expected failures: {len(listed & failed)} still fail, {len(new)} new, "
              f"{len(fixed)} now pass")
        return 1 if new or fixed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
