"""Every resource kind's handler, by kind: the one table the reconciler looks kinds up in."""

from __future__ import annotations

from azlab.model import Kind
from azlab.resources import (
    container,
    disk,
    network,
    nic,
    nsg,
    public_ip,
    resource_group,
    shutdown,
    storage_account,
    vm,
)
from azlab.resources.base import Handler

HANDLERS: dict[Kind, Handler] = {
    h.kind: h
    for h in (
        resource_group.HANDLER,
        network.HANDLER,
        nsg.HANDLER,
        public_ip.HANDLER,
        nic.HANDLER,
        storage_account.HANDLER,
        container.HANDLER,
        disk.HANDLER,
        vm.HANDLER,
        shutdown.HANDLER,
    )
}


def handler(kind: Kind) -> Handler:
    return HANDLERS[kind]
