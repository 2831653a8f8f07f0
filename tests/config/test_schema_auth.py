"""config/schema.py: the optional `auth:` section of a remote server."""

from __future__ import annotations

import pydantic
import pytest

from config import Config, ServerConfig, masked


def test_a_remote_server_takes_an_auth_section_with_every_key_optional():
    server = ServerConfig(url="https://x/mcp", auth={})
    assert server.auth is not None
    assert (server.auth.client_id, server.auth.scopes, server.auth.grant) == (
        None,
        None,
        "authorization_code",
    )
    assert ServerConfig(url="https://x/mcp").auth is None


def test_all_auth_keys_are_read():
    server = ServerConfig(
        url="https://x/mcp",
        auth={
            "client_id": "id",
            "client_secret": "secret",
            "scopes": ["a", "b"],
            "grant": "client_credentials",
            "client_metadata_url": "https://app.example/client.json",
            "redirect_port": 8765,
        },
    )
    assert server.auth is not None
    assert server.auth.scopes == ("a", "b") and server.auth.redirect_port == 8765


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ({"client_idd": "x"}, "Extra inputs are not permitted"),
        ({"grant": "client_credentials"}, "needs `client_id`"),
        ({"client_secret": "s"}, "needs the `client_id`"),
        ({"client_metadata_url": "http://app/client.json"}, "https://"),
        ({"redirect_port": 0}, "greater than or equal to 1"),
        ({"grant": "password"}, "authorization_code"),
    ],
)
def test_bad_auth_sections_are_rejected_with_a_reason(auth, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        ServerConfig(url="https://x/mcp", auth=auth)


def test_auth_belongs_to_url_servers_only():
    with pytest.raises(pydantic.ValidationError, match="`auth` applies to `url` servers only"):
        ServerConfig(command="npx", auth={})


def test_a_relative_private_key_file_resolves_against_the_config_directory(tmp_path):
    server = ServerConfig.model_validate(
        {"url": "https://x/mcp", "auth": {"private_key_file": "keys/k.pem"}},
        context={"base_dir": tmp_path},
    )
    assert server.auth is not None and server.auth.private_key_file == tmp_path / "keys/k.pem"


def test_config_show_masks_the_client_secret():
    config = Config(
        servers={
            "r": ServerConfig(url="https://x/mcp", auth={"client_id": "i", "client_secret": "s"})
        }
    )
    auth = masked(config)["servers"]["r"]["auth"]
    assert (auth["client_id"], auth["client_secret"]) == ("i", "***")
