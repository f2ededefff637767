"""Print a stamped 附表 as paper would show it, to PNG, so a person can look at it.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/print_proof.py --unit 2301 --forms 3 4

Renders each form of the unit from the current database (seed it with `manage.py seed_demo --scale small`)
with a sample seal and footer, then:
- the .xlsx through LibreOffice (`libreoffice --headless --convert-to pdf`, Debian's libreoffice-calc-nogui)
  and the PDF rendition (reports.pdf, WeasyPrint) through pdftoppm (poppler-utils), page by page to PNG;
- writes docs/screenshots/print-form<N>-xlsx-<page>.png and print-form<N>-pdf-<page>.png.

With --documents (issue 26) it proofs the printed documents instead, into docs/screenshots/print/:

    DATABASE_URL=sqlite:////tmp/city.sqlite3 .venv/bin/python scripts/print_proof.py --documents

- certificate-1.png: a 任职证书 of a community 妇代会 post, issued by its street's 妇联 (the certificate page
  as printed, through WeasyPrint);
- form4-daoli-<page>.png: 道里区's 附表4 PDF (reports.pdf), with the district's (demo) seal;
- pilot-<page>.png, experience-<page>.png: 道里区's filed 示范点情况报告 and 经验材料 (returns.exports.stamped_pdf);
- filing-<page>.png: a meeting's 备案表 page as printed.
Seed a city first (`seed_demo --scale city`): 道里区 then has its 22 streets.

Only for people and for the screenshots in docs/; CI does not run it (LibreOffice is not installed there).
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")


def sample_seal():
    """A red round seal, as a PNG, for the proof only."""
    from PIL import Image, ImageDraw

    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (205, 20, 20, 220)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=18)
    cx = cy = size // 2
    star = [(cx, cy - 70), (cx + 20, cy - 20), (cx + 70, cy - 20), (cx + 30, cy + 12), (cx + 45, cy + 65)]
    star += [(cx, cy + 32), (cx - 45, cy + 65), (cx - 30, cy + 12), (cx - 70, cy - 20), (cx - 20, cy - 20)]
    draw.polygon(star, fill=red)
    stream = io.BytesIO()
    image.save(stream, "PNG")
    return stream.getvalue()


def to_png(pdf, prefix, out_dir, *, first_pages):
    """pdftoppm the first pages of `pdf` to <out_dir>/<prefix>-<n>.png; the paths written."""
    command = ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", str(first_pages), str(pdf), str(out_dir / prefix)]
    subprocess.run(command, check=True)  # noqa: S603, S607 - fixed arguments; Debian's poppler-utils on PATH
    written = []
    for path in sorted(out_dir.glob(f"{prefix}-*.png")):
        number = int(path.stem.rsplit("-", 1)[1])
        target = out_dir / f"{prefix}-{number}.png"
        path.rename(target)
        written.append(target)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unit", default="2301", help="组织代码（默认 2301 哈尔滨市）")
    parser.add_argument("--forms", nargs="+", type=int, default=[3, 4])
    parser.add_argument("--as-of", default="2016-08-31")
    parser.add_argument("--pages", type=int, default=2, help="每份文件最多输出几页")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--documents", action="store_true", help="证书、道里区附表4、经验材料、示范点情况报告、备案表")
    args = parser.parse_args()

    import django

    django.setup()
    if args.documents:
        documents(ROOT / "docs" / "screenshots" / "print")
        return
    from fedorg.dates import parse_count_date
    from orgtree.models import Unit
    from reports import tables
    from reports.excel import render_xlsx
    from reports.pdf import render_pdf

    unit = Unit.objects.get(code=args.unit)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    seal = sample_seal()
    footer = {"单位负责人": "王丽华", "填表人": "李淑琴", "联系电话": "0451-84661234", "报出日期": "2016年9月5日"}
    office = shutil.which("libreoffice") or shutil.which("soffice")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for form_no in args.forms:
            snap = tables.compute(form_no, unit=unit, as_of=parse_count_date(args.as_of))
            for old in out_dir.glob(f"print-form{form_no}-*.png"):
                old.unlink()
            xlsx = tmp_dir / f"form{form_no}.xlsx"
            xlsx.write_bytes(render_xlsx(snap, seal=seal, footer=footer, verification_code="PROOF2345ABC"))
            if office:
                subprocess.run(  # noqa: S603 - fixed arguments, our own files
                    [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_dir), str(xlsx)],
                    check=True,
                    capture_output=True,
                    env={**os.environ, "HOME": str(tmp_dir)},
                )
                for path in to_png(
                    tmp_dir / f"form{form_no}.pdf", f"print-form{form_no}-xlsx", out_dir, first_pages=args.pages
                ):
                    print(path)
            else:
                print("libreoffice not found: skipping the .xlsx proof", file=sys.stderr)
            pdf = tmp_dir / f"form{form_no}-weasy.pdf"
            pdf.write_bytes(
                render_pdf(
                    snap,
                    seal=seal,
                    footer=footer,
                    verification_code="PROOF2345ABC",
                    verify_url="https://fedorg.example.gov.cn/verify/PROOF2345ABC/",
                )
            )
            for path in to_png(pdf, f"print-form{form_no}-pdf", out_dir, first_pages=args.pages):
                print(path)


def page_pdf(path, user, *, landscape=False):
    """A page of the site as printed (its print CSS), through WeasyPrint, logged in as `user`."""
    from django.test import Client
    from weasyprint import CSS, HTML

    from fedorg.pdf import FONT, STATIC

    client = Client()
    client.force_login(user)
    response = client.get(path, HTTP_HOST="localhost")
    assert response.status_code == 200, (path, response.status_code)

    font = CSS(string=f"@font-face {{ font-family: 'WenQuanYi Micro Hei'; src: url('{FONT.as_uri()}'); }}")
    page = response.content.decode().replace('"/static/', f'"{STATIC.as_uri()}/')  # the stylesheets from the files
    html = HTML(string=page, base_url=str(STATIC), media_type="print")
    return html.write_pdf(stylesheets=[font])


def documents(out_dir):
    from orgtree.models import Unit, User
    from reports import tables
    from reports.pdf import render_pdf
    from returns.exports import stamped_pdf
    from returns.models import Return
    from selection.models import Certificate, Filing

    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    admin = User.objects.get(username="shi_admin")
    daoli = Unit.objects.get(code="230102")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)

        def proof(name, content, pages=2):
            pdf = tmp_dir / f"{name}.pdf"
            pdf.write_bytes(content)
            for path in to_png(pdf, name, out_dir, first_pages=pages):
                print(path)

        certificate = (
            Certificate.objects.filter(post__unit__kind=Unit.Kind.COMMUNITY, post__unit__org_form="congress")
            .select_related("post")
            .order_by("post__unit__tree_id", "post__unit__lft")
            .first()
        )
        from selection import certificates as certs

        issuer = certs.issuing_unit_for(certificate.post.unit)
        proof("certificate", certs.pdf([certificate.post], issuer=issuer), pages=1)
        from fedorg.dates import parse_count_date

        snap = tables.compute(4, unit=daoli, as_of=parse_count_date("2016-08-31"))
        footer = {"单位负责人": "王丽华", "填表人": "李淑琴", "联系电话": "0451-84661234", "报出日期": "2016年9月5日"}
        verify = "https://fedorg.example.gov.cn/verify/PROOF2345ABC/"
        proof(
            "form4-daoli",
            render_pdf(
                snap, seal=daoli.seal_bytes(), footer=footer, verification_code="PROOF2345ABC", verify_url=verify
            ),
            pages=4,
        )
        for form in ("pilot", "experience"):
            ret = Return.objects.filter(unit=daoli, form__form_no=form).exclude(snapshot=None).first()
            proof(form, stamped_pdf(ret.snapshot, verify_url=verify))
        filing = (
            Filing.objects.filter(meeting__unit__parent=daoli).select_related("meeting").first()
            or Filing.objects.first()
        )
        from selection.filing import pdf as filing_pdf

        proof("filing", filing_pdf(filing.meeting, printed_by=admin))


if __name__ == "__main__":
    main()
