"""Which transport a configured server gets, and the settings it carries."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from bridge.mcp import StdioTransport
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.legacy_sse import LegacySSETransport
from bridge.transports import make_transport
from config.schema import ServerConfig


def test_each_kind_gets_its_transport():
    assert isinstance(make_transport("s", ServerConfig(command=sys.executable)), StdioTransport)
    http = make_transport("h", ServerConfig(url="https://example.test/mcp", transport="http"))
    assert isinstance(http, StreamableHTTPTransport) and not http.legacy_fallback
    auto = make_transport("a", ServerConfig(url="https://example.test/mcp"))
    assert isinstance(auto, StreamableHTTPTransport) and auto.legacy_fallback
    sse = make_transport("e", ServerConfig(url="https://example.test/sse", transport="sse"))
    assert isinstance(sse, LegacySSETransport)


def test_tls_is_verified_unless_the_server_says_otherwise():
    checked = make_transport("h", ServerConfig(url="https://example.test/mcp"))
    assert isinstance(checked, StreamableHTTPTransport)
    assert checked.verify is True and checked.auth is not None and checked.auth.verify is True
    unchecked = make_transport(
        "h", ServerConfig(url="https://self-signed.test/mcp", tls_verify=False)
    )
    assert isinstance(unchecked, StreamableHTTPTransport)
    assert unchecked.verify is False and unchecked.auth.verify is False


def test_tls_verify_is_only_for_url_servers():
    with pytest.raises(ValidationError, match="`tls_verify` applies to `url` servers only"):
        ServerConfig(command="x", tls_verify=False)


def test_a_static_authorization_header_turns_oauth_off():
    config = ServerConfig(url="https://example.test/mcp", headers={"Authorization": "Bearer t"})
    transport = make_transport("h", config)
    assert isinstance(transport, StreamableHTTPTransport)
    assert transport.auth is None
    assert transport.headers == {"Authorization": "Bearer t"}


@pytest.mark.parametrize(
    ("name", "content"),
    [("latin1.pem", "clé".encode("latin-1")), ("huge.pem", b"A" * (65 * 1024))],
)
def test_a_private_key_file_that_is_not_a_small_pem_text_is_a_clear_error(tmp_path, name, content):
    from bridge.errors import AuthorizationError
    from bridge.transports import oauth_settings
    from config.schema import OAuthConfig

    (tmp_path / name).write_bytes(content)
    auth = OAuthConfig.model_validate({"private_key_file": name}, context={"base_dir": tmp_path})
    with pytest.raises(AuthorizationError, match="is not a PEM key"):
        oauth_settings(auth)


def test_a_private_key_file_that_never_ends_is_refused_after_the_cap():
    from bridge.errors import AuthorizationError
    from bridge.transports import oauth_settings
    from config.schema import OAuthConfig

    auth = OAuthConfig(private_key_file="/dev/zero")
    with pytest.raises(AuthorizationError, match="/dev/zero is not a PEM key"):
        oauth_settings(auth)
