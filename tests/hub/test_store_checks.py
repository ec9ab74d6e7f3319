"""A hub database that is damaged, empty or on a full disk: one line naming the file and the
cause, and an exit, instead of a traceback or a silently empty hub."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub.broker import free_port
from hub.store import connect, migrate
from tests.hub.helpers import add_sessions

ROOT = Path(__file__).resolve().parents[2]


def _serve(config: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "hub", "serve", "--config", str(config)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def _config(tmp_path: Path, state: Path) -> Path:
    config = tmp_path / "hub.toml"
    config.write_text(
        f'state_dir = "{state}"\n[http]\nport = {free_port()}\n'
        f'[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\npassword = "unused"\n'
    )
    return config


def _populated(state: Path) -> Path:
    path = state / "hub.db"
    engine = connect(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as conn:
        add_sessions(conn, "k-agen", 3000)
    engine.dispose()
    return path


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_garbage_database_file_is_named_and_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "hub.db").write_bytes(b"definitely not SQLite " * 200)
    result = _serve(_config(tmp_path, state))
    assert result.returncode == 2
    line = _one_line(result)
    assert str(state / "hub.db") in line and "not a database" in line


def test_damaged_index_pages_are_found_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    path = _populated(state)
    with sqlite3.connect(path) as db:
        pages = [
            n for (n,) in db.execute(
                "SELECT pageno FROM dbstat WHERE name = 'ix_events_ts' AND pagetype = 'leaf'"
            )
        ]  # fmt: skip
    data = bytearray(path.read_bytes())
    for n in pages[1:4]:
        data[(n - 1) * 4096 : n * 4096] = b"\x5a" * 4096
    path.write_bytes(bytes(data))
    result = _serve(_config(tmp_path, state))
    assert result.returncode == 2
    line = _one_line(result)
    assert str(path) in line and "damaged" in line and "backup" in line


def test_an_empty_database_in_a_used_state_directory_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "broker").mkdir(parents=True)  # a hub ran here before
    (state / "hub.db").write_bytes(b"")
    config = _config(tmp_path, state)
    result = _serve(config)
    assert result.returncode == 2
    line = _one_line(result)
    assert "empty" in line and "gaia-hub migrate" in line
    # Starting afresh is a deliberate step.
    migrated = subprocess.run(
        [sys.executable, "-m", "hub", "migrate", "--config", str(config)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert migrated.returncode == 0


@pytest.fixture
def full_disk(tmp_path: Path) -> Path:
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small filesystem: {done.stderr.decode().strip()}")
    subprocess.run(["dd", "if=/dev/zero", f"of={mount / 'filler'}", "bs=4k"], capture_output=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_hub_started_on_a_full_disk_says_so_in_one_line(tmp_path: Path, full_disk: Path) -> None:
    result = _serve(_config(tmp_path, full_disk / "state"))
    assert result.returncode != 0
    line = _one_line(result)
    assert "No space left" in line or "full" in line
