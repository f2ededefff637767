"""Demo seals: a red round seal for each federation that files returns in the demo (the city and its districts).

Drawn with Pillow in the shape of a 公章 — a red ring, the federation's full name along the top of the circle,
a five-pointed star in the middle — and marked 演示 in large characters under the star, so that nobody can take
a demo printout for a stamped original. PNG with a transparent background, 480 px square (about 4 cm at 300 dpi),
as the seal upload page asks for. Set on the units before the demo files its returns, so the returns freeze it
and download stamped. About 20 images (32 at province scale), about 0.05 s each, drawn once per unit and kept
under MEDIA_ROOT/seals/demo-<code>.png, which a later seeding reuses.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from orgtree.models import Unit

SIZE = 480
RED = (214, 28, 28, 235)
FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "noto-serif-sc-bold.otf"
FALLBACK_FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "wqy-microhei.ttf"
DEMO_MARK = "演示"


def full_name(unit: Unit) -> str:
    """道里区妇联 -> 道里区妇女联合会, as a seal reads."""
    name = unit.federation_name
    return name[: -len("妇联")] + "妇女联合会" if name.endswith("妇联") else name


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = FONT if FONT.exists() else FALLBACK_FONT
    return ImageFont.truetype(str(path), size)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def seal_png(name: str) -> bytes:
    """A demo seal for `name` (the federation's full name) as PNG bytes, red on transparent."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    ring = 14
    draw.ellipse((ring / 2, ring / 2, SIZE - ring / 2, SIZE - ring / 2), outline=RED, width=ring)
    _star(draw, c, c - 8, 78)

    # The name along the top of the circle, each character upright to the centre, over about 230 degrees.
    size = 58 if len(name) <= 10 else max(40, int(58 * 10 / len(name)))
    font = _font(size)
    radius = c - ring - 10 - size / 2
    sweep = min(240.0, 23.0 * len(name) * size / 58)
    for i, char in enumerate(name):
        degrees = -sweep / 2 + (sweep * (i + 0.5) / len(name))  # 0 = straight up, clockwise positive
        glyph = Image.new("RGBA", (size + 8, size + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(((size + 8) / 2, (size + 8) / 2), char, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True)
        theta = math.radians(degrees)
        x, y = c + radius * math.sin(theta), c - radius * math.cos(theta)
        image.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))

    # 演示, large and level under the star: unmistakably not a real seal.
    draw.text((c, c + 112), DEMO_MARK, font=_font(72), fill=RED, anchor="mm")
    stream = io.BytesIO()
    image.save(stream, "PNG")
    return stream.getvalue()


def filing_units() -> Iterable[Unit]:
    """The federations whose returns the demo files or reviews: the province and cities, Harbin's districts."""
    harbin = Unit.objects.filter(code="2301").first()
    districts = Unit.objects.subtree_of(harbin).of_tier(2) if harbin else Unit.objects.none()
    return [*Unit.objects.of_tier(0), *Unit.objects.of_tier(1), *districts]


def seed_seals(units: Iterable[Unit]) -> int:
    """Give each of `units` that has no seal yet its demo seal; the number set. No audit event: seeding, not a
    federation replacing its seal (orgtree.services.set_seal)."""
    done = 0
    for unit in units:
        if unit.seal:
            continue
        name = f"seals/demo-{unit.code}.png"  # drawn once per unit: a second seeding reuses the file
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(seal_png(full_name(unit))))
        Unit.objects.filter(pk=unit.pk).update(seal=name)
        unit.seal.name = name
        done += 1
    return done
