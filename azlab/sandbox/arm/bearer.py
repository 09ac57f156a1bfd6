"""The bearer check in front of every ARM route: only tokens this sandbox issued pass.

Refusals read as ARM's: 401 with an `{"error": ...}` body and a
`WWW-Authenticate: Bearer` challenge naming the sandbox as the authority.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import ArmError
from azlab.sandbox.arm.directory import TENANT
from azlab.sandbox.arm.metadata import audiences
from azlab.sandbox.arm.tokens import Claims, TokenIssuer, TokenRejected


def _refusal(base_url: str, code: str, message: str, description: str) -> ArmError:
    challenge = (
        f'Bearer authorization_uri="{base_url}/{TENANT}", error="invalid_token", '
        f'error_description="{description}"'
    )
    return ArmError(401, code, message, headers={"WWW-Authenticate": challenge})


def authenticate(issuer: TokenIssuer, authorization: str, base_url: str) -> Claims:
    """The caller's claims, or the ArmError ARM answers with."""
    if not authorization:
        raise _refusal(
            base_url,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refusal(
            base_url,
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            "The authentication failed because of an invalid 'Authorization' header.",
        )
    try:
        return issuer.check(token.strip(), audiences(base_url))
    except TokenRejected as refused:
        raise _refusal(base_url, refused.code, refused.message, refused.description) from None
