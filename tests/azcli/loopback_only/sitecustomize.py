"""Loaded into az's own Python by the az harness (through PYTHONPATH): az may talk to loopback
only. A connection, datagram or name lookup for anywhere else is refused before it leaves and
written to $AZLAB_AZ_OFF_LOOPBACK_LOG, so the run shows it and its test fails."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
from typing import Any

LOG = os.environ.get("AZLAB_AZ_OFF_LOOPBACK_LOG", "")
LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


def _local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host is None or not isinstance(host, str):
        return True  # a port-only lookup (host None) stays on this machine
    name = host.split("%")[0].strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(what + "\n")
    raise OSError(errno.ENETUNREACH, f"{what}: off loopback, refused by the az harness")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.sendto"):
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse(f"{event.removeprefix('socket.')} {address[0]}:{address[1]}")
    elif event == "socket.getaddrinfo" and not _local(args[0]):
        _refuse(f"lookup {args[0]!s}")


sys.addaudithook(_audit)
