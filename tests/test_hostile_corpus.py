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


# --- phase 2: the same files through /verify/, the web import and `import_roster` ----------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402


def page_errors(response):
    """The messages a page shows for its form (field and page errors) and any refusal."""
    context = response.context
    form = context.get("form") if context else None
    lines = [str(e) for errors in (form.errors.values() if form is not None else []) for e in errors]
    return " ".join([*lines, (context.get("refused") or "") if context else ""])


@pytest.fixture
def filed_return(tree, campaign_2016, staff_a):
    from returns import services

    return services.submit_return(
        form=campaign_2016.forms.get(form_no="2"),
        unit=tree.district_a,
        actor=staff_a,
        unit_leader="王丽",
        filled_by="李娜",
        phone="0451-84661234",
    )


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_verify_refuses_each_file_clearly_within_budget(filed_return, sample):
    """Anonymous upload to /verify/: a message (or a 'does not match'), never a 500, within 5 s and 200 MB."""
    client = Client(raise_request_exception=False)
    url = reverse("returns:verify", args=[filed_return.snapshot.code])
    upload = SimpleUploadedFile(sample.name, sample.data)
    response, elapsed, peak = measured(lambda: client.post(url, {"file": upload}))
    assert elapsed < SECONDS, f"{sample.name}: {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"{sample.name}: {peak / 2**20:.0f} MB"
    assert response.status_code in (200, 413), f"{sample.name}: {response.status_code}"
    body = response.content.decode()
    message = page_errors(response)
    assert message.strip() or "文件与报送时不一致" in body, f"{sample.name}: no message"
    if sample.guard and response.status_code == 200:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert "全部与报送时一致" not in body
