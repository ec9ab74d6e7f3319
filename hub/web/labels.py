"""French labels, icons and severities for the codes the dashboard shows.

A state is never shown by colour alone: every badge pairs its colour class
(`ok`, `warn`, `bad`, `muted`, `alien`) with an icon and a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.protocol import CommandName


@dataclass(frozen=True)
class Badge:
    """What a badge shows: a severity class, an icon and a label."""

    level: str
    icon: str
    label: str


PRINTER = {
    "ok": Badge("ok", "✓", "OK"),
    "paper-low": Badge("warn", "▲", "Papier bas"),
    "paper-out": Badge("bad", "✕", "Plus de papier"),
    "offline": Badge("bad", "✕", "Débranchée"),
    "error": Badge("bad", "✕", "Erreur"),
    "absent": Badge("muted", "–", "Absente"),
    "unknown": Badge("muted", "?", "Inconnu"),
}
"""Device states (hub.protocol.DeviceState), used for every device."""

ALERT_KINDS = {
    # the kinds hub.alerts raises
    "offline": "Hors ligne",
    "printer": "Imprimante",
    "disk": "Disque",
    "temperature": "Température",
    "ui-down": "Interface arrêtée",
    "outbox-dropping": "Événements perdus",
    "clock": "Horloge décalée",
    "clone": "Borne clonée",
    # shown as such should they appear
    "unregistered": "Non enregistrée",
}
"""French names of alert kinds; unknown kinds are shown as they are."""

EVENT_TYPES = {
    "session.started": "Session ouverte",
    "identified": "Identification",
    "topic.chosen": "Thème choisi",
    "call.requested": "Appel demandé",
    "call.answered": "Appel décroché",
    "call.missed": "Appel manqué",
    "call.ended": "Appel terminé",
    "call.quality": "Qualité d'appel",
    "callback.requested": "Rappel demandé",
    "appointment.requested": "Rendez-vous demandé",
    "slip.printed": "Ticket imprimé",
    "survey": "Avis",
    "session.ended": "Session terminée",
    "error": "Erreur",
}

REQUEST_KINDS = {
    "callback": Badge("warn", "☎", "Rappel"),
    "appointment": Badge("ok", "◷", "Rendez-vous"),
}
"""Kinds of contact requests (hub.protocol.kiosk_api.ContactKind)."""

REQUEST_REASONS = {
    "no-answer": "Personne n'a répondu",
    "unavailable": "Aucun conseiller disponible",
    "offline": "Borne hors ligne",
    "long-wait": "Rappel préféré à l'attente",
}
"""Why a contact request was made (hub.protocol.kiosk_api.ContactReason)."""

COMMANDS = {
    CommandName.PRINT_TEST.value: "Impression de test",
    CommandName.RESTART_UI.value: "Redémarrer l'interface",
    CommandName.RELOAD_CONFIG.value: "Recharger la configuration",
    CommandName.REBOOT.value: "Redémarrer la borne",
    CommandName.SHOW_MESSAGE.value: "Afficher un message",
}

COMMAND_STATUS = {
    "sent": Badge("warn", "…", "Envoyée"),
    "acked": Badge("ok", "✓", "Exécutée"),
    "failed": Badge("bad", "✕", "Échec"),
    "expired": Badge("muted", "⌛", "Expirée"),
}

DEVICES = {
    "printer": "Imprimante",
    "camera": "Caméra",
    "microphone": "Micro",
    "scanner": "Lecteur QR",
    "panel": "Bouton d'appel",
}

STATE_FILTERS = {
    "": "Tous les états",
    "online": "En ligne",
    "offline": "Hors ligne",
    "alerting": "En alerte",
    "unregistered": "Non enregistrées",
}


def device_badge(state: str | None) -> Badge:
    """The badge of a device state (unknown codes shown as such)."""
    if state is None:
        return PRINTER["unknown"]
    return PRINTER.get(state, Badge("muted", "?", state))


def request_kind(kind: str) -> Badge:
    """The badge of a contact request's kind (unknown kinds shown as such)."""
    return REQUEST_KINDS.get(kind, Badge("muted", "?", kind))


def request_reason(reason: str) -> str:
    """Why a contact request was made, in French (unknown codes shown as such)."""
    return REQUEST_REASONS.get(reason, reason)


def phone(number: str | None) -> str:
    """A French phone number in pairs ("06 12 34 56 78"); others as they are."""
    if not number:
        return ""
    if len(number) == 10 and number.isdigit():
        return " ".join(number[i : i + 2] for i in range(0, 10, 2))
    return number


def alert_label(kind: str) -> str:
    """The French name of an alert kind, or the kind itself."""
    return ALERT_KINDS.get(kind, kind)


def kiosk_state(kiosk: dict[str, Any]) -> Badge:
    """Online / offline / unregistered badge of a kiosk row."""
    if not kiosk.get("registered"):
        return Badge("alien", "?", "Non enregistrée")
    if kiosk.get("online"):
        return Badge("ok", "●", "En ligne")
    return Badge("bad", "○", "Hors ligne")


def level(value: float | None, warn: float, bad: float) -> str:
    """Severity class of a measure against thresholds (higher is worse)."""
    if value is None:
        return "muted"
    if value >= bad:
        return "bad"
    if value >= warn:
        return "warn"
    return "ok"
