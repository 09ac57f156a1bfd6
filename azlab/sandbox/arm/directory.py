"""Who the sandbox says exists: its tenant, its subscription and the managed identity it serves."""

from __future__ import annotations

SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
TENANT = "00000000-0000-4000-8000-0000000000a1"
TENANT_NAME = "azlab sandbox"
TENANT_DOMAIN = "azlabsandbox.onmicrosoft.com"
SUBSCRIPTION_NAME = "azlab sandbox"

# The system-assigned identity the identity endpoint hands tokens for.
IDENTITY_OBJECT_ID = "00000000-0000-4000-8000-0000000000b1"
IDENTITY_CLIENT_ID = "00000000-0000-4000-8000-0000000000c1"
# The resource that identity belongs to, as an App Service app's identity names its site.
IDENTITY_RESOURCE_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourcegroups/azlab-sandbox"
    "/providers/Microsoft.Web/sites/azlab-sandbox"
)

# What ARM accepts as a token's audience; the sandbox's own endpoint is accepted too.
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.azure.com/")
