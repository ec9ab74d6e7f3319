"""Screen parts built once and reused: keypads, keyboards, topic and commune grids.

Building a letter keyboard or the topic tiles means creating dozens of Kivy widgets
and text textures: a few hundred milliseconds on the Pi's GPU-less rendering path,
felt by the person as a lag after each tap. These parts hold nothing about the
person (digits, letters, the catalog's topics and communes, button words), so the
app keeps them between screens and sessions and re-attaches them; whatever is
personal (the text typed, the greeting) stays in widgets built for the screen and
thrown away with it.

Every key names what the part depends on (language, contrast, orientation, the
catalog's content); an old part is dropped when more than `limit` are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from kivy.uix.widget import Widget

W = TypeVar("W", bound=Widget)


class PartCache:
    """Reusable widget trees, least recently used dropped first."""

    def __init__(self, limit: int = 24) -> None:
        self.limit = limit
        self._parts: OrderedDict[Hashable, Widget] = OrderedDict()
        self.built = 0
        """How many parts were built (not reused): the tests read it."""

    def get(self, key: Hashable, factory: Callable[[], W]) -> W:
        """The part for `key`, detached from any old screen; built by `factory` if new."""
        part = self._parts.get(key)
        if part is None:
            part = factory()
            self.built += 1
            self._parts[key] = part
            while len(self._parts) > self.limit:
                self._parts.popitem(last=False)
        else:
            self._parts.move_to_end(key)
        if part.parent is not None:
            part.parent.remove_widget(part)
        return part

    def detach_all(self) -> None:
        """Take every part off its screen: called when a screen is thrown away, so no
        part keeps the old screen (and what it showed of the person) alive through
        its `parent`."""
        for part in self._parts.values():
            if part.parent is not None:
                part.parent.remove_widget(part)

    def __len__(self) -> int:
        return len(self._parts)

    def clear(self) -> None:
        """Forget every part (they are built again on demand)."""
        self._parts.clear()
