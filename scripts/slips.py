"""Render the kiosk's slips to docs/slips/*.png (what the 80 mm printer prints).

    .venv/bin/python scripts/slips.py [OUTPUT_DIR]

The content is realistic but invented: no real person's data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.controller.ports import Slip, SlipLine
from kiosk.printing.preview import render_png


def example_slips() -> dict[str, Slip]:
    """One slip of each kind, in French, as the controller would compose them."""
    appointment = Slip(
        kind="appointment",
        title="Votre rendez-vous",
        lines=[
            SlipLine("Mardi 17 mars 2026", bold=True, large=True, center=True),
            SlipLine("à 10 h 00", bold=True, large=True, center=True),
            SlipLine(""),
            SlipLine("Avec : Claire, conseillère logement", bold=True),
            SlipLine("Maison de l'Habitat 47"),
            SlipLine("12 rue Lamennais, 47000 Agen"),
            SlipLine("Tél. 05 53 69 00 00"),
            SlipLine(""),
            SlipLine("À apporter : une pièce d'identité, votre dernier avis d'imposition."),
            SlipLine(""),
            SlipLine("Ce qui a été convenu :", bold=True),
            SlipLine("Monter un dossier d'aide au loyer et voir les logements sociaux à Nérac."),
        ],
        qr="https://gaia.example.org/rdv/7K3Q-9PXA",
        footer="Un empêchement ? Appelez le 05 53 69 00 00. Gaïa — borne de la mairie de Nérac.",
    )
    contacts = Slip(
        kind="contacts",
        title="Qui peut vous aider",
        lines=[
            SlipLine("Logement", bold=True),
            SlipLine("ADIL 47 — 05 53 69 00 00"),
            SlipLine("lundi à vendredi, 9 h – 12 h et 14 h – 17 h"),
            SlipLine(""),
            SlipLine("Mobilité", bold=True),
            SlipLine("Wimoov Lot-et-Garonne — 05 53 47 00 00"),
            SlipLine("mardi et jeudi, 9 h – 12 h"),
            SlipLine(""),
            SlipLine("Micro-crédit", bold=True),
            SlipLine("Adie Agen — 09 69 32 81 10"),
            SlipLine("lundi à vendredi, 9 h – 17 h 30"),
            SlipLine(""),
            SlipLine("Emploi et insertion", bold=True),
            SlipLine("France Travail Agen — 39 49"),
            SlipLine("lundi à vendredi, 8 h 30 – 12 h 30"),
        ],
        footer="Appel gratuit depuis la borne quand un conseiller est disponible.",
    )
    test = Slip(
        kind="test",
        title="Test d'impression",
        lines=[
            SlipLine("Borne : kiosk-nerac-01"),
            SlipLine("Accents : é è ê à â ç ù û ô î ï œ æ « » €"),
            SlipLine("Gras", bold=True),
            SlipLine("Grand", large=True),
            SlipLine("Centré", center=True),
            SlipLine("0123456789 " * 4),
        ],
        qr="GAIA-TEST-0001",
        footer="Si ce ticket est lisible, l'imprimante fonctionne.",
    )
    return {"appointment": appointment, "contacts": contacts, "test": test}


def main(argv: list[str]) -> int:
    """Write every example slip as a PNG; print the paths."""
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "docs" / "slips"
    for name, slip in example_slips().items():
        print(render_png(slip, out / f"{name}.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
