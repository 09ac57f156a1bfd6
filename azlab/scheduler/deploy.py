"""`azlab scheduler deploy` and `remove`: observe, diff, show, confirm, then send in order.

The entry points serve the CLI and `rehearse --hosted` alike:

    report = await deploy(session, loaded, DeployOptions(yes=True))
    report = await remove(session, loaded, DeployOptions(yes=True))

Each part is built again just before it is sent, from what the parts before it returned
(the account's endpoints, the site's principal), so one run goes from nothing to a working
app; a run that was interrupted is finished by running it again. Everything deploy makes
carries the tag `azlab-scheduler=<plan>`; a part found without it stops the run before
anything is sent, and remove deletes only what carries it.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError, UsageError
from azlab.plan.loader import LoadedPlan
from azlab.redact import remember
from azlab.scheduler import calls
from azlab.scheduler.automation import runbook_source
from azlab.scheduler.automation_ops import observe_automation, send_automation
from azlab.scheduler.desired import (
    HOSTS,
    PACKAGE_DIGEST,
    SNOOZE_KEY,
    Context,
    parts,
    plan_url,
)
from azlab.scheduler.errors import explain
from azlab.scheduler.model import Action, Change, Part, PartKind, diff, removals
from azlab.scheduler.names import QUEUE, Names, names_for
from azlab.scheduler.observe import Observed, observe, observe_roles
from azlab.scheduler.package import AppPackage, build_package, runbooks_dir
from azlab.scheduler.role import load_templates
from azlab.scheduler.storage import data_plane, sha256
from azlab.scheduler.wheel import build_wheel
from azlab.scheduler.zipdeploy import scm_url, zip_deploy

AUTOMATION_KINDS = {
    PartKind.AUTOMATION_ACCOUNT,
    PartKind.PYTHON_PACKAGE,
    PartKind.RUNBOOK,
    PartKind.SCHEDULE,
    PartKind.JOB_SCHEDULE,
}


@dataclass(frozen=True)
class DeployOptions:
    host: str = "functions"
    name: str | None = None
    location: str | None = None
    dry_run: bool = False
    env: Mapping[str, str] | None = None  # where notify URLs and plan variables are read


@dataclass(frozen=True)
class Preview:
    names: Names
    changes: tuple[Change, ...]
    # remove: what keeps the scheduler's resource group from being deleted
    kept: tuple[str, ...] = ()

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]


@dataclass
class DeployReport:
    names: Names
    changes: tuple[Change, ...]
    applied: bool = False
    seconds: float = 0.0
    sent: list[str] = field(default_factory=list)  # `kind name` of every part sent
    scm_url: str | None = None
    plan_url: str | None = None

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]


Confirm = Callable[[Preview], None]
Progress = Callable[[str], None]


def _silent(_: str) -> None:
    return None


def _secrets(
    loaded: LoadedPlan, env: Mapping[str, str], existing: Mapping[str, str]
) -> dict[str, str]:
    """Secret settings: the snooze key (kept once made) and each notify channel's URL."""
    found: dict[str, str] = {
        SNOOZE_KEY: existing.get(SNOOZE_KEY) or secrets.token_hex(32),
    }
    for channel in loaded.plan.notify:
        value = env.get(channel.url_env) or existing.get(channel.url_env)
        if value:
            found[channel.url_env] = value
    for name, value in found.items():
        remember(value, f"${{{name}}}")
    return found


def _plain(loaded: LoadedPlan, env: Mapping[str, str]) -> dict[str, str]:
    """The plan's non-secret variables, as set where deploy runs (secret ones stay behind)."""
    return {
        name: env[name]
        for name, var in loaded.plan.vars.items()
        if not (var and var.secret) and name in env and name != "AZURE_SUBSCRIPTION_ID"
    }


@dataclass
class _Run:
    session: AzureSession
    loaded: LoadedPlan
    options: DeployOptions
    names: Names
    plan_text: bytes
    package: AppPackage
    ctx: Context
    seen: Observed
    wheel: bytes = b""

    def rebuild(self) -> Context:
        seen = self.seen
        env = self.options.env if self.options.env is not None else os.environ
        self.ctx = replace(
            self.ctx,
            principal=seen.principal,
            blob_endpoint=seen.blob_endpoint,
            queue_endpoint=seen.queue_endpoint,
            site_host=seen.site_host,
            secrets=_secrets(self.loaded, env, seen.settings),
        )
        return self.ctx

    def parts(self) -> list[Part]:
        return parts(self.rebuild())


async def _start(session: AzureSession, loaded: LoadedPlan, options: DeployOptions) -> _Run:
    if options.host not in HOSTS:
        raise UsageError(f"--host {options.host!r}: choose functions or automation")
    plan = loaded.plan
    location = options.location or plan.location
    names = names_for(session.subscription, plan.name, location, options.name)
    env = options.env if options.env is not None else os.environ
    folder = runbooks_dir(dict(env))
    plan_text = loaded.path.read_bytes()
    package = build_package(folder / "function_app", plan_text)
    wheel = build_wheel() if options.host == "automation" else b""
    ctx = Context(
        names=names,
        plan=plan,
        plan_sha256=sha256(plan_text),
        package_sha256=package.sha256,
        templates=load_templates(folder / "role.json"),
        host=options.host,
        plain=_plain(loaded, env),
        runbook_source=runbook_source(folder) if wheel else "",
        wheel_sha256=sha256(wheel) if wheel else "",
    )
    run = _Run(session, loaded, options, names, plan_text, package, ctx, Observed(), wheel)
    desired = run.parts()
    run.seen = await observe(session, names, plan.name, desired)
    if wheel and run.seen.found:
        by_kind = {p.kind: p for p in desired}
        await observe_automation(session, names, plan.name, by_kind, run.seen)
    desired = run.parts()
    roles = [p for p in desired if p.kind in (PartKind.ROLE_DEFINITION, PartKind.ROLE_ASSIGNMENT)]
    await observe_roles(session, roles, run.seen)
    return run


def _refuse_foreign(changes: list[Change]) -> None:
    foreign = [c for c in changes if c.action is Action.FOREIGN]
    if foreign:
        part = foreign[0].part
        raise UsageError(
            f"{part.kind.label} {part.name} exists without the tag azlab-scheduler="
            f"{part.props.get('tags', {}).get('azlab-scheduler', '') or '<plan>'}: "
            "deploy changes only what it made",
            hint="pass --name to deploy under other names, or remove it yourself",
        )


async def preview(session: AzureSession, loaded: LoadedPlan, options: DeployOptions) -> Preview:
    run = await _start(session, loaded, options)
    return Preview(run.names, tuple(diff(run.parts(), run.seen.found)))


async def deploy(
    session: AzureSession,
    loaded: LoadedPlan,
    options: DeployOptions,
    *,
    confirm: Confirm | None = None,
    progress: Progress = _silent,
) -> DeployReport:
    """Make the scheduler match the plan; show it first (`confirm`), send nothing on a dry run."""
    began = time.monotonic()
    run = await _start(session, loaded, options)
    changes = diff(run.parts(), run.seen.found)
    view = Preview(run.names, tuple(changes))
    report = DeployReport(run.names, view.changes)
    if confirm is not None:
        confirm(view)
    _refuse_foreign(changes)
    if options.dry_run or not view.pending:
        report.seconds = time.monotonic() - began
        return report
    await _require_plan_group(session, loaded)
    try:
        await _send_all(run, report, progress)
    except AzlabError as exc:
        raise explain(exc) from None
    report.applied = True
    report.seconds = time.monotonic() - began
    return report


async def _require_plan_group(session: AzureSession, loaded: LoadedPlan) -> None:
    """The roles are scoped to the plan's resource group, so it must be there first."""
    rg = loaded.plan.resource_group
    with azure_errors(resource=f"resource group {rg}"):
        if not await session.resource.resource_groups.check_existence(rg):
            raise UsageError(
                f"{loaded.path}: the plan's resource group {rg} does not exist yet; "
                "the scheduler's role is scoped to it",
                hint=f"run azlab apply {loaded.path} first",
            )


async def _send_all(run: _Run, report: DeployReport, progress: Progress) -> None:
    session, names = run.session, run.names
    rewrite_settings = False
    # Built again before each part: the parts before it may have filled in what it names.
    for index in range(len(run.parts())):
        part = run.parts()[index]
        [change] = diff([part], run.seen.found)
        must = change.pending or (part.kind is PartKind.APP_SETTINGS and rewrite_settings)
        if not must:
            continue
        progress(f"{change.action.value:<7} {part.kind.label} {part.name}")
        started = time.monotonic()
        await _send(run, part)
        if part.kind is PartKind.SITE:
            rewrite_settings = True  # a site PUT may have reset its settings
        report.sent.append(f"{part.kind.value} {part.name}")
        progress(f"done    {part.kind.label} {part.name} ({time.monotonic() - started:.1f}s)")
    run.rebuild()
    report.plan_url = plan_url(run.ctx)
    if run.options.host == "functions":
        report.scm_url = await _scm(session, names)


async def _scm(session: AzureSession, names: Names) -> str | None:
    site = await session.web.web_apps.get(names.resource_group, names.site)
    return scm_url(site.as_dict())


async def _send(run: _Run, part: Part) -> None:
    session, names, seen = run.session, run.names, run.seen
    if part.kind in (PartKind.QUEUE, PartKind.PLAN_BLOB):
        assert seen.blob_endpoint and seen.queue_endpoint
        async with data_plane(session, names, seen.blob_endpoint, seen.queue_endpoint) as data:
            if part.kind is PartKind.QUEUE:
                await data.ensure_queue(QUEUE, run.loaded.plan.name)
            else:
                await data.upload_plan(run.plan_text)
        seen.add(part, dict(part.props), True)
        return
    if part.kind in AUTOMATION_KINDS:
        if part.kind is not PartKind.PYTHON_PACKAGE:
            await send_automation(session, run.ctx, part, seen, None, run.wheel)
            return
        assert seen.blob_endpoint and seen.queue_endpoint
        async with data_plane(session, names, seen.blob_endpoint, seen.queue_endpoint) as data:
            await send_automation(session, run.ctx, part, seen, data, run.wheel)
        return
    if part.kind is PartKind.PACKAGE:
        url = await _scm(session, names)
        if url is None:
            raise UsageError(f"function app {names.site} names no scm host to deploy to")
        poll = session.target.polling_interval
        await zip_deploy(session, names.site, url, run.package.data, poll=poll or 2.0)
        seen.settings = await calls.write_settings(
            session, names, {PACKAGE_DIGEST: run.package.sha256}, seen.settings
        )
        seen.add(part, dict(part.props), True)
        return
    answer = await calls.put(session, names, part, seen.settings)
    if part.kind is PartKind.STORAGE_ACCOUNT:
        endpoints = answer.primary_endpoints
        seen.blob_endpoint, seen.queue_endpoint = str(endpoints.blob), str(endpoints.queue)
    elif part.kind is PartKind.SITE:
        data = answer.as_dict()
        seen.principal = (data.get("identity") or {}).get("principalId")
        seen.site_host = (data.get("properties") or {}).get("defaultHostName")
    elif part.kind is PartKind.APP_SETTINGS:
        seen.settings = dict(answer)
    seen.add(part, dict(part.props), True)


async def remove(
    session: AzureSession,
    loaded: LoadedPlan,
    options: DeployOptions,
    *,
    confirm: Confirm | None = None,
    progress: Progress = _silent,
) -> DeployReport:
    """Delete what deploy made (by its tag) and nothing else; shown first."""
    began = time.monotonic()
    run = await _start(session, loaded, options)
    desired = run.parts()
    changes = removals(desired, run.seen.found)
    # Settings and the package go with their site; queue, container and blob with the account.
    inside = {
        PartKind.APP_SETTINGS,
        PartKind.PACKAGE,
        PartKind.QUEUE,
        PartKind.CONTAINER,
        PartKind.PLAN_BLOB,
        *AUTOMATION_KINDS,
    } - {PartKind.AUTOMATION_ACCOUNT}
    shown = [c for c in changes if c.part.kind not in inside]
    ours = {c.part.address.lower() for c in shown if c.action is Action.DELETE}
    kept: list[str] = []
    if run.names.group_scope.lower() in ours:
        kept = await calls.others_in_group(session, run.names, ours)
    if kept:
        # Deleting the group would delete what deploy did not make: it stays, with them.
        shown = [c for c in shown if c.part.kind is not PartKind.RESOURCE_GROUP]
    view = Preview(run.names, tuple(shown), kept=tuple(kept))
    report = DeployReport(run.names, view.changes)
    if confirm is not None:
        confirm(view)
    if options.dry_run or not view.pending:
        report.seconds = time.monotonic() - began
        return report
    for change in view.changes:
        if change.action is not Action.DELETE:
            continue
        part = change.part
        progress(f"delete  {part.kind.label} {part.name}")
        await calls.delete(session, run.names, part)
        report.sent.append(f"{part.kind.value} {part.name}")
    report.applied = True
    report.seconds = time.monotonic() - began
    return report
