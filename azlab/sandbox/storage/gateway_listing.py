"""List Blobs with `include=copy`, showing the copies the gateway follows as Azure would.

Azurite lists a copy as finished at once and names itself, not the gateway, as the
copy source; only such listings are read whole and rewritten, the rest stream.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from aiohttp import web

# Blob property headers and their List Blobs elements.
ELEMENTS = {
    "x-ms-copy-id": "CopyId",
    "x-ms-copy-status": "CopyStatus",
    "x-ms-copy-progress": "CopyProgress",
    "x-ms-copy-status-description": "CopyStatusDescription",
    "x-ms-copy-completion-time": "CopyCompletionTime",
}


def lists_copies(request: web.Request) -> bool:
    query = request.query
    include = {part.strip().lower() for part in query.get("include", "").split(",")}
    return (
        request.method == "GET"
        and query.get("restype") == "container"
        and query.get("comp") == "list"
        and "copy" in include
    )


def rewrite(
    body: bytes,
    properties: Callable[[str], dict[str, str] | None],
    address: Callable[[str], str],
) -> bytes:
    """`body` with each listed blob's copy state from `properties(name)` (when it gives
    one) and Azurite's addresses turned into the gateway's by `address`."""
    root = ET.fromstring(body)
    if "ServiceEndpoint" in root.attrib:
        root.set("ServiceEndpoint", address(root.attrib["ServiceEndpoint"]))
    for blob in root.iter("Blob"):
        props = blob.find("Properties")
        if props is None:
            continue
        source = props.find("CopySource")
        if source is not None and source.text:
            source.text = address(source.text)
        shown = properties(blob.findtext("Name") or "")
        if shown is None:
            continue
        if shown.get("x-ms-copy-status") == "pending":
            for stale in props.findall("CopyCompletionTime"):
                props.remove(stale)
        for header, tag in ELEMENTS.items():
            if header in shown:
                element = props.find(tag)
                if element is None:
                    element = ET.SubElement(props, tag)
                element.text = shown[header]
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text
