"""HTML to PDF with WeasyPrint and the vendored fonts: every PDF FedOrg prints goes through here.

The sans (WenQuanYi Micro Hei) sets the tables; the serif (Noto Serif SC, cut to GB2312 by
scripts/subset_serif_font.py, 9 MB, loaded on each render) only a document that asks for it: a 公文,
the 备案表. Both are vendored in static/fonts/ with their licences, so a bare server with no CJK font
renders the same file. WeasyPrint is imported lazily: a web process pays for it only when someone
asks for a PDF. static/fedorg/pdf.css is the shared print stylesheet.
"""

from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
STYLESHEET = STATIC / "fedorg" / "pdf.css"
FONT = STATIC / "fonts" / "wqy-microhei.ttf"
SERIF = STATIC / "fonts" / "noto-serif-sc-regular.otf"
SERIF_BOLD = STATIC / "fonts" / "noto-serif-sc-bold.otf"


def html_to_pdf(html: str, *, serif: bool = False) -> bytes:
    """The PDF bytes of `html` (its own <style> and pdf.css), with the sans, and the serif when asked."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    font_face = f"@font-face {{ font-family: 'FedOrg CJK'; src: url('{FONT.as_uri()}'); }}"
    if serif:
        font_face += (
            f"@font-face {{ font-family: 'FedOrg Serif'; src: url('{SERIF.as_uri()}'); }}"
            f"@font-face {{ font-family: 'FedOrg Serif'; font-weight: bold; src: url('{SERIF_BOLD.as_uri()}'); }}"
        )
    stylesheets = [CSS(string=font_face, font_config=fonts), CSS(filename=str(STYLESHEET), font_config=fonts)]
    return bytes(HTML(string=html, base_url=str(STATIC)).write_pdf(stylesheets=stylesheets, font_config=fonts))
