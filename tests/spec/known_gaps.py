"""Where the sandbox is known to differ from Microsoft's REST specs today.

Each entry is an expected failure (strict: once fixed, the entry must go), and
anything not listed fails the test whose exchange broke the spec, anywhere in the
suite (tests/conftest.py's STRICT). EXAMPLE_GAPS
covers tests/spec/test_examples.py; SCHEMA_GAPS, the answers the spec tests' own
exchanges show; SUITE_GAPS, those only the rest of the suite's exchanges show.
Requests azlab sends are never listed: they must follow the specs.
`AZLAB_SPEC_RECORD=FILE pytest` writes what a run saw in this
file's format, with the test that first showed each violation.
"""

from __future__ import annotations

# Replayed example (folder/file under arm-specs/replay) -> why it does not replay as documented.
EXAMPLE_GAPS: dict[str, str] = {
    "compute/DERIVED_VirtualMachine_Get_ExpandInstanceView": "VM lacks availabilitySet, proximityPlacementGroup, applicationProfile, diagnosticsProfile, extensionsTimeBudget, resources; instance view lacks platform domains, extensions, bootDiagnostics, patchStatus",
    "compute/VirtualMachine_Create_WithDiskEncryptionSetResource": "the sandbox has no images or disk encryption sets to refer to",
    "compute/VirtualMachine_Get": "VM lacks availabilitySet, proximityPlacementGroup, applicationProfile, userData, diagnosticsProfile, extensionsTimeBudget, resources",
    "compute/VirtualMachine_Get_InstanceView": "instance view lacks platform domains, extension handlers, extensions, bootDiagnostics, patchStatus, isVMInStandbyPool",
    "compute/VirtualMachine_Deallocate_MaximumSet_Gen": "the generated example hibernates (hibernate=true) a VM made without hibernation enabled, which Azure refuses; the sandbox refuses it too",
    "compute/VirtualMachine_ListAll_MaximumSet_Gen": "listed VMs lack most optional properties of the maximum set",
    "disks/Disk_Create_ByImportingBlobFromADifferentSubscription": "the example's account name myStorageAccount is refused (upper case) so its storageAccountId cannot exist",
    "disks/Disk_Create_ByImportingBlobFromTheSameSubscription": "the example's account mystorageaccount does not exist in the sandbox, which reads no blob outside itself",
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
SCHEMA_GAPS: dict[tuple[str, str, str, str], str] = {}

# The same, for answers only tests outside tests/spec see (a whole-suite run decides these).
SUITE_GAPS: dict[tuple[str, str, str, str], str] = {}
