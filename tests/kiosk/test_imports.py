"""Nothing connects, opens files or starts threads at import time.

See docs/architecture.md, "Devices".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.kiosk.helpers import ROOT

CHECK = """
import threading
import kiosk, kiosk.cli, kiosk.config, kiosk.outbox, kiosk.uilink, kiosk.simulate
import kiosk.agent, kiosk.agent.service, kiosk.agent.link
assert threading.active_count() == 1, threading.enumerate()
"""


def test_importing_the_kiosk_modules_has_no_side_effects(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []  # no state dir, no database, no socket


def test_help_lists_the_subcommands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert "agent" in done.stdout and "simulate" in done.stdout
