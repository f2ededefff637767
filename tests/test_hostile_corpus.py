"""The hostile corpus (tests/hostile/make_corpus.py) against the upload guard and every upload path.

Each file must be refused with a clear Chinese message or imported correctly, within 5 s and
200 MB, with nothing partial written. Time is wall time; memory is the peak of Python
allocations (tracemalloc) during the call. Budgets are generous: a safety net, not a benchmark.
"""

import time
import tracemalloc

import pytest
from hostile.make_corpus import build_corpus

from fedorg.uploads import UploadRefused, check_xlsx

SECONDS = 5.0
PEAK_BYTES = 200 * 1024 * 1024
CORPUS = build_corpus()


def measured(call):
    """(result or the UploadRefused raised, seconds, peak bytes)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = call()
    except UploadRefused as refusal:
        outcome = refusal
    finally:
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, elapsed, peak


def test_the_corpus_has_at_least_40_files_of_every_kind():
    assert len(CORPUS) >= 40
    kinds = {s.name.split("_")[0] for s in CORPUS}
    assert {"bomb", "xxe", "billion", "encrypted", "macro.xlsm", "truncated", "formula", "huge", "ok"} <= kinds | {
        s.name for s in CORPUS
    }


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_the_guard_refuses_or_passes_each_file_within_budget(sample):
    outcome, elapsed, peak = measured(lambda: check_xlsx(sample.data))
    assert elapsed < SECONDS, f"{sample.name}: {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"{sample.name}: {peak / 2**20:.0f} MB"
    if sample.guard is None:
        assert not isinstance(outcome, UploadRefused), f"{sample.name} refused: {outcome}"
    else:
        assert isinstance(outcome, UploadRefused), f"{sample.name} was let through"
        assert sample.guard in str(outcome), str(outcome)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(outcome))
