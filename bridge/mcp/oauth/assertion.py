"""Signed JWT client assertions for ``private_key_jwt`` (RFC 7523 section 2.2).

``cryptography`` is imported only when a private key is actually used; it is already
installed with ``google-genai`` (through ``google-auth``).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.pkce import b64url

__all__ = ["ASSERTION_TYPE", "client_assertion"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LIFETIME = 300
_CURVES = {"secp256r1": ("ES256", 32), "secp384r1": ("ES384", 48), "secp521r1": ("ES512", 66)}


def client_assertion(client_id: str, audience: str, private_key_pem: str) -> str:
    """A short-lived JWT with iss = sub = client_id, signed with the client's key."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + LIFETIME,
        "jti": secrets.token_urlsafe(16),
    }
    return _sign(claims, private_key_pem)


def _sign(claims: dict[str, Any], private_key_pem: str) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise AuthorizationError(f"the client's private key cannot be read: {exc}") from exc
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _CURVES:
            raise AuthorizationError(f"unsupported EC curve {key.curve.name} for a client key")
        alg, size = _CURVES[key.curve.name]
        digest: hashes.HashAlgorithm = {
            "ES256": hashes.SHA256(),
            "ES384": hashes.SHA384(),
            "ES512": hashes.SHA512(),
        }[alg]
        signing_input = _signing_input(alg, claims)
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(digest)))
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")  # JWS wants raw r||s
    elif isinstance(key, rsa.RSAPrivateKey):
        signing_input = _signing_input("RS256", claims)
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise AuthorizationError("the client's private key must be an EC or RSA key")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def _signing_input(alg: str, claims: dict[str, Any]) -> bytes:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}".encode("ascii")
