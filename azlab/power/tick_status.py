"""What a hosted tick leaves behind for `azlab scheduler status`: one line per run.

With the setting `AZLAB_STATUS_URL` (a blob folder URL in the scheduler's own account,
`https://ACCOUNT.blob.core.windows.net/azlab-scheduler/status`), each hosted tick and each
failed queued group action appends one JSON line to the append blob `ticks-YYYY-MM-DD.jsonl`
(UTC date) there, with the host's managed identity. The line: `at`, `kind` (tick or
group_action), `ok`, and a short `summary` (the counts of each result, what was enqueued,
or the failed group and why). Writing it never fails the tick: an error is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from azlab.redact import redact

ENV = "AZLAB_STATUS_URL"
log = logging.getLogger("azlab.tick_status")


def blob_name(at: datetime) -> str:
    return f"ticks-{at.date().isoformat()}.jsonl"


def tick_line(at: datetime, report: Mapping[str, Any]) -> dict[str, Any]:
    """The line a tick's report becomes (counts, not every VM: a line stays small)."""
    summary: dict[str, Any] = {}
    if "enqueued" in report:
        summary["enqueued"] = [f"{a['group']} {a['want']}" for a in report["enqueued"]]
    else:
        counts: dict[str, int] = {}
        for result in (report.get("results") or {}).values():
            counts[str(result)] = counts.get(str(result), 0) + 1
        summary["results"] = counts
        failed = sorted(vm for vm, r in (report.get("results") or {}).items() if r == "failed")
        if failed:
            summary["failed"] = failed[:20]
    return {"at": at.isoformat(), "kind": "tick", "ok": bool(report.get("ok")), "summary": summary}


def action_line(at: datetime, outcome: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "at": at.isoformat(),
        "kind": "group_action",
        "ok": outcome.get("result") != "failed",
        "summary": {
            "group": outcome.get("group"),
            "want": outcome.get("want"),
            "result": outcome.get("result"),
            "detail": outcome.get("detail"),
        },
    }


def record(env: Mapping[str, str], at: datetime, line: Mapping[str, Any]) -> None:
    """Append `line` to the day's status blob, if the host was given one."""
    folder = env.get(ENV)
    if not folder:
        return
    try:
        from azure.identity import DefaultAzureCredential
        from azure.storage.blob import BlobClient

        url = f"{folder.rstrip('/')}/{blob_name(at)}"
        blob = BlobClient.from_blob_url(url, credential=DefaultAzureCredential())
        if not blob.exists():
            blob.create_append_blob()
        blob.append_block((redact(json.dumps(line)) + "\n").encode())
    except Exception as exc:  # the tick's own result matters more than its record
        log.warning("azlab: tick status not written to %s: %s", folder, redact(str(exc)))
