"""One TLS context, built once and shared by every server connection, still verifying."""

from __future__ import annotations

import ssl

from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.tls import verify_setting


def test_every_connection_shares_one_verifying_context():
    first, second = verify_setting(True), verify_setting(True)
    assert isinstance(first, ssl.SSLContext) and first is second
    assert first.verify_mode is ssl.CERT_REQUIRED and first.check_hostname
    assert verify_setting(False) is False


async def test_two_transports_are_given_the_same_context():
    transports = [StreamableHTTPTransport(f"http://127.0.0.1:1/{n}", name=str(n)) for n in (1, 2)]
    try:
        for transport in transports:
            await transport.start()
        pools = [t._client._transport._pool for t in transports]  # type: ignore[union-attr]
        contexts = [pool._ssl_context for pool in pools]
    finally:
        for transport in transports:
            await transport.close()
    assert contexts[0] is contexts[1] is verify_setting(True)
