"""Remote commands from ops staff: validate, refuse stale or repeated ones, run, acknowledge.

Every command that can be identified gets exactly one `Ack` from this run of
the agent: `ok`, `failed` (with a short reason), `rejected` (invalid),
`expired`, `duplicate` (already executed once, even before a restart: the
outbox remembers command ids) or `ui-unavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shlex
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable

from hub.protocol import Ack, AckResult, Channel, Command, CommandName, ProtocolError, decode
from kiosk.agent.ratelimit import RateLimitedLog
from kiosk.config import AgentConfig, ConfigError
from kiosk.outbox import Outbox, OutboxError
from kiosk.uilink import UiPort, UiRequestFailed, UiUnavailable

AckSender = Callable[[Ack], Awaitable[None]]
"""Publishes an ack (QoS 1) and returns once it is handed over (or confirmed)."""

_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def _salvage_id(payload: bytes) -> str | None:
    """The `id` of an invalid command when it has a usable one, so it can be refused by name."""
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        raw = json.loads(payload)
        command_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(command_id, str) and _MESSAGE_ID.match(command_id):
            return command_id
    return None


class CommandRunner:
    """Handles the payloads arriving on the kiosk's commands topic, one at a time.

    `profile` "pi" runs the configured shell commands for restart-ui and
    reboot; "sim" only logs them. `reload()` re-reads kiosk.toml and returns
    a short note, or raises ConfigError.
    """

    def __init__(
        self,
        *,
        profile: str,
        settings: Callable[[], AgentConfig],
        outbox: Outbox,
        ui: UiPort,
        reload: Callable[[], str | None],
        send_ack: AckSender,
        log: logging.Logger | None = None,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.outbox = outbox
        self.ui = ui
        self.reload = reload
        self.send_ack = send_ack
        self.log = log or logging.getLogger(__name__)
        self.warn = RateLimitedLog(self.log)
        self.invalid = 0
        self.results: Counter[str] = Counter()
        self.executed: Counter[str] = Counter()

    async def _ack(self, command_id: str, result: AckResult, detail: str | None = None) -> Ack:
        ack = Ack(command_id=command_id, result=result, detail=detail[:200] if detail else None)
        self.results[result.value] += 1
        await self.send_ack(ack)
        return ack

    async def handle(self, payload: bytes) -> Ack | None:
        """Validate and run one command payload; returns the ack sent (None if unidentifiable)."""
        try:
            command: Command = decode(Channel.COMMANDS, payload)
        except ProtocolError as exc:
            self.invalid += 1
            self.warn.warning(
                "invalid", "refused an invalid command (%s); %d so far", exc.reason, self.invalid
            )
            command_id = _salvage_id(payload)
            return (
                await self._ack(command_id, AckResult.REJECTED, exc.reason) if command_id else None
            )
        if command.expired():
            self.log.info("command %s %s expired; not run", command.name, command.id)
            return await self._ack(command.id, AckResult.EXPIRED)
        try:
            first = self.outbox.mark_command_seen(command.id, command.expires.timestamp())
        except OutboxError as exc:
            # Without the record we could run a reboot twice: refuse rather than guess.
            self.warn.error("seen", "cannot record command ids: %s", exc)
            return await self._ack(command.id, AckResult.FAILED, "state-unavailable")
        if not first:
            self.log.info("command %s %s already executed; not run again", command.name, command.id)
            return await self._ack(command.id, AckResult.DUPLICATE)
        self.log.info("running command %s %s", command.name, command.id)
        self.executed[command.name.value] += 1
        if command.name is CommandName.REBOOT:
            # Acknowledge first: after the reboot command nothing more gets out.
            ack = await self._ack(command.id, AckResult.OK, "rebooting")
            result, detail = await self._shell(self.settings().reboot_command)
            if result is not AckResult.OK:
                self.log.error("reboot command failed: %s", detail)
            return ack
        result, detail = await self._execute(command)
        return await self._ack(command.id, result, detail)

    async def _execute(self, command: Command) -> tuple[AckResult, str | None]:
        match command.name:
            case CommandName.RESTART_UI:
                return await self._shell(self.settings().restart_ui_command)
            case CommandName.RELOAD_CONFIG:
                try:
                    return AckResult.OK, self.reload()
                except ConfigError as exc:
                    self.log.warning("reload-config failed: %s", exc)
                    return AckResult.FAILED, str(exc)
            case CommandName.PRINT_TEST:
                return await self._ui_call(self.ui.print_test())
            case CommandName.SHOW_MESSAGE:
                text = command.args.get("text", "").strip()
                if not text:
                    return AckResult.REJECTED, "missing text"
                return await self._ui_call(self.ui.show_message(text))
        return AckResult.REJECTED, "unknown command"  # pragma: no cover - enum is exhaustive

    async def _ui_call(self, call: Awaitable[None]) -> tuple[AckResult, str | None]:
        try:
            await call
        except UiUnavailable:
            return AckResult.UI_UNAVAILABLE, None
        except UiRequestFailed as exc:
            return AckResult.FAILED, exc.code
        except Exception:
            self.log.exception("UI call failed")
            return AckResult.FAILED, "internal-error"
        return AckResult.OK, None

    async def _shell(self, command_line: str) -> tuple[AckResult, str | None]:
        """Run a configured command (pi profile) or only log it (sim profile)."""
        if self.profile != "pi":
            self.log.info("sim profile: would run %r", command_line)
            return AckResult.OK, "simulated"
        argv = shlex.split(command_line)
        if not argv:
            return AckResult.FAILED, "no command configured"
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            return AckResult.FAILED, f"cannot run {argv[0]}: {exc.strerror or exc}"
        try:
            code = await asyncio.wait_for(process.wait(), self.settings().command_timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            return AckResult.FAILED, "timeout"
        return (AckResult.OK, None) if code == 0 else (AckResult.FAILED, f"exit status {code}")
