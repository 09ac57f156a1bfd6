"""Where the sandbox, or azlab, is known to differ from Microsoft's REST specs today.

Each entry is expected to fail (strictly: once fixed, the entry must go). Anything
not listed fails.
"""

from __future__ import annotations

# Replayed examples (file under arm-specs/replay) -> why they do not replay as documented.
EXAMPLE_GAPS: dict[str, str] = {}

# (operationId, request|response, JSON path, rule) -> why.
SCHEMA_GAPS: dict[tuple[str, str, str, str], str] = {}
