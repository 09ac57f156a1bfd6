"""Azure's refusals during a deploy, told as what to do about them."""

from __future__ import annotations

from azlab.errors import AzlabError, AzureOperationError

_HINTS = {
    "authorizationfailed": "deploy needs Owner (or Contributor plus User Access Administrator) "
    "on the subscription: it creates a resource group, custom roles and role assignments",
    "linkedauthorizationfailed": "deploy needs rights on the plan's resource group too: "
    "ask its owner for User Access Administrator there",
    "storageaccountalreadytaken": "storage account names are global: pass --name to derive others",
    "websitealreadyexists": "Function App names are global: pass --name to choose another",
    "missingsubscriptionregistration": "register the provider once: "
    "az provider register -n Microsoft.Web (or Microsoft.Storage, Microsoft.Automation)",
    "roledefinitionwithsamenameexists": "a role of that name exists (made by hand?): "
    "delete it, or pass --name",
    "roleassignmentexists": "run azlab scheduler deploy again: it finds the assignment",
    "principalnotfound": "the app's identity is new and not yet known everywhere: "
    "run azlab scheduler deploy again in a minute",
}


def explain(exc: AzlabError) -> AzlabError:
    """The same error with a hint saying what to do, where Azure's code has a known remedy."""
    if not isinstance(exc, AzureOperationError) or exc.hint:
        return exc
    code = (exc.code or "").lower()
    hint = _HINTS.get(code)
    if code == "conflict" and "already exists" in exc.message:
        hint = "the name is taken (names of Function Apps are global): pass --name"
    if hint is None:
        return exc
    return AzureOperationError(
        exc.message, code=exc.code, resource=exc.resource, status=exc.status, hint=hint
    )
