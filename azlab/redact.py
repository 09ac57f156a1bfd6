"""Keep secrets out of output: SAS signatures, account keys, and the values of secret variables.

`redact` removes signatures and keys by their shape. A secret with no shape of
its own (a plan's secret variable, an admin password) is remembered with
`remember` when azlab reads it, and from then on `redact` writes its name
instead, in every form output may carry it (as is, URL-encoded, JSON-escaped).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

_SIGNATURE = re.compile(r"(?i)\b(sig|signature|accountkey|sharedaccesssignature)=([^&;\s\"']+)")
MIN_LENGTH = 4  # shorter values would be found in ordinary text; plans refuse them (AZL079)

# form of a secret value -> what output shows instead
_KNOWN: dict[str, str] = {}


def remember(value: str, shown_as: str) -> None:
    """From now on, show `value` as `shown_as` (e.g. `${LAB_PASSWORD}`) wherever it appears."""
    if len(value) < MIN_LENGTH:
        return
    for form in (value, quote(value, safe=""), quote(value), json.dumps(value)[1:-1]):
        _KNOWN.setdefault(form, shown_as)


def forget_all() -> None:
    """Start a new command: nothing remembered from the last one."""
    _KNOWN.clear()


def redact(text: str) -> str:
    """`...&sig=abc%3D` -> `...&sig=REDACTED`; also AccountKey= in connection strings,
    and every remembered secret value."""
    # Remembered values first: a webhook URL carrying a signature is shown by its name whole.
    for form in sorted(_KNOWN, key=len, reverse=True):
        if form in text:
            text = text.replace(form, _KNOWN[form])
    return _SIGNATURE.sub(lambda m: f"{m.group(1)}=REDACTED", text)
