"""A SAS URL for a queue of a sandbox storage account, for tests and rehearsals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from azure.storage.queue import AccountSasPermissions, ResourceTypes, generate_account_sas


def queue_sas_url(clients: Any, resource_group: str, account: str, queue: str) -> str:
    """`clients`: sync management clients (`.storage`); the SAS covers the poison queue too."""
    accounts = clients.storage.storage_accounts
    key = accounts.list_keys(resource_group, account).as_dict()["keys"][0]["value"]
    sas = generate_account_sas(
        account,
        key,
        ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(
            read=True,
            write=True,
            delete=True,
            list=True,
            add=True,
            create=True,
            update=True,
            process=True,
        ),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    endpoint = accounts.get_properties(resource_group, account).primary_endpoints.queue
    return f"{endpoint}{queue}?{sas}"
