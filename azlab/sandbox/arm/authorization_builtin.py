"""Azure's built-in role definitions the sandbox knows, with their real ids, names and permissions.

Read-only and tenant-wide, as in Azure. Virtual Machine Contributor lists
only the permissions on the providers the sandbox serves; the others are
Azure's whole definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STORAGE = "Microsoft.Storage/storageAccounts"
BLOB = f"{STORAGE}/blobServices/containers"
QUEUE = f"{STORAGE}/queueServices/queues"


@dataclass(frozen=True)
class BuiltIn:
    guid: str
    name: str
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = field(default=())


BUILT_IN: tuple[BuiltIn, ...] = (
    BuiltIn(
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Owner",
        "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        ("*",),
    ),
    BuiltIn(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        "Grants full access to manage all resources, but does not allow you to assign roles in "
        "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        ("*",),
        (
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    BuiltIn(
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "Reader",
        "View all resources, but does not allow you to make any changes.",
        ("*/read",),
    ),
    BuiltIn(
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        "Lets you manage user access to Azure resources.",
        ("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    BuiltIn(
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not "
        "allow you to manage access using other ways, such as Azure Policy.",
        (
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ),
    ),
    BuiltIn(
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        "Virtual Machine Contributor",
        "Create and manage virtual machines, manage disks, install and run software, reset "
        "password of the root user of the virtual machine using VM extensions, and manage local "
        "user accounts using VM extensions. This role does not grant you management access to "
        "the virtual network or storage account the virtual machines are connected to.",
        (
            "Microsoft.Authorization/*/read",
            "Microsoft.Compute/availabilitySets/*",
            "Microsoft.Compute/locations/*",
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachineScaleSets/*",
            "Microsoft.Compute/disks/write",
            "Microsoft.Compute/disks/read",
            "Microsoft.Compute/disks/delete",
            "Microsoft.DevTestLab/schedules/*",
            "Microsoft.Network/networkInterfaces/*",
            "Microsoft.Network/networkSecurityGroups/join/action",
            "Microsoft.Network/networkSecurityGroups/read",
            "Microsoft.Network/publicIPAddresses/join/action",
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            f"{STORAGE}/listKeys/action",
            f"{STORAGE}/read",
            "Microsoft.Support/*",
        ),
    ),
    BuiltIn(
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        "Storage Blob Data Reader",
        "Allows for read access to Azure Storage blob containers and data",
        (f"{BLOB}/read", f"{STORAGE}/blobServices/generateUserDelegationKey/action"),
        data_actions=(f"{BLOB}/blobs/read",),
    ),
    BuiltIn(
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "Storage Blob Data Contributor",
        "Allows for read, write and delete access to Azure Storage blob containers and data",
        (
            f"{BLOB}/delete",
            f"{BLOB}/read",
            f"{BLOB}/write",
            f"{STORAGE}/blobServices/generateUserDelegationKey/action",
        ),
        data_actions=(
            f"{BLOB}/blobs/delete",
            f"{BLOB}/blobs/read",
            f"{BLOB}/blobs/write",
            f"{BLOB}/blobs/move/action",
            f"{BLOB}/blobs/add/action",
        ),
    ),
    BuiltIn(
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        "Storage Blob Data Owner",
        "Allows for full access to Azure Storage blob containers and data, including assigning "
        "POSIX access control.",
        (f"{BLOB}/*", f"{STORAGE}/blobServices/generateUserDelegationKey/action"),
        data_actions=(f"{BLOB}/blobs/*",),
    ),
    BuiltIn(
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        "Storage Queue Data Contributor",
        "Allows for read, write, and delete access to Azure Storage queues and queue messages",
        (f"{QUEUE}/delete", f"{QUEUE}/read", f"{QUEUE}/write"),
        data_actions=(
            f"{QUEUE}/messages/delete",
            f"{QUEUE}/messages/read",
            f"{QUEUE}/messages/write",
            f"{QUEUE}/messages/process/action",
        ),
    ),
    BuiltIn(
        "8a0f0c08-91a1-4084-bc3d-661d67233fed",
        "Storage Queue Data Message Processor",
        "Allows for peek, receive, and delete access to Azure Storage queue messages",
        (),
        data_actions=(f"{QUEUE}/messages/read", f"{QUEUE}/messages/process/action"),
    ),
    BuiltIn(
        "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
        "Storage Queue Data Message Sender",
        "Allows for sending of Azure Storage queue messages",
        (),
        data_actions=(f"{QUEUE}/messages/add/action",),
    ),
    BuiltIn(
        "19e7f393-937e-4f77-808e-94535e297925",
        "Storage Queue Data Reader",
        "Allows for read access to Azure Storage queues and queue messages",
        (f"{QUEUE}/read",),
        data_actions=(f"{QUEUE}/messages/read",),
    ),
)
BY_GUID = {role.guid: role for role in BUILT_IN}
OWNER = BY_GUID["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"]
