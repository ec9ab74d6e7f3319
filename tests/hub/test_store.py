"""The Alembic migrations build exactly the schema the code declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.store import connect, metadata, migrate


def test_migrations_match_the_schema_and_rerun_safely(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_partners_of_a_hub_from_before_territories_keep_serving_every_kiosk(
    tmp_path: Path,
) -> None:
    """Upgrading a populated hub (revision 0008): each partner keeps its topic and serves
    every territory, so no kiosk loses a partner it showed."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from hub.store.db import MIGRATIONS

    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
        conn.execute(text("INSERT INTO territories (id, name) VALUES ('agenais', 'Agenais')"))
        conn.execute(text("INSERT INTO territories (id, name) VALUES ('fumelois', 'Fumélois')"))
        conn.execute(
            text("INSERT INTO topics (id, label_fr, label_en) VALUES ('housing', 'L', 'H')")
        )
        conn.execute(
            text("INSERT INTO partners (id, name, topic_id) VALUES ('habitat', 'H', 'housing')")
        )
    migrate(engine)
    with engine.connect() as conn:
        topics = conn.execute(text("SELECT partner_id, topic_id FROM partner_topics")).all()
        where = conn.execute(
            text("SELECT territory_id FROM partner_territories ORDER BY 1")
        ).scalars()
        assert topics == [("habitat", "housing")] and list(where) == ["agenais", "fumelois"]
        assert conn.execute(text("SELECT max_wait_s FROM topics")).scalar() is None
    engine.dispose()
