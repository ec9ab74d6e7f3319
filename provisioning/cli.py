"""`gaia-provision`: files for enrolling kiosks and for a production broker.

- `broker-files --config hub.toml --out DIR [--listen [HOST:]PORT ...]
  [--certfile F --keyfile F]`: Mosquitto `passwd` and `acl` for every
  registered kiosk (user = kiosk id, password = its token), and
  `mosquitto.conf` (its listeners, each with the identity rule, and Gaïa's
  limits), for a broker the hub does not manage itself. The hub's
  identities (one per ingest process) need its password, read from standard
  input.
- `kiosk-config ID --hub-url URL --mqtt-url URL --out kiosk.toml`: the
  kiosk's configuration, its token read from standard input (as printed by
  `gaia-hub kiosk add`), written 0600.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hub.protocol.topics import valid_kiosk_id


def cmd_broker_files(args: argparse.Namespace) -> int:
    """Write passwd and acl for an external Mosquitto."""
    from hub.accounts import kiosk_mqtt_users
    from hub.broker import broker_conf, hub_identities, mosquitto_hash, write_broker_files
    from hub.config import load_config
    from hub.store import connect, migrate

    if bool(args.certfile) != bool(args.keyfile):
        print("gaia-provision: give both --certfile and --keyfile, or neither", file=sys.stderr)
        return 2
    hub_password = sys.stdin.readline().rstrip("\n")
    if len(hub_password) < 12:
        print(
            "gaia-provision: give the hub's broker password (12+ characters) on stdin",
            file=sys.stderr,
        )
        return 2
    config = load_config(args.config)
    engine = connect(config.db_url)
    migrate(engine)
    with engine.connect() as conn:
        users = kiosk_mqtt_users(conn)
    kiosks = len(users)
    hubs = hub_identities(config.mqtt.username, config.ingest.workers)
    users.update(dict.fromkeys(hubs, mosquitto_hash(hub_password)))
    out = Path(args.out).resolve()
    passwd, acl = write_broker_files(out, users, hub_users=hubs)
    tls = [f"certfile {args.certfile}", f"keyfile {args.keyfile}"] if args.certfile else []
    listeners = []
    for spec in args.listen or ["8883" if tls else "1883"]:
        host, _, port = spec.rpartition(":")
        listeners.append("\n".join([f"listener {port} {host}".strip(), *tls]))
    conf = out / "mosquitto.conf"
    conf.write_text(
        "# Gaïa's broker: run `mosquitto -c` on this file. Written by gaia-provision; every\n"
        "# listener needs its `use_username_as_clientid true` (kiosks cannot take over\n"
        "# another session). Outside loopback, listen with TLS (--certfile/--keyfile).\n"
        + "\n".join(broker_conf(passwd, acl, listeners))
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {passwd} ({kiosks} kiosks), {acl} and {conf}", file=sys.stderr)
    if not tls:
        print(
            "gaia-provision: plain MQTT listeners: keep them on loopback or a lab", file=sys.stderr
        )
    return 0


KIOSK_TOML = """\
# Gaïa kiosk {kiosk_id}; written by gaia-provision. Keep it readable by the kiosk user only.
kiosk_id = "{kiosk_id}"
profile = "{profile}"
state_dir = "{state_dir}"

[hub]
url = "{hub_url}"
token = "{token}"

[mqtt]
url = "{mqtt_url}"
{ca_line}

[call]
{call}

[ui]
# Shown by the kiosk's help button: where the town hall's desk is and when it is open.
reception = {reception}
# The commune the kiosk stands in, spelt as in the territory's list: offered first.
commune = {commune}
"""

CALL_MEDIA = {
    # The Pi: its USB or CSI camera, the sound card (Pulse/PipeWire: alsa:pulse).
    "pi": 'engine = "webrtc"\ncamera = "v4l2:/dev/video0"\nmicrophone = "alsa:default"\n'
    'speaker = "alsa:default"',
    # A kiosk without devices: real calls, synthetic picture and tone.
    "sim": 'engine = "webrtc"\ncamera = "synthetic"\nmicrophone = "synthetic"\nspeaker = "null"',
}


def cmd_kiosk_config(args: argparse.Namespace) -> int:
    """Write a kiosk.toml with the kiosk's token."""
    if not valid_kiosk_id(args.kiosk_id):
        print(f"gaia-provision: invalid kiosk id {args.kiosk_id!r}", file=sys.stderr)
        return 2
    token = sys.stdin.readline().strip()
    if not token.startswith("gaia_k_"):
        print(
            "gaia-provision: give the kiosk token from `gaia-hub kiosk add` on stdin",
            file=sys.stderr,
        )
        return 2
    if args.mqtt_url.startswith("mqtt://") and not args.allow_plaintext:
        print(
            "gaia-provision: use mqtts:// outside loopback (or --allow-plaintext for a lab)",
            file=sys.stderr,
        )
        return 2
    text = KIOSK_TOML.format(
        kiosk_id=args.kiosk_id,
        profile=args.profile,
        state_dir=args.state_dir,
        hub_url=args.hub_url,
        token=token,
        mqtt_url=args.mqtt_url,
        ca_line=f'ca_file = "{args.ca_file}"' if args.ca_file else "",
        call=CALL_MEDIA[args.profile],
        reception=json.dumps(" ".join(args.reception.split())[:300], ensure_ascii=False),
        commune=json.dumps(" ".join(args.commune.split())[:80], ensure_ascii=False),
    )
    out = Path(args.out)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="gaia-provision", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("broker-files", help="passwd and acl for a production Mosquitto")
    p.add_argument("--config", required=True, help="the hub's hub.toml")
    p.add_argument("--out", required=True, help="directory for passwd, acl and mosquitto.conf")
    p.add_argument(
        "--listen", action="append", help="[HOST:]PORT of a listener (repeatable; 8883 or 1883)"
    )
    p.add_argument("--certfile", default="", help="TLS certificate of the listeners")
    p.add_argument("--keyfile", default="", help="TLS private key of the listeners")
    p.set_defaults(func=cmd_broker_files)
    p = sub.add_parser("kiosk-config", help="write a kiosk.toml (token on stdin)")
    p.add_argument("kiosk_id")
    p.add_argument("--hub-url", required=True)
    p.add_argument("--mqtt-url", required=True)
    p.add_argument("--ca-file", default="")
    p.add_argument("--profile", choices=["pi", "sim"], default="pi")
    p.add_argument("--state-dir", default="/var/lib/gaia-kiosk")
    p.add_argument("--out", default="kiosk.toml")
    p.add_argument("--allow-plaintext", action="store_true")
    p.add_argument(
        "--reception",
        default="",
        help="where the town hall's desk is and when it is open, e.g. \"Accueil au "
        'rez-de-chaussée, du lundi au vendredi de 9 h à 12 h" (the help button shows it)',
    )
    p.add_argument(
        "--commune",
        default="",
        help="the commune the kiosk stands in, as the territory's list spells it "
        "(the commune screen offers it first)",
    )
    p.set_defaults(func=cmd_kiosk_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `gaia-provision` and `python -m provisioning`."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
