"""One exception root per package: every error class defined in `kiosk`, `hub` and
`hub.protocol` derives from that package's root, so callers can catch "ours"
without catching bugs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import hub
import kiosk
import provisioning
from hub.errors import HubError
from hub.protocol.messages import ProtocolError
from kiosk.errors import KioskError

SKIP = ("kiosk.ui", "hub.store.migrations")  # Kivy; Alembic scripts (run by Alembic only)


def _modules(package: object) -> list[str]:
    names = [package.__name__]  # type: ignore[attr-defined]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):  # type: ignore[attr-defined]
        if not info.name.startswith(SKIP) and not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _root(module: str) -> type[BaseException] | None:
    if module.startswith("hub.protocol"):
        return ProtocolError
    if module.startswith("hub"):
        return HubError
    if module.startswith("kiosk"):
        return KioskError
    return None


def _errors() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for package in (hub, kiosk, provisioning):
        for name in _modules(package):
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, BaseException) and cls.__module__ == name:
                    found.append(cls)
    return found


def test_there_are_errors_to_check() -> None:
    names = {cls.__name__ for cls in _errors()}
    assert {"StoreError", "AccountError", "PrinterError", "ConfigError"} <= names


@pytest.mark.parametrize("cls", _errors(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_each_error_derives_from_its_package_root(cls: type[BaseException]) -> None:
    root = _root(cls.__module__)
    assert root is not None, f"{cls.__module__} has errors but no root: add one"
    assert issubclass(cls, root), f"{cls.__name__} must derive from {root.__name__}"
