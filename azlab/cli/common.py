"""Pieces every command shares: options, plan loading, the Azure session, async running."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from azlab.azure.session import AzureSession, Target
from azlab.errors import AzlabError, CredentialError, UsageError
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan
from azlab.redact import redact

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


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def progress_console(output: Output) -> Console:
    """Progress goes to stdout with text output, and to stderr when stdout carries JSON."""
    return console() if output is Output.text else Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def load(path: Path, *, require_env: bool = True) -> LoadedPlan:
    """The typed plan with its locations; plan errors become one PlanError."""
    from azlab.plan import load_plan

    if not path.exists():
        raise UsageError(f"{path}: no such plan file")
    return load_plan(path, require_env=require_env)


def target_for(plan: Plan | None, subscription: str | None) -> Target:
    env = dict(os.environ)
    if subscription:
        env["AZURE_SUBSCRIPTION_ID"] = subscription
    return Target.from_env(plan.subscription if plan else None, env=env)


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine, turning credential and transport failures into one clear line."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
    )

    try:
        return asyncio.run(make())
    except ClientAuthenticationError as exc:
        raise CredentialError(
            "no usable Azure credential: " + _first_line(exc),
            hint="run `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, "
            "or start the sandbox",
        ) from None
    except ServiceRequestError as exc:
        raise CredentialError(
            f"cannot reach Azure Resource Manager: {_first_line(exc)}",
            hint="is AZLAB_ENDPOINT right, and is the sandbox running?",
        ) from None
    except HttpResponseError as exc:
        code = getattr(exc.error, "code", None) or f"HTTP {exc.status_code}"
        message = getattr(exc.error, "message", None) or _first_line(exc)
        raise AzlabError(redact(f"Azure answered {code}: {message}")) from None


def _first_line(exc: BaseException) -> str:
    lines = redact(str(exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


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
