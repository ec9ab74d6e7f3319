"""The hub's state (personal data, secrets) is private to the hub's user."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from hub.app import create_app
from hub.config import HubConfig
from hub.runtime import hub_broker_password

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_gaia_hub_migrate_creates_private_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    config = tmp_path / "hub.toml"
    config.write_text(f'state_dir = "{state}"\n')
    old = os.umask(0o022)  # what a login shell usually has
    try:
        subprocess.run(
            [sys.executable, "-m", "hub", "migrate", "--config", str(config)],
            check=True, capture_output=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
    finally:
        os.umask(old)
    assert _mode(state) == 0o700
    for f in state.iterdir():
        assert _mode(f) & 0o077 == 0, f"{f.name} is {oct(_mode(f))}"
    assert _mode(state / "hub.db") == 0o600


def test_an_older_too_open_state_is_narrowed_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)  # noqa: S103 - the too-open state an older version left
    create_app(HubConfig(state_dir=state), background=False).state.services.engine.dispose()
    os.chmod(state / "hub.db", 0o644)
    (state / "broker").mkdir(mode=0o755)
    secret = state / "broker" / "hub.secret"
    secret.write_text("an-old-secret")
    os.chmod(secret, 0o644)
    app = create_app(HubConfig(state_dir=state), background=False)
    with app.state.services.engine.connect():
        pass
    assert hub_broker_password(state) == "an-old-secret"
    assert _mode(state) == 0o700
    assert _mode(state / "hub.db") == 0o600
    assert _mode(state / "broker") == 0o700 and _mode(secret) == 0o600
    app.state.services.engine.dispose()
