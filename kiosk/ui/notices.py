"""The words of each notice (wrong PIN, locked, printed, …) in the session's language."""

from __future__ import annotations

from kiosk.controller.view import Notice, NoticeKind
from kiosk.ui.i18n import Translator


def notice_text(t: Translator, notice: Notice) -> str:
    """What a notice says; kind words for the person, never a technical message."""
    n = notice.count or 0
    match notice.kind:
        case NoticeKind.WRONG_PIN:
            if notice.count is None:
                return t("That code or secret code is not right. Please try again.")
            return t.n(
                "That code or secret code is not right. You have {n} try left.",
                "That code or secret code is not right. You have {n} tries left.",
                n,
            ).format(n=n)
        case NoticeKind.LOCKED:
            paused = t.n(
                "Too many tries. Your code is paused for {n} minute.",
                "Too many tries. Your code is paused for {n} minutes.",
                n,
            ).format(n=n)
            return paused + " " + t("You can choose “This is my first visit”.")
        case NoticeKind.HUB_DOWN:
            return t("The kiosk lost its connection.")
        case NoticeKind.PRINTED:
            return t("It is printed. Take your slip under the screen.")
        case NoticeKind.PRINTER_FAILED:
            return t("The printer does not work right now. Sorry.")
        case NoticeKind.INVALID_PHONE:
            return t("This number is not complete. Please check it.")
        case NoticeKind.OPS_MESSAGE:
            return notice.text
        case NoticeKind.OPS_PIN_WRONG:
            return t("Wrong code.")
        case NoticeKind.CALL_FAILED:
            return t("The call could not connect.")
        case NoticeKind.BAD_CARD:
            return t("This card cannot be read here. Please type your code.")
        case NoticeKind.ENTRY_SHORT:
            return t.n("Type {n} more digit, then OK.", "Type {n} more digits, then OK.", n).format(
                n=n
            )
        case NoticeKind.NAME_MISSING:
            return t("Type your first name with the letters, then OK.")
        case NoticeKind.REQUEST_FAILED:
            return t("Your request could not be sent. Please ask at the town hall desk.")
    return ""
