"""Spoken guidance: espeak-ng when installed (the controller's `Speech` port), else nothing.

`open_speech(setting)` reads kiosk.toml's `ui.speech`: "auto" (espeak-ng from PATH
when there is one), "off", or a path to the espeak-ng binary.

The text goes to espeak-ng on its standard input, never on its command line: any
local user can read a process's arguments in /proc, and what the kiosk says may
include a greeting with the person's first name. A new `say()` or a `stop()` kills
the utterance in progress, so the voice always matches the screen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"fr": "fr", "en": "en"}
"""Kiosk language → espeak-ng voice."""
WORDS_PER_MINUTE = 150
"""Slower than espeak's 175: the people listening are often not at ease with French."""
MAX_TEXT_CHARS = 4000
"""A screen's text is far shorter; the cap keeps the stdin write from ever blocking."""


class NullSpeech:
    """No speech engine: `available` is False and nothing is said."""

    @property
    def available(self) -> bool:
        """Always False."""
        return False

    def say(self, text: str, language: str) -> None:
        """Do nothing."""

    def stop(self) -> None:
        """Do nothing."""


class EspeakSpeech:
    """espeak-ng run once per utterance, the text on stdin.

    `output` (for tests and tools) writes a WAV file (`-w`) instead of playing.
    """

    def __init__(
        self,
        binary: str | Path = "espeak-ng",
        *,
        words_per_minute: int = WORDS_PER_MINUTE,
        output: str | Path | None = None,
    ) -> None:
        found = shutil.which(str(binary))
        self.binary = found
        self.words_per_minute = words_per_minute
        self.output = Path(output) if output is not None else None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def available(self) -> bool:
        """True when the binary exists and is executable."""
        return self.binary is not None

    @property
    def speaking(self) -> bool:
        """True while an utterance is being read."""
        return self._process is not None and self._process.poll() is None

    def say(self, text: str, language: str) -> None:
        """Start reading `text` in `language` ("fr" | "en"), interrupting what is being read."""
        self.stop()
        if self.binary is None or not text.strip():
            return
        command = [
            self.binary,
            "-v",
            VOICES.get(language, VOICES["fr"]),
            "-s",
            str(self.words_per_minute),
            "--stdin",
        ]
        if self.output is not None:
            command += ["-w", str(self.output)]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=True,  # a Ctrl-C on the UI's terminal is not for it
            )
        except OSError as exc:
            log.warning("speech engine failed to start: %s", type(exc).__name__)
            return
        self._process = process
        assert process.stdin is not None
        try:
            process.stdin.write(text[:MAX_TEXT_CHARS].encode("utf-8"))
            process.stdin.close()
        except OSError as exc:  # the engine died at once (BrokenPipeError)
            log.warning("speech engine refused the text: %s", type(exc).__name__)

    def stop(self) -> None:
        """Stop reading now (kills the engine) and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its whole group
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):
                process.stdin.close()


def open_speech(setting: str = "auto") -> NullSpeech | EspeakSpeech:
    """The engine for kiosk.toml's `ui.speech`: "auto", "off" or a path to espeak-ng."""
    if setting == "off":
        return NullSpeech()
    if setting == "auto":
        engine = EspeakSpeech("espeak-ng")
        if engine.available:
            return engine
        log.info("no espeak-ng on PATH: speech off")
        return NullSpeech()
    engine = EspeakSpeech(setting)
    if not engine.available:
        log.warning("speech engine %s not found or not executable", setting)
    return engine
