"""An async session on Azure Resource Manager: the subscription, a credential, and the SDK clients.

Operations in flight hold no thread, so an apply or a tick can keep hundreds of
them going at once. The endpoint and CA come from the environment
(`AZLAB_ENDPOINT`, `AZLAB_CA_FILE`), which is how the sandbox or a sovereign
cloud is reached; otherwise the public cloud and `DefaultAzureCredential` are used.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from azure.core.pipeline import policies as core
from azure.core.pipeline.transport import AioHttpTransport

from azlab.azure.identity import IdentityCredential, IdentityEndpoint
from azlab.azure.ratelimit import PacingPolicy
from azlab.errors import CredentialError

PUBLIC_ENDPOINT = "https://management.azure.com"
SCOPE = "https://management.azure.com/.default"


@dataclass(frozen=True)
class Target:
    """Where to send ARM requests, and how to trust the server."""

    subscription: str
    endpoint: str = PUBLIC_ENDPOINT
    ca_file: str | None = None
    # Polling and retry pacing; the sandbox answers fast, so tests turn these down.
    polling_interval: float | None = None
    # The sandbox's identity endpoint, from the environment the target was read from.
    identity: IdentityEndpoint | None = None

    @property
    def is_sandbox(self) -> bool:
        return self.endpoint != PUBLIC_ENDPOINT

    @classmethod
    def from_env(
        cls, plan_subscription: str | None = None, *, env: Mapping[str, str] | None = None
    ) -> Target:
        env = os.environ if env is None else env
        subscription = env.get("AZURE_SUBSCRIPTION_ID") or plan_subscription
        if not subscription:
            raise CredentialError(
                "no subscription: the plan names none and AZURE_SUBSCRIPTION_ID is not set",
                hint="set AZURE_SUBSCRIPTION_ID or pass --subscription",
            )
        endpoint = env.get("AZLAB_ENDPOINT", PUBLIC_ENDPOINT).rstrip("/")
        ca_file = env.get("AZLAB_CA_FILE") or None
        if ca_file and not os.path.exists(ca_file):
            raise CredentialError(
                f"AZLAB_CA_FILE points at {ca_file}, which does not exist",
                hint="start the sandbox again or unset AZLAB_CA_FILE",
            )
        polling = env.get("AZLAB_POLLING_INTERVAL")
        identity = None
        if endpoint != PUBLIC_ENDPOINT and env.get("IDENTITY_ENDPOINT"):
            identity = IdentityEndpoint.from_env(env)
        return cls(subscription, endpoint, ca_file, float(polling) if polling else None, identity)


def _credential(target: Target) -> Any:
    if target.is_sandbox:
        # The sandbox accepts only the tokens it issued; its identity endpoint hands them out.
        return IdentityCredential(target.identity or IdentityEndpoint.from_env(os.environ))
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential()


_HTTP_LOGGER = "azure.core.pipeline.policies.http_logging_policy"


def _version(sdk: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(f"azure-mgmt-{sdk}")
    except PackageNotFoundError:
        return "unknown"


CONNECTIONS = int(os.environ.get("AZLAB_CONNECTIONS", "32"))


class _SharedTransport(AioHttpTransport):  # type: ignore[misc]
    """One connection pool for all the clients, with one SSL context.

    Each client had its own pool, so a burst of NIC writes and the VM writes
    after it each opened hundreds of connections, paying a TLS handshake for
    every one. A bounded pool shared by the clients reuses them; requests wait
    milliseconds for a free connection instead. Given a CA file (the sandbox),
    azure-core would also build a new SSL context per request.
    """

    def __init__(self, context: ssl.SSLContext | None) -> None:
        connector = aiohttp.TCPConnector(limit=CONNECTIONS, ssl=context if context else True)
        super().__init__(session=aiohttp.ClientSession(connector=connector), session_owner=True)
        self._context = context

    def _build_ssl_config(self, cert: Any, verify: Any) -> Any:
        if self._context is None:
            return super()._build_ssl_config(cert, verify)
        return self._context


class AzureSession:
    """Async SDK clients for one subscription; use as `async with AzureSession(target) as s:`."""

    def __init__(self, target: Target, credential: Any | None = None) -> None:
        from azure.mgmt.compute.aio import ComputeManagementClient
        from azure.mgmt.devtestlabs.aio import DevTestLabsClient
        from azure.mgmt.network.aio import NetworkManagementClient
        from azure.mgmt.resource.resources.aio import ResourceManagementClient
        from azure.mgmt.storage.aio import StorageManagementClient

        self.target = target
        self.credential = credential if credential is not None else _credential(target)
        self.rate_limits = PacingPolicy()
        options: dict[str, Any] = {"base_url": target.endpoint}
        context = ssl.create_default_context(cafile=target.ca_file) if target.ca_file else None
        if target.polling_interval is not None:
            options["polling_interval"] = target.polling_interval
        sub = target.subscription

        transport = _SharedTransport(context)

        def make(client: Any, sdk: str) -> Any:
            chain = self._policies(sdk)
            return client(self.credential, sub, transport=transport, policies=chain, **options)

        self.resource: Any = make(ResourceManagementClient, "resource")
        self.network: Any = make(NetworkManagementClient, "network")
        self.storage: Any = make(StorageManagementClient, "storage")
        self.compute: Any = make(ComputeManagementClient, "compute")
        # Only its VM auto-shutdown schedules (Microsoft.DevTestLab/schedules) are used.
        self.devtestlabs: Any = make(DevTestLabsClient, "devtestlabs")
        self._make = make
        self._schedule: Any = None
        # Built on first use: only `azlab scheduler` needs them.
        self._lazy: dict[str, Any] = {}

    @property
    def schedule(self) -> Any:
        """Microsoft.ComputeSchedule's client (batch power actions), built on first use."""
        if self._schedule is None:
            from azure.mgmt.computeschedule.aio import ComputeScheduleMgmtClient

            self._schedule = self._make(ComputeScheduleMgmtClient, "computeschedule")
        return self._schedule

    def _built(self, sdk: str, client: Any) -> Any:
        if sdk not in self._lazy:
            self._lazy[sdk] = self._make(client, sdk)
        return self._lazy[sdk]

    @property
    def web(self) -> Any:
        """Microsoft.Web's client (the scheduler's Function App and its plan)."""
        from azure.mgmt.web.aio import WebSiteManagementClient

        return self._built("web", WebSiteManagementClient)

    @property
    def authorization(self) -> Any:
        """Microsoft.Authorization's client (the scheduler's roles and their assignments)."""
        from azure.mgmt.authorization.aio import AuthorizationManagementClient

        return self._built("authorization", AuthorizationManagementClient)

    @property
    def automation(self) -> Any:
        """Microsoft.Automation's client (the scheduler's Automation account)."""
        from azure.mgmt.automation.aio import AutomationClient

        return self._built("automation", AutomationClient)

    def _policies(self, sdk: str) -> list[Any]:
        """The SDK's pipeline less what costs CPU on every request and does nothing for azlab.

        Left out: the proxy policy (no proxies are configured; aiohttp is not asked to read
        them from the environment either), content decoding (these SDKs parse JSON bodies
        themselves, so every body was parsed twice), custom hooks, network trace logging
        (azlab never sets `logging_enable`) and distributed tracing (none is configured).
        Each cost CPU on every one of the hundreds of requests an apply sends in a burst.
        HTTP logging stays when its logger would print anything (`AZLAB_LOG_LEVEL=INFO`).
        """
        from azure.mgmt.core.policies import (
            ARMHttpLoggingPolicy,
            AsyncARMAutoResourceProviderRegistrationPolicy,
        )

        from azlab.azure.challenge import RenewingChallengePolicy

        chain: list[Any] = [
            core.RequestIdPolicy(),
            core.HeadersPolicy(),
            core.UserAgentPolicy(sdk_moniker=f"mgmt-{sdk}/{_version(sdk)}"),
        ]
        if sdk != "computeschedule":
            # A tick does not register a namespace on its own: without Microsoft.ComputeSchedule
            # registered it falls back to the per-VM calls (azlab.power.batch).
            chain.append(AsyncARMAutoResourceProviderRegistrationPolicy())
        chain += [
            core.AsyncRedirectPolicy(),
            # The SDK's policy alone retries 429 and 5xx, honouring Retry-After; a bounded
            # total a little above its default rides out a throttled burst. Its default of
            # three retries of a 5xx lost about one request in 600 when a fifth of answers
            # failed (an apply of a few hundred requests then failed one run in three);
            # six make that one in 80,000; each wait capped at 10 s, about 31 s in all.
            core.AsyncRetryPolicy(retry_total=8, retry_status=6, retry_backoff_max=10),
            RenewingChallengePolicy(self.credential, SCOPE),
            core.SensitiveHeaderCleanupPolicy(),
        ]
        if sdk in ("devtestlabs", "authorization"):
            # Older-style clients: they read the JSON the decode policy parsed.
            chain.append(core.ContentDecodePolicy())
        if logging.getLogger(_HTTP_LOGGER).isEnabledFor(logging.INFO):
            chain.append(ARMHttpLoggingPolicy())
        # After retry, so every attempt (a retry after a 429 included) is paced and seen;
        # last, as the pipelines share it and it hands each request to the transport.
        chain.append(self.rate_limits)
        return chain

    def polling(self) -> Any:
        """A polling method for one long-running operation (see azlab.azure.polling)."""
        from azlab.azure.polling import WaitFirstPolling

        return WaitFirstPolling(self._polling_interval)

    def outcome_polling(self) -> Any:
        """Like `polling()`, for an operation whose result is not read: it returns None."""
        from azlab.azure.polling import OutcomePolling

        return OutcomePolling(self._polling_interval)

    @property
    def _polling_interval(self) -> float:
        interval = self.target.polling_interval
        return 30.0 if interval is None else interval

    @property
    def subscription(self) -> str:
        return self.target.subscription

    def resource_id(self, resource_group: str, provider_path: str) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{resource_group}"
            f"/providers/{provider_path}"
        )

    async def __aenter__(self) -> AzureSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients = [self.resource, self.network, self.storage, self.compute, self.devtestlabs]
        clients += list(self._lazy.values())
        for client in clients + ([self._schedule] if self._schedule is not None else []):
            await client.close()
        close = getattr(self.credential, "close", None)
        if close is not None:
            await close()
