"""Keypad rules and printed slips, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.controller import Screen
from kiosk.controller.entry import accepts, clean_first_name, clean_phone, complete, entry_max
from kiosk.controller.ports import Agreement, Appointment
from kiosk.controller.slips import (
    agreement_slip,
    catalog_contacts_slip,
    ops_test_slip,
    request_slip,
)
from tests.kiosk.controller.fakes import make_catalog


def test_first_names_are_trimmed_and_need_a_letter() -> None:
    assert clean_first_name("  Marie   Ève ") == "Marie Ève"
    assert clean_first_name("N’Golo") == "N'Golo"
    assert clean_first_name(" - ' ") is None
    assert clean_first_name("Bob<script>") is None
    assert clean_first_name("A" * 41) is None


def test_keys_each_screen_accepts() -> None:
    assert accepts(Screen.FIRST_NAME, "", "É") and not accepts(Screen.FIRST_NAME, "", " ")
    assert not accepts(Screen.FIRST_NAME, "A" * 40, "B")
    assert accepts(Screen.PIN, "12345", "6") and not accepts(Screen.PIN, "123456", "7")
    assert not accepts(Screen.CODE, "", "a") and not accepts(Screen.TOPICS, "", "1")
    assert entry_max(Screen.PHONE, "") == 10 and entry_max(Screen.PHONE, "+") == 16
    assert not complete(Screen.CODE, "12345") and complete(Screen.CODE, "123456")
    assert not complete(Screen.PIN, "123") and complete(Screen.PIN, "1234")


def test_phones_are_french_or_international() -> None:
    assert clean_phone("06 12 34 56 78") == "0612345678"
    assert clean_phone("612345678") is None
    assert clean_phone("+33612345678") == "+33612345678"
    assert clean_phone("+1234567890123456") is None


def test_agreement_slip_in_french_and_english() -> None:
    topic = make_catalog().topics[0]
    agreement = Agreement(
        next_step="Apporter le bail",
        appointment=Appointment(
            when=datetime(2026, 12, 1, 13, 30, tzinfo=UTC),
            place="Agen",
            partner="ADIL 47",
            with_whom="Claire",
        ),
    )
    fr = agreement_slip(agreement, topic, "fr")
    en = agreement_slip(agreement, topic, "en")
    assert fr.title == "Votre rendez-vous" and en.title == "Your appointment"
    assert any(line.text == "Sujet : Logement" for line in fr.lines)
    assert any(line.text == "Topic: Housing" for line in en.lines)
    assert any(line.text.startswith("Le 01/12/2026 à ") for line in fr.lines)
    assert any(line.text == "With: Claire" for line in en.lines)
    plain = agreement_slip(Agreement(next_step="Rappeler"), None, "fr")
    assert plain.title == "Ce qui a été convenu"


def test_contact_sheet_lists_every_partner_with_phone_and_hours() -> None:
    sheet = catalog_contacts_slip(make_catalog(), "en")
    texts = [line.text for line in sheet.lines]
    assert sheet.kind == "contacts" and sheet.title == "Useful contacts"
    assert texts[:3] == ["Housing", "ADIL 47", "05 53 00 00 01"]
    assert "Wimoov" in texts and "Mairie de Laplume" in texts


def test_request_reminder_has_the_first_name_only() -> None:
    slip = request_slip(first_name="Léa", kind="callback", topic=None, offline=True, language="fr")
    texts = [line.text for line in slip.lines]
    assert texts[0] == "Bonjour Léa,"
    assert "Un conseiller va vous rappeler." in texts
    assert any("dès que la borne sera connectée" in t for t in texts)


def test_test_slip_checks_accents() -> None:
    slip = ops_test_slip("Laplume", "fr")
    assert slip.kind == "test" and any("àâç" in line.text for line in slip.lines)
