"""Share card images (Open Graph / Twitter 1200x630, Instagram 1080x1080) drawn with Pillow, cached.

The card's URL carries its content hash (`marketplace.selectors.share_cards`), so the rendered PNG is cached
under that hash and never invalidated by hand: a change of title, price, stock or photo is a new hash.
Also the A6 shop-window poster (PDF, ReportLab) with a QR code (segno) to the shop page.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from marketplace.selectors.share_cards import FORMATS, ShareCard

GREEN = (11, 93, 75)  # the site's theme colour
GREEN_LIGHT = (223, 240, 233)
INK = (28, 33, 31)
MUTED = (84, 96, 91)
WHITE = (255, 255, 255)
CACHE_SECONDS = 7 * 24 * 3600
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans (Debian's fonts-dejavu-core, installed by setup); Pillow's own font if it is missing."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, max_lines: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width and len(current) > 1:
            current = current[:-1]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + " …", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + " …"
    return lines


def _photo(name: str) -> Image.Image | None:
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle, Image.open(handle) as image:
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError):
        return None  # a missing or broken file: draw the initial instead of failing the card


def _initial_panel(size: tuple[int, int], card: ShareCard) -> Image.Image:
    panel = Image.new("RGB", size, GREEN)
    draw = ImageDraw.Draw(panel)
    letter = (card.shop_name.strip()[:1] or "L").upper()
    font = _font(int(min(size) * 0.55), bold=True)
    draw.text((size[0] / 2, size[1] / 2), letter, font=font, fill=WHITE, anchor="mm")
    return panel


def _visual(card: ShareCard, size: tuple[int, int]) -> Image.Image:
    photo = _photo(card.photo)
    if photo is None:
        return _initial_panel(size, card)
    return ImageOps.fit(photo, size, Image.Resampling.LANCZOS)


def _title_fit(
    draw: ImageDraw.ImageDraw, title: str, width: int, room: int, scale: float
) -> tuple[Font, list[str], int]:
    """The largest title size whose lines fit `room` pixels without breaking a word (3 lines at most)."""
    for size in (60, 54, 48, 42, 36):
        font = _font(int(size * scale), bold=True)
        step = int(size * 1.2 * scale)
        words_fit = all(draw.textlength(word, font=font) <= width for word in title.split())
        lines = _wrap(draw, title, font, width, 3)
        if words_fit and len(lines) * step <= room and not lines[-1].endswith(" …"):
            return font, lines, step
    return font, lines[: max(1, room // step)], step


def _text_block(
    image: Image.Image, card: ShareCard, box: tuple[int, int, int, int], *, scale: float = 1.0
) -> None:
    left, top, right, bottom = box
    width = right - left
    draw = ImageDraw.Draw(image)
    y = top
    label_font = _font(int(28 * scale), bold=True)
    draw.text((left, y), card.label.upper(), font=label_font, fill=GREEN)
    y += int(52 * scale)
    shop_y = bottom - int(90 * scale)
    line_font = _font(int(34 * scale), bold=card.highlight)
    line_lines = _wrap(draw, card.line, line_font, width, 2) if card.line else []
    line_room = len(line_lines) * int(48 * scale) + int(12 * scale)
    title_font, title_lines, step = _title_fit(
        draw, card.title, width, shop_y - int(40 * scale) - y - line_room, scale
    )
    for line in title_lines:
        draw.text((left, y), line, font=title_font, fill=INK)
        y += step
    y += int(12 * scale)
    for line in line_lines:
        if card.highlight:
            pad = int(10 * scale)
            length = draw.textlength(line, font=line_font)
            draw.rounded_rectangle(
                (left - pad, y - pad // 2, left + length + pad, y + int(44 * scale)),
                radius=int(12 * scale),
                fill=GREEN_LIGHT,
            )
            draw.text((left, y), line, font=line_font, fill=GREEN)
        else:
            draw.text((left, y), line, font=line_font, fill=MUTED)
        y += int(48 * scale)
    footer_font = _font(int(30 * scale), bold=True)
    small = _font(int(26 * scale))
    draw.line((left, shop_y - int(24 * scale), right, shop_y - int(24 * scale)), fill=GREEN_LIGHT, width=3)
    for line in _wrap(draw, card.shop_name, footer_font, width, 1):
        draw.text((left, shop_y), line, font=footer_font, fill=INK)
    draw.text((left, shop_y + int(44 * scale)), f"Ladenkarte {card.town}", font=small, fill=MUTED)


def share_card_render(card: ShareCard, fmt: str) -> bytes:
    """The card as PNG in `fmt` ("wide" 1200x630 or "square" 1080x1080)."""
    width, height = FORMATS[fmt]
    image = Image.new("RGB", (width, height), WHITE)
    if fmt == "wide":
        visual = _visual(card, (height, height))
        image.paste(visual, (0, 0))
        _text_block(image, card, (height + 56, 64, width - 56, height - 40))
    else:
        visual_height = int(height * 0.42)
        image.paste(_visual(card, (width, visual_height)), (0, 0))
        _text_block(image, card, (72, visual_height + 56, width - 72, height - 40), scale=1.15)
    ImageDraw.Draw(image).rectangle((0, height - 14, width, height), fill=GREEN)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)  # drawn once per content hash, then cached
    return out.getvalue()


def share_card_png(card: ShareCard, fmt: str) -> bytes:
    """The rendered card from the shared cache, drawn on a miss (the key is the content hash)."""
    key = f"share-card:{card.content_hash}:{fmt}"
    data = django_cache.get(key)
    if data is None:
        data = share_card_render(card, fmt)
        django_cache.set(key, data, CACHE_SECONDS)
    return bytes(data)


def shop_poster_pdf(*, shop_name: str, street: str, city: str, url: str, headline: str, hint: str) -> bytes:
    """An A6 portrait poster for the shop window: name, address, a QR code to `url`, and the URL."""
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    regular, bold = "Helvetica", "Helvetica-Bold"
    if (FONT_DIR / "DejaVuSans.ttf").exists():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        regular, bold = "DejaVuSans", "DejaVuSans-Bold"
    width, height = A6
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A6, pageCompression=1)
    pdf.setTitle(shop_name)
    pdf.setAuthor(f"Ladenkarte {settings.LADENKARTE_TOWN}")
    green = Color(GREEN[0] / 255, GREEN[1] / 255, GREEN[2] / 255)
    pdf.setFillColor(green)
    pdf.rect(0, height - 22 * mm, width, 22 * mm, stroke=0, fill=1)
    pdf.setFillColor(Color(1, 1, 1))
    pdf.setFont(bold, 15)
    pdf.drawCentredString(width / 2, height - 11 * mm, headline)
    pdf.setFont(regular, 9)
    pdf.drawCentredString(width / 2, height - 17 * mm, f"Ladenkarte {settings.LADENKARTE_TOWN}")
    pdf.setFillColor(Color(0.11, 0.13, 0.12))
    name_size = 16 if pdfmetrics.stringWidth(shop_name, bold, 16) < width - 16 * mm else 12
    pdf.setFont(bold, name_size)
    pdf.drawCentredString(width / 2, height - 32 * mm, shop_name[:60])
    pdf.setFont(regular, 9)
    pdf.drawCentredString(width / 2, height - 38 * mm, f"{street}, {city}"[:70])
    # The QR code: dark modules as filled squares (vector, sharp at any print size).
    qr = segno.make(url, error="m")
    matrix = [list(row) for row in qr.matrix_iter(border=2)]
    side = 62 * mm
    cell = side / len(matrix)
    x0 = (width - side) / 2
    y0 = 24 * mm
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x0 + c * cell, y0 + side - (r + 1) * cell, cell, cell, stroke=0, fill=1)
    pdf.setFont(regular, 8.5)
    pdf.drawCentredString(width / 2, 17 * mm, hint)
    pdf.setFont(bold, 8)
    pdf.drawCentredString(width / 2, 11 * mm, url.split("://", 1)[-1][:80])
    pdf.showPage()
    pdf.save()
    return out.getvalue()
