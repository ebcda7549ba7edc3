"""The hostile-model corpus (generate.py) against onnx2c's promises, one test per category:
a refused model gets one `onnx2c: error:` line, exit status 2 and no files; an accepted one
builds strictly with gcc and clang and runs clean under ASan and UBSan on adversarial
inputs; "--freeze" advice holds when tried; nothing hangs or raises a traceback.

Every model is compiled; the sanitizer builds take a deterministic sample of at most
SAMPLE accepted models per category (ONNX2C_HOSTILE_ALL=1 checks them all, as
`python -m tests.hostile.survey` does)."""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from .generate import cases
from .runner import run_corpus
from .verdict import exit_status, problem

SAMPLE = 12
CATEGORIES = sorted({c.category for c in cases()})
needs_cc = pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")),
                              reason="needs gcc and clang (with ASan and UBSan)")


def _sampled(outcomes):
    """Refused models all; accepted ones every k-th, at most SAMPLE per category."""
    if os.environ.get("ONNX2C_HOSTILE_ALL"):
        return outcomes
    keep = []
    for cat in CATEGORIES:
        mine = [o for o in outcomes if o.case.category == cat]
        accepted = [o for o in mine if not o.refused]
        step = max(1, -(-len(accepted) // SAMPLE))
        chosen = set(map(id, accepted[::step]))
        keep += [o for o in mine if o.refused or id(o) in chosen]
    return keep


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """(outcome, broken promise or None) for the corpus, by category."""
    root = tmp_path_factory.mktemp("hostile")
    outcomes = _sampled(run_corpus(cases(), root, timeout=60))
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(lambda o: problem(o, o.folder / "build"), outcomes))
    by_cat: dict[str, list] = {c: [] for c in CATEGORIES}
    for o, p in zip(outcomes, found):
        by_cat[o.case.category].append((o, p))
    return by_cat


def test_corpus_is_big_and_varied():
    all_cases = cases()
    assert len(all_cases) >= 200 and len(CATEGORIES) >= 10
    assert all(sum(c.category == k for c in all_cases) >= 5 for k in CATEGORIES)


@needs_cc
@pytest.mark.parametrize("category", CATEGORIES)
def test_category_keeps_every_promise(verdicts, category):
    broken = [f"{o.case.id}: {p.splitlines()[0][:300]}" for o, p in verdicts[category] if p]
    assert not broken, f"{len(broken)} broken promises:\n" + "\n".join(broken)


@needs_cc
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_real_process_exits_2_on_a_refused_model(verdicts, category):
    refused = [o for o, _ in verdicts[category] if o.refused]
    if not refused:
        pytest.skip(f"{category}: every model is accepted")
    status, err = exit_status(refused[len(refused) // 2])
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("onnx2c: error: ") and "Traceback" not in err
