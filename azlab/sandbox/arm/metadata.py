"""`GET /metadata/endpoints`: the sandbox described as a cloud, in ARM's shapes, without a token.

`az cloud register --endpoint-resource-manager` reads the 2022-09-01 shape (one
cloud), `ARM_CLOUD_METADATA_URL` readers the 2019-05-01 shape (a list of clouds)
and older SDKs the 2015-01-01 shape. Every endpoint names the sandbox itself,
so nothing a client derives from it leaves the machine: the sandbox is its own
login authority and its own audience, and storage suffixes name no real host.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import Json, Reply, Request
from azlab.sandbox.arm.directory import ARM_AUDIENCES
from azlab.sandbox.arm.routes import Route, route

CLOUD_NAME = "AzlabSandbox"
# Host suffixes a client appends to names (storage accounts, vaults); none resolves anywhere.
SUFFIX = "sandbox.invalid"
LIST_VERSIONS = ("2019-05-01", "2020-06-01")
LEGACY_VERSIONS = ("2015-01-01",)


def audiences(base_url: str) -> list[str]:
    """Token audiences the sandbox accepts; the first is the one az asks for."""
    return [f"{base_url}/", *ARM_AUDIENCES]


def cloud(base_url: str) -> Json:
    own = f"{base_url}/"
    return {
        "name": CLOUD_NAME,
        "portal": own,
        "resourceManager": own,
        "gallery": own,
        "graph": own,
        "graphAudience": own,
        "microsoftGraphResourceId": own,
        "activeDirectoryDataLake": own,
        "batch": own,
        "media": own,
        "sqlManagement": own,
        "vmImageAliasDoc": f"{base_url}/metadata/vm-image-aliases",
        "authentication": {
            "loginEndpoint": own,
            "audiences": audiences(base_url),
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {
            "acrLoginServer": f"azurecr.{SUFFIX}",
            "azureDataLakeAnalyticsCatalogAndJob": f"datalakeanalytics.{SUFFIX}",
            "azureDataLakeStoreFileSystem": f"datalakestore.{SUFFIX}",
            "keyVaultDns": f"vault.{SUFFIX}",
            "mhsmDns": f"managedhsm.{SUFFIX}",
            "sqlServerHostname": f"database.{SUFFIX}",
            "storage": SUFFIX,
            "storageSyncEndpointSuffix": f"afs.{SUFFIX}",
        },
    }


def legacy(base_url: str) -> Json:
    own = f"{base_url}/"
    return {
        "galleryEndpoint": own,
        "graphEndpoint": own,
        "portalEndpoint": own,
        "authentication": {"loginEndpoint": own, "audiences": audiences(base_url)},
    }


def endpoints(req: Request, _: dict[str, str]) -> Reply:
    version = req.query.get("api-version", "")
    if version in LEGACY_VERSIONS:
        return Reply(200, legacy(req.base_url))
    if version in LIST_VERSIONS:
        return Reply(200, [cloud(req.base_url)])
    return Reply(200, cloud(req.base_url))


def routes() -> list[Route]:
    """Routes served without a token."""
    return [route("GET", "/metadata/endpoints", endpoints)]
