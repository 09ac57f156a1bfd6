"""Where the sandbox is known to differ from Microsoft's REST specs today.

Each entry is an expected failure (strict: once fixed, the entry must go), and
anything not listed fails. EXAMPLE_GAPS covers tests/spec/test_examples.py;
SCHEMA_GAPS covers the exchanges of the tests under tests/spec, and of the whole
suite with AZLAB_SPEC_STRICT=1 (`AZLAB_SPEC_RECORD=FILE pytest` writes what a run
saw in this file's format, to extend it).
"""

from __future__ import annotations

# Replayed example (folder/file under arm-specs/replay) -> why it does not replay as documented.
EXAMPLE_GAPS: dict[str, str] = {
    "compute/DERIVED_VirtualMachine_Create_FromAttachedOsDisk": "VM answer lacks osDisk.caching and securityProfile",
    "compute/DERIVED_VirtualMachine_Get_ExpandInstanceView": "VM lacks timeCreated, osDisk.caching, osProfile.*Configuration, securityProfile; instance view lacks vmAgent, disks, statuses[].time, hyperVGeneration",
    "compute/VirtualMachine_Create_WithDiskEncryptionSetResource": "the sandbox has no images or disk encryption sets to refer to",
    "compute/VirtualMachine_Create_WithEmptyDataDisks": "VM answer lacks osProfile.secrets, windowsConfiguration, osDisk.caching, dataDisks[].toBeDetached, securityProfile",
    "compute/VirtualMachine_Create_WithPasswordAuthentication": "VM answer lacks osProfile.secrets, windowsConfiguration, osDisk.caching, securityProfile",
    "compute/VirtualMachine_Create_WithSshAuthentication": "VM answer lacks osProfile.secrets, osDisk.caching, securityProfile",
    "compute/VirtualMachine_Get": "VM lacks timeCreated, osDisk.caching, osProfile.*Configuration, securityProfile, diagnosticsProfile, resources",
    "compute/VirtualMachine_Get_InstanceView": "instance view lacks platform domains, osName, vmAgent, disks, statuses[].time, hyperVGeneration",
    "compute/VirtualMachine_ListAll_MaximumSet_Gen": "listed VMs lack most optional properties of the maximum set",
    "compute/VirtualMachine_Update_DetachDataDiskUsingToBeDetachedProperty": "VM answer lacks osProfile.secrets, windowsConfiguration, osDisk.caching, dataDisks[].toBeDetached",
    "disks/Disk_Create_ByImportingBlobFromADifferentSubscription": "the example's account name myStorageAccount is refused (upper case) so its storageAccountId cannot exist",
    "disks/Disk_Create_ByImportingBlobFromTheSameSubscription": "an Import within one subscription demands storageAccountId",
    "disks/Disk_Create_Empty": "a disk PUT answers 202 without the disk",
    "disks/Disk_Create_FromAnExistingManagedDisk": "a sourceResourceId without the leading / is not found (ids matched as exact strings)",
    "disks/Disk_Get": "disk lacks osType, hyperVGeneration, supportedCapabilities, encryption, timeCreated, managedBy",
    "network/NetworkInterfaceGet": "the documented NIC is attached to a VM and has an NSG, a public IP, a prefix and a DSCP configuration; the replayed NIC has none of them (no DSCP configurations in the sandbox)",
    "network/PublicIpAddressCreateCustomizedValues": "the example shows zones it did not ask for and an ipConfiguration a new address cannot have",
    "network/VirtualNetworkGet": "the documented vNet has a subnet used by a load balancer and a NAT gateway (neither in the sandbox); the replayed vNet has no subnet",
    "network/VirtualNetworkList": "the documented vNets have subnets, DNS servers and a NAT gateway (no NAT gateways in the sandbox); the replayed vNet has none of them",
    "storage/BlobContainersGet": "the documented container has an immutability policy and a legal hold (with their history); the sandbox has neither",
    "storage/StorageAccountGetProperties": "the documented account is geo-redundant with routing preferences, replication stats and resource access rules; the replayed one is Standard_LRS without them",
    "storage/StorageAccountList": "the documented accounts are geo-redundant, with routing preferences, an identity, replication stats and Key Vault keys; the replayed one is Standard_LRS without them",
    "storage/StorageAccountListByResourceGroup": "the documented accounts are geo-redundant (secondaryLocation, statusOfSecondary); the replayed one is Standard_LRS",
}

# (operationId, request|response, JSON path, rule) -> why.
SCHEMA_GAPS: dict[tuple[str, str, str, str], str] = {
    (
        "StorageAccounts_ListKeys",
        "response",
        "$.keys[*].permissions",
        "enum",
    ): "the sandbox answers permissions 'FULL'; the spec's enum is Read or Full",
}
