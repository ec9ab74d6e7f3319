"""Territory names as people type them, kept to one spelling.

"Agenais", "agenais" and " Agenais " are one territory. A new kiosk's territory
takes the spelling already in use for it (compared without case or extra
spaces); a territory never seen before is kept as typed, spaces tidied and its
first letter a capital.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from hub.store import schema


def tidy(name: str) -> str:
    """Spaces trimmed and single; the first letter a capital ("agenais" → "Agenais")."""
    name = " ".join(name.split())
    return name[:1].upper() + name[1:]


def key(name: str) -> str:
    """What two spellings of one territory share."""
    return " ".join(name.split()).casefold()


def canonical(conn: Connection, name: str) -> str:
    """The spelling to store for `name`: the one in use for it, else `tidy(name)`."""
    wanted = key(name)
    if not wanted:
        return ""
    k = schema.kiosks.c
    in_use = conn.execute(
        select(k.territory, func.count())
        .where(k.territory.is_not(None), k.territory != "")
        .group_by(k.territory)
    ).all()
    spellings = sorted(
        ((count, spelling) for spelling, count in in_use if key(spelling) == wanted),
        reverse=True,
    )
    return spellings[0][1] if spellings else tidy(name)
