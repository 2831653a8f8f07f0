"""The stdio transport: a server process spoken to in newline-delimited JSON.

The process runs in its own process group with a small safe environment plus what the
config declares; stderr is drained into a bounded buffer and the log; closing escalates
from EOF on stdin to SIGTERM to SIGKILL on the whole group and every descendant (a
``setsid`` grandchild leaves the group), and always reaps the child.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import shutil
import signal
from collections.abc import Mapping, Sequence

from bridge.errors import ConnectionClosedError, ProtocolError, ServerStartError
from bridge.mcp import reaper
from bridge.mcp.transport import Message, TransportFailure

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

__all__ = ["SAFE_ENV_KEYS", "StdioTransport", "safe_environment"]

log = logging.getLogger(__name__)
stderr_log = logging.getLogger("bridge.mcp.stderr")

MiB = 1024 * 1024

# Enough for a server to find its interpreter, home, locale and temp dir; not our secrets.
SAFE_ENV_KEYS = (
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LOGNAME",
    "PATH",
    "SHELL",
    "SYSTEMROOT",
    "TEMP",
    "TERM",
    "TMP",
    "TMPDIR",
    "TZ",
    "USER",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_RUNTIME_DIR",
)


def safe_environment(declared: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's safe variables with the declared ones on top."""
    env = {key: os.environ[key] for key in SAFE_ENV_KEYS if key in os.environ}
    env.update(declared or {})
    return env


class StdioTransport:
    """Spawns ``command args`` (never through a shell) and exchanges JSON lines with it."""

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        name: str = "server",
        max_message_bytes: int = 32 * MiB,
        stderr_lines: int = 200,
        close_grace: float = 2.0,
    ) -> None:
        self.name = name
        self.command = command
        self.args = list(args)
        self.env = safe_environment(env)
        self.cwd = cwd
        self.max_message_bytes = max_message_bytes
        self.close_grace = close_grace
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=stderr_lines)
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self.skipped_lines = 0  # non-JSON lines on stdout (banners): warned about once

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    async def start(self) -> None:
        executable = self._executable()
        try:
            self._proc = await asyncio.create_subprocess_exec(
                executable,
                *self.args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self.env,
                cwd=self.cwd,
                limit=self.max_message_bytes,
                start_new_session=True,
            )
        except OSError as exc:
            raise ServerStartError(
                f"server {self.name!r}: could not start {self.command!r}: {exc.strerror or exc}"
            ) from exc
        self._stderr_task = asyncio.get_running_loop().create_task(
            self._drain_stderr(), name=f"mcp-stderr:{self.name}"
        )

    async def send(self, message: Message) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            raise ConnectionClosedError(f"server {self.name!r} is not running{self.describe_end()}")
        data = _encode(message).encode() + b"\n"
        try:
            proc.stdin.write(data)
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionClosedError(
                f"server {self.name!r} stopped reading its input{self.describe_end()}"
            ) from exc

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None, "start() first"
        while True:
            try:
                line = await proc.stdout.readline()
            except ValueError as exc:  # asyncio's "chunk exceeds the limit"
                raise ProtocolError(
                    f"server {self.name!r} sent a message larger than "
                    f"{self.max_message_bytes // MiB} MiB; the connection was closed"
                ) from exc
            if not line:
                await self._settle()
                return None
            try:
                message = json.loads(line)
            except UnicodeDecodeError as exc:
                raise ProtocolError(
                    f"server {self.name!r} wrote bytes that are not UTF-8 on stdout; "
                    "the connection was closed"
                ) from exc
            except RecursionError:
                # Skipping it could leave a call waiting for the answer it held.
                raise ProtocolError(
                    f"server {self.name!r} sent a message nested too deeply to decode; "
                    "the connection was closed"
                ) from None
            except ValueError:
                if line.strip():
                    self._skipped(line)
                continue
            if isinstance(message, dict | list):
                return message
            log.warning("server %r wrote JSON that is not a message (skipped)", self.name)

    def describe_end(self) -> str:
        parts = []
        code = self.returncode
        if code is not None:
            if code < 0:
                with contextlib.suppress(ValueError):
                    parts.append(f"killed by {signal.Signals(-code).name}")
            else:
                parts.append(f"exit code {code}")
        if self.stderr_tail:
            tail = "\n".join(list(self.stderr_tail)[-10:])
            parts.append(f"stderr:\n{tail}")
        return f" ({'; '.join(parts)})" if parts else ""

    async def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        # Taken while the server lives: once it exits, its children's parent chain is cut.
        family = reaper.descendants(proc.pid) if proc.returncode is None else []
        try:
            if proc.returncode is None and not await self._wait(proc, self.close_grace):
                self._signal_group(proc, signal.SIGTERM)
                if not await self._wait(proc, self.close_grace):
                    self._signal_group(proc, signal.SIGKILL)
                    await proc.wait()
        finally:
            # The leader is gone (or we were cancelled); anything it started is a leak.
            self._signal_group(proc, signal.SIGKILL)
            family += reaper.descendants(proc.pid)
            reaper.kill_now(family)
        # SIGKILL is delivered, not done: once close returns, none of them runs any more.
        await asyncio.to_thread(reaper.wait_ended, family, 2.0)
        await self._settle()
        if self._stderr_task is not None and not self._stderr_task.done():
            self._stderr_task.cancel()
            await asyncio.gather(self._stderr_task, return_exceptions=True)
        # A grandchild holding our pipes keeps asyncio's transport open, and its __del__
        # then runs after the loop is closed ("Event loop is closed"): close it now.
        transport = getattr(proc, "_transport", None)
        if transport is not None:
            transport.close()
        if self.skipped_lines > 1:
            log.info("server %r: %d non-JSON lines skipped", self.name, self.skipped_lines)

    # -- internals ---------------------------------------------------------------------

    def _executable(self) -> str:
        """The program to run, or a ServerStartError saying why there is none."""
        if os.path.dirname(self.command):  # a path: no PATH search, so say what is wrong
            path = os.path.join(self.cwd or "", self.command)
            if not os.path.exists(path):
                raise ServerStartError(
                    f"server {self.name!r}: command {self.command!r}: no such file; "
                    "check the path in the config"
                )
            if os.path.isdir(path) or not os.access(path, os.X_OK):
                raise ServerStartError(
                    f"server {self.name!r}: command {self.command!r} is not an executable "
                    "file; check the path or its permissions (chmod +x)"
                )
            return self.command
        executable = shutil.which(self.command, path=self.env.get("PATH"))
        if executable is None:
            raise ServerStartError(
                f"server {self.name!r}: command {self.command!r} was not found on PATH; "
                "install it or give its full path in the config"
            )
        return executable

    def _skipped(self, line: bytes) -> None:
        # A banner repeats on every start: warn once, count the rest (shown at debug level).
        self.skipped_lines += 1
        if self.skipped_lines == 1:
            log.warning(
                "server %r wrote a line that is not JSON on stdout (skipped; further ones "
                "are counted, -vv shows them): %.200r",
                self.name,
                line,
            )
        else:
            log.debug(
                "server %r: non-JSON line %d skipped: %.200r", self.name, self.skipped_lines, line
            )

    async def _settle(self) -> None:
        """After stdout ends: let the process exit and stderr finish, both bounded."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            await self._wait(proc, 1.0)
        if self._stderr_task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._stderr_task), 1.0)

    @staticmethod
    async def _wait(proc: asyncio.subprocess.Process, seconds: float) -> bool:
        try:
            await asyncio.wait_for(proc.wait(), seconds)
        except TimeoutError:
            return False
        return True

    @staticmethod
    def _signal_group(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    async def _drain_stderr(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        stream = proc.stderr
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # a line longer than the limit: take what is buffered
                raw = await stream.read(64 * 1024)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip()[:2000]
            if line:
                self.stderr_tail.append(line)
                stderr_log.debug("[%s] %s", self.name, line)
