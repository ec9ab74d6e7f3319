"""Spoken guidance: real espeak-ng to a WAV file, interruption, text kept off argv."""

from __future__ import annotations

import os
import shutil
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.speech import EspeakSpeech, NullSpeech, open_speech

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed: scripts/system-deps.sh"
)


def wait_for(predicate: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def fake_engine(tmp_path: Path) -> Path:
    """A stand-in for espeak-ng that records its arguments and stdin, then keeps 'speaking'."""
    script = tmp_path / "fake-espeak"
    script.write_text(
        f'#!/bin/sh\necho "$$ $*" >> "{tmp_path}/args"\ncat > "{tmp_path}/stdin.$$"\nsleep 60\n'
    )
    script.chmod(0o755)
    return script


@needs_espeak
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Bonjour. Touchez l'écran pour commencer. Vous pouvez parler à un conseiller."),
        ("en", "Hello. Touch the screen to start."),
    ],
)
def test_espeak_reads_a_sentence_into_audio(tmp_path: Path, language: str, text: str) -> None:
    wav = tmp_path / "speech.wav"
    speech = EspeakSpeech(output=wav)
    assert speech.available
    speech.say(text, language)
    wait_for(lambda: not speech.speaking)
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 1.0  # several words of speech, not an empty file


@needs_espeak
def test_auto_uses_espeak_when_installed() -> None:
    assert isinstance(open_speech("auto"), EspeakSpeech)
    assert open_speech("auto").available


def test_auto_falls_back_to_no_speech_without_the_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory
    speech = open_speech("auto")
    assert isinstance(speech, NullSpeech)
    assert not speech.available
    speech.say("Bonjour", "fr")  # harmless
    speech.stop()


def test_off_is_no_speech() -> None:
    assert not open_speech("off").available


def test_missing_path_is_unavailable_and_silent(tmp_path: Path) -> None:
    speech = open_speech(str(tmp_path / "no-espeak"))
    assert not speech.available
    speech.say("Bonjour", "fr")
    speech.stop()


def test_text_goes_on_stdin_never_on_the_command_line(fake_engine: Path, tmp_path: Path) -> None:
    speech = open_speech(str(fake_engine))
    assert isinstance(speech, EspeakSpeech) and speech.available
    speech.say("Bonjour Philomène, votre code est accepté.", "fr")
    line = wait_for(lambda: (tmp_path / "args").exists() and (tmp_path / "args").read_text())
    pid, args = line.split(" ", 1)
    stdin = tmp_path / f"stdin.{pid}"
    wait_for(lambda: stdin.exists() and "Philomène" in stdin.read_text())
    assert "Philomène" not in args and "Bonjour" not in args
    assert "-v fr -s 150" in args
    speech.stop()


def test_new_utterance_interrupts_the_previous_one(fake_engine: Path, tmp_path: Path) -> None:
    speech = EspeakSpeech(fake_engine)
    speech.say("Première phrase.", "fr")
    first = int(
        wait_for(lambda: (tmp_path / "args").exists() and (tmp_path / "args").read_text()).split()[
            0
        ]
    )
    speech.say("Second sentence.", "en")
    assert not alive(first)
    lines = wait_for(
        lambda: (
            len((tmp_path / "args").read_text().splitlines()) == 2
            and (tmp_path / "args").read_text().splitlines()
        )
    )
    second = int(lines[1].split()[0])
    assert "-v en" in lines[1]
    assert speech.speaking and alive(second)
    speech.stop()
    assert not speech.speaking and not alive(second)


def test_stop_when_nothing_is_said_is_harmless(fake_engine: Path) -> None:
    speech = EspeakSpeech(fake_engine)
    speech.stop()
    speech.say("   ", "fr")  # nothing to say: no engine started
    assert not speech.speaking
