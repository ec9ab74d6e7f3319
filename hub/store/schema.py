"""Table definitions (SQLAlchemy Core). Alembic migrations mirror this file."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    true,
)

metadata = MetaData()

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site", String(120), nullable=False, server_default=""),
    Column("territory", String(80), nullable=False, server_default=""),
    # False for a kiosk id seen on a topic but never registered: shown, never trusted.
    Column("registered", Boolean, nullable=False, server_default=true()),
    Column("token_hash", String(64), unique=True),
    Column("mqtt_hash", String(200)),
    Column("registered_at", Float),
    Column("online", Boolean, nullable=False, server_default=false()),
    Column("status_since", Float),
    Column("last_seen", Float),
    Column("last_health_at", Float),
    Column("app_version", String(32)),
    Column("cpu_temp_c", Float),
    Column("disk_used_pct", Float),
    Column("printer", String(16)),
    Column("ui", String(8)),
    Column("outbox_dropped_recent", Integer),
    Column("health_json", Text),
    # The kiosk's clock minus the hub's, measured on its last health report (seconds).
    Column("clock_skew_s", Float),
    # When births last came from two devices alternating under this id (hub.ingest.clones).
    Column("clone_seen_at", Float),
    # The kiosk's current boot (its kernel's id) and when it booted, on the hub's clock:
    # events stamped before its clock was synchronised are timed by it (hub.ingest.clock).
    Column("boot_id", String(64)),
    Column("booted_at", Float),
)
Index("ix_kiosks_territory", kiosks.c.territory)

# One row per report, clustered on (kiosk, time): a replayed report hits the same
# key and is ignored, charts read one kiosk's range, and each insert touches a
# single B-tree (WITHOUT ROWID on SQLite) — the hot path of ingest.
health = Table(
    "health",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("ts", Float, primary_key=True),
    Column("cpu_temp_c", Float),
    Column("load1", Float),
    Column("mem_used_pct", Float),
    Column("disk_used_pct", Float),
    Column("printer", String(16)),
    Column("ui", String(8)),
    Column("outbox_pending", Integer),
    sqlite_with_rowid=False,
)

events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    # When it happened, on the hub's clock: the kiosk's time corrected by its measured
    # skew, or the arrival time when that is implausible (hub.ingest.clock).
    Column("ts", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("type", String(32), nullable=False),
    Column("session", String(64)),
    Column("topic", String(40)),
    Column("value", Float),
    Column("detail", String(40)),
    Column("kiosk_ts", Float),  # the time the kiosk stamped, as reported
)
Index("ix_events_ts", events.c.ts)
Index("ix_events_received_at", events.c.received_at)
Index("ix_events_kiosk_ts", events.c.kiosk_id, events.c.ts)

commands = Table(
    "commands",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=False),
    Column("name", String(32), nullable=False),
    Column("args_json", Text, nullable=False, server_default="{}"),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("created_by", String(120), nullable=False),
    # sent -> acked | failed | expired
    Column("status", String(16), nullable=False, server_default="sent"),
    Column("acked_at", Float),
    Column("result", String(24)),
    Column("detail", String(200)),
)
Index("ix_commands_kiosk_created", commands.c.kiosk_id, commands.c.created_at)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", String(200), nullable=False, server_default=""),
    Column("opened_at", Float, nullable=False),
    Column("closed_at", Float),
    # Someone from ops took it on: when, who, and what they said (hub.fleet.acknowledge).
    Column("acked_at", Float),
    Column("acked_by", String(200)),
    Column("ack_note", String(300)),
)
# One open alert per kiosk and kind, even with several hub replicas evaluating.
Index(
    "ux_alerts_open",
    alerts.c.kiosk_id,
    alerts.c.kind,
    unique=True,
    sqlite_where=alerts.c.closed_at.is_(None),
    postgresql_where=alerts.c.closed_at.is_(None),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(200), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=false()),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False, server_default=false()),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(120), nullable=False, server_default=""),
    Column("detail", String(400), nullable=False, server_default=""),
)

Index("ix_audit_action_target_ts", audit.c.action, audit.c.target, audit.c.ts)

territories = Table(
    "territories",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("communes_json", Text, nullable=False, server_default="[]"),
)

topics = Table(
    "topics",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("label_fr", String(120), nullable=False),
    Column("label_en", String(120), nullable=False),
    Column("pictogram", String(40), nullable=False, server_default=""),
    # Seconds a call on this topic may wait in line; null: the hub's [calls] queue_wait_s.
    Column("max_wait_s", Integer),
)

partners = Table(
    "partners",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(160), nullable=False),
    Column("topic_id", String(40), ForeignKey("topics.id"), nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("hours", String(160), nullable=False, server_default=""),
    # Machine-readable weekly schedule, Europe/Paris time (hub.opening), e.g.
    # "mon-fri 09:00-12:00,14:00-17:00; sat 09:00-12:00"; empty: never open now.
    Column("opening", String(200), nullable=False, server_default=""),
    Column("address", String(200), nullable=False, server_default=""),
)

# The topics a partner serves (partners.topic_id is the first of them, kept for the
# schema's sake: hub.partners writes both) and the territories it covers.
partner_topics = Table(
    "partner_topics",
    metadata,
    Column(
        "partner_id", String(40), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("topic_id", String(40), ForeignKey("topics.id"), primary_key=True),
)

partner_territories = Table(
    "partner_territories",
    metadata,
    Column(
        "partner_id", String(40), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "territory_id",
        String(40),
        ForeignKey("territories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

Index("ix_partner_territories_territory", partner_territories.c.territory_id)

# Job seekers who identify at a kiosk with a personal code and a PIN (argon2 hash).
seekers = Table(
    "seekers",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("pin_hash", String(200), nullable=False),
    Column("first_name", String(40), nullable=False),
    Column("phone", String(16)),
    Column("failed_pins", Integer, nullable=False, server_default="0"),
    Column("locked_until", Float),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float),
)

# Short-lived references handed to a kiosk after a good PIN; stored as SHA-256.
seeker_refs = Table(
    "seeker_refs",
    metadata,
    Column("ref_hash", String(64), primary_key=True),
    Column("code", String(10), ForeignKey("seekers.code", ondelete="CASCADE"), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)
Index("ix_seeker_refs_expires", seeker_refs.c.expires_at)

# Call-back and appointment requests made at kiosks; `id` is the kiosk's own
# (replays are idempotent). Personal data: purged on the retention schedule.
contact_requests = Table(
    "contact_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("topic", String(40)),
    Column("first_name", String(40)),
    Column("commune", String(80)),
    Column("phone", String(16)),
    Column("seeker_code", String(10)),
    Column("created_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("handled_at", Float),
    Column("handled_by", String(200)),
)
Index("ix_contact_requests_open", contact_requests.c.handled_at, contact_requests.c.created_at)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Advisers: staff users (usually role adviser) who answer kiosk calls for one
# partner, on the topics listed in adviser_topics.
adviser_profiles = Table(
    "adviser_profiles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("partner_id", String(40), ForeignKey("partners.id"), nullable=False),
    Column("created_at", Float, nullable=False),
)

adviser_topics = Table(
    "adviser_topics",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("adviser_profiles.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("topic_id", String(40), ForeignKey("topics.id"), primary_key=True),
)

# One row per kiosk call (hub.signaling.records); `id` is the kiosk's call id.
# No personal data: neither the caller's first name nor their commune.
calls = Table(
    "calls",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("adviser_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("requested_at", Float, nullable=False),
    Column("rang_at", Float),
    Column("answered_at", Float),
    Column("ended_at", Float),
    # CallOutcome; null while the call is in progress.
    Column("outcome", String(16)),
    Column("end_reason", String(20)),
    Column("audio_only", Boolean, nullable=False, server_default=false()),
    Column("quality_samples", Integer, nullable=False, server_default="0"),
    Column("rtt_median_ms", Float),
    Column("loss_max_pct", Float),
    Column("bitrate_mean_kbps", Float),
)
Index("ix_calls_requested_at", calls.c.requested_at)
