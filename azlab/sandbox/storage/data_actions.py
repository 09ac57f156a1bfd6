"""The permission a storage request needs when it comes with a bearer token.

Azure names it after the operation: control-side `actions` for the service,
containers and queues themselves (create, list, properties), `dataActions`
for blobs and messages. Some operations are granted by either of two data
actions (a role listing `messages/write` may put messages as one listing
`messages/add/action` may); `Needed.actions` lists each that suffices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ACCOUNT = "Microsoft.Storage/storageAccounts"
BLOB_SERVICE = f"{ACCOUNT}/blobServices"
CONTAINERS = f"{BLOB_SERVICE}/containers"
BLOBS = f"{CONTAINERS}/blobs"
QUEUE_SERVICE = f"{ACCOUNT}/queueServices"
QUEUES = f"{QUEUE_SERVICE}/queues"
MESSAGES = f"{QUEUES}/messages"
_VERB = {"GET": "read", "HEAD": "read", "PUT": "write", "DELETE": "delete"}


@dataclass(frozen=True)
class Needed:
    actions: tuple[str, ...]  # any one of them grants the request
    data: bool  # checked against `dataActions` (else `actions`)
    scope: str  # below the account: `blobServices/default/containers/{name}`, or ""


def _verb(method: str) -> str:
    return _VERB.get(method.upper(), "write")


def blob_needs(method: str, query: Mapping[str, str], container: str, blob: str) -> Needed:
    comp = query.get("comp", "").lower()
    verb = _verb(method)
    if not container:
        if comp == "userdelegationkey":
            return Needed((f"{BLOB_SERVICE}/generateUserDelegationKey/action",), False, "")
        if comp == "list":
            return Needed((f"{CONTAINERS}/read",), False, "")
        return Needed((f"{BLOB_SERVICE}/{verb}",), False, "")
    scope = f"blobServices/default/containers/{container}"
    if not blob:
        if comp == "list":  # List Blobs reads blob data
            return Needed((f"{BLOBS}/read",), True, scope)
        if comp == "batch":
            return Needed((f"{BLOBS}/delete",), True, scope)
        return Needed((f"{CONTAINERS}/{verb}",), False, scope)
    if comp == "tags":
        return Needed((f"{BLOBS}/tags/{verb}",), True, scope)
    if method.upper() == "PUT" and not comp:
        # Put Blob and Copy Blob: writing a blob, or adding a new one.
        return Needed((f"{BLOBS}/write", f"{BLOBS}/add/action"), True, scope)
    return Needed((f"{BLOBS}/{verb}",), True, scope)


def queue_needs(method: str, query: Mapping[str, str], path: str) -> Needed:
    """`path` below the account: ``, `{queue}`, `{queue}/messages` or `.../messages/{id}`."""
    parts = [p for p in path.split("/") if p]
    method = method.upper()
    verb = _verb(method)
    if not parts:
        if query.get("comp", "").lower() == "list":
            return Needed((f"{QUEUES}/read",), False, "")
        return Needed((f"{QUEUE_SERVICE}/{verb}",), False, "")
    scope = f"queueServices/default/queues/{parts[0]}"
    if len(parts) == 1:
        return Needed((f"{QUEUES}/{verb}",), False, scope)
    if len(parts) == 2:  # the queue's messages
        if method == "POST":
            return Needed((f"{MESSAGES}/add/action", f"{MESSAGES}/write"), True, scope)
        if method in ("GET", "HEAD"):
            if query.get("peekonly", "").lower() == "true":
                return Needed((f"{MESSAGES}/read",), True, scope)
            return Needed((f"{MESSAGES}/process/action",), True, scope)
        return Needed((f"{MESSAGES}/delete",), True, scope)  # Clear Messages
    # One message, by its pop receipt: deleted or updated by whoever received it.
    if method == "DELETE":
        return Needed((f"{MESSAGES}/delete", f"{MESSAGES}/process/action"), True, scope)
    return Needed((f"{MESSAGES}/write", f"{MESSAGES}/process/action"), True, scope)
