"""The supported-operator table, generated from the registry and the conformance run.

python -m onnx2c.opsdoc            prints it
python -m onnx2c.opsdoc README.md  rewrites the table between the markers in README.md

The dtype column comes from docs/tested_dtypes.json, which
`python -m onnx2c.conformance --dtypes docs/tested_dtypes.json` writes: the element types
of each operator's passing one-node ONNX tests, so it claims only what was checked.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import mdtable, ops  # noqa: F401  (ops fills the registry)
from .ir.optable import is_compiler_domain, registered

DTYPES = Path(__file__).resolve().parents[1] / "docs" / "tested_dtypes.json"


def _versions() -> dict[tuple[str, str], list[int]]:
    import onnx.defs
    out: dict[tuple[str, str], list[int]] = {}
    for s in onnx.defs.get_all_schemas_with_history():
        out.setdefault(("" if s.domain == "ai.onnx" else s.domain, s.name), []).append(
            s.since_version)
    return out


def table() -> str:
    versions = _versions()
    tested = json.loads(DTYPES.read_text()) if DTYPES.exists() else {}
    rows = []
    for (dom, op), since in registered().items():
        if is_compiler_domain(dom):
            continue        # the compiler's own ops (its passes make them), not a model's
        known = sorted(versions.get((dom, op), [min(since)]))
        first = max(min(since), known[0])
        span = f"{first}–{known[-1]}" if known[-1] > first else f"{first}"
        key = f"{dom}:{op}" if dom else op
        name = f"{op} ({dom})" if dom else op
        rows.append((name.lower(), f"| {name} | {span} | {', '.join(tested.get(key, [])) or '–'} |"))
    lines = [f"{len(rows)} operators. Opsets: the versions of the operator's ONNX schema that "
             "are handled (a model of any later opset uses the last). Dtypes: the element "
             "types its passing one-node ONNX node tests use (others may work; these are "
             "checked).", "", "| operator | opsets | dtypes tested |", "|---|---|---|"]
    return "\n".join(lines + [r for _, r in sorted(rows)])


def splice(text: str) -> str:
    return mdtable.splice(text, "operators", table())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onnx2c.opsdoc",
                                     description="Print the supported-operator table, or "
                                     "rewrite it between the markers of a Markdown file.")
    parser.add_argument("markdown", nargs="?", type=Path,
                        help="file whose operators:begin/end block to rewrite (e.g. README.md)")
    args = parser.parse_args(argv)
    if args.markdown is None:
        print(table())
    elif not args.markdown.is_file():
        parser.error(f"{args.markdown}: no such file")
    else:
        args.markdown.write_text(splice(args.markdown.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
