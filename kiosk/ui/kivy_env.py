"""Kivy's settings, applied before Kivy is first imported (it reads them at import time).

Kivy would otherwise write a config and logs under ~/.kivy, parse the
process's command line (`-m inspector` would open a debugging overlay) and
open every input provider (each touch twice on Pi screens, docs/architecture.md, "Pitfalls").
"""

from __future__ import annotations

import os
from pathlib import Path

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


def prepare_kivy(
    home: Path, orientation: str = "landscape", fullscreen: bool = True, lockdown: bool = True
) -> None:
    """Set Kivy's environment and configuration; call once, before importing kivy.*."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(home)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    from kivy.config import Config

    width, height = SIZES[orientation]
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0" if lockdown else "1")
    Config.set("kivy", "exit_on_escape", "0" if lockdown else "1")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("kivy", "window_icon", "")
    Config.set("kivy", "log_enable", "0")
    # Red dots on right-click (multitouch emulation) would confuse a touch screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # One touch provider: on a Pi, mtdev beside hidinput reports every touch twice.
    for name in list(Config.options("input")):
        if name != "mouse":
            Config.remove_option("input", name)
    if os.environ.get("GAIA_TOUCH_DEVICE"):
        Config.set("input", "touch", f"hidinput,{os.environ['GAIA_TOUCH_DEVICE']}")
