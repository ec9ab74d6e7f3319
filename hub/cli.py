"""`gaia-hub`: serve, migrate, and manage users, API tokens, kiosks, advisers and job seekers.

Secrets (tokens) go alone to standard output so scripts can capture them;
explanations go to standard error.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hub.config import ConfigError, HubConfig, load_config

DEFAULT_CONFIG = Path("hub.toml")


def _config(path: str | None) -> HubConfig:
    if path is None:
        return load_config(DEFAULT_CONFIG) if DEFAULT_CONFIG.exists() else HubConfig()
    return load_config(path)


def _engine(config: HubConfig):  # type: ignore[no-untyped-def]
    from hub.store import connect, migrate

    engine = connect(config.db_url)
    migrate(engine)
    return engine


def setup_logging(level: str = "INFO") -> None:
    """Plain logs on standard error (journald adds the time stamps on a host)."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the hub (HTTP + ingest + alerts; the managed broker when no [mqtt] url)."""
    import uvicorn

    from hub.app import create_app
    from hub.broker import BrokerError, ManagedBroker, port_free
    from hub.server import server_config
    from hub.store import StoreError
    from hub.store.db import check_store

    config = _config(args.config)
    setup_logging(args.log_level)
    http = config.http
    if http.port and not port_free(http.host, http.port):
        print(
            f"gaia-hub: port {http.host}:{http.port} for HTTP is taken by another process: "
            "stop it, or set [http] port in hub.toml",
            file=sys.stderr,
        )
        return 2
    try:  # one line for a damaged, unreadable or unexpectedly empty database
        check_store(config.db_url, config.state_dir)
    except StoreError as exc:
        print(f"gaia-hub: {exc}", file=sys.stderr)
        return 2
    if config.managed_broker:
        # Before anything listens: an orphan broker of an earlier run is stopped, and a
        # port another process holds is one clear line and an exit, not a retry loop.
        broker = ManagedBroker(
            config.state_dir / "broker", host=config.broker.host, port=config.broker.port
        )
        try:
            broker.stop_orphan()
            if config.broker.port:
                broker.check_port()
        except BrokerError as exc:
            print(f"gaia-hub: {exc}", file=sys.stderr)
            return 2
    app = create_app(config)
    # Start-up objects (templates, SQLAlchemy metadata) never die: keeping them out
    # of the collector's scans cuts p95 latency of large responses by ~15 %.
    gc.freeze()
    server = uvicorn.Server(server_config(app, config, log_level=args.log_level.lower()))
    server.run()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the database schema."""
    config = _config(args.config)
    _engine(config)
    print(f"database at {config.db_url} is up to date", file=sys.stderr)
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create a staff account; the password is read from standard input."""
    from hub.accounts import Role, add_user

    if not args.password_stdin:
        print(
            "refusing to read a password from the command line: use --password-stdin",
            file=sys.stderr,
        )
        return 2
    password = sys.stdin.readline().rstrip("\n")
    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        add_user(conn, args.email, password, Role(args.role))
    print(f"user {args.email} ({args.role}) created", file=sys.stderr)
    return 0


def cmd_token_add(args: argparse.Namespace) -> int:
    """Create an API bearer token; printed once on standard output."""
    from hub.accounts import Role, add_api_token

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        token = add_api_token(conn, args.name, Role(args.role))
    print(f"API token {args.name!r} ({args.role}); shown once, keep it safe:", file=sys.stderr)
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """Print the API tokens: id, name, role, created, state (never the tokens)."""
    from datetime import UTC, datetime

    from hub.accounts import list_api_tokens

    engine = _engine(_config(args.config))
    with engine.connect() as conn:
        tokens = list_api_tokens(conn)
    for t in tokens:
        created = datetime.fromtimestamp(t.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        state = "revoked" if t.revoked else "active"
        print(f"{t.id}\t{t.name}\t{t.role}\t{created}\t{state}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke an API token by id or name: it stops working at once."""
    from hub.accounts import revoke_api_token

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        token = revoke_api_token(conn, args.token)
    print(f"API token {token.id} ({token.name!r}) revoked", file=sys.stderr)
    return 0


def cmd_kiosk_add(args: argparse.Namespace) -> int:
    """Register a kiosk in a known territory; its token is printed once on standard output."""
    from hub.accounts import register_kiosk
    from hub.partners import PartnerError, territory_of

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        if territory_of(conn, args.territory) is None:
            raise PartnerError(
                f"no territory {args.territory!r}: add it first (gaia-hub territory add)"
            )
        reg = register_kiosk(conn, args.kiosk_id, args.site, args.territory)
    print(
        f"kiosk {reg.kiosk_id} registered; its token (shown once) goes in its kiosk.toml as "
        "[hub] token; it is also its MQTT password:",
        file=sys.stderr,
    )
    print(reg.token)
    return 0


def cmd_kiosk_revoke(args: argparse.Namespace) -> int:
    """Withdraw a kiosk's credentials."""
    from hub.accounts import revoke_kiosk

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        revoke_kiosk(conn, args.kiosk_id)
    print(f"kiosk {args.kiosk_id} revoked", file=sys.stderr)
    return 0


def cmd_kiosk_rotate(args: argparse.Namespace) -> int:
    """Give a kiosk a new token; the old one stops working at once."""
    from hub.accounts import rotate_kiosk

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        reg = rotate_kiosk(conn, args.kiosk_id)
    print(
        f"kiosk {reg.kiosk_id}: new token (shown once); the old one no longer works. Put it in "
        "the genuine kiosk's kiosk.toml ([hub] token, also its MQTT password):",
        file=sys.stderr,
    )
    print(reg.token)
    return 0


def cmd_seeker_add(args: argparse.Namespace) -> int:
    """Register a job seeker (personal code + PIN); the PIN is asked when not given."""
    from hub.seekers import add_seeker

    pin = args.pin
    if pin is None:
        import getpass

        pin = getpass.getpass("PIN (4 to 6 digits): ")
        if getpass.getpass("PIN again: ") != pin:
            print("the two PINs differ; nothing changed", file=sys.stderr)
            return 2
    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        add_seeker(conn, args.code, pin, args.first_name, args.phone)
    print("job seeker registered: they identify at a kiosk with the code and PIN", file=sys.stderr)
    return 0


def cmd_seeker_unlock(args: argparse.Namespace) -> int:
    """Lift the lock a personal code got after too many wrong PINs."""
    from hub.seekers import unlock_seeker

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        unlock_seeker(conn, args.code)
    print("personal code unlocked", file=sys.stderr)
    return 0


def _list_arg(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def cmd_territory_add(args: argparse.Namespace) -> int:
    """Create or update a territory and its communes (from --communes or a file)."""
    from hub.partners import add_territory

    communes = _list_arg(args.communes or "")
    if args.communes_file:
        text = Path(args.communes_file).read_text(encoding="utf-8")
        communes += [line.strip() for line in text.splitlines() if line.strip()]
    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        territory = add_territory(conn, args.territory_id, args.name, communes)
    print(
        f"territory {territory.id} ({territory.name}): {len(territory.communes)} communes",
        file=sys.stderr,
    )
    return 0


def cmd_territory_list(args: argparse.Namespace) -> int:
    """Print the territories: id, name, number of communes (tab-separated)."""
    from hub.partners import list_territories

    engine = _engine(_config(args.config))
    with engine.connect() as conn:
        territories = list_territories(conn)
    for t in territories:
        print(f"{t.id}\t{t.name}\t{len(t.communes)} communes")
    if not territories:
        print("no territory yet: gaia-hub territory add ...", file=sys.stderr)
    return 0


def cmd_topic_add(args: argparse.Namespace) -> int:
    """Create or update a help topic."""
    from hub.partners import add_topic

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        add_topic(conn, args.topic_id, args.fr, args.en, args.pictogram, args.max_wait)
    print(f"topic {args.topic_id}: {args.fr} / {args.en}", file=sys.stderr)
    return 0


def cmd_topic_list(args: argparse.Namespace) -> int:
    """Print the topics: id, French label, English label, pictogram."""
    from sqlalchemy import select

    from hub.store import schema

    engine = _engine(_config(args.config))
    t = schema.topics.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.id, t.label_fr, t.label_en, t.pictogram).order_by(t.id))
        for row in rows:
            print(f"{row.id}\t{row.label_fr}\t{row.label_en}\t{row.pictogram}")
    return 0


def cmd_partner_add(args: argparse.Namespace) -> int:
    """Create or update a partner: the topics it serves, in which territories."""
    from hub.partners import add_partner

    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        partner = add_partner(
            conn,
            args.partner_id,
            args.name,
            _list_arg(args.topics),
            _list_arg(args.territories),
            phone=args.phone,
            hours=args.hours,
            opening=args.opening,
            address=args.address,
        )
    print(
        f"partner {partner.id} ({partner.name}): {', '.join(partner.topics)} in "
        f"{', '.join(partner.territories)}",
        file=sys.stderr,
    )
    return 0


def cmd_partner_list(args: argparse.Namespace) -> int:
    """Print the partners: id, name, topics, territories, opening (tab-separated)."""
    from hub.partners import list_partners

    engine = _engine(_config(args.config))
    with engine.connect() as conn:
        partners = list_partners(conn)
    for p in partners:
        print(f"{p.id}\t{p.name}\t{','.join(p.topics)}\t{','.join(p.territories)}\t{p.opening}")
    if not partners:
        print("no partner yet: gaia-hub partner add ...", file=sys.stderr)
    return 0


def cmd_adviser_add(args: argparse.Namespace) -> int:
    """Create an adviser account (role adviser) with its partner, topics and display name."""
    from hub.signaling.advisers import add_adviser

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif args.password is not None:
        password = args.password
    else:
        print("give the password with --password-stdin (or --password)", file=sys.stderr)
        return 2
    topics = [t for t in args.topics.split(",") if t.strip()]
    engine = _engine(_config(args.config))
    with engine.begin() as conn:
        profile = add_adviser(conn, args.email, password, args.name, args.partner, topics)
    print(
        f"adviser {args.email} ({profile.name}, {profile.partner_name}) created for: "
        f"{', '.join(profile.topics)}",
        file=sys.stderr,
    )
    return 0


def cmd_adviser_list(args: argparse.Namespace) -> int:
    """Print the advisers: e-mail, name, partner, topics (tab-separated)."""
    from hub.signaling.advisers import list_advisers

    engine = _engine(_config(args.config))
    with engine.connect() as conn:
        listings = list_advisers(conn)
    for item in listings:
        p = item.profile
        state = "disabled" if item.disabled else item.role
        print(f"{item.email}\t{p.name}\t{p.partner_id}\t{','.join(p.topics)}\t{state}")
    if not listings:
        print("no adviser yet: gaia-hub adviser add ...", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole system locally with demo data (see hub.demo)."""
    from hub.demo import run_demo

    setup_logging(args.log_level)
    return run_demo(
        Path(args.dir),
        kiosks=args.kiosks,
        port=args.port,
        fresh=args.fresh,
        broker_port=args.broker_port,
        ui=not args.no_ui,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    roles = ["adviser", "ops", "admin"]
    parser = argparse.ArgumentParser(prog="gaia-hub", description="Gaïa hub")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", help="hub.toml (default: ./hub.toml when present)")
        return p

    with_config(sub.add_parser("serve", help="run the hub")).set_defaults(func=cmd_serve)
    with_config(sub.add_parser("migrate", help="create or upgrade the database")).set_defaults(
        func=cmd_migrate
    )

    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="action", required=True
    )
    p = with_config(user.add_parser("add", help="create a staff account"))
    p.add_argument("--role", required=True, choices=roles)
    p.add_argument("--email", required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_user_add)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    p = with_config(token.add_parser("add", help="create an API bearer token"))
    p.add_argument("--role", required=True, choices=roles)
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_token_add)
    p = with_config(token.add_parser("list", help="list the API tokens (never the tokens)"))
    p.set_defaults(func=cmd_token_list)
    p = with_config(token.add_parser("revoke", help="revoke an API token: it stops at once"))
    p.add_argument("token", help="its id, or its name (gaia-hub token list)")
    p.set_defaults(func=cmd_token_revoke)

    kiosk = sub.add_parser("kiosk", help="kiosks").add_subparsers(dest="action", required=True)
    p = with_config(kiosk.add_parser("add", help="register a kiosk and print its token"))
    p.add_argument("kiosk_id")
    p.add_argument("--site", required=True)
    p.add_argument("--territory", required=True)
    p.set_defaults(func=cmd_kiosk_add)
    p = with_config(kiosk.add_parser("revoke", help="withdraw a kiosk's credentials"))
    p.add_argument("kiosk_id")
    p.set_defaults(func=cmd_kiosk_revoke)
    p = with_config(
        kiosk.add_parser("rotate", help="new credentials for a kiosk (a cloned or leaked one)")
    )
    p.add_argument("kiosk_id")
    p.set_defaults(func=cmd_kiosk_rotate)

    seeker = sub.add_parser("seeker", help="job seekers (personal code and PIN)").add_subparsers(
        dest="action", required=True
    )
    p = with_config(seeker.add_parser("add", help="register a job seeker"))
    p.add_argument("--code", required=True, help="personal code, 6 to 10 digits")
    p.add_argument("--pin", help="4 to 6 digits (asked when omitted)")
    p.add_argument("--first-name", required=True)
    p.add_argument("--phone", help="for call-backs, e.g. 0612345678")
    p.set_defaults(func=cmd_seeker_add)
    p = with_config(seeker.add_parser("unlock", help="lift a code's lock after wrong PINs"))
    p.add_argument("--code", required=True)
    p.set_defaults(func=cmd_seeker_unlock)

    territory = sub.add_parser("territory", help="territories and their communes")
    territory_sub = territory.add_subparsers(dest="action", required=True)
    p = with_config(territory_sub.add_parser("add", help="create or update a territory"))
    p.add_argument("territory_id", help="e.g. agenais")
    p.add_argument("--name", required=True, help="e.g. Agenais")
    p.add_argument("--communes", default="", help="comma-separated commune names")
    p.add_argument("--communes-file", default="", help="a UTF-8 file, one commune a line")
    p.set_defaults(func=cmd_territory_add)
    p = with_config(territory_sub.add_parser("list", help="list the territories"))
    p.set_defaults(func=cmd_territory_list)

    topic = sub.add_parser("topic", help="help topics").add_subparsers(dest="action", required=True)
    p = with_config(topic.add_parser("add", help="create or update a topic"))
    p.add_argument("topic_id", help="e.g. housing")
    p.add_argument("--fr", required=True, help="French label, e.g. Logement")
    p.add_argument("--en", required=True, help="English label, e.g. Housing")
    p.add_argument("--pictogram", default="", help="e.g. house (kiosk/ui/theme.py)")
    p.add_argument(
        "--max-wait",
        type=int,
        default=None,
        help="seconds a call may wait in line when every adviser is busy "
        "(default: the hub's [calls] queue_wait_s)",
    )
    p.set_defaults(func=cmd_topic_add)
    p = with_config(topic.add_parser("list", help="list the topics"))
    p.set_defaults(func=cmd_topic_list)

    partner = sub.add_parser("partner", help="partner organisations").add_subparsers(
        dest="action", required=True
    )
    p = with_config(partner.add_parser("add", help="create or update a partner"))
    p.add_argument("partner_id", help="e.g. habitat-47")
    p.add_argument("--name", required=True)
    p.add_argument("--topics", required=True, help="comma-separated topic ids")
    p.add_argument("--territories", required=True, help="comma-separated territory ids")
    p.add_argument("--phone", default="")
    p.add_argument("--hours", default="", help="as printed, e.g. 'lundi–vendredi 9 h–17 h'")
    p.add_argument("--opening", default="", help="e.g. 'mon-fri 09:00-12:00,14:00-17:00'")
    p.add_argument("--address", default="")
    p.set_defaults(func=cmd_partner_add)
    p = with_config(partner.add_parser("list", help="list the partners"))
    p.set_defaults(func=cmd_partner_list)

    adviser = sub.add_parser("adviser", help="advisers who answer kiosk calls").add_subparsers(
        dest="action", required=True
    )
    p = with_config(adviser.add_parser("add", help="create an adviser account and profile"))
    p.add_argument("--email", required=True)
    p.add_argument("--password", help="visible to other local users: prefer --password-stdin")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--name", required=True, help="shown to the caller, e.g. Claire")
    p.add_argument("--partner", required=True, help="the partner's id, e.g. habitat-47")
    p.add_argument("--topics", required=True, help="comma-separated topic ids")
    p.set_defaults(func=cmd_adviser_add)
    p = with_config(adviser.add_parser("list", help="list the advisers"))
    p.set_defaults(func=cmd_adviser_list)

    p = sub.add_parser("demo", help="run hub, broker and a simulated fleet with demo data")
    p.add_argument("--dir", default="var/demo", help="where the demo keeps its state")
    p.add_argument("--kiosks", type=int, default=20)
    p.add_argument("--port", type=int, default=8080, help="HTTP port of the hub")
    p.add_argument("--broker-port", type=int, default=18830, help="port of the managed Mosquitto")
    p.add_argument("--fresh", action="store_true", help="start again from empty state")
    p.add_argument(
        "--no-ui", action="store_true", help="do not open the kiosk UI (opens when DISPLAY is set)"
    )
    p.set_defaults(func=cmd_demo)
    return parser


def _config_db(args: argparse.Namespace) -> str:
    """The database a failed command used, for its one-line error (no password)."""
    try:
        from sqlalchemy.engine import make_url

        url = make_url(_config(getattr(args, "config", None)).db_url)
        return str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string()
    except Exception:
        return "?"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `gaia-hub` and `python -m hub`."""
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from hub.accounts import AccountError
    from hub.files import PRIVATE_UMASK
    from hub.partners import PartnerError

    # Everything the hub writes (database, broker files, secrets) is its own (hub.files).
    os.umask(PRIVATE_UMASK)

    try:
        return int(args.func(args))
    except (ConfigError, AccountError, PartnerError) as exc:
        print(f"gaia-hub: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:  # e.g. a full disk while migrating
        from hub.store.db import describe_db_error

        print(f"gaia-hub: database {_config_db(args)}: {describe_db_error(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a state directory or file that cannot be made or read
        print(
            f"gaia-hub: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
