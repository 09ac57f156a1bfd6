"""Pieces every command shares: options, plan loading, the Azure session, async running."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession, Target
from azlab.errors import UsageError
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan

T = TypeVar("T")


class Output(str, Enum):
    text = "text"
    json = "json"


OUTPUT_OPTION = typer.Option(Output.text, "--output", "-o", help="text, or json for data.")
SUBSCRIPTION_OPTION = typer.Option(
    None,
    "--subscription",
    help="Subscription id; overrides AZURE_SUBSCRIPTION_ID and the plan.",
)
PLAN_ARGUMENT = typer.Argument(..., help="Plan file (YAML).", exists=False)
ALLOW_KEY_PATH_OPTION = typer.Option(
    [],
    "--allow-key-path",
    help="Also read ssh_key_file from this file or folder (besides the plan's folder and "
    "~/.ssh); repeatable.",
)


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def progress_console(output: Output) -> Console:
    """Progress goes to stdout with text output, and to stderr when stdout carries JSON."""
    return console() if output is Output.text else Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def load(
    path: Path, *, require_env: bool = True, allow_key_paths: list[Path] | None = None
) -> LoadedPlan:
    """The typed plan with its locations; plan errors become one PlanError.

    With `allow_key_paths` (the commands that read key files), ssh_key_file is checked too.
    """
    from azlab.plan import load_plan

    if not path.exists():
        raise UsageError(f"{path}: no such plan file")
    return load_plan(path, require_env=require_env, allow_key_paths=allow_key_paths)


def target_for(plan: Plan | None, subscription: str | None) -> Target:
    env = dict(os.environ)
    if subscription:
        env["AZURE_SUBSCRIPTION_ID"] = subscription
    return Target.from_env(plan.subscription if plan else None, env=env)


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; an azure-core exception that reaches here becomes one clear line."""
    with azure_errors():
        return asyncio.run(make())


async def with_session(target: Target, work: Callable[[AzureSession], Awaitable[T]]) -> T:
    async with AzureSession(target) as session:
        return await work(session)


def confirm(question: str, *, yes: bool) -> None:
    """Ask on a terminal; refuse to guess without one."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for confirmation", hint="pass --yes to proceed")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


def parse_at(value: str | None) -> datetime:
    """--at: an ISO time with a UTC offset (now when not given), as UTC."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not an ISO time", hint="e.g. --at 2026-11-23T18:05-08:00"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--at {value!r} has no UTC offset", hint="add Z or an offset like -08:00")
    return moment.astimezone(timezone.utc)
