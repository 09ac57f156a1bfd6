"""`azlab copy SRC DST`: copy a VHD page blob server side, with progress that tells the truth."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from azlab.cli.common import (
    OUTPUT_OPTION,
    SUBSCRIPTION_OPTION,
    Output,
    console,
    print_json,
    run_async,
)
from azlab.cli.main import app
from azlab.copy.endpoints import check_form
from azlab.copy.engine import DEFAULT_PARALLELISM, CopyResult
from azlab.copy.progress import CopyProgress
from azlab.copy.run import CopyOptions, copy
from azlab.errors import UsageError
from azlab.redact import redact

log = logging.getLogger("azlab.copy")
LOG_EVERY = 5.0  # seconds between progress lines when not on a terminal


class ProgressReporter:
    """A rich bar on a terminal, JSON events with --output json, log lines otherwise."""

    def __init__(self, output: Output, label: str) -> None:
        self.output = output
        self.label = label
        self.bar: Progress | None = None
        self.task: Any = None
        self.last_line = 0.0
        self.events = 0

    def __enter__(self) -> ProgressReporter:
        if self.output is Output.text and sys.stderr.isatty():
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.bar.__enter__()
            self.task = self.bar.add_task(self.label, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def __call__(self, progress: CopyProgress) -> None:
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, total=progress.total, completed=progress.copied)
        elif self.output is Output.json:
            print(json.dumps({"event": "progress", **progress.as_event(now)}), flush=True)
            self.events += 1
        elif now - self.last_line >= LOG_EVERY or progress.copied >= progress.total:
            self.last_line = now
            event = progress.as_event(now)
            eta = event["eta_s"]
            print(
                f"copy: {event['percent']}% of {progress.total / 2**20:.1f} MiB allocated, "
                f"{(event['rate_bytes_per_s'] or 0) / 2**20:.1f} MiB/s, "
                f"ETA {'?' if eta is None else f'{eta:.0f}s'}",
                file=sys.stderr,
                flush=True,
            )


@app.command("copy")
def copy_command(
    source: str = typer.Argument(
        ..., help="Blob URL, ACCOUNT/CONTAINER/BLOB, or disk:RESOURCE_GROUP/NAME."
    ),
    destination: str = typer.Argument(..., help="Blob URL or ACCOUNT/CONTAINER/BLOB."),
    mode: str = typer.Option(
        "fromurl", "--mode", help="fromurl (Put Page From URL per chunk) or async (Copy Blob)."
    ),
    parallelism: int = typer.Option(
        DEFAULT_PARALLELISM, "--parallelism", min=1, max=64, help="Chunks in flight."
    ),
    verify_content: bool = typer.Option(
        False, "--verify", help="Also compare a hash of every allocated range on both sides."
    ),
    timeout: float = typer.Option(
        6 * 3600, "--timeout", help="Seconds before an async copy is aborted."
    ),
    sas_lifetime: str | None = typer.Option(
        None,
        "--sas-lifetime",
        help="How long each SAS or disk access made for the source lasts (30s, 15m, 1h); "
        "a new one is made as each runs out. Default: long enough for the whole copy.",
    ),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Copy a VHD page blob server side: only allocated ranges, verified, resumable.

    Progress counts allocated bytes (a 127 GiB disk with 60 GiB of data is 60 GiB
    of work). Run the same command again after an interruption: it copies only
    what is missing while the source is unchanged.

    Example: azlab copy disk:rg-lab/dc01-os stlab01/vhds/dc01-os.vhd --verify
    """
    if mode not in ("fromurl", "async"):
        raise UsageError(f"--mode {mode!r}: use fromurl or async")
    check_form(source)
    check_form(destination)
    lifetime = sas_lifetime_seconds(sas_lifetime, mode)
    options = CopyOptions(
        mode=mode,
        parallelism=parallelism,
        verify_content=verify_content,
        timeout=timeout,
        sas_lifetime=lifetime,
    )
    needs_arm = not (source.startswith("http") and destination.startswith("http"))

    async def work(reporter: ProgressReporter) -> CopyResult:
        from contextlib import AsyncExitStack

        from azlab.azure.session import AzureSession
        from azlab.cli.common import target_for

        async with AsyncExitStack() as stack:
            session = None
            if needs_arm:
                session = await stack.enter_async_context(
                    AzureSession(target_for(None, subscription))
                )
            token = None
            if "sig=" not in source + destination and not os.environ.get("AZLAB_ENDPOINT"):
                from azure.identity.aio import DefaultAzureCredential

                token = DefaultAzureCredential()
                stack.push_async_callback(token.close)
            return await copy(
                source, destination, options, session=session, token=token, on_progress=reporter
            )

    label = f"{redact(source)} -> {redact(destination)}"
    with ProgressReporter(output, label) as reporter:
        result = run_async(lambda: work(reporter))
    data = {
        "event": "done",
        "source": redact(source),
        "destination": redact(destination),
        "size": result.size,
        "allocated": result.allocated,
        "copied": result.copied,
        "resumed": result.resumed,
        "chunks": result.chunks,
        "throttled": result.throttled,
        "seconds": round(result.seconds, 2),
        "verified_content": result.verified_content,
        "sas_renewals": result.sas_renewals,
    }
    if output is Output.json:
        print_json(data)
        return
    console().print(
        f"Copied {result.copied / 2**20:.1f} MiB of {result.allocated / 2**20:.1f} MiB allocated "
        f"({result.size / 2**30:.2f} GiB blob)"
        + (f", {result.resumed / 2**20:.1f} MiB already there" if result.resumed else "")
        + f" in {result.seconds:.1f}s; {result.throttled} throttled answers; "
        + (f"{result.sas_renewals} new SAS; " if result.sas_renewals else "")
        + "verified"
        + (" with content hashes." if result.verified_content else " length and ranges.")
    )


def sas_lifetime_seconds(text: str | None, mode: str = "fromurl") -> float | None:
    """`--sas-lifetime` in seconds (None: not given)."""
    if text is None:
        return None
    from azlab.plan.durations import parse_duration

    try:
        seconds = parse_duration(text).total_seconds()
    except ValueError as exc:
        raise UsageError(f"--sas-lifetime: {exc}") from None
    if seconds <= 0:
        raise UsageError("--sas-lifetime must be longer than 0s")
    if mode == "async":
        raise UsageError(
            "--sas-lifetime works with the default mode only",
            hint="an async copy reads the source on the service's schedule, "
            "so its SAS cannot be renewed under it",
        )
    return seconds
