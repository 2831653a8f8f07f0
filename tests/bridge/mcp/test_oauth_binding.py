"""The OAuth additions of 2026-07-28 and its extensions, part by part: RFC 9207 ``iss``,
DPoP proofs (RFC 9449) and their nonces, and the workload identity token source."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import jwt
import pydantic
import pytest

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.challenge import parse_challenge
from bridge.mcp.oauth.dpop import DpopKey, nonce_wanted, supports_dpop
from bridge.mcp.oauth.grants import check_issuer
from bridge.mcp.oauth.metadata import AuthServer
from bridge.mcp.oauth.store import ClientInfo, StoredTokens, TokenStore
from bridge.mcp.oauth.workload import file_assertion
from config.schema import OAuthConfig

ISSUER = "https://as.example"


def server(**metadata: object) -> AuthServer:
    found = AuthServer.from_metadata(
        {"issuer": ISSUER, "token_endpoint": f"{ISSUER}/token", **metadata},
        fallback_issuer=ISSUER,
    )
    assert found is not None
    return found


# -- RFC 9207 ----------------------------------------------------------------------


def test_an_iss_that_matches_the_issuer_exactly_is_accepted_with_or_without_the_promise():
    check_issuer(server(authorization_response_iss_parameter_supported=True), ISSUER)
    check_issuer(server(), ISSUER)
    check_issuer(server(), None)  # no promise, no iss: nothing to compare


@pytest.mark.parametrize("iss", ["https://evil.example", f"{ISSUER}/", "HTTPS://as.example"])
def test_an_iss_that_differs_in_any_character_is_refused(iss):
    with pytest.raises(AuthorizationError, match="mix-up"):
        check_issuer(server(), iss)


def test_a_missing_iss_is_refused_when_the_server_promised_one():
    with pytest.raises(AuthorizationError, match="promises an 'iss'"):
        check_issuer(server(authorization_response_iss_parameter_supported=True), None)


# -- DPoP --------------------------------------------------------------------------


def test_a_proof_is_signed_by_the_key_it_carries_and_names_method_url_and_token():
    key = DpopKey()
    proof = key.proof("post", "https://mcp.example/mcp?x=1#f", access_token="tok", nonce="n1")
    header = jwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"]  # the public half only
    public = jwt.PyJWK(header["jwk"], "ES256").key
    claims = jwt.decode(proof, public, algorithms=["ES256"])
    assert claims["htm"] == "POST"
    assert claims["htu"] == "https://mcp.example/mcp"
    assert claims["nonce"] == "n1"
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"tok").digest()).rstrip(b"=").decode()
    assert claims["ath"] == digest
    again = jwt.decode(key.proof("POST", "https://mcp.example/mcp"), public, algorithms=["ES256"])
    assert again["jti"] != claims["jti"] and "ath" not in again


def test_the_key_kept_in_the_store_is_the_same_key_in_a_later_run(tmp_path):
    key = DpopKey()
    tokens = StoredTokens(
        server_url="https://mcp.example/mcp",
        issuer=ISSUER,
        resource="https://mcp.example/mcp",
        token_endpoint=f"{ISSUER}/token",
        client=ClientInfo("c"),
        access_token="tok",
        token_type="DPoP",
        dpop_key=key.pem(),
    )
    TokenStore(tmp_path / "tokens.json").save_tokens(tokens)
    kept = TokenStore(tmp_path / "tokens.json").tokens_for("https://mcp.example/mcp")
    assert kept is not None and kept.dpop_key is not None
    assert DpopKey(kept.dpop_key).jwk == key.jwk
    assert "PRIVATE" not in repr(kept)


def test_dpop_is_used_only_with_an_algorithm_this_client_signs_with():
    assert supports_dpop(
        server(dpop_signing_alg_values_supported=["RS256", "ES256"]).dpop_algorithms
    )
    assert not supports_dpop(server(dpop_signing_alg_values_supported=["RS256"]).dpop_algorithms)
    assert not supports_dpop(server().dpop_algorithms)


def test_a_nonce_is_taken_from_use_dpop_nonce_answers_only():
    resource = httpx.Response(
        401,
        headers={"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "rs-1"},
    )
    token = httpx.Response(400, headers={"DPoP-Nonce": "as-1"}, json={"error": "use_dpop_nonce"})
    other = httpx.Response(400, headers={"DPoP-Nonce": "x"}, json={"error": "invalid_grant"})
    assert nonce_wanted(resource) == "rs-1"
    assert nonce_wanted(token) == "as-1"
    assert nonce_wanted(other) is None
    assert nonce_wanted(httpx.Response(200, headers={"DPoP-Nonce": "x"})) is None


def test_a_dpop_challenge_is_read_like_a_bearer_one():
    challenge = parse_challenge(['DPoP resource_metadata="https://mcp.example/.well-known/x"'])
    assert challenge is not None
    assert challenge.resource_metadata == "https://mcp.example/.well-known/x"


# -- workload identity -------------------------------------------------------------


async def test_the_workload_token_is_read_afresh_at_each_grant(tmp_path):
    path = tmp_path / "token"
    source = file_assertion(path)
    path.write_text("a.b.c\n")
    assert await source(ISSUER, "r", ()) == "a.b.c"
    path.write_text("d.e.f")
    assert await source(ISSUER, "r", ()) == "d.e.f"
    path.write_text(json.dumps({"not": "a jwt"}))
    with pytest.raises(AuthorizationError, match="not a JWT"):
        await source(ISSUER, "r", ())
    with pytest.raises(AuthorizationError, match="cannot be read"):
        await file_assertion(tmp_path / "missing")(ISSUER, "r", ())


def test_the_jwt_bearer_grant_needs_a_client_id_and_a_token_file():
    assert OAuthConfig(grant="jwt_bearer", client_id="w", assertion_file="t").assertion_file
    with pytest.raises(pydantic.ValidationError, match="assertion_file"):
        OAuthConfig(grant="jwt_bearer", client_id="w")
