"""From an empty hub to a kiosk's real catalogue with the CLI alone (the README's
"Running it for real"): territories, topics, partners, a kiosk, an adviser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.catalog import build_catalog
from hub.cli import main
from hub.signaling.advisers import adviser_profile, list_advisers
from hub.store import connect, schema

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def hub_toml(tmp_path: Path) -> Path:
    """An empty hub: only `gaia-hub migrate` has run."""
    path = tmp_path / "hub.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    assert main(["migrate", "--config", str(path)]) == 0
    return path


def _run(hub_toml: Path, *args: str) -> int:
    return main([*args, "--config", str(hub_toml)])


def test_an_empty_hub_gets_a_real_catalogue_from_the_cli(
    hub_toml: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    communes = tmp_path / "fumelois.txt"
    communes.write_text("Fumel\nCuzorn\n\nMonsempron-Libos\n", encoding="utf-8")
    steps = [
        ("territory", "add", "agenais", "--name", "Agenais", "--communes", "Agen, Laplume,Layrac"),
        ("territory", "add", "fumelois", "--name", "Fumélois", "--communes-file", str(communes)),
        ("topic", "add", "housing", "--fr", "Logement", "--en", "Housing", "--pictogram", "house"),
        ("topic", "add", "mobility", "--fr", "Mobilité", "--en", "Getting around",
         "--max-wait", "300"),
        ("partner", "add", "habitat-47", "--name", "Maison de l'Habitat 47",
         "--topics", "housing,mobility", "--territories", "agenais", "--phone", "05 53 00 00 01",
         "--hours", "lundi–vendredi 9 h–17 h", "--opening", "mon-fri 09:00-17:00",
         "--address", "1 place de la Mairie, Agen"),
        ("partner", "add", "habitat-fumel", "--name", "Habitat du Fumélois",
         "--topics", "housing", "--territories", "Fumélois"),
        ("kiosk", "add", "k-laplume", "--site", "Mairie de Laplume", "--territory", "agenais"),
    ]  # fmt: skip
    for step in steps:
        assert _run(hub_toml, *step) == 0, (step, capsys.readouterr().err)
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("gaia_k_")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    adviser = ("adviser", "add", "--email", "claire@habitat47.fr", "--name", "Claire",
               "--partner", "habitat-47", "--topics", "housing", "--password-stdin")  # fmt: skip
    assert _run(hub_toml, *adviser) == 0

    assert _run(hub_toml, "territory", "list") == 0
    assert (
        capsys.readouterr().out == "agenais\tAgenais\t3 communes\nfumelois\tFumélois\t3 communes\n"
    )
    assert _run(hub_toml, "partner", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "habitat-fumel\tHabitat du Fumélois\thousing\tfumelois\t",
        "habitat-47\tMaison de l'Habitat 47\thousing,mobility\tagenais\tmon-fri 09:00-17:00",
    ]
    assert _run(hub_toml, "topic", "list") == 0
    assert capsys.readouterr().out.startswith("housing\tLogement\tHousing\thouse\n")
    assert _run(hub_toml, "topic", "add", "x", "--fr", "X", "--en", "X", "--max-wait", "5") == 2
    assert "wait limit is 30 to 7200 seconds" in capsys.readouterr().err

    engine = connect(f"sqlite:///{hub_toml.parent / 'state' / 'hub.db'}")
    with engine.connect() as conn:
        catalog = build_catalog(conn, "k-laplume", 0.0)
        [listing] = list_advisers(conn)
        profile = adviser_profile(conn, listing.profile.user_id)
        actions = set(conn.execute(select(schema.audit.c.action)).scalars())
        t = schema.topics.c
        limits = {r.id: r.max_wait_s for r in conn.execute(select(t.id, t.max_wait_s))}
    engine.dispose()
    # the kiosk in the Agenais lists the Agenais partner only, on both its topics
    assert [(t.id, [p.id for p in t.partners]) for t in catalog.topics] == [
        ("housing", ["habitat-47"]),
        ("mobility", ["habitat-47"]),
    ]
    assert catalog.communes[:3] == ["Agen", "Laplume", "Layrac"]
    assert profile is not None and profile.territories == ("agenais",)
    assert limits == {"housing": None, "mobility": 300}  # its own limit in line
    assert {"territory.set", "topic.set", "partner.set", "adviser.profile"} <= actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("territory", "add", "Agen Ais", "--name", "X"), "a territory id has 1 to 40"),
        (("territory", "add", "agenais", "--name", " "), "a territory's name is required"),
        (("partner", "add", "p1", "--name", "P", "--topics", "nope", "--territories", "agenais"),
         "unknown topic(s): nope (gaia-hub topic add)"),
        (("partner", "add", "p1", "--name", "P", "--topics", "housing", "--territories", "mars"),
         "unknown territory 'mars' (gaia-hub territory add)"),
        (("partner", "add", "p1", "--name", "P", "--topics", "housing", "--territories",
          "agenais", "--opening", "monday 9-12"), "opening hours: "),
        (("partner", "add", "p1", "--name", "P", "--topics", "", "--territories", "agenais"),
         "a partner serves at least one topic"),
        (("kiosk", "add", "k-x", "--site", "Mairie", "--territory", "Atlantide"),
         "no territory 'Atlantide': add it first (gaia-hub territory add)"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    hub_toml: Path, capsys: Capture, args: tuple[str, ...], message: str
) -> None:
    assert _run(hub_toml, "territory", "add", "agenais", "--name", "Agenais") == 0
    assert _run(hub_toml, "topic", "add", "housing", "--fr", "Logement", "--en", "Housing") == 0
    capsys.readouterr()
    assert _run(hub_toml, *args) == 2
    assert message in capsys.readouterr().err
    engine = connect(f"sqlite:///{hub_toml.parent / 'state' / 'hub.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(schema.partners.c.id)).all() == []
        assert conn.execute(select(schema.kiosks.c.id)).all() == []
        assert conn.execute(select(schema.territories.c.id)).scalars().all() == ["agenais"]
    engine.dispose()


def test_api_tokens_are_listed_without_their_secret_and_revoked(
    hub_toml: Path, capsys: Capture
) -> None:
    assert _run(hub_toml, "token", "add", "--role", "ops", "--name", "reporting") == 0
    secret = capsys.readouterr().out.strip()
    assert _run(hub_toml, "token", "list") == 0
    listed = capsys.readouterr().out
    assert secret not in listed and listed.startswith("1\treporting\tops\t")
    assert listed.rstrip().endswith("\tactive")
    assert _run(hub_toml, "token", "revoke", "1") == 0
    assert _run(hub_toml, "token", "list") == 0
    assert capsys.readouterr().out.rstrip().endswith("\trevoked")
    assert _run(hub_toml, "token", "revoke", "7") == 2
    assert "no API token '7'" in capsys.readouterr().err
