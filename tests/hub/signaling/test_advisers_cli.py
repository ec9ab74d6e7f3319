"""`gaia-hub adviser add|list` and the demo's advisers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.cli import main
from hub.demo import load_data, seed_advisers, seed_catalog
from hub.signaling.advisers import adviser_profile, list_advisers
from hub.store import connect, migrate, schema


@pytest.fixture
def hub_toml(tmp_path: Path) -> Path:
    """A hub.toml whose database holds the demo catalog."""
    path = tmp_path / "hub.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    engine = connect(f"sqlite:///{tmp_path / 'state' / 'hub.db'}")
    migrate(engine)
    with engine.begin() as conn:
        seed_catalog(conn, load_data())
    engine.dispose()
    return path


def test_adviser_add_then_list(hub_toml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["adviser", "add", "--email", "Claire@Habitat.test", "--password", "long-enough-pw",
         "--name", "Claire", "--partner", "habitat-47", "--topics", "housing,mobility",
         "--config", str(hub_toml)]
    )  # fmt: skip
    assert code == 0
    assert "long-enough-pw" not in capsys.readouterr().err
    assert main(["adviser", "list", "--config", str(hub_toml)]) == 0
    out = capsys.readouterr().out
    assert out == "claire@habitat.test\tClaire\thabitat-47\thousing,mobility\tadviser\n"


def test_adviser_add_from_stdin_and_refusals(
    hub_toml: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["adviser", "add", "--email", "paul@habitat.test", "--name", "Paul",
            "--config", str(hub_toml)]  # fmt: skip
    assert main([*base, "--partner", "habitat-47", "--topics", "housing"]) == 2  # no password
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    bad_partner = [*base, "--password-stdin", "--partner", "nope", "--topics", "housing"]
    assert main(bad_partner) == 2
    assert "no partner 'nope'" in capsys.readouterr().err
    bad_topic = [*base, "--password", "long-enough-pw", "--partner", "habitat-47", "--topics", "x"]
    assert main(bad_topic) == 2
    assert "unknown topic(s): x" in capsys.readouterr().err
    engine = connect(f"sqlite:///{hub_toml.parent / 'state' / 'hub.db'}")
    with engine.connect() as conn:  # nothing half-made: no user without a profile
        assert conn.execute(select(schema.users.c.email)).all() == []
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    ok = [*base, "--password-stdin", "--partner", "habitat-47", "--topics", "housing"]
    assert main(ok) == 0
    with engine.connect() as conn:
        [listing] = list_advisers(conn)
        assert listing.profile.topics == ("housing",)
    engine.dispose()


def test_demo_advisers_cover_the_open_topics(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    data = load_data()
    with engine.begin() as conn:
        seed_catalog(conn, data)
        seed_advisers(conn, data)
        seed_advisers(conn, data)  # a restart keeps them
    with engine.connect() as conn:
        listings = list_advisers(conn)
        topics = {t for item in listings for t in item.profile.topics}
        assert {"housing", "employment", "mobility", "business"} <= topics
        assert all(adviser_profile(conn, i.profile.user_id) for i in listings)
        assert len(listings) == len(data["advisers"])
    engine.dispose()
