"""An EAN-13 barcode drawn with Pillow (for the scan-to-list browser test; no barcode library needed)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

L_CODES = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
R_CODES = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in L_CODES)
G_CODES = tuple(code[::-1] for code in R_CODES)
PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


def ean13_modules(code: str) -> str:
    """The 95 modules (1 = bar) of a 13-digit code."""
    if len(code) != 13 or not code.isdigit():
        raise ValueError(code)
    first, left, right = int(code[0]), code[1:7], code[7:]
    bits = "101"
    for digit, parity in zip(left, PARITY[first], strict=True):
        bits += (L_CODES if parity == "L" else G_CODES)[int(digit)]
    bits += "01010"
    bits += "".join(R_CODES[int(digit)] for digit in right)
    return bits + "101"


def ean13_png(code: str, *, module: int = 4, height: int = 160, quiet: int = 12) -> bytes:
    bits = ean13_modules(code)
    width = (len(bits) + 2 * quiet) * module
    image = Image.new("RGB", (width, height + 2 * quiet * module // 2), "white")
    draw = ImageDraw.Draw(image)
    for index, bit in enumerate(bits):
        if bit == "1":
            x = (quiet + index) * module
            draw.rectangle(
                [x, quiet * module // 2, x + module - 1, quiet * module // 2 + height], fill="black"
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
