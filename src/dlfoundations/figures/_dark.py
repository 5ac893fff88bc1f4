"""The dark variant of a figure: its light SVG with every colour mapped for the dark
(slate) scheme of the site, embedded images included.

A figure is drawn once; its dark variant is derived from the SVG, which costs a few
milliseconds instead of a second render, and needs nothing from the figure's code.
Each colour keeps its hue, and its lightness is turned over: white paper becomes the
dark page and black ink becomes light ink,

    lightness -> PAPER + (INK - PAPER) * (1 - lightness)     (HSL lightness, 0 to 1),

with the colour's chroma kept (pale fills become dark tints). A saturated palette
colour (not a pale one) is kept at least ``MIN_LIGHTNESS`` light, so that it stays
readable on the dark page. Since one mapping applies to every colour, in vector paths
and in the images of colour maps alike, what is drawn on a colour map keeps its
contrast with it, and a colour bar still matches its plot.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np

PAPER = 0.14  # lightness of white in the dark variant: about that of the slate page
INK = 0.86  # lightness of black in the dark variant: the slate scheme's light text
MIN_LIGHTNESS = 0.55  # saturated colours are kept at least this light:
SATURATED = (0.2, 0.3)  # from a chroma of 0.2 (not at all) to 0.3 (fully),
PALE = (0.8, 0.7)  # and from a lightness of 0.8 (a pale fill: not at all) to 0.7

# Matplotlib writes every colour of an SVG as "fill: #rrggbb" or "stroke: #rrggbb" in a
# style attribute, except a black fill, which it leaves to SVG's default (text, mostly);
# and every image as a base64 PNG.
COLOUR = re.compile(
    r"\b(fill|stroke|stop-color|flood-color|color):\s*#([0-9a-fA-F]{6})\b"
)
PNG = re.compile(r'(xlink:href|href)="data:image/png;base64,([^"]*)"')
ROOT = re.compile(r"<svg\b")


def dark_rgb(rgb: np.ndarray) -> np.ndarray:
    """The dark-variant colours of ``rgb``, colours ``(..., 3)`` in [0, 1]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    lightness, chroma = (high + low) / 2, high - low
    turned = PAPER + (INK - PAPER) * (1 - lightness)
    weight = np.clip((chroma - SATURATED[0]) / (SATURATED[1] - SATURATED[0]), 0, 1)
    weight *= np.clip((lightness - PALE[0]) / (PALE[1] - PALE[0]), 0, 1)
    new_lightness = np.maximum(turned, MIN_LIGHTNESS * weight)
    # keep the chroma, as far as the new lightness allows (HSL's gamut is a double cone)
    room, new_room = 1 - np.abs(2 * lightness - 1), 1 - np.abs(2 * new_lightness - 1)
    scale = np.minimum(
        1.0, np.divide(new_room, room, out=np.zeros_like(room), where=room > 1e-12)
    )
    dark = new_lightness[..., None] + (rgb - lightness[..., None]) * scale[..., None]
    return np.clip(dark, 0.0, 1.0)


def dark_hex(colour: str) -> str:
    """The dark-variant colour of ``colour``, written ``rrggbb`` (six hex digits)."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (0, 2, 4)]) / 255
    red, green, blue = np.rint(dark_rgb(rgb) * 255).astype(int)
    return f"{red:02x}{green:02x}{blue:02x}"


def dark_png(png: bytes) -> bytes:
    """A PNG image with every pixel's colour mapped (its transparency kept)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    pixels = np.asarray(image.convert(mode))
    mapped = pixels.copy()
    mapped[..., :3] = np.rint(dark_rgb(pixels[..., :3] / 255) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(mapped, mode).save(buffer, format="png")
    return buffer.getvalue()


def dark_svg(svg: bytes) -> bytes:
    """The dark variant of a figure's SVG (as written by matplotlib): same drawing,
    mapped colours. Deterministic: the same light SVG gives the same bytes."""
    text = svg.decode("utf-8")
    colours: dict[str, str] = {}

    def colour(match: re.Match) -> str:
        key = match[2].lower()
        if key not in colours:
            colours[key] = dark_hex(key)
        return f"{match[1]}: #{colours[key]}"

    def image(match: re.Match) -> str:
        png = base64.b64decode("".join(match[2].split()))
        encoded = base64.b64encode(dark_png(png)).decode("ascii")
        return f'{match[1]}="data:image/png;base64,{encoded}"'

    text = PNG.sub(image, COLOUR.sub(colour, text))
    # the default fill, black, is inherited by everything without a fill of its own
    text = ROOT.sub(f'<svg fill="#{dark_hex("000000")}"', text, count=1)
    return text.encode("utf-8")
