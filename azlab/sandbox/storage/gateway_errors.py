"""Error answers in the blob service's shape: XML body and `x-ms-error-code`."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from email.utils import formatdate
from xml.sax.saxutils import escape

from aiohttp import web

VERSION = "2025-01-05"


def base_headers() -> dict[str, str]:
    return {
        "x-ms-request-id": str(uuid.uuid4()),
        "x-ms-version": VERSION,
        "Date": formatdate(usegmt=True),
        "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
    }


def storage_error(
    status: int,
    code: str,
    message: str,
    *,
    retry_after: int | None = None,
    detail: str | None = None,
) -> web.Response:
    headers = {**base_headers(), "x-ms-error-code": code}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    text = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}\n"
        f"RequestId:{headers['x-ms-request-id']}\nTime:{stamp}</Message>"
        + (
            f"<AuthenticationErrorDetail>{escape(detail)}</AuthenticationErrorDetail>"
            if detail
            else ""
        )
        + "</Error>"
    )
    return web.Response(
        status=status, body=text.encode(), headers=headers, content_type="application/xml"
    )
