"""The gateway's names for URIs two servers share: reversible for any server name and URI."""

from __future__ import annotations

import pytest

from bridge.gateway_resources import fleet_uri, split_fleet_uri


@pytest.mark.parametrize(
    ("server", "uri"),
    [
        ("notes", "notes://today"),
        ("a/b c", "file:///tmp/x y"),
        ("peer", "mcp-fleet://other/notes://today"),  # the form nests
        ("ünï", "notes://day/{day}"),
    ],
)
def test_a_fleet_uri_splits_back_into_its_server_and_uri(server, uri):
    shown = fleet_uri(server, uri)
    assert shown.startswith("mcp-fleet://")
    assert split_fleet_uri(shown) == (server, uri)


@pytest.mark.parametrize(
    "uri",
    [
        "notes://today",
        "mcp-fleet://",
        "mcp-fleet://server",
        "mcp-fleet://server/",
        "mcp-fleet:///x",
    ],
)
def test_a_uri_not_in_the_fleet_form_does_not_split(uri):
    assert split_fleet_uri(uri) is None
