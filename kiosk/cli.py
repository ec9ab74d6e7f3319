"""`gaia-kiosk`: the kiosk's command line (also `python -m kiosk`).

Subcommands: `ui` (the touch interface), `agent` (the fleet agent of one
kiosk) and `simulate` (a simulated fleet). Each imports its machinery only
when chosen. A bad configuration exits with status 2 and a one-line message.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.config import ConfigError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str) -> None:
    """Log to stderr (journald adds its own timestamps on a kiosk; harmless twice)."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)


def cmd_agent(args: argparse.Namespace) -> int:
    """Run the agent of this kiosk until SIGTERM / SIGINT."""
    from kiosk.agent import run_agent

    return run_agent(args.config)


def cmd_ui(args: argparse.Namespace) -> int:
    """Run the touch interface of this kiosk until SIGTERM / SIGINT."""
    from kiosk.ui.main import run_ui

    return run_ui(args.config)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run a simulated fleet against a broker."""
    from kiosk.simulate import SimOptions, run_simulation

    options = SimOptions(
        fleet=Path(args.fleet),
        count=args.count,
        duration_s=args.duration,
        summary=Path(args.summary) if args.summary else None,
        health_interval_s=args.health_interval,
        sessions_per_hour=args.sessions_per_hour,
        state_dir=Path(args.state_dir),
        seed=args.seed,
        backfill_days=args.backfill_days,
        faults=_faults(args.fault) if args.fault is not None else None,
    )
    return run_simulation(options)


def _faults(values: list[str]) -> dict[str, str]:
    """`--fault k-agen=paper-out` (repeatable; `--fault none` for a healthy fleet)."""
    from kiosk.simulate import FAULTS

    faults: dict[str, str] = {}
    for value in values:
        if value == "none":
            continue
        kiosk_id, _, fault = value.partition("=")
        if fault not in FAULTS:
            raise ConfigError(f"--fault {value}: one of {', '.join(FAULTS)}")
        faults[kiosk_id] = fault
    return faults


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The command line; later issues add `selftest` and `print-test` here."""
    parser = argparse.ArgumentParser(prog="gaia-kiosk", description="Gaïa kiosk")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("agent", help="report health, ship the outbox, take remote commands")
    p.add_argument("--config", default="kiosk.toml", help="kiosk.toml (default: ./kiosk.toml)")
    p.set_defaults(func=cmd_agent)

    p = sub.add_parser("ui", help="the touch interface (full screen, locked down)")
    p.add_argument("--config", default="kiosk.toml", help="kiosk.toml (default: ./kiosk.toml)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("simulate", help="run a simulated fleet of kiosks against a broker")
    p.add_argument("--fleet", required=True, help="FLEET.json written by the hub's demo")
    p.add_argument("--count", type=int, help="simulate only the first N kiosks")
    p.add_argument("--duration", type=_positive, help="seconds to run (default: until Ctrl-C)")
    p.add_argument("--summary", help="write a JSON summary here on exit")
    p.add_argument(
        "--health-interval", type=_positive, default=30.0, metavar="S", help="seconds (30)"
    )
    p.add_argument("--sessions-per-hour", type=float, default=6.0, metavar="X", help="per kiosk")
    p.add_argument("--state-dir", default="var/sim", help="outboxes live here (default: var/sim)")
    p.add_argument("--seed", type=int, help="random seed, for a repeatable fleet")
    p.add_argument(
        "--fault",
        action="append",
        metavar="KIOSK=FAULT",
        help="give a kiosk a fault (repeatable); default: about one kiosk in four at random",
    )
    p.add_argument(
        "--backfill-days",
        type=int,
        default=0,
        metavar="D",
        help="first send D days of past usage (and up to 7 days of health) with past times",
    )
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `gaia-kiosk` and `python -m kiosk`."""
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    from kiosk.outbox import OutboxError

    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"gaia-kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    except OutboxError as exc:
        print(f"gaia-kiosk: outbox: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
