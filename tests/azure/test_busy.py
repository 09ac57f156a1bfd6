"""Writes refused because another operation runs on the resource are sent again; others not."""

from __future__ import annotations

import asyncio

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError

from azlab.azure.busy import is_busy, resend_if_dropped, when_free


class Answer:
    """The parts of an HTTP answer azure-core reads to build its error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status_code = status
        self.reason = "Conflict"
        self.headers = {"content-type": "application/json"}
        self.request = None
        self._body = f'{{"error": {{"code": "{code}", "message": "{message}"}}}}'.encode()

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode()

    def body(self) -> bytes:
        return self._body


BUSY = (
    409,
    "OperationNotAllowed",
    "Operation 'start' is not allowed since the Virtual Machine 'dc01' is in the middle of "
    "another operation (abc). Retry after it completes.",
)


def error(status: int, code: str, message: str) -> HttpResponseError:
    return HttpResponseError(response=Answer(status, code, message))  # type: ignore[arg-type]


def test_only_a_409_naming_another_operation_counts_as_busy() -> None:
    assert is_busy(error(*BUSY))
    assert is_busy(error(409, "AnotherOperationInProgress", "Another operation is in progress"))
    assert not is_busy(error(409, "Conflict", "The name is already in use"))
    assert not is_busy(error(400, "OperationNotAllowed", "in the middle of another operation"))


def test_a_busy_write_is_sent_again_until_it_is_accepted() -> None:
    calls: list[int] = []

    async def send() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise error(*BUSY)
        return "done"

    assert asyncio.run(when_free(send, interval=0.01)) == "done"
    assert len(calls) == 3


def test_a_real_error_or_a_busy_one_past_the_limit_is_raised() -> None:
    calls: list[int] = []

    async def conflict() -> None:
        calls.append(1)
        raise error(409, "Conflict", "The name is already in use")

    with pytest.raises(HttpResponseError):
        asyncio.run(when_free(conflict, interval=0.01))
    assert len(calls) == 1

    async def busy() -> None:
        raise error(*BUSY)

    with pytest.raises(HttpResponseError):
        asyncio.run(when_free(busy, interval=0.01, limit=0.05))


def test_a_dropped_connection_is_sent_again_a_few_times() -> None:
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ServiceResponseError("Server disconnected")
        return "keys"

    assert asyncio.run(resend_if_dropped(flaky, delay=0.01)) == "keys"
    assert len(calls) == 3

    async def gone() -> None:
        raise ServiceResponseError("Server disconnected")

    with pytest.raises(ServiceResponseError):
        asyncio.run(resend_if_dropped(gone, attempts=2, delay=0.01))
