"""Finding one's commune without typing: by its first letter when the list is long.

A territory lists 20 to 60 communes; a list that long takes five swipes. So
above `LIST_MAX` names the commune screen first shows the initials in use,
then the communes under the one touched. "Autre commune" is always offered:
someone from outside the territory still gets help.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

LIST_MAX = 12
"""At most this many communes are listed at once (they fit without scrolling)."""


def initial(name: str) -> str:
    """The letter a commune is found under: "Écharde" and "Eymet" both under "E"."""
    for char in unicodedata.normalize("NFD", name):
        if char.isalpha():
            return char.upper()
    return "#"


def letters(communes: Sequence[str]) -> tuple[str, ...]:
    """The initials in use, in alphabetical order; none when the list is short enough."""
    if len(communes) <= LIST_MAX:
        return ()
    return tuple(sorted({initial(name) for name in communes}))


def shown(communes: Sequence[str], letter: str | None) -> tuple[str, ...]:
    """The communes to list: all of a short list, those under `letter`, or none yet."""
    if len(communes) <= LIST_MAX:
        return tuple(communes)
    if letter is None:
        return ()
    return tuple(name for name in communes if initial(name) == letter)
