"""``agent auth``: status, logout and login, run as a person runs them (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bridge.mcp.oauth import ClientInfo, StoredTokens, TokenStore


def agent(*args: str, cwd: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(data), "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def fleet(tmp_path: Path) -> Path:
    (tmp_path / "agent.yaml").write_text(
        "servers:\n  remote: {url: 'https://mcp.example/mcp'}\n  local: {command: 'true'}\n"
    )
    return tmp_path / "data"


def test_status_shows_issuer_scopes_and_expiry_but_never_the_token(tmp_path):
    data = fleet(tmp_path)
    TokenStore(data / "agent" / "oauth" / "tokens.json").save_tokens(
        StoredTokens(
            server_url="https://mcp.example/mcp",
            issuer="https://auth.example",
            resource="https://mcp.example/mcp",
            token_endpoint="https://auth.example/token",
            client=ClientInfo("client-1", "secret-1", "client_secret_basic"),
            access_token="access-SECRET",
            refresh_token="refresh-SECRET",
            expires_at=4_000_000_000.0,
            scopes=("mcp:tools",),
        )
    )
    done = agent("auth", "status", cwd=tmp_path, data=data)
    assert done.returncode == 0, done.stderr
    assert "issuer:   https://auth.example" in done.stdout
    assert "scopes:   mcp:tools" in done.stdout
    assert "2096-" in done.stdout
    assert "SECRET" not in done.stdout + done.stderr

    done = agent("auth", "logout", "remote", cwd=tmp_path, data=data)
    assert done.stdout == "remote: logged out\n"
    done = agent("auth", "status", "remote", cwd=tmp_path, data=data)
    assert done.stdout == "remote: not logged in\n"


def test_stdio_and_unknown_servers_are_usage_errors(tmp_path):
    data = fleet(tmp_path)
    done = agent("auth", "login", "local", cwd=tmp_path, data=data)
    assert done.returncode == 2 and "only `url` servers use OAuth" in done.stderr
    done = agent("auth", "logout", "nope", cwd=tmp_path, data=data)
    assert done.returncode == 2 and "remote servers: remote" in done.stderr


async def test_login_prints_the_url_and_completes_when_the_browser_comes_back(tmp_path):
    import asyncio
    import re

    import httpx

    servers = Path(__file__).parents[1] / "servers"
    oauth = await asyncio.create_subprocess_exec(
        sys.executable,
        str(servers / "oauth_server.py"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    login = None
    try:
        async with asyncio.timeout(60):
            assert oauth.stdout is not None
            port = int(await oauth.stdout.readline())
            (tmp_path / "agent.yaml").write_text(
                f"servers:\n  remote: {{url: 'http://127.0.0.1:{port}/mcp'}}\n"
            )
            env = {"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data")}
            login = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "agent", "auth", "login", "remote", "--no-browser",
                cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert login.stderr is not None
            url = None
            while url is None:
                line = (await login.stderr.readline()).decode()
                assert line, "agent auth login ended without printing a URL"
                found = re.search(r"(http://127\.0\.0\.1:\d+/authorize\?\S+)", line)
                url = found.group(1) if found else None
            async with httpx.AsyncClient(follow_redirects=True) as browser:
                page = await browser.get(url)  # approves, then lands on the loopback redirect
            assert "Authorization complete" in page.text
            out, _ = await login.communicate()
        assert login.returncode == 0
        assert "remote: logged in" in out.decode() and "scopes:   mcp:tools" in out.decode()
    finally:
        for proc in (login, oauth):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()


def test_status_neutralises_escape_sequences_the_authorization_server_sent(tmp_path):
    data = fleet(tmp_path)
    TokenStore(data / "agent" / "oauth" / "tokens.json").save_tokens(
        StoredTokens(
            server_url="https://mcp.example/mcp",
            issuer="https://auth.example/\x1b[2J\x1b]52;c;cHduZWQ=\x07",
            resource="https://mcp.example/mcp",
            token_endpoint="https://auth.example/token",
            client=ClientInfo("client-\x9b31m", None, "none"),
            access_token="access-token",
            refresh_token=None,
            expires_at=None,
            scopes=("mcp:\x1b[5mtools",),
        )
    )

    done = agent("auth", "status", cwd=tmp_path, data=data)

    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x9b" not in done.stdout and "\x07" not in done.stdout
    assert "issuer:   https://auth.example/" in done.stdout
