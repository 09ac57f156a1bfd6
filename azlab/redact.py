"""Keep secrets out of output: SAS signatures and account keys in URLs and text."""

from __future__ import annotations

import re

_SIGNATURE = re.compile(r"(?i)\b(sig|signature|accountkey|sharedaccesssignature)=([^&;\s\"']+)")


def redact(text: str) -> str:
    """`...&sig=abc%3D` -> `...&sig=REDACTED`; also AccountKey= in connection strings."""
    return _SIGNATURE.sub(lambda m: f"{m.group(1)}=REDACTED", text)
