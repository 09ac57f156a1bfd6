"""Access tokens the sandbox issues and accepts: RS256 JWTs signed with a key of its own.

The key is made on first use, so a sandbox that never signs anyone in pays
nothing for it. Expiry is judged by the wall clock, not the sandbox clock:
clients compare it with theirs, and tests move the sandbox clock by days.
A token seen once is remembered until it expires, so checking it again costs
a dictionary lookup. Tests make tokens short-lived (`max_lifetime`), or end
every token issued so far at once (`expire_all`), as an hour running out
would, to see that clients fetch new ones.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from azlab.sandbox.arm.core import Json
from azlab.sandbox.arm.directory import TENANT

ISSUER = f"https://sts.windows.net/{TENANT}/"
_REMEMBERED = 4096  # tokens kept verified; the lot is forgotten past this


class TokenRejected(Exception):
    """Why a token is not accepted, in ARM's words: its error code, message and challenge."""

    def __init__(self, code: str, message: str, description: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.description = description


@dataclass(frozen=True)
class Claims:
    audience: str
    expires: float
    object_id: str
    issued: float = 0.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> TokenRejected:
    return TokenRejected(
        "InvalidAuthenticationToken",
        "The access token is invalid.",
        "The access token is invalid.",
    )


class TokenIssuer:
    def __init__(self) -> None:
        self._key: rsa.RSAPrivateKey | None = None
        self.key_id = secrets.token_hex(16)
        self._verified: dict[str, Claims] = {}
        self.max_lifetime = 0.0  # seconds; 0: as long as asked
        self.expired_at = 0.0  # tokens issued before this (epoch seconds) have expired

    @property
    def key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._key

    def issue(
        self,
        audience: str,
        *,
        object_id: str,
        client_id: str,
        lifetime: int,
        extra: Json | None = None,
    ) -> tuple[str, int]:
        """A signed token for `audience`, and when it expires (epoch seconds)."""
        issued = time.time()
        now = int(issued)
        if self.max_lifetime:
            lifetime = min(lifetime, max(1, int(self.max_lifetime)))
        expires = now + lifetime
        header = {"typ": "JWT", "alg": "RS256", "kid": self.key_id, "x5t": self.key_id}
        claims: Json = {
            "aud": audience,
            "iss": ISSUER,
            "iat": now,
            "nbf": now,
            "exp": expires,
            "aio": uuid.uuid4().hex,
            "appid": client_id,
            "appidacr": "2",
            "idp": ISSUER,
            "idtyp": "app",
            "oid": object_id,
            "sub": object_id,
            "tid": TENANT,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
            **(extra or {}),
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{signing_input}.{_b64(signature)}"
        self._remember(token, Claims(audience, expires, object_id, issued))
        return token, expires

    def expire_all(self) -> None:
        """Every token issued until now is expired from now on."""
        self.expired_at = time.time()

    def _remember(self, token: str, claims: Claims) -> None:
        if len(self._verified) >= _REMEMBERED:
            self._verified.clear()
        self._verified[token] = claims

    def check(self, token: str, audiences: Collection[str]) -> Claims:
        """The token's claims if this sandbox signed it, it is current and meant for ARM."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            self._remember(token, claims)
        now = time.time()
        expires = claims.expires
        if claims.issued < self.expired_at:
            expires = min(expires, self.expired_at)
        if expires <= now:
            self._verified.pop(token, None)
            raise TokenRejected(
                "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{_utc(expires)}' is earlier than "
                f"current UTC time '{_utc(now)}'.",
                "The access token has expired.",
            )
        if claims.audience.rstrip("/") not in {a.rstrip("/") for a in audiences}:
            allowed = ",".join(f"'{a}'" for a in audiences)
            raise TokenRejected(
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource "
                f"'{claims.audience}'. It should exactly match with one of the allowed "
                f"audiences {allowed}.",
                "The access token has an audience that is not allowed.",
            )
        return claims

    def _verify(self, token: str) -> Claims:
        parts = token.split(".")
        if len(parts) != 3 or self._key is None:
            raise _invalid()
        try:
            header = json.loads(_unb64(parts[0]))
            payload = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except (ValueError, binascii.Error):
            raise _invalid() from None
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise _invalid()
        try:
            self._key.public_key().verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise _invalid() from None
        if not isinstance(payload, dict) or payload.get("iss") != ISSUER:
            raise _invalid()
        return Claims(
            str(payload.get("aud", "")),
            int(payload.get("exp", 0)),
            str(payload["oid"]),
            float(payload.get("iat", 0)),
        )

    def jwks(self) -> Json:
        """The signing key as a JSON Web Key Set, as an OpenID discovery document links it."""
        numbers = self.key.public_key().public_numbers()

        def whole(n: int) -> str:
            return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        key = {"kty": "RSA", "use": "sig", "kid": self.key_id, "x5t": self.key_id}
        return {"keys": [{**key, "n": whole(numbers.n), "e": whole(numbers.e)}]}


def _utc(epoch: float) -> str:
    return time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(epoch))
