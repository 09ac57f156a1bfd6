"""Run the sandbox: in a background thread (tests, `--sandbox`) or as a background process.

The server speaks HTTPS on loopback with a certificate from a CA generated at
start; the CA file is written to the data folder, and azlab's client factory
trusts it through `AZLAB_CA_FILE`, so the SDK's bearer policy runs unchanged.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import tempfile
from pathlib import Path

import certifi
import trustme
from aiohttp import web

from azlab.errors import SandboxError
from azlab.sandbox.arm.directory import SUBSCRIPTION as SUBSCRIPTION
from azlab.sandbox.arm.managed_identity import PATH as IDENTITY_PATH
from azlab.sandbox.arm.server import ArmEmulator
from azlab.sandbox.hosting.host import FunctionHost
from azlab.sandbox.hosting.sites import AccountFeed, SiteFeed
from azlab.sandbox.serving import LoopThread, listen
from azlab.sandbox.settings import Settings
from azlab.sandbox.storage.azurite_install import find_azurite, missing_hint
from azlab.sandbox.storage.backend import AzuriteBackend

STATE_FILE = "state.json"


class Sandbox:
    """A running ARM emulator; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        data_dir: Path | None = None,
        persist: bool = False,
        port: int = 0,
        storage: bool | None = None,
    ) -> None:
        """`storage`: run Azurite for blob data (None: when it is installed, unless
        AZLAB_SANDBOX_STORAGE=off asks for accounts without data, control plane only)."""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="azlab-sandbox-")
            data_dir = Path(self._tmp.name)
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if storage is None:
            wanted = os.environ.get("AZLAB_SANDBOX_STORAGE", "auto").lower() != "off"
            found = find_azurite() if wanted else None
            if wanted and found is None and os.environ.get("AZLAB_AZURITE_DIR"):
                raise SandboxError("Azurite was not found", hint=missing_hint())
            storage = found is not None and shutil.which("node") is not None
        self.storage = AzuriteBackend(self.data_dir / "storage") if storage else None
        self.emulator = ArmEmulator(
            settings,
            backend=self.storage,
            data_file=data_dir / STATE_FILE if persist else None,
        )
        self.port = port
        self.ca_file = self.data_dir / "ca.pem"
        # The sandbox's CA with the public roots, for clients that take one bundle for
        # everything (the az CLI reads REQUESTS_CA_BUNDLE).
        self.ca_bundle = self.data_dir / "ca-bundle.pem"
        self.identity = self.emulator.identity
        # Deployed Function apps run on the sandbox clock, in the data folder.
        self.hosting = FunctionHost(
            self.data_dir / "hosting", self.emulator.state.now, self.platform
        )
        self.emulator.hosting = self.hosting
        self.site_feed = SiteFeed(self.emulator.web.sites, self.hosting, self.identity_for)
        automation = self.emulator.automation
        self.account_feed = AccountFeed(
            automation.runbooks, self.emulator.principals, self.hosting, self.identity_for
        )
        automation.accounts.subscribe(self.account_feed.changed)
        self.identity_port = 0
        self._identity_runner: web.AppRunner | None = None
        self._runner: web.AppRunner | None = None
        self._thread = LoopThread("sandbox", self.serve, self._close)
        self._saver: asyncio.Task[None] | None = None

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def identity_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.identity_port}{IDENTITY_PATH}"

    @property
    def control_url(self) -> str:
        return f"{self.endpoint}/_sandbox"

    @property
    def subscription(self) -> str:
        return SUBSCRIPTION

    def env(self) -> dict[str, str]:
        """What azlab commands read to talk to this sandbox."""
        return {
            "AZLAB_ENDPOINT": self.endpoint,
            "AZLAB_CA_FILE": str(self.ca_file),
            "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION,
            "AZLAB_SANDBOX_CONTROL": self.control_url,
            # The Retail Prices API, served from the sandbox's price table.
            "AZLAB_PRICES_ENDPOINT": self.endpoint,
            # The way in, as App Service offers a managed identity.
            "IDENTITY_ENDPOINT": self.identity_endpoint,
            "IDENTITY_HEADER": self.identity.secret,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
            # The sandbox answers in milliseconds; poll it often.
            "AZLAB_POLLING_INTERVAL": "0.1",
        } | (
            # Azurite itself, behind the gateway: only benchmarks compare against it.
            {"AZLAB_SANDBOX_AZURITE": f"http://127.0.0.1:{self.storage.azurite.port}"}
            if self.storage is not None
            else {}
        )

    def identity_for(self, principal_id: str | None) -> tuple[str, str]:
        """The identity endpoint and the secret header of a hosted site's own identity, so
        its calls are held to its roles; a site without an identity gets no working header."""
        principal = self.emulator.principals.get(principal_id) if principal_id else None
        if principal is None:
            return self.identity_endpoint, ""
        return self.identity_endpoint, self.identity.secret_for(principal)

    def platform(self) -> dict[str, str]:
        """What a hosted app finds besides its settings: where this sandbox answers, its CA."""
        return {
            "AZLAB_ENDPOINT": self.endpoint,
            "AZLAB_CA_FILE": str(self.ca_file),
            # The sandbox's CA alone: a hosted app reaches nothing else, and each new
            # storage client loading the public roots too cost some 20 ms a request.
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            # What aiohttp (the async storage clients) trusts: storage over HTTPS too.
            "SSL_CERT_FILE": str(self.ca_file),
            "AZLAB_PRICES_ENDPOINT": self.endpoint,
            "AZLAB_POLLING_INTERVAL": "0.1",
        }

    def _tls(self) -> ssl.SSLContext:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.ca_bundle.write_bytes(Path(certifi.where()).read_bytes() + ca.cert_pem.bytes())
        return context

    async def serve(self) -> None:
        """Start serving on the current event loop (used by the process mode)."""
        tls = self._tls()
        if self.storage is not None:
            (self.data_dir / "storage").mkdir(parents=True, exist_ok=True)
            self.storage.start(tls)
        self._runner, self.port = await listen(self.emulator.app(), self.port, ssl_context=tls)
        # Plain HTTP on loopback, as App Service serves its identity endpoint.
        self._identity_runner, self.identity_port = await listen(self.identity.app())
        self.emulator.identity_endpoint = self.identity_endpoint
        if self.emulator.data_file is not None:
            self._saver = asyncio.get_running_loop().create_task(self._save_dirty())

    async def _close(self) -> None:
        if self._saver is not None:
            self._saver.cancel()
        for runner in (self._runner, self._identity_runner):
            if runner is not None:
                await runner.cleanup()

    async def _save_dirty(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            if self.emulator._dirty:
                self.emulator.save()

    def start(self) -> Sandbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.hosting.close()
        self._thread.stop()
        self.emulator.close()
        self.emulator.save()
        if self.storage is not None:
            self.storage.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
