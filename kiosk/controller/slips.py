"""The printed slips, in the session's language: agreement, contact sheet, reminder, test.

The UI's gettext catalogs do not reach the controller, so the few words a
slip needs live here in a plain {"fr": ..., "en": ...} table. A slip carries
no personal data except, on a request reminder, the first name the person
gave (docs/architecture.md, "Privacy"); the printer keeps no copy of it.
"""

from __future__ import annotations

from datetime import datetime

from hub.protocol import utcnow
from hub.protocol.kiosk_api import Catalog, TopicInfo
from kiosk.controller.ports import Agreement, Slip, SlipLine

TEXTS: dict[str, dict[str, str]] = {
    "agreement.title": {"fr": "Ce qui a été convenu", "en": "What was agreed"},
    "appointment.title": {"fr": "Votre rendez-vous", "en": "Your appointment"},
    "appointment.when": {"fr": "Le {date} à {time}", "en": "On {date} at {time}"},
    "appointment.with": {"fr": "Avec : {name}", "en": "With: {name}"},
    "next_step": {"fr": "Prochaine étape :", "en": "Next step:"},
    "topic": {"fr": "Sujet : {label}", "en": "Topic: {label}"},
    "contacts.title": {"fr": "Contacts utiles", "en": "Useful contacts"},
    "contacts.none": {"fr": "Aucun contact disponible.", "en": "No contact available."},
    "request.title": {"fr": "Votre demande", "en": "Your request"},
    "request.hello": {"fr": "Bonjour {name},", "en": "Hello {name},"},
    "request.callback": {
        "fr": "Un conseiller va vous rappeler.",
        "en": "An adviser will call you back.",
    },
    "request.appointment": {
        "fr": "Un conseiller va vous proposer un rendez-vous.",
        "en": "An adviser will offer you an appointment.",
    },
    "request.offline": {
        "fr": "Votre demande partira dès que la borne sera connectée.",
        "en": "Your request will be sent as soon as the kiosk is connected.",
    },
    "request.made": {"fr": "Demande faite le {date}", "en": "Request made on {date}"},
    "test.title": {"fr": "Test d'impression", "en": "Print test"},
    "test.accents": {"fr": "Accents : àâçéèêëîïôùûü ÀÉÈÇ €", "en": "Accents: àâçéèêëîïôùûü ÀÉÈÇ €"},
    "test.speech": {
        "fr": "Bonjour. Ceci est un essai de la voix de la borne.",
        "en": "Hello. This is a test of the kiosk's voice.",
    },
    "footer": {"fr": "Gaïa — gardez ce ticket", "en": "Gaïa — keep this slip"},
}


def text(key: str, language: str, **values: object) -> str:
    """One short text in `language` (French when the language is unknown), filled in."""
    variants = TEXTS[key]
    return variants.get(language, variants["fr"]).format(**values)


def topic_label(topic: TopicInfo, language: str) -> str:
    """A topic's name in the language."""
    return topic.label_en if language == "en" else topic.label_fr


def _date(when: datetime) -> str:
    return when.strftime("%d/%m/%Y")


def _time(when: datetime) -> str:
    return when.strftime("%H:%M")


def _local(when: datetime) -> datetime:
    """An aware time in the kiosk's own time zone (a naive one is taken as local)."""
    return when.astimezone() if when.tzinfo is not None else when


def agreement_slip(agreement: Agreement, topic: TopicInfo | None, language: str) -> Slip:
    """What the adviser and the person agreed: the appointment, if any, and the next step."""
    lines: list[SlipLine] = []
    if topic is not None:
        lines.append(SlipLine(text("topic", language, label=topic_label(topic, language))))
    appointment = agreement.appointment
    if appointment is not None:
        when = _local(appointment.when)
        lines.append(
            SlipLine(
                text("appointment.when", language, date=_date(when), time=_time(when)),
                bold=True,
                large=True,
            )
        )
        lines.append(SlipLine(appointment.partner, bold=True))
        if appointment.place:
            lines.append(SlipLine(appointment.place))
        if appointment.with_whom:
            lines.append(SlipLine(text("appointment.with", language, name=appointment.with_whom)))
    if agreement.next_step:
        lines.append(SlipLine(text("next_step", language), bold=True))
        lines.append(SlipLine(agreement.next_step))
    title_key = "appointment.title" if appointment is not None else "agreement.title"
    return Slip(
        kind="appointment",
        title=text(title_key, language),
        lines=lines,
        footer=text("footer", language),
    )


def contacts_slip(topics: list[TopicInfo], language: str, site: str = "") -> Slip:
    """The contact sheet: each topic's partners with their phone numbers and hours."""
    lines: list[SlipLine] = []
    for topic in topics:
        if not topic.partners:
            continue
        lines.append(SlipLine(topic_label(topic, language), bold=True, large=True))
        for partner in topic.partners:
            lines.append(SlipLine(partner.name, bold=True))
            lines.append(SlipLine(partner.phone, large=True))
            if partner.hours:
                lines.append(SlipLine(partner.hours))
    if not lines:
        lines.append(SlipLine(text("contacts.none", language)))
    if site:
        lines.append(SlipLine(site, center=True))
    return Slip(
        kind="contacts",
        title=text("contacts.title", language),
        lines=lines,
        footer=text("footer", language),
    )


def catalog_contacts_slip(catalog: Catalog, language: str) -> Slip:
    """The contact sheet of the whole catalog (the offline screen's print button)."""
    return contacts_slip(list(catalog.topics), language, catalog.site)


def request_slip(
    *,
    first_name: str | None,
    kind: str,
    topic: TopicInfo | None,
    offline: bool,
    language: str,
    now: datetime | None = None,
) -> Slip:
    """A reminder of a call-back or appointment request: the first name at most, no phone."""
    made = _local(now or utcnow())
    lines: list[SlipLine] = []
    if first_name:
        lines.append(SlipLine(text("request.hello", language, name=first_name)))
    key = "request.appointment" if kind == "appointment" else "request.callback"
    lines.append(SlipLine(text(key, language), bold=True))
    if topic is not None:
        lines.append(SlipLine(text("topic", language, label=topic_label(topic, language))))
    if offline:
        lines.append(SlipLine(text("request.offline", language)))
    lines.append(SlipLine(text("request.made", language, date=_date(made))))
    return Slip(
        kind="request",
        title=text("request.title", language),
        lines=lines,
        footer=text("footer", language),
    )


def ops_test_slip(site: str, language: str, now: datetime | None = None) -> Slip:
    """The ops test print: site, date and time, and accents to check the code page."""
    made = _local(now or utcnow())
    lines = [SlipLine(f"{_date(made)} {_time(made)}"), SlipLine(text("test.accents", language))]
    if site:
        lines.insert(0, SlipLine(site, bold=True, center=True))
    return Slip(kind="test", title=text("test.title", language), lines=lines, qr="GAIA-TEST")
