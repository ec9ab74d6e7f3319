"""Fixtures for the hub's web and API tests: a migrated SQLite database per test,
the app without MQTT, a TestClient, and logged-in users of each role.

Set GAIA_TEST_DATABASE_URL (e.g. postgresql+psycopg://user@host/db, a database
the tests may wipe) to run them on PostgreSQL instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from hub.accounts import Role, hash_password
from hub.app import create_app
from hub.config import DbConfig, HubConfig
from hub.store import connect, metadata, migrate
from tests.hub.helpers import PASSWORD, Staff, login_as


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite file, copied by each test (migrating costs ~0.15 s)."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    engine = connect(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def config(tmp_path: Path, migrated_db: Path) -> HubConfig:
    """A hub configuration whose state directory holds a copy of the migrated database."""
    state = tmp_path / "state"
    state.mkdir()
    url = os.environ.get("GAIA_TEST_DATABASE_URL", "")
    if url:
        engine = connect(url)
        metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
        return HubConfig(state_dir=state, db=DbConfig(url=url))
    shutil.copy(migrated_db, state / "hub.db")
    return HubConfig(state_dir=state)


@pytest.fixture
def app(config: HubConfig) -> Iterator[FastAPI]:
    """The hub app without broker, ingest or alert loop."""
    application = create_app(config, background=False)
    yield application
    application.state.services.engine.dispose()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    """The app's database engine."""
    result: Engine = app.state.services.engine
    return result


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous browser-like client (no redirects followed)."""
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def ops(client: TestClient, engine: Engine, password_hash: str) -> Staff:
    """The client, logged in as an ops user (session created directly, no argon2)."""
    return login_as(client, engine, "ops@gaia.test", Role.OPS, password_hash)
