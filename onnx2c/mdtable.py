"""Generated tables in Markdown files (README.md): each stands between the lines
<!-- KEY:begin --> and <!-- KEY:end -->, and the script that computes it rewrites only that."""
from __future__ import annotations

from pathlib import Path


def markers(key: str) -> tuple[str, str]:
    return f"<!-- {key}:begin -->", f"<!-- {key}:end -->"


def splice(text: str, key: str, table: str) -> str:
    """text with what stands between KEY's markers replaced by table; ValueError without them."""
    begin, end = markers(key)
    head, found_begin, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found_begin and found_end):
        raise ValueError(f"no {begin} ... {end} markers")
    return f"{head}{begin}\n{table}\n{end}{tail}"


def update(path: Path | str, key: str, table: str) -> None:
    path = Path(path)
    try:
        path.write_text(splice(path.read_text(), key, table))
    except ValueError as e:
        raise ValueError(f"{path} has {e}") from None
