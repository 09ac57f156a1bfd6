"""`azlab snooze-link`: a signed, expiring, single-use "keep running" link for a group."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import typer

from azlab.cli.common import OUTPUT_OPTION, PLAN_ARGUMENT, Output, console, load, print_json
from azlab.cli.main import app
from azlab.errors import UsageError
from azlab.plan.durations import parse_duration
from azlab.power.snooze import LENGTHS, link, new_token, snooze_key


@app.command("snooze-link")
def snooze_link_command(
    plan_file: Path = PLAN_ARGUMENT,
    group: str = typer.Argument(..., help="The group the link keeps running."),
    length: str = typer.Option("1h", "--for", help=f"How long: {', '.join(LENGTHS)}."),
    valid: str = typer.Option("12h", "--valid", help="How long the link can be used."),
    base_url: str | None = typer.Option(
        None,
        "--url",
        envvar="AZLAB_SNOOZE_URL",
        help="The Function app's snooze endpoint, e.g. https://APP.azurewebsites.net/api/snooze.",
    ),
    output: Output = OUTPUT_OPTION,
) -> None:
    """Print a link that holds GROUP as `azlab hold` does, once, until it expires.

    The key is the AZLAB_SNOOZE_KEY environment variable, the same as the Function app's.

    Example: azlab snooze-link plans/lynclab.yaml core --for 2h
    """
    plan = load(plan_file, require_env=False).plan
    if group not in {g.name for g in plan.groups}:
        raise UsageError(f"{group!r} is not a group of {plan_file}")
    if not base_url:
        raise UsageError("--url is not set", hint="pass --url or set AZLAB_SNOOZE_URL")
    try:
        expires = datetime.now(timezone.utc) + parse_duration(valid)
    except ValueError as exc:
        raise UsageError(f"--valid: {exc}") from None
    url = link(base_url, new_token(snooze_key(dict(os.environ)), plan.name, group, length, expires))
    if output is Output.json:
        print_json({"group": group, "for": length, "expires": expires.isoformat(), "url": url})
        return
    console().print(url, soft_wrap=True)
