"""The thread a hosted app or account works on: pass after pass over what is due.

Other threads poke it (the clock moved, a message came) and wait for it to be idle: a
pass begun after they asked that found nothing to do, so a test or the rehearsal knows
every trigger the clock made due has run.
"""

from __future__ import annotations

import threading
import time

from azlab.sandbox.hosting.runs import redact

IDLE_POLL = 1.0  # seconds between looks at the clock when nothing is queued


class PassLoop:
    error: str
    secrets: list[str]

    def _init_passes(self) -> None:
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._poked = False
        self._pass = 0
        self._quiet = -1

    def _start_passes(self, name: str) -> None:
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _one_pass(self) -> tuple[bool, bool]:
        """Do what is due: whether anything was done, and whether nothing is left pending."""
        raise NotImplementedError

    def _wait(self, quiet: bool) -> float:
        """How long an idle pass waits for a poke before looking again."""
        return IDLE_POLL

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                self._pass += 1
                this = self._pass
                self._poked = False
            worked, quiet = False, True
            try:
                worked, quiet = self._one_pass()
            except Exception as exc:  # a broken queue, process or job must not end the host
                self.error = redact(f"{type(exc).__name__}: {exc}", self.secrets)
            with self._cond:
                if quiet:
                    self._quiet = this
                self._cond.notify_all()
                if not worked and not self._poked and not self._stop.is_set():
                    self._cond.wait(self._wait(quiet))

    # from other threads
    def poke(self) -> None:
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def wait_idle(self, deadline: float) -> bool:
        """Until a pass begun after this call found nothing to do (`deadline`: monotonic)."""
        with self._cond:
            target = self._pass + 1
            self._poked = True
            self._cond.notify_all()
            while self._quiet < target and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _stop_passes(self) -> None:
        self._stop.set()
        self.poke()
        self._thread.join(timeout=30)
