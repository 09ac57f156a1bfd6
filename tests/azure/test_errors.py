"""azure-core's exceptions become azlab's where Azure is called: code, status, resource."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from azlab.azure.errors import azure_errors
from azlab.errors import AzureOperationError, CredentialError, NetworkError
from azlab.power.enforce import PowerRun, Result
from azlab.power.steps import Step
from azlab.power_state import VmState
from tests.azure.test_busy import error


def test_an_error_answer_keeps_azure_code_status_and_the_resource() -> None:
    with pytest.raises(AzureOperationError) as caught, azure_errors(resource="vm dc01"):
        raise error(409, "OperationNotAllowed", "Operation 'start' is not allowed")
    assert caught.value.code == "OperationNotAllowed"
    assert caught.value.status == 409
    assert caught.value.resource == "vm dc01"
    assert str(caught.value) == (
        "vm dc01: Azure answered OperationNotAllowed: Operation 'start' is not allowed"
    )


def test_an_answer_without_a_body_is_named_by_its_status() -> None:
    with pytest.raises(AzureOperationError) as caught, azure_errors():
        raise HttpResponseError(message="Operation returned an invalid status 'Bad Gateway'")
    assert caught.value.resource is None
    assert "Bad Gateway" in caught.value.message


@pytest.mark.parametrize("raised", [ServiceRequestError, ServiceResponseError])
def test_no_answer_is_a_network_error_not_a_credential_one(raised: type[Exception]) -> None:
    with pytest.raises(NetworkError) as caught, azure_errors(resource="resource group rg"):
        raise raised("Connection refused")
    assert not isinstance(caught.value, CredentialError)
    assert caught.value.message.startswith("resource group rg: ")
    assert "Connection refused" in caught.value.message
    assert caught.value.hint and "AZLAB_ENDPOINT" in caught.value.hint


def test_a_credential_that_gets_no_token_is_a_credential_error() -> None:
    with pytest.raises(CredentialError), azure_errors():
        raise ClientAuthenticationError(message="no token")


def test_a_secret_in_the_text_is_not_shown() -> None:
    with pytest.raises(NetworkError) as caught, azure_errors():
        raise ServiceRequestError("GET https://a.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG")
    assert "SECRETSIG" not in str(caught.value)


class Watcher:
    """The part of StateWatcher a power run reads, with a round that failed."""

    def __init__(self, last_error: Exception | None) -> None:
        self.states: dict[str, VmState] = {"dc01": VmState("dc01", "starting")}  # never arrives
        self.last_error = last_error

    async def wait_until(self, names: Any, done: Any, *, deadline: float) -> dict[str, VmState]:
        return dict(self.states)


class Session:
    """A session whose start is accepted (the VM then never arrives)."""

    class compute:
        class virtual_machines:
            @staticmethod
            async def begin_start(rg: str, vm: str, polling: bool) -> None:
                return None


@pytest.mark.parametrize(
    ("last_error", "said"),
    [
        (None, "timed out"),
        (
            NetworkError("resource group rg: cannot reach Azure: refused"),
            "timed out; the last status read failed: resource group rg: cannot reach Azure: "
            "refused",
        ),
    ],
)
def test_a_vm_not_seen_arriving_says_why_the_watcher_could_not_see(
    last_error: Exception | None, said: str
) -> None:
    run = PowerRun(
        Session(),  # type: ignore[arg-type]
        "rg",
        Watcher(last_error),  # type: ignore[arg-type]
        deadline=time.monotonic(),
    )
    step = Step("core", 0, "running", ("dc01",))
    with pytest.raises(Exception, match="did not reach running"):
        asyncio.run(run.run_step(step))
    assert run.results["dc01"].result is Result.FAILED
    assert run.results["dc01"].detail == said
