"""The hostile corpus (tests/hostile/make_corpus.py) against the upload guard and every upload path.

Each file must be refused with a clear Chinese message or imported correctly, within bounded
work and 200 MB, with nothing partial written. Work is counted, not timed (tests/counting.py): the
bytes decompressed out of the file stay within a few readings of what its zip index declares, so
no path inflates a part beyond its declared size or reads it over and over. Memory is the growth of
the process's resident set during the call (sampled, so C allocations count). The upload's wall-time
deadline is tested on its own with an injected clock (tests/test_uploads.py); timings are in bench/.
"""

import io
import resource
import threading
import zipfile

import pytest
from counting import inflated_bytes
from hostile.make_corpus import build_corpus

from fedorg.uploads import UploadRefused, check_xlsx

# Each path reads a part a few times (the guard's scan, openpyxl's parse, the marked error file's
# copy of the upload): never more than this many times what the zip index declares, plus the
# app's own workbooks (the error file's template), whatever the upload.
READINGS = 6
OWN_BYTES = 2 * 1024 * 1024
PEAK_BYTES = 200 * 1024 * 1024
CORPUS = build_corpus()


def _rss():
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def declared_bytes(data):
    """What the file's zip index says its parts hold, uncompressed (0 for a file that is no zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return 0


def within_work(sample, inflated):
    assert inflated <= READINGS * declared_bytes(sample.data) + OWN_BYTES, (
        f"{sample.name}: {inflated:,} bytes decompressed, {declared_bytes(sample.data):,} declared"
    )


def measured(call):
    """(result or the UploadRefused raised, bytes decompressed, peak growth of resident memory in bytes).

    Memory is sampled from /proc every 5 ms by a thread, so C allocations (zlib, lxml, expat)
    count too and the call runs at full speed (tracemalloc would slow openpyxl 2-4x).
    """
    start = _rss()
    peak = [start]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.005):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with inflated_bytes() as inflated:
        try:
            outcome = call()
        except UploadRefused as refusal:
            outcome = refusal
        finally:
            stop.set()
            sampler.join()
            peak[0] = max(peak[0], _rss())
    return outcome, inflated[0], peak[0] - start


def test_the_corpus_has_at_least_40_files_of_every_kind():
    assert len(CORPUS) >= 40
    kinds = {s.name.split("_")[0] for s in CORPUS}
    assert {"bomb", "xxe", "billion", "encrypted", "macro.xlsm", "truncated", "formula", "huge", "ok"} <= kinds | {
        s.name for s in CORPUS
    }


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_the_guard_refuses_or_passes_each_file_within_bounds(sample):
    outcome, inflated, peak = measured(lambda: check_xlsx(sample.data))
    within_work(sample, inflated)
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
    extra = [(context.get(key) or "") for key in ("refused", "conflict")] if context else []
    return " ".join([*lines, *extra])


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
def test_verify_refuses_each_file_clearly_within_bounds(filed_return, sample):
    """Anonymous upload to /verify/: a message (or a 'does not match'), never a 500, within 5 s and 200 MB."""
    client = Client(raise_request_exception=False)
    url = reverse("returns:verify", args=[filed_return.snapshot.code])
    upload = SimpleUploadedFile(sample.name, sample.data)
    response, inflated, peak = measured(lambda: client.post(url, {"file": upload}))
    within_work(sample, inflated)
    assert peak < PEAK_BYTES, f"{sample.name}: {peak / 2**20:.0f} MB"
    assert response.status_code in (200, 413), f"{sample.name}: {response.status_code}"
    body = response.content.decode()
    message = page_errors(response)
    assert message.strip() or "文件与报送时不一致" in body, f"{sample.name}: no message"
    if sample.guard and response.status_code == 200:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert "全部与报送时一致" not in body


def expected_fragment(sample):
    return sample.message or sample.guard or ""


def assert_nothing_written():
    from members.models import Person, Post

    assert (Person.objects.count(), Post.objects.count()) == (0, 0), "a refused file wrote something"


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_the_web_import_refuses_or_imports_each_file_within_bounds(tree, staff_a, import_dir, sample):
    """Upload (preview or error list, with the marked error file) and, for good files, confirm."""
    from members.models import Person

    client = Client(raise_request_exception=False)
    client.force_login(staff_a)
    url = reverse("members:roster_import", args=[tree.district_a.pk])
    upload = SimpleUploadedFile(sample.name, sample.data)
    response, inflated, peak = measured(lambda: client.post(url, {"file": upload}))
    within_work(sample, inflated)
    assert peak < PEAK_BYTES, f"{sample.name}: {peak / 2**20:.0f} MB"
    assert response.status_code in (200, 413), f"{sample.name}: {response.status_code}"
    result = response.context.get("result")
    token = response.context.get("token")
    messages = " ".join([page_errors(response), *(result.error_lines() if result is not None else [])])
    if token and result is not None and result.ok:
        assert sample.outcome in ("imported", "either"), f"{sample.name} was accepted: {result.summary()}"
        confirm = reverse("members:roster_import_confirm", args=[tree.district_a.pk])
        done, inflated, _peak = measured(lambda: client.post(confirm, {"token": token}))
        assert done.status_code == 302
        within_work(sample, inflated)
        if done["Location"].startswith("/jobs/"):  # a file over 5,000 rows is written by the background worker
            from django.core.management import call_command

            call_command("run_jobs", "--once", stdout=io.StringIO())
        assert Person.objects.count() == (sample.rows or result.row_count)
    else:
        assert sample.outcome in ("refused", "either"), f"{sample.name} refused: {messages}"
        assert messages.strip(), f"{sample.name}: refused without a message"
        assert expected_fragment(sample) in messages, f"{sample.name}: {messages}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in messages)
        assert_nothing_written()


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_import_roster_refuses_or_imports_each_file_within_bounds(tree, staff_a, tmp_path, sample):
    import io

    from django.core.management import CommandError, call_command

    from members.models import Person

    path = tmp_path / sample.name
    path.write_bytes(sample.data)
    out = io.StringIO()

    def run():
        try:
            call_command("import_roster", str(path), "--unit", tree.district_a.code, "--user", "staff_a", stdout=out)
        except CommandError as e:
            return e
        return None

    failure, inflated, peak = measured(run)
    within_work(sample, inflated)
    assert peak < PEAK_BYTES, f"{sample.name}: {peak / 2**20:.0f} MB"
    if failure is None:
        assert sample.outcome in ("imported", "either"), f"{sample.name} was accepted: {out.getvalue()}"
        assert "导入完成" in out.getvalue()
        assert Person.objects.count() == (sample.rows or Person.objects.count())
    else:
        messages = out.getvalue() + str(failure)
        assert sample.outcome in ("refused", "either"), f"{sample.name} refused: {messages}"
        assert "未写入任何数据" in str(failure)
        assert expected_fragment(sample) in messages, f"{sample.name}: {messages}"
        assert_nothing_written()
