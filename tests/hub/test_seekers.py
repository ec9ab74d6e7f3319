"""Job seekers: registration (library and CLI), PIN checks, lockouts, unlock, references."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hub.cli import main
from hub.config import KioskApiConfig
from hub.protocol.kiosk_api import IdentifyOutcome
from hub.seekers import SeekerError, add_seeker, code_tag, identify, resolve_ref, unlock_seeker
from hub.store import connect, schema

NOW = 1_800_000_000.0
CFG = KioskApiConfig(pin_attempts=3, lock_minutes=2, ref_hours=1)


@pytest.fixture
def camille(engine: Engine) -> str:
    with engine.begin() as conn:
        add_seeker(conn, "123456", "1234", "Camille", "06 12 34 56 78", now=NOW)
    return "123456"


def test_a_seeker_is_stored_with_a_hashed_pin_and_an_audit_line_without_their_data(
    engine: Engine, camille: str
) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(schema.seekers)).one()
        audit = conn.execute(select(schema.audit)).all()
    assert row.pin_hash.startswith("$argon2id$") and "1234" not in row.pin_hash
    assert row.first_name == "Camille" and row.phone == "0612345678"
    assert [(a.action, a.target) for a in audit] == [("seeker.add", code_tag("123456"))]
    assert all("123456" not in str(a) and "Camille" not in str(a) for a in audit)


@pytest.mark.parametrize(
    ("code", "pin", "name", "phone", "message"),
    [
        ("12345", "1234", "Camille", None, "personal code"),
        ("12345a", "1234", "Camille", None, "personal code"),
        ("123457", "12", "Camille", None, "PIN"),
        ("123457", "1234", "", None, "first name"),
        ("123457", "1234", "<script>", None, "first name"),
        ("123457", "1234", "Camille", "not a phone", "phone"),
        ("123456", "1234", "Camille", None, "taken already"),
    ],
)
def test_bad_seeker_details_are_refused_and_nothing_is_stored(
    engine: Engine,
    camille: str,
    code: str,
    pin: str,
    name: str,
    phone: str | None,
    message: str,
) -> None:
    with pytest.raises(SeekerError, match=message), engine.begin() as conn:
        add_seeker(conn, code, pin, name, phone)
    with engine.connect() as conn:
        assert conn.execute(select(schema.seekers.c.code)).scalars().all() == ["123456"]


def test_wrong_pins_lock_the_code_and_unlock_lifts_it(engine: Engine, camille: str) -> None:
    answers = [identify(engine, "k-a", camille, "9999", CFG, NOW + i) for i in range(3)]
    assert [(a.result, a.attempts_left) for a in answers[:2]] == [
        (IdentifyOutcome.WRONG, 2),
        (IdentifyOutcome.WRONG, 1),
    ]
    assert answers[2].result == IdentifyOutcome.LOCKED and answers[2].retry_after_s == 120
    assert identify(engine, "k-a", camille, "1234", CFG, NOW + 10).result == IdentifyOutcome.LOCKED
    with engine.begin() as conn:
        unlock_seeker(conn, camille)
    assert identify(engine, "k-a", camille, "1234", CFG, NOW + 11).result == IdentifyOutcome.OK
    with pytest.raises(SeekerError, match="no job seeker"), engine.begin() as conn:
        unlock_seeker(conn, "999999")


def test_a_good_pin_resets_the_wrong_pin_count(engine: Engine, camille: str) -> None:
    identify(engine, "k-a", camille, "9999", CFG, NOW)
    identify(engine, "k-a", camille, "9999", CFG, NOW + 1)
    assert identify(engine, "k-a", camille, "1234", CFG, NOW + 2).result == IdentifyOutcome.OK
    again = identify(engine, "k-a", camille, "9999", CFG, NOW + 3)
    assert again.attempts_left == 2


def test_a_ref_names_the_seeker_for_its_kiosk_until_it_expires(
    engine: Engine, camille: str
) -> None:
    result = identify(engine, "k-a", camille, "1234", CFG, NOW)
    assert result.ref is not None
    with engine.connect() as conn:
        seeker = resolve_ref(conn, result.ref, "k-a", NOW + 3599)
        assert seeker is not None and seeker.first_name == "Camille"
        assert resolve_ref(conn, result.ref, "k-other", NOW + 10) is None  # another kiosk
        assert resolve_ref(conn, result.ref, "k-a", NOW + 3601) is None  # expired
        stored = conn.execute(select(schema.seeker_refs.c.ref_hash)).scalar_one()
    assert stored != result.ref  # kept hashed


def _hub_toml(tmp_path: Path) -> Path:
    config = tmp_path / "hub.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    return config


def test_cli_adds_and_unlocks_a_seeker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _hub_toml(tmp_path)
    assert main(["seeker", "add", "--config", str(config), "--code", "123456", "--pin", "1234",
                 "--first-name", "Camille", "--phone", "0612345678"]) == 0  # fmt: skip
    prompts = iter(["4321", "4321"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(prompts))
    assert main(["seeker", "add", "--config", str(config), "--code", "654321",
                 "--first-name", "Karim"]) == 0  # fmt: skip
    assert main(["seeker", "add", "--config", str(config), "--code", "654321", "--pin", "1111",
                 "--first-name", "Karim"]) == 2  # fmt: skip
    assert "taken already" in capsys.readouterr().err
    engine = connect(f"sqlite:///{tmp_path / 'state' / 'hub.db'}")
    cfg = KioskApiConfig(pin_attempts=1)
    assert identify(engine, "k-a", "654321", "4321", cfg).result == IdentifyOutcome.OK
    assert identify(engine, "k-a", "123456", "0000", cfg).result == IdentifyOutcome.LOCKED
    assert main(["seeker", "unlock", "--config", str(config), "--code", "123456"]) == 0
    result = identify(engine, "k-a", "123456", "1234", cfg)
    assert result.result == IdentifyOutcome.OK and result.has_phone
    engine.dispose()


def test_cli_refuses_two_different_prompted_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = iter(["4321", "4322"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(prompts))
    code = main(["seeker", "add", "--config", str(_hub_toml(tmp_path)), "--code", "654321",
                 "--first-name", "Karim"])  # fmt: skip
    assert code == 2 and "differ" in capsys.readouterr().err
