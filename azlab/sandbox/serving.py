"""Serving an aiohttp app on loopback, on an event loop of its own thread.

The ARM emulator (`runner.py`) and the storage gateway each run this way, so
bulk blob data never stalls ARM answers and tests keep the main thread.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from azlab.errors import SandboxError

# Starting takes about a second; on a loaded machine (a CI runner, a laptop running a build)
# key generation and Azurite's start have taken over 30 s. Long enough not to fail those,
# short enough that a real hang still ends.
START_TIMEOUT = 120.0


async def listen(
    app: web.Application, port: int = 0, *, ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 (`port` 0: any free one); the runner and the port it got."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context, backlog=1024)
    await site.start()
    server: Any = site._server
    return runner, int(server.sockets[0].getsockname()[1])


class LoopThread:
    """A daemon thread running an event loop: `start` runs `setup` on it, `stop` runs `cleanup`."""

    def __init__(
        self,
        what: str,
        setup: Callable[[], Awaitable[None]],
        cleanup: Callable[[], Awaitable[None]],
    ) -> None:
        self.what = what  # named in errors: "the sandbox could not start: ..."
        self._setup = setup
        self._cleanup = cleanup
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Return once `setup` has finished on the thread; raise its failure as a SandboxError."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._setup())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._cleanup())
            loop.close()

        name = "azlab-" + self.what.replace(" ", "-")
        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            raise SandboxError(f"the {self.what} did not start within {START_TIMEOUT:.0f} s")
        if failure:
            raise SandboxError(f"the {self.what} could not start: {failure[0]}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop, run `cleanup` on it and wait for the thread to end."""
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
        self.loop = None
