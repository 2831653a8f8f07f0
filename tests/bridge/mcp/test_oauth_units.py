"""The OAuth client's pure parts: challenges, discovery URLs, PKCE, scopes, store, JWTs."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bridge.mcp.oauth.assertion import client_assertion
from bridge.mcp.oauth.challenge import parse_challenge
from bridge.mcp.oauth.discovery import auth_server_metadata_urls, resource_metadata_urls
from bridge.mcp.oauth.metadata import AuthServer, canonical_resource, resource_allowed
from bridge.mcp.oauth.pkce import Pkce, new_state
from bridge.mcp.oauth.scopes import select_scopes, union
from bridge.mcp.oauth.store import ClientInfo, StoredTokens, TokenStore
from bridge.mcp.oauth.tokens import choose_auth_method

# -- WWW-Authenticate ----------------------------------------------------------------


def test_a_bearer_challenge_yields_scope_error_and_metadata_url():
    challenge = parse_challenge(
        [
            'Bearer error="insufficient_scope", scope="mcp:read mcp:write", '
            'resource_metadata="https://api.example/.well-known/oauth-protected-resource/mcp"'
        ]
    )
    assert challenge is not None
    assert challenge.insufficient_scope
    assert challenge.scopes == ("mcp:read", "mcp:write")
    assert challenge.resource_metadata == (
        "https://api.example/.well-known/oauth-protected-resource/mcp"
    )


def test_the_bearer_challenge_is_found_among_other_schemes_and_escapes_are_undone():
    challenge = parse_challenge(['Basic realm="x", Bearer realm="a \\"b\\"", scope=files'])
    assert challenge is not None
    assert challenge.scopes == ("files",)
    assert challenge.error is None


def test_a_header_without_bearer_is_no_challenge():
    assert parse_challenge(['Basic realm="x"']) is None
    assert parse_challenge([]) is None
    assert parse_challenge(["Bearer"]) == parse_challenge(['Bearer realm="r"'])


# -- discovery URLs ------------------------------------------------------------------


def test_resource_metadata_is_sought_at_the_challenge_url_then_path_then_root():
    challenge = parse_challenge(['Bearer resource_metadata="https://h/custom.json"'])
    assert resource_metadata_urls("https://H/api/mcp/", challenge) == [
        "https://h/custom.json",
        "https://h/.well-known/oauth-protected-resource/api/mcp",
        "https://h/.well-known/oauth-protected-resource",
    ]


def test_a_server_at_the_root_has_one_well_known_resource_metadata_url():
    assert resource_metadata_urls("https://h:8443", None) == [
        "https://h:8443/.well-known/oauth-protected-resource"
    ]


def test_an_issuer_without_a_path_uses_the_root_metadata_locations():
    assert auth_server_metadata_urls("https://auth.example") == [
        "https://auth.example/.well-known/oauth-authorization-server",
        "https://auth.example/.well-known/openid-configuration",
    ]


def test_an_issuer_with_a_path_inserts_well_known_and_never_tries_the_root():
    urls = auth_server_metadata_urls("https://auth.example/tenant1/")
    assert urls == [
        "https://auth.example/.well-known/oauth-authorization-server/tenant1",
        "https://auth.example/.well-known/openid-configuration/tenant1",
        "https://auth.example/tenant1/.well-known/openid-configuration",
    ]


def test_the_legacy_fallback_endpoints_sit_on_the_origin():
    server = AuthServer.defaults("https://mcp.example")
    assert (server.authorization_endpoint, server.token_endpoint, server.registration_endpoint) == (
        "https://mcp.example/authorize",
        "https://mcp.example/token",
        "https://mcp.example/register",
    )


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        ("https://h/mcp", True),
        ("https://h", True),
        ("https://h/", True),
        ("HTTPS://H/mcp", True),
        ("https://h/mc", False),
        ("https://h/mcp/other", False),
        ("https://evil.example/mcp", False),
        ("http://h/mcp", False),
    ],
)
def test_a_resource_must_be_the_server_or_a_path_prefix_of_it(resource: str, allowed: bool):
    assert resource_allowed(resource, "https://h/mcp") is allowed


def test_the_canonical_resource_lowercases_scheme_and_host_and_drops_the_fragment():
    assert canonical_resource("HTTPS://Api.Example/MCP#x") == "https://api.example/MCP"


# -- PKCE and state ------------------------------------------------------------------


def test_the_pkce_challenge_is_the_unpadded_s256_of_the_verifier():
    pkce = Pkce()
    assert 43 <= len(pkce.verifier) <= 128
    digest = hashlib.sha256(pkce.verifier.encode()).digest()
    assert pkce.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pkce.method == "S256"


def test_rfc_7636_appendix_b_example_gives_its_challenge():
    pkce = Pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_and_states_are_fresh_each_time():
    assert Pkce().verifier != Pkce().verifier
    assert new_state() != new_state()


# -- scopes --------------------------------------------------------------------------


def test_scopes_come_from_the_challenge_first():
    assert select_scopes(
        configured=None,
        challenged=("a",),
        resource_supported=("a", "b"),
        server_supported=None,
    ) == ("a",)


def test_scopes_fall_back_to_the_resources_scopes_supported_then_to_none():
    common = {"configured": None, "challenged": (), "server_supported": None}
    assert select_scopes(resource_supported=("a", "b"), **common) == ("a", "b")
    assert select_scopes(resource_supported=None, **common) == ()


def test_configured_scopes_win_over_everything():
    assert select_scopes(
        configured=("x",), challenged=("a",), resource_supported=("b",), server_supported=None
    ) == ("x",)


def test_offline_access_is_added_only_when_the_server_lists_it_and_scopes_are_asked():
    listed = ("a", "offline_access")
    assert select_scopes(
        configured=None, challenged=("a",), resource_supported=None, server_supported=listed
    ) == ("a", "offline_access")
    assert select_scopes(
        configured=None, challenged=("a",), resource_supported=None, server_supported=("a",)
    ) == ("a",)
    assert (
        select_scopes(
            configured=None, challenged=(), resource_supported=None, server_supported=listed
        )
        == ()
    )


def test_step_up_asks_for_the_union_in_first_seen_order():
    assert union(("a", "b"), ("b", "c")) == ("a", "b", "c")


# -- token endpoint authentication ---------------------------------------------------


@pytest.mark.parametrize(
    ("supported", "secret", "key", "method"),
    [
        (["client_secret_basic", "client_secret_post"], True, False, "client_secret_basic"),
        (["client_secret_post"], True, False, "client_secret_post"),
        (["none"], False, False, "none"),
        (None, True, False, "client_secret_basic"),
        (["private_key_jwt"], False, True, "private_key_jwt"),
        (["client_secret_basic"], False, False, "none"),
    ],
)
def test_the_token_endpoint_method_follows_what_the_server_supports(
    supported: list[str] | None, secret: bool, key: bool, method: str
):
    assert choose_auth_method(supported, has_secret=secret, has_key=key) == method


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    ],
)
def test_client_assertions_verify_with_the_public_key(key: object, alg: str):
    pem = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    token = client_assertion("client-1", "https://auth.example", pem)
    claims = jwt.decode(
        token,
        key.public_key(),  # type: ignore[attr-defined]
        algorithms=[alg],
        audience="https://auth.example",
    )
    assert claims["iss"] == claims["sub"] == "client-1"
    assert claims["exp"] - claims["iat"] == 300


# -- the store -----------------------------------------------------------------------


def tokens(server_url: str = "https://h/mcp", issuer: str = "https://auth") -> StoredTokens:
    return StoredTokens(
        server_url=server_url,
        issuer=issuer,
        resource=server_url,
        token_endpoint=f"{issuer}/token",
        client=ClientInfo("client-1", "s3cret", "client_secret_basic"),
        access_token="access-XYZ",
        refresh_token="refresh-XYZ",
        expires_at=123.0,
        scopes=("a", "b"),
    )


def test_the_token_file_is_readable_only_by_the_user(tmp_path):
    path = tmp_path / "agent" / "oauth" / "tokens.json"
    TokenStore(path).save_tokens(tokens())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tokens-")]


def test_tokens_survive_a_new_store_and_logout_removes_them(tmp_path):
    path = tmp_path / "tokens.json"
    TokenStore(path).save_tokens(tokens())
    again = TokenStore(path)
    assert again.tokens_for("https://h/mcp") == tokens()
    assert again.forget("https://h/mcp") == 1
    assert TokenStore(path).tokens_for("https://h/mcp") is None


def test_tokens_are_kept_per_issuer_and_resource_and_the_latest_one_is_used(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    store.save_tokens(tokens(issuer="https://one"))
    store.save_tokens(tokens(issuer="https://two"))
    store.save_tokens(tokens(server_url="https://other/mcp"))
    data = json.loads((tmp_path / "tokens.json").read_text())
    assert len(data["tokens"]) == 3
    newest = store.tokens_for("https://h/mcp")
    assert newest is not None and newest.issuer == "https://two"  # the latest for this URL


def test_client_registrations_are_cached_per_issuer_and_redirect(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    client = ClientInfo("c", None, "none", "http://127.0.0.1:4321/callback")
    store.save_client("https://auth", client)
    again = TokenStore(tmp_path / "tokens.json")
    assert again.client_for("https://auth", "http://127.0.0.1:4321/callback") == client
    assert again.client_for("https://auth", "http://127.0.0.1:9/callback") is None
    assert again.registered_redirect("https://auth") == "http://127.0.0.1:4321/callback"


def test_a_damaged_token_file_reads_as_empty(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    assert TokenStore(path).tokens_for("https://h/mcp") is None


def test_tokens_never_show_in_their_repr():
    text = repr(tokens())
    assert "access-XYZ" not in text and "refresh-XYZ" not in text and "s3cret" not in text
