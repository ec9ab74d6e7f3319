"""`make screens`: every kiosk screen, in both orientations, as PNG under docs/screens/.

The screens come from kiosk.ui.gallery (fixed Views, the demo catalog); each is
checked by kiosk.ui.layout_check in both themes, and the script fails, listing
the problems, when one is found. Runs under Xvfb (the Makefile wraps it).

    .venv/bin/python scripts/screens.py [--out docs/screens] [--only topics,pin]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    """Render and check the screens."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    parser.add_argument("--only", default="", help="comma-separated scene names")
    parser.add_argument("--languages", default="fr,en")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from kiosk.ui.kivy_env import prepare_kivy

    prepare_kivy(
        Path(tempfile.mkdtemp(prefix="gaia-kivy-")), "landscape", fullscreen=False, lockdown=False
    )
    from kiosk.ui.gallery import render

    only = {s for s in args.only.split(",") if s}
    drawn = []
    for language in args.languages.split(","):
        for orientation in ("landscape", "portrait"):
            drawn += asyncio.run(render(orientation, language, out=out, only=only))
            drawn += asyncio.run(render(orientation, language, only=only, high_contrast=True))
    failed = 0
    for scene in drawn:
        if scene.picture is not None:
            print(
                scene.picture.relative_to(ROOT)
                if scene.picture.is_relative_to(ROOT)
                else scene.picture
            )
        theme = "high-contrast" if scene.high_contrast else "normal"
        for problem in scene.problems:
            failed += 1
            print(f"  {scene.orientation}-{scene.language}-{scene.name} ({theme}): {problem}")
    if failed:
        print(f"{failed} layout problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
