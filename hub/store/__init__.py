"""The hub's database: SQLAlchemy Core tables, engine set-up and migrations.

Runs unchanged on SQLite (the default) and PostgreSQL. Times are stored as
UTC epoch seconds (float): cheap to compare, bucket and index on both.
"""

from hub.store.db import StoreError, connect, migrate, upsert_ignore
from hub.store.schema import metadata

__all__ = ["StoreError", "connect", "metadata", "migrate", "upsert_ignore"]
