"""A queue trigger's messages, as the Functions host's queues extension handles them.

The connection named by the binding is a connection string in the setting
itself or an identity-based one (`<connection>__queueServiceUri`, read with
the site's managed identity, held to its data roles; that needs the sandbox's
HTTPS queue endpoints, the `storage_tls` setting: over plain HTTP the storage
SDK takes no token, and such a function is in error).
Messages are read as base64 (the extension's default encoding); a message is
deleted when its run succeeds, made visible again after host.json's
`visibilityTimeout` when it fails, and moved to `<queue>-poison` when it has
failed `maxDequeueCount` times.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage, QueueServiceClient

from azlab.errors import SandboxError
from azlab.sandbox.credential import SandboxCredential
from azlab.sandbox.hosting.app import HostedFunction, HostOptions

POISON_SUFFIX = "-poison"
# How long a received message stays invisible while its run goes on (the extension renews it).
LEASE_SECONDS = 600


@dataclass(frozen=True)
class Taken:
    message: QueueMessage

    def trigger(self) -> dict[str, Any]:
        # The client decodes nothing (no policy): the body is the queue's text, base64.
        text = str(self.message.content)
        try:
            base64.b64decode(text, validate=True)
            body = text
        except ValueError:
            # The extension hands a message it cannot decode to the function as its text.
            body = base64.b64encode(text.encode()).decode()
        return {
            "type": "queueTrigger",
            "id": self.message.id,
            "body": body,
            "dequeue_count": self.message.dequeue_count,
            "pop_receipt": self.message.pop_receipt,
        }


class QueueSource:
    def __init__(
        self,
        function: HostedFunction,
        settings: Mapping[str, str],
        credential: SandboxCredential,
        options: HostOptions,
        ca_file: str,
    ) -> None:
        self.function = function
        self.options = options
        name = function.connection
        uri = settings.get(f"{name}__queueServiceUri") or settings.get(f"{name}__serviceUri")
        verify: dict[str, Any] = {"connection_verify": ca_file}
        try:
            # A connection string in the setting itself wins, as in the Functions host.
            if settings.get(name):
                service = QueueServiceClient.from_connection_string(settings[name], **verify)
            elif uri:
                service = QueueServiceClient(uri, credential=credential, **verify)
            else:
                raise SandboxError(
                    f"no app setting '{name}' (a connection string) or "
                    f"'{name}__queueServiceUri' (an identity-based one)"
                )
        except (ValueError, SandboxError) as exc:
            # e.g. a token credential on a plain-HTTP queue endpoint (storage_tls off)
            why = exc.message if isinstance(exc, SandboxError) else str(exc)
            raise SandboxError(f"the function '{function.name}' is in error: {why}") from None
        self.queue: QueueClient = service.get_queue_client(function.queue)
        self.poison: QueueClient = service.get_queue_client(function.queue + POISON_SUFFIX)

    def take(self) -> list[Taken]:
        try:
            received = self.queue.receive_messages(
                messages_per_page=self.options.batch_size, visibility_timeout=LEASE_SECONDS
            )
            return [Taken(m) for m in received.by_page().__next__()]
        except (StopIteration, ResourceNotFoundError):
            return []

    def pending(self) -> int:
        """Messages in the queue, visible or not (an Azure estimate, exact in Azurite)."""
        try:
            return int(self.queue.get_queue_properties().approximate_message_count or 0)
        except ResourceNotFoundError:
            return 0

    def settle(self, taken: Taken, succeeded: bool) -> str:
        """Delete, retry or poison a message after its run; what became of it."""
        message = taken.message
        if succeeded:
            self.queue.delete_message(message)
            return "deleted"
        if (message.dequeue_count or 0) < self.options.max_dequeue_count:
            self.queue.update_message(
                message, visibility_timeout=int(self.options.visibility_timeout)
            )
            return "retried"
        with suppress(ResourceExistsError):
            self.poison.create_queue()
        self.poison.send_message(str(message.content))
        self.queue.delete_message(message)
        return "poisoned"
