"""The catalog cache: survives restarts, replaced atomically, never raises."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.protocol.kiosk_api import Catalog, PartnerInfo, TopicInfo
from kiosk.catalog_cache import FileCatalogCache


def catalog(site: str = "Mairie de Nérac") -> Catalog:
    partner = PartnerInfo(
        id="adil47",
        name="ADIL 47",
        phone="05 53 00 00 00",
        hours="lun–ven 9 h–12 h",
        open_now=False,
    )
    topic = TopicInfo(
        id="housing",
        label_fr="Logement",
        label_en="Housing",
        pictogram="house",
        available_now=False,
        partners=[partner],
    )
    return Catalog(generated_at=datetime.now(UTC), site=site, communes=["Nérac"], topics=[topic])


def test_saved_catalog_is_loaded_by_a_new_cache(tmp_path: Path) -> None:
    path = tmp_path / "state" / "catalog.json"
    saved = catalog()
    FileCatalogCache(path).save(saved)
    assert FileCatalogCache(path).load() == saved


def test_save_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = FileCatalogCache(tmp_path / "catalog.json")
    cache.save(catalog("Première"))
    cache.save(catalog("Seconde"))
    loaded = cache.load()
    assert loaded is not None and loaded.site == "Seconde"
    assert os.listdir(tmp_path) == ["catalog.json"]


def test_missing_file_loads_none(tmp_path: Path) -> None:
    assert FileCatalogCache(tmp_path / "nothing.json").load() is None


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"v": 2}', b"\xff\xfe\x00", b'{"v":1,"generated_at":"x"}']
)
def test_corrupt_file_loads_none_and_is_logged(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="kiosk.catalog_cache"):
        assert FileCatalogCache(path).load() is None
    assert "corrupt" in caplog.text


def test_unreadable_path_loads_none(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").mkdir()  # a directory where the file should be
    assert FileCatalogCache(tmp_path / "catalog.json").load() is None


def test_failed_save_keeps_the_old_catalog_and_does_not_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FileCatalogCache(tmp_path / "catalog.json")
    cache.save(catalog("Ancienne"))

    def broken_fsync(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    cache.save(catalog("Nouvelle"))
    monkeypatch.undo()
    loaded = cache.load()
    assert loaded is not None and loaded.site == "Ancienne"
    assert os.listdir(tmp_path) == ["catalog.json"]


def test_save_into_an_unwritable_place_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    FileCatalogCache(blocker / "catalog.json").save(catalog())  # parent is a file
    assert FileCatalogCache(blocker / "catalog.json").load() is None
