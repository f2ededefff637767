"""Benchmark: a district's stamped 附表4 as a PDF, rendered once and then served from storage (issue 21 item 6).

    .venv/bin/python bench/bench_pdf.py                   # the demo city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_pdf.py  # that database (seeds it if empty)

- one render of a district's submitted 附表4 (returns.exports.stamped_pdf: the frozen snapshot, seal, QR
  code), split into its stages: the HTML (Django's template), WeasyPrint's cascade and layout (`render`),
  and writing the PDF (drawing and font subsetting, `write_pdf`). Target: <= 1 s on a quiet machine;
- a live table's PDF (the snapshot counted, then rendered), which the app makes in the worker;
- the stored PDF's download (the second one: the first stored it) against anonymous GET /login/,
  target < 0.2 s.

Each figure is the median of interleaved runs, with every run and the load average printed.
"""

import datetime
import statistics
import time

from common import ensure_city, interleaved, median_ms, ratio_line, result, setup_django

setup_django()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from orgtree.models import User  # noqa: E402
from reports import tables  # noqa: E402
from reports.pdf import render_html  # noqa: E402
from returns.exports import _count_date_explained  # noqa: E402
from returns.models import ReturnSnapshot, SnapshotPdf  # noqa: E402

REVIEWER = "shi_shenhe"
HOST = "127.0.0.1"
ROUNDS = 7


def load():
    import os

    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def district_form4_snapshot(city):
    """The newest submitted 附表4 of a district (the demo's returns), submitted now if there is none."""
    found = (
        ReturnSnapshot.objects.filter(ret__form__form_no="4", ret__unit__parent=city)
        .select_related("ret__unit", "ret__form", "seal")
        .order_by("-pk")
        .first()
    )
    if found is None:
        raise SystemExit("演示数据中没有区级附表4的报送记录（seed_demo 应当生成）。")
    return found


def stages(snapshot, verify_url):
    """One render, timed by stage: (html, layout, write) in seconds, and the page count."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from fedorg.pdf import FONT, STATIC, STYLESHEET

    started = time.perf_counter()
    data = _count_date_explained(snapshot, snapshot.data)
    html = render_html(
        data, seal=snapshot.seal_bytes, footer=snapshot.footer, verification_code=snapshot.code, verify_url=verify_url
    )
    html_done = time.perf_counter()
    fonts = FontConfiguration()
    sheets = [
        CSS(string=f"@font-face {{ font-family: 'FedOrg CJK'; src: url('{FONT.as_uri()}'); }}", font_config=fonts),
        CSS(filename=str(STYLESHEET), font_config=fonts),
    ]
    document = HTML(string=html, base_url=str(STATIC)).render(stylesheets=sheets, font_config=fonts)
    laid_out = time.perf_counter()
    document.write_pdf()
    written = time.perf_counter()
    return html_done - started, laid_out - html_done, written - laid_out, len(document.pages)


def main():
    city = ensure_city()
    if not User.objects.filter(username=REVIEWER).exists():
        from django.core.management import call_command

        call_command("demo_logins", verbosity=0)
    snapshot = district_form4_snapshot(city)
    unit = snapshot.ret.unit
    verify_url = f"http://{HOST}{reverse('returns:verify', args=[snapshot.code])}"
    print(f"{unit.name}附表4 第{snapshot.number}次上报（{len(snapshot.data.get('panels', []))} 个表）", flush=True)

    # 1. One render, by stage.
    runs = []
    for _ in range(ROUNDS):
        runs.append(stages(snapshot, verify_url))
    totals = [sum(r[:3]) for r in runs]
    print(
        f"一次生成（区附表4，{runs[0][3]} 页）：中位 {median_ms(totals):.0f} ms（目标 ≤ 1000 ms）；负载 {load()}",
        flush=True,
    )
    for name, i in (("模板 HTML", 0), ("WeasyPrint 样式与排版", 1), ("写出 PDF（绘制、字体子集）", 2)):
        print(f"  {name}：中位 {statistics.median(r[i] for r in runs) * 1000:.0f} ms", flush=True)
    print("  每次：" + "  ".join(f"{r[0] * 1000:.0f}+{r[1] * 1000:.0f}+{r[2] * 1000:.0f}" for r in runs), flush=True)
    render_ms = median_ms(totals)
    result("pdf_render", render_ms, "≤ 1000 ms", render_ms <= 1000, f"{render_ms:.0f} ms, 负载 {load()}")

    # 2. A live table's PDF: counted, then rendered (the worker's job for a live table).
    reviewer = User.objects.get(username=REVIEWER)

    def live():
        snap = tables.compute(4, unit=unit, as_of=datetime.date(2016, 8, 31), user=reviewer)
        from reports.pdf import render_pdf

        render_pdf(snap)

    live_times = interleaved({"live": live}, rounds=3)["live"]
    print(
        f"实时表 PDF（计数 + 生成，后台任务中）：中位 {median_ms(live_times):.0f} ms；每次 "
        + "  ".join(f"{t * 1000:.0f}" for t in live_times)
        + f"；负载 {load()}",
        flush=True,
    )

    # 3. The stored PDF's download, against /login/.
    SnapshotPdf.objects.filter(snapshot=snapshot).delete()
    client = Client()
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(reviewer)
    url = reverse("returns:return_export_pdf", args=[snapshot.ret.pk])
    started = time.perf_counter()
    first = client.get(url)
    first_ms = (time.perf_counter() - started) * 1000
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf", first.status_code
    stored = SnapshotPdf.objects.filter(snapshot=snapshot).count()
    print(f"第一次下载（生成并存储，存储 {stored} 份）：{first_ms:.0f} ms", flush=True)
    anonymous = Client()
    anonymous.defaults["HTTP_HOST"] = HOST

    def download():
        response = client.get(url)
        assert response.status_code == 200 and response.content == first.content
        assert SnapshotPdf.objects.filter(snapshot=snapshot).count() == stored  # nothing rendered again

    times = interleaved({"download": download, "login": lambda: anonymous.get("/login/")}, rounds=15)
    ratio_line("第二次下载（取存储的 PDF）", times["download"], times["login"], 5, "匿名 GET /login/")
    download_ms = median_ms(times["download"])
    result("pdf_stored_download", download_ms, "≤ 200 ms", download_ms <= 200, f"{download_ms:.1f} ms, 负载 {load()}")


if __name__ == "__main__":
    main()
