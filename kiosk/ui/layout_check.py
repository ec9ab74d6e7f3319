"""Checks a drawn kiosk screen the way a finger and an eye would meet it.

`check(root, theme)` walks the real Kivy widgets of what is on screen and
returns the problems found (docs/accessibility.md):

- two touch targets overlap (a touch on the edge of one lands on the other);
- a touch target is smaller than 15 mm on the panel (10.1" at 1280×800 by default);
- a line of text runs out of its widget or off the screen, is drawn over
  another text or over a touch target it does not belong to, or a word is
  broken across lines because it is wider than its box;
- text is smaller than 28 px (at the reference 1280×800);
- text is under 7:1 against what is painted behind it (WCAG AAA), a pictogram
  under 3:1 (WCAG 1.4.11), computed from the widgets' colours;
- a disabled touch target is painted like an enabled one.

It reads colours from `fill()` (kiosk.ui.widgets), which records what it paints
on each widget as `gaia_bg`; the window's clear colour is behind everything else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kiosk.ui.theme import ICON_FONT, Rgba, Theme

PANEL_INCHES = 10.1
REFERENCE = (1280, 800)
MIN_TARGET_MM = 15.0
MIN_TEXT_PX = 28.0
TEXT_CONTRAST = 7.0
GRAPHIC_CONTRAST = 3.0
TOLERANCE = 1.5  # px: anti-aliasing and rounding


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in window pixels (origin bottom left, as Kivy's)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y + self.h

    def intersect(self, other: Box) -> Box | None:
        """The common part, or None when they only touch or are apart."""
        x, y = max(self.x, other.x), max(self.y, other.y)
        right, top = min(self.right, other.right), min(self.top, other.top)
        if right - x <= TOLERANCE or top - y <= TOLERANCE:
            return None
        return Box(x, y, right - x, top - y)

    def inside(self, other: Box) -> bool:
        """Within `other`, give or take the tolerance."""
        return (
            self.x >= other.x - TOLERANCE
            and self.y >= other.y - TOLERANCE
            and self.right <= other.right + TOLERANCE
            and self.top <= other.top + TOLERANCE
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong on a screen."""

    kind: str  # overlap | small-target | overflow | clipped | text-over | word-break | small-text
    # | contrast | disabled-look
    where: str  # the widget's gid or text
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


def px_per_mm(window: tuple[float, float], inches: float = PANEL_INCHES) -> float:
    """Pixels per millimetre of a panel of `inches` diagonal shown at `window` pixels."""
    return math.hypot(*window) / (inches * 25.4)


def luminance(color: Rgba) -> float:
    """WCAG relative luminance of an opaque colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def blend(top: Rgba, under: Rgba) -> Rgba:
    """`top` with its alpha drawn over the opaque `under`."""
    a = top[3]
    return (
        top[0] * a + under[0] * (1 - a),
        top[1] * a + under[1] * (1 - a),
        top[2] * a + under[2] * (1 - a),
        1.0,
    )


def contrast(fg: Rgba, bg: Rgba) -> float:
    """WCAG contrast ratio of `fg` (blended onto `bg`) against `bg`."""
    lighter, darker = sorted((luminance(blend(fg, bg)), luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _walk(root: Any) -> Iterator[Any]:
    stack = [root]
    while stack:
        widget = stack.pop()
        yield widget
        stack.extend(widget.children)


def _ancestors(widget: Any) -> Iterator[Any]:
    node = widget.parent
    while node is not None and node is not node.parent:
        yield node
        node = node.parent


def _box(widget: Any) -> Box:
    x, y = widget.to_window(widget.x, widget.y)
    right, top = widget.to_window(widget.right, widget.top)
    return Box(x, y, right - x, top - y)


def _visible(widget: Any, screen: Box) -> Box | None:
    """The part of `widget` a person can see: inside the screen and its scroll views."""
    if widget.opacity <= 0 or any(a.opacity <= 0 for a in _ancestors(widget)):
        return None
    seen: Box | None = _box(widget).intersect(screen)
    for ancestor in _ancestors(widget):
        if seen is None:
            return None
        if type(ancestor).__name__ == "ScrollView":
            seen = seen.intersect(_box(ancestor))
    return seen


def _clip(widget: Any) -> Box:
    """Where `widget` can be drawn: its scroll views clip it (the screen's edge is a
    problem of its own, "clipped")."""
    clip = Box(-1e6, -1e6, 2e6, 2e6)
    for ancestor in _ancestors(widget):
        if type(ancestor).__name__ == "ScrollView":
            clip = clip.intersect(_box(ancestor)) or Box(0, 0, 0, 0)
    return clip


def _is_target(widget: Any) -> bool:
    from kivy.uix.behaviors import ButtonBehavior

    return isinstance(widget, ButtonBehavior)


def _name(widget: Any) -> str:
    gid = getattr(widget, "gid", "")
    if gid:
        return str(gid)
    text = str(getattr(widget, "text", "") or "")
    return repr(text[:40]) if text else type(widget).__name__


def _background(widget: Any, default: Rgba) -> Rgba:
    layers = []
    for node in (widget, *_ancestors(widget)):
        bg = getattr(node, "gaia_bg", None)
        if bg is not None:
            layers.append(bg)
            if bg[3] >= 1:
                break
    color = default
    for layer in reversed(layers):  # a veil's translucent black over the window, a card on it
        color = blend(layer, color)
    return color


def _label_color(label: Any) -> Rgba:
    color = tuple(label.disabled_color if label.disabled else label.color)
    alpha = color[3] * label.opacity
    for ancestor in _ancestors(label):
        alpha *= ancestor.opacity
    return (color[0], color[1], color[2], alpha)


def text_lines(label: Any) -> list[Box]:
    """The box of each line of `label`'s text, in window pixels."""
    core = getattr(label, "_label", None)
    lines = getattr(core, "_cached_lines", None) if core is not None else None
    if not lines or not label.texture_size:
        return []
    tw, th = label.texture_size
    pad_l, pad_t, pad_r, pad_b = _padding(label)
    content = sum(line.h for line in lines)
    origin_x = label.center_x - tw / 2
    origin_y = label.center_y - th / 2
    top = {
        "top": th - pad_t,
        "bottom": content + pad_b,
    }.get(label.valign, (th + content) / 2)
    boxes = []
    for line in lines:
        top -= line.h
        if line.w <= 0:
            continue
        if label.halign == "center":
            x = (tw - line.w) / 2
        elif label.halign == "right":
            x = tw - pad_r - line.w
        else:
            x = pad_l
        wx, wy = label.to_window(origin_x + x, origin_y + top)
        # Line height includes spacing above the capitals and below the descenders.
        inset = line.h * 0.12
        boxes.append(Box(wx, wy + inset, line.w, line.h - 2 * inset))
    return boxes


def _padding(label: Any) -> tuple[float, float, float, float]:
    pad = list(label.padding)
    if len(pad) == 2:
        return (pad[0], pad[1], pad[0], pad[1])
    if len(pad) == 4:
        return (pad[0], pad[1], pad[2], pad[3])
    return (pad[0],) * 4


def _broken_words(label: Any) -> list[str]:
    """Words wider than the width the label wraps at (Kivy breaks them mid-word)."""
    width = label.text_size[0] if label.text_size else None
    if not width:
        return []
    pad_l, _, pad_r, _ = _padding(label)
    room = width - pad_l - pad_r + TOLERANCE
    return [word for word in str(label.text).split() if label._label.get_extents(word)[0] > room]


def check(
    root: Any,
    theme: Theme,
    window: tuple[float, float] | None = None,
    inches: float = PANEL_INCHES,
) -> list[Problem]:
    """Every problem found on the screen drawn under `root` (usually the app's root)."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    size = window or (float(Window.width), float(Window.height))
    screen = Box(0, 0, size[0], size[1])
    min_target = MIN_TARGET_MM * px_per_mm(size, inches)
    text_scale = min(size) / min(REFERENCE)
    problems: list[Problem] = []
    targets: list[tuple[Any, Box]] = []
    labels: list[tuple[Any, Box, list[Box]]] = []
    veils = [w for w in _walk(root) if getattr(w, "gaia_veil", False)]
    if veils:  # a veil covers the screen: only what is on it can be seen and touched
        root = veils[-1]
    for widget in _walk(root):
        seen = _visible(widget, screen)
        if seen is None:
            continue
        if _is_target(widget):
            targets.append((widget, seen))
        if isinstance(widget, Label) and str(widget.text).strip():
            clip = _clip(widget)  # a scroll view hides what is scrolled away
            lines = [c for line in text_lines(widget) if (c := line.intersect(clip)) is not None]
            labels.append((widget, seen, lines))

    for i, (a, box_a) in enumerate(targets):
        side = min(a.width, a.height)
        if side < min_target - TOLERANCE:
            problems.append(
                Problem(
                    "small-target",
                    _name(a),
                    f"{side / px_per_mm(size, inches):.1f} mm, under {MIN_TARGET_MM:.0f} mm",
                )
            )
        for b, box_b in targets[i + 1 :]:
            common = box_a.intersect(box_b)
            if common is not None:
                problems.append(
                    Problem(
                        "overlap",
                        _name(a),
                        f"overlaps {_name(b)} by {common.w:.0f}×{common.h:.0f} px",
                    )
                )
        problems += _disabled_look(a, theme)

    for label, _seen, lines in labels:
        problems += _text_problems(label, lines, screen, theme, text_scale)
    problems += _text_overlaps(labels, targets)
    return problems


def _text_problems(
    label: Any, lines: list[Box], screen: Box, theme: Theme, text_scale: float
) -> Iterable[Problem]:
    name = _name(label)
    is_icon = str(label.font_name) == ICON_FONT
    own = _box(label)
    scrolled = any(type(a).__name__ == "ScrollView" for a in _ancestors(label))
    for line in lines:
        if not scrolled and not line.inside(screen):
            yield Problem("clipped", name, "text runs off the screen")
            break
        if not line.inside(own):
            yield Problem(
                "overflow",
                name,
                f"text {line.w:.0f}×{line.h:.0f} px out of its {own.w:.0f}×{own.h:.0f} box",
            )
            break
    if not is_icon:
        for word in _broken_words(label):
            yield Problem("word-break", name, f"{word!r} is wider than its box and is cut")
        font_px = float(label.font_size) / text_scale
        if font_px < MIN_TEXT_PX - 0.01:
            yield Problem("small-text", name, f"{font_px:.0f} px, under {MIN_TEXT_PX:.0f}")
    if label.disabled and _in_disabled_target(label):
        return  # WCAG 1.4.3 exempts inactive controls; _disabled_look checks they look so
    bg = _background(label, theme.background)
    ratio = contrast(_label_color(label), bg)
    need = GRAPHIC_CONTRAST if is_icon else TEXT_CONTRAST
    if ratio < need - 0.005:
        yield Problem("contrast", name, f"{ratio:.1f}:1, under {need:.0f}:1")


def _in_disabled_target(label: Any) -> bool:
    return any(_is_target(a) and a.disabled for a in _ancestors(label))


def _disabled_look(target: Any, theme: Theme) -> Iterable[Problem]:
    if not target.disabled:
        return
    bg = getattr(target, "gaia_bg", None)
    if bg is not None and tuple(bg) in {tuple(theme.primary), tuple(theme.danger)}:
        yield Problem("disabled-look", _name(target), "disabled but painted like an active button")


def _text_overlaps(
    labels: list[tuple[Any, Box, list[Box]]], targets: list[tuple[Any, Box]]
) -> Iterable[Problem]:
    reported: set[tuple[int, int]] = set()
    for i, (a, _, lines_a) in enumerate(labels):
        for b, _, lines_b in labels[i + 1 :]:
            if any(la.intersect(lb) for la in lines_a for lb in lines_b):
                reported.add((id(a), id(b)))
                yield Problem("text-over", _name(a), f"drawn over the text {_name(b)}")
        owners = {id(t) for t in _ancestors(a)}
        for target, box in targets:
            if id(target) in owners:
                continue
            if any(line.intersect(box) for line in lines_a):
                yield Problem("text-over", _name(a), f"drawn over the touch target {_name(target)}")
