"""DPoP (RFC 9449, SEP-1932): access tokens bound to a key only this client holds.

When the authorization server lists ES256 in ``dpop_signing_alg_values_supported`` the
client makes a P-256 key, proves it at the token endpoint, and from then on presents the
token as ``Authorization: DPoP <token>`` with a fresh proof (a one-use signed JWT naming
the method, the URL and the token's hash) on every request. The key is saved with the
tokens it is bound to, so a later run can use them. A server that answers
``use_dpop_nonce`` gets the same request again with the nonce it sent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.pkce import b64url

if TYPE_CHECKING:
    import httpx

__all__ = ["ALGORITHM", "DpopKey", "nonce_wanted", "supports_dpop"]

ALGORITHM = "ES256"
NONCE_HEADER = "DPoP-Nonce"


def supports_dpop(algorithms: Sequence[str] | None) -> bool:
    """Whether an authorization server accepts proofs signed the way this client signs."""
    return algorithms is not None and ALGORITHM in algorithms


def nonce_wanted(response: httpx.Response) -> str | None:
    """The nonce a ``use_dpop_nonce`` answer asks for (401 from a resource, 400 from a
    token endpoint), or None when the response is no such answer."""
    nonce: str | None = response.headers.get(NONCE_HEADER)
    if not nonce or response.status_code not in (400, 401):
        return None
    challenge = " ".join(response.headers.get_list("www-authenticate"))
    if "use_dpop_nonce" in challenge:
        return nonce
    try:
        body = json.loads(response.content) if response.status_code == 400 else None
    except ValueError:
        body = None
    return nonce if isinstance(body, dict) and body.get("error") == "use_dpop_nonce" else None


class DpopKey:
    """One P-256 key pair and the proofs it signs."""

    def __init__(self, private_key_pem: str | None = None) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        if private_key_pem is None:
            self._key = ec.generate_private_key(ec.SECP256R1())
        else:
            try:
                loaded = serialization.load_pem_private_key(
                    private_key_pem.encode("ascii"), password=None
                )
            except (ValueError, TypeError) as exc:
                raise AuthorizationError(f"the saved DPoP key cannot be read: {exc}") from exc
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise AuthorizationError("the saved DPoP key is not an EC key")
            self._key = loaded
        numbers = self._key.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    def pem(self) -> str:
        """The private key as PEM, for the token store (never for logs)."""
        from cryptography.hazmat.primitives import serialization

        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def proof(
        self,
        method: str,
        url: str,
        *,
        access_token: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """A fresh proof for one request; ``url`` loses its query and fragment (RFC 9449)."""
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": url.split("#", 1)[0].split("?", 1)[0],
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = b64url(hashlib.sha256(access_token.encode("ascii")).digest())
        if nonce is not None:
            claims["nonce"] = nonce
        header = {"typ": "dpop+jwt", "alg": ALGORITHM, "jwk": self.jwk}
        signing_input = f"{_part(header)}.{_part(claims)}".encode("ascii")
        return f"{signing_input.decode('ascii')}.{self._sign(signing_input)}"

    def _sign(self, data: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))  # JWS wants raw r||s


def _part(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())
