"""Make static/fonts/noto-serif-sc-{regular,bold}.otf: Noto Serif CJK SC cut down to what a 公文 prints.

    apt-get install fonts-noto-cjk && .venv/bin/python scripts/subset_serif_font.py

The written reports (示范点情况报告, 经验材料) print as 公文 in a serif (reports/pdf.py). Debian's
fonts-noto-cjk ships Noto Serif CJK as two collections of 26–27 MB each (JP, KR, SC, TC and HK faces);
we take the SC face of the Regular and the Bold and keep only the GB2312 character set (6,763 hanzi and
its punctuation, Latin, digits and symbols) plus ASCII, the CJK punctuation block and the full-width forms:
about 2–3 MB each. A character outside that set (a rare hanzi in a name) falls back to the vendored
WenQuanYi Micro Hei (static/fonts/wqy-microhei.ttf, the second family in pdf.css).

The fonts are under the SIL Open Font License 1.1, which allows a subset to be redistributed under the
same licence; "Noto" is not a Reserved Font Name (Adobe reserves "Source" only), so the subset keeps its
name. See static/fonts/LICENSE-noto-serif-cjk.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto")
FACES = {"noto-serif-sc-regular.otf": "NotoSerifCJK-Regular.ttc", "noto-serif-sc-bold.otf": "NotoSerifCJK-Bold.ttc"}
SC_FACE = "Noto Serif CJK SC"


def gb2312() -> set[int]:
    """Every character of GB2312 (rows 0xA1–0xF7, columns 0xA1–0xFE), as code points."""
    chars: set[int] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def wanted() -> set[int]:
    ascii_ = set(range(0x20, 0x7F))
    cjk_punctuation = set(range(0x3000, 0x3040))
    fullwidth = set(range(0xFF00, 0xFFF0))
    general_punctuation = set(range(0x2000, 0x2070))
    return gb2312() | ascii_ | cjk_punctuation | fullwidth | general_punctuation | {0x00B7, 0x00D7, 0x3007}


def main() -> int:
    unicodes = wanted()
    for target, collection in FACES.items():
        fonts = TTCollection(str(SOURCE / collection)).fonts
        font = next(f for f in fonts if f["name"].getDebugName(1).startswith(SC_FACE))
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.desubroutinize = False
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        out = ROOT / "static" / "fonts" / target
        font.save(str(out))
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1048576:.1f} MB, {len(font.getBestCmap())} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
