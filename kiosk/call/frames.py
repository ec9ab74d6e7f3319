"""Synthetic pictures for the simulated call: a drawn adviser, and a drawn self-view.

Rendered once with Pillow (a few dozen frames, cycled), so a running call costs
no drawing: the UI gets the same bytes objects again and again. Each sequence has
something moving (a waving arm, a sweeping bar) so one sees the picture is live.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
REMOTE_SIZE = (640, 480)
LOCAL_SIZE = (320, 240)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:  # no DejaVu (not a Debian system): Pillow's own font
        return ImageFont.load_default(size)


def remote_frames(name: str, count: int = 30) -> list[bytes]:
    """`count` RGB24 640×480 pictures of an adviser at a desk, waving, with their name."""
    width, height = REMOTE_SIZE
    label_font, small_font = _font(30), _font(18)
    frames = []
    for index in range(count):
        phase = 2 * math.pi * index / count
        image = Image.new("RGB", REMOTE_SIZE, (206, 222, 236))
        draw = ImageDraw.Draw(image)
        # An office: a wall, a window, a desk.
        draw.rectangle((0, 330, width, height), fill=(150, 112, 80))
        draw.rectangle((430, 50, 600, 200), fill=(238, 246, 252), outline=(120, 140, 160), width=6)
        draw.line((515, 50, 515, 200), fill=(120, 140, 160), width=4)
        # The adviser: body, head, hair, a waving arm.
        cx = 280
        draw.rounded_rectangle((cx - 95, 230, cx + 95, 400), radius=40, fill=(52, 101, 164))
        draw.ellipse((cx - 55, 110, cx + 55, 230), fill=(241, 194, 160))
        draw.chord((cx - 60, 100, cx + 60, 190), 180, 360, fill=(92, 60, 40))
        draw.ellipse((cx - 25, 155, cx - 13, 167), fill=(40, 40, 40))
        draw.ellipse((cx + 13, 155, cx + 25, 167), fill=(40, 40, 40))
        draw.arc((cx - 22, 170, cx + 22, 205), 20, 160, fill=(140, 60, 60), width=4)
        angle = -60 + 25 * math.sin(phase)
        hand = (
            cx + 90 + 110 * math.cos(math.radians(angle)),
            250 + 110 * math.sin(math.radians(angle)),
        )
        draw.line((cx + 80, 260, *hand), fill=(52, 101, 164), width=30)
        draw.ellipse((hand[0] - 20, hand[1] - 20, hand[0] + 20, hand[1] + 20), fill=(241, 194, 160))
        # Name plate, and a "live" dot that pulses.
        draw.rounded_rectangle((20, 410, 380, 465), radius=12, fill=(0, 0, 0))
        draw.text((36, 418), name, font=label_font, fill=(255, 255, 255))
        pulse = int(160 + 95 * (0.5 + 0.5 * math.sin(phase * 2)))
        draw.ellipse((590, 20, 614, 44), fill=(pulse, 40, 40))
        draw.text((470, 20), "simulation", font=small_font, fill=(60, 60, 60))
        frames.append(image.tobytes())
    return frames


def local_frames(count: int = 20) -> list[bytes]:
    """`count` RGB24 320×240 self-view pictures: a dim room, a silhouette, a sweeping bar."""
    width, height = LOCAL_SIZE
    font = _font(16)
    frames = []
    for index in range(count):
        image = Image.new("RGB", LOCAL_SIZE, (58, 64, 74))
        draw = ImageDraw.Draw(image)
        draw.ellipse((120, 50, 200, 140), fill=(120, 128, 140))
        draw.pieslice((80, 140, 240, 320), 180, 360, fill=(120, 128, 140))
        x = int(width * index / count)
        draw.rectangle((x, height - 8, x + 40, height - 2), fill=(110, 200, 120))
        draw.text((10, 8), "Vous", font=font, fill=(230, 230, 230))
        frames.append(image.tobytes())
    return frames
