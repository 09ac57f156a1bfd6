"""Long-running operations with two requests where azure-core makes four.

azure-core polls an operation once the moment it starts (before the delay the
service asked for), and after success GETs the resource again. azlab needs
neither: it waits as long as `Retry-After` says before the first poll, and it
does not use the resource's body (what it needs it lists). In an apply of
hundreds of resources that halves the requests, and the client CPU they cost.
"""

from __future__ import annotations

from azure.core.polling.base_polling import OperationFailed, _failed
from azure.mgmt.core.polling.async_arm_polling import AsyncARMPolling


class WaitFirstPolling(AsyncARMPolling):
    async def _poll(self) -> None:
        while not self.finished():
            await self._delay()
            await self.update_status()
        if _failed(self.status()):  # type: ignore[no-untyped-call]
            raise OperationFailed("Operation failed or canceled")


class OutcomePolling(WaitFirstPolling):
    """Only success or failure: no model is built from the last answer.

    Without the final GET, the last answer of a create is the operation's status, not the
    resource; building the SDK model from it cost CPU for an object nobody reads.
    """

    def resource(self) -> None:
        return None
