"""Where Azure is called, azure-core's exceptions become azlab's, naming the resource.

    with azure_errors(resource="vm dc01"):
        await session.compute.virtual_machines.begin_start(rg, "dc01")

- an answer with an error (`HttpResponseError`): `AzureOperationError` with Azure's code,
  its message and the HTTP status;
- no answer at all (`ServiceRequestError`, `ServiceResponseError`: refused, reset, timed
  out): `NetworkError`, which is not a credential problem;
- a credential that cannot get a token (`ClientAuthenticationError`): `CredentialError`.

Code that decides on a specific SDK exception (`ResourceNotFoundError` for "absent", a
409 for "busy") does so inside the block, before the mapping sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from azlab.errors import AzureOperationError, CredentialError, NetworkError
from azlab.redact import redact

CREDENTIAL_HINT = (
    "run `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or start the sandbox"
)
NETWORK_HINT = "is AZLAB_ENDPOINT right, and is the sandbox running?"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, with secrets removed."""
    lines = redact(str(exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def error_code(exc: HttpResponseError) -> str:
    """Azure's error code (`AllocationFailed`), or the HTTP status when the body has none."""
    return str(getattr(exc.error, "code", None) or f"HTTP {exc.status_code}")


def operation_error(exc: HttpResponseError, resource: str | None = None) -> AzureOperationError:
    code = error_code(exc)
    message = redact(str(getattr(exc.error, "message", None) or first_line(exc)))
    where = f"{resource}: " if resource else ""
    return AzureOperationError(
        f"{where}Azure answered {code}: {message}",
        code=code,
        resource=resource,
        status=exc.status_code,
    )


def network_error(
    exc: ServiceRequestError | ServiceResponseError, resource: str | None = None
) -> NetworkError:
    where = f"{resource}: " if resource else ""
    what = "cannot reach Azure" if isinstance(exc, ServiceRequestError) else "no answer from Azure"
    return NetworkError(f"{where}{what}: {first_line(exc)}", hint=NETWORK_HINT)


@contextmanager
def azure_errors(resource: str | None = None) -> Iterator[None]:
    """Turn azure-core's exceptions raised inside the block into azlab's errors."""
    try:
        yield
    except ClientAuthenticationError as exc:
        raise CredentialError(
            "no usable Azure credential: " + first_line(exc), hint=CREDENTIAL_HINT
        ) from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise network_error(exc, resource) from None
    except HttpResponseError as exc:
        raise operation_error(exc, resource) from None
