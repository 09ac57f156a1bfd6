"""The az commands a lab admin types for the resource types azlab manages, in the order typed.

Each runs against the sandbox as a user points az at it (harness.py). `expect_fail` records,
in this one place, why a command does not work against the sandbox yet; the test fails when a
command that should work fails, or one listed here starts working, so the table stays true.
Placeholders in braces come from the harness ({rg}, {sub}, ...) or from an earlier command's
output (`save`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    line: str  # shell-style; placeholders are filled after splitting, so values need no quoting
    expect_fail: str | None = None  # why it fails against the sandbox today; None: it works
    save: str | None = None  # keep its stdout (stripped) under this placeholder name


NO_SIGN_IN = "no sign-in yet: the sandbox serves no identity or token endpoint"
NO_LOGIN = "needs `az login`, which fails: " + NO_SIGN_IN

RG = "/subscriptions/{sub}/resourceGroups/{rg}"
VM_ID = RG + "/providers/Microsoft.Compute/virtualMachines/vm1"

COMMANDS: tuple[Command, ...] = (
    # Pointing az at the sandbox, and signing in.
    Command("az cloud register -n AzlabSandbox --endpoint-resource-manager {endpoint}"),
    Command("az cloud set -n AzlabSandbox"),
    Command("az cloud show -n AzlabSandbox"),
    Command("az login --identity", NO_SIGN_IN),
    Command("az account show", NO_LOGIN),
    Command("az account list"),  # signed out, it lists no subscription and exits 0
    Command("az account set --subscription {sub}", NO_LOGIN),
    Command("az account list-locations", NO_LOGIN),
    Command("az provider show -n Microsoft.Compute", NO_LOGIN),
    # Resource groups.
    Command("az group create -n {rg} -l {loc} --tags owner=lab-team", NO_LOGIN),
    Command("az group show -n {rg}", NO_LOGIN),
    Command("az group list", NO_LOGIN),
    Command("az group exists -n {rg}", NO_LOGIN),
    Command("az group update -n {rg} --set tags.env=lab", NO_LOGIN),
    # Networks, subnets, NSGs and their rules.
    Command(
        "az network vnet create -g {rg} -n vnet1 --address-prefixes 10.2.0.0/16"
        " --subnet-name default --subnet-prefixes 10.2.0.0/24",
        NO_LOGIN,
    ),
    Command("az network vnet show -g {rg} -n vnet1", NO_LOGIN),
    Command("az network vnet list -g {rg}", NO_LOGIN),
    Command(
        "az network vnet subnet create -g {rg} --vnet-name vnet1 -n apps"
        " --address-prefixes 10.2.1.0/24",
        NO_LOGIN,
    ),
    Command("az network vnet subnet list -g {rg} --vnet-name vnet1", NO_LOGIN),
    Command("az network vnet subnet show -g {rg} --vnet-name vnet1 -n apps", NO_LOGIN),
    Command("az network nsg create -g {rg} -n nsg1", NO_LOGIN),
    Command(
        "az network nsg rule create -g {rg} --nsg-name nsg1 -n allow-rdp --priority 1000"
        " --access Allow --protocol Tcp --direction Inbound --destination-port-ranges 3389",
        NO_LOGIN,
    ),
    Command("az network nsg rule list -g {rg} --nsg-name nsg1", NO_LOGIN),
    Command("az network nsg rule show -g {rg} --nsg-name nsg1 -n allow-rdp", NO_LOGIN),
    Command("az network nsg show -g {rg} -n nsg1", NO_LOGIN),
    Command(
        "az network vnet subnet update -g {rg} --vnet-name vnet1 -n apps"
        " --network-security-group nsg1",
        NO_LOGIN,
    ),
    # Public IPs and NICs.
    Command(
        "az network public-ip create -g {rg} -n pip1 --sku Standard --allocation-method Static",
        NO_LOGIN,
    ),
    Command("az network public-ip show -g {rg} -n pip1", NO_LOGIN),
    Command("az network public-ip list -g {rg}", NO_LOGIN),
    Command(
        "az network nic create -g {rg} -n nic1 --vnet-name vnet1 --subnet default"
        " --public-ip-address pip1 --network-security-group nsg1",
        NO_LOGIN,
    ),
    Command("az network nic show -g {rg} -n nic1", NO_LOGIN),
    Command("az network nic list -g {rg}", NO_LOGIN),
    Command("az network nic ip-config list -g {rg} --nic-name nic1", NO_LOGIN),
    # Managed disks.
    Command("az disk create -g {rg} -n data1 --size-gb 32 --sku Premium_LRS", NO_LOGIN),
    Command("az disk show -g {rg} -n data1", NO_LOGIN),
    Command("az disk list -g {rg}", NO_LOGIN),
    Command("az disk update -g {rg} -n data1 --size-gb 64", NO_LOGIN),
    # Sizes, SKUs and images.
    Command("az vm list-sizes -l {loc}", NO_LOGIN),
    Command("az vm list-skus -l {loc} --resource-type virtualMachines", NO_LOGIN),
    Command("az vm image list-offers -l {loc} -p MicrosoftWindowsServer", NO_LOGIN),
    Command("az vm image list-skus -l {loc} -p MicrosoftWindowsServer -f WindowsServer", NO_LOGIN),
    Command(
        "az vm image list -l {loc} -p MicrosoftWindowsServer -f WindowsServer"
        " -s 2022-datacenter --all",
        NO_LOGIN,
    ),
    Command(
        "az vm image show -l {loc} --urn MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest",
        NO_LOGIN,
    ),
    # VMs. `az vm create` deploys an ARM template, which the sandbox does not emulate; a VM is
    # created with `az rest`, as a user without templates would.
    Command(
        "az rest --method put --url " + VM_ID + "?api-version=2024-07-01 --body @{vm_body}",
        NO_LOGIN,
    ),
    Command("az vm wait -g {rg} -n vm1 --created", NO_LOGIN),
    Command("az vm show -g {rg} -n vm1", NO_LOGIN),
    Command("az vm show -d -g {rg} -n vm1", NO_LOGIN),
    Command("az vm list -g {rg}", NO_LOGIN),
    Command("az vm list -d -g {rg}", NO_LOGIN),
    Command("az vm get-instance-view -g {rg} -n vm1", NO_LOGIN),
    Command("az vm list-ip-addresses -g {rg} -n vm1", NO_LOGIN),
    Command("az vm stop -g {rg} -n vm1", NO_LOGIN),
    Command("az vm deallocate -g {rg} -n vm1", NO_LOGIN),
    Command("az vm start -g {rg} -n vm1", NO_LOGIN),
    Command("az vm restart -g {rg} -n vm1", NO_LOGIN),
    Command("az vm resize -g {rg} -n vm1 --size Standard_B2ms", NO_LOGIN),
    Command("az vm update -g {rg} -n vm1 --set tags.role=dc", NO_LOGIN),
    Command("az vm disk attach -g {rg} --vm-name vm1 --name data1", NO_LOGIN),
    Command("az vm disk detach -g {rg} --vm-name vm1 --name data1", NO_LOGIN),
    Command("az vm open-port -g {rg} -n vm1 --port 443 --priority 1010", NO_LOGIN),
    # Storage accounts, containers and blobs.
    Command("az storage account create -g {rg} -n {sa} -l {loc} --sku Standard_LRS", NO_LOGIN),
    Command("az storage account show -g {rg} -n {sa}", NO_LOGIN),
    Command("az storage account list -g {rg}", NO_LOGIN),
    Command(
        "az storage account show -g {rg} -n {sa} --query primaryEndpoints.blob -o tsv",
        NO_LOGIN,
        save="blob_endpoint",
    ),
    Command(
        "az storage account keys list -g {rg} -n {sa} --query [0].value -o tsv",
        NO_LOGIN,
        save="key",
    ),
    Command("az storage container-rm create -g {rg} --storage-account {sa} -n vhds", NO_LOGIN),
    Command("az storage container-rm list -g {rg} --storage-account {sa}", NO_LOGIN),
    Command(
        "az storage container create -n images --connection-string {connection_string}",
        NO_LOGIN,
    ),
    Command(
        "az storage blob upload -c vhds -n notes.txt -f {upload_file}"
        " --connection-string {connection_string}",
        NO_LOGIN,
    ),
    Command("az storage blob list -c vhds --connection-string {connection_string}", NO_LOGIN),
    Command(
        "az storage blob show -c vhds -n notes.txt --connection-string {connection_string}",
        NO_LOGIN,
    ),
    Command(
        "az storage blob download -c vhds -n notes.txt -f {download_file}"
        " --connection-string {connection_string}",
        NO_LOGIN,
    ),
    # Tags and the generic resource API.
    Command("az tag update --resource-id " + RG + " --operation Merge --tags cost=lab", NO_LOGIN),
    Command("az tag list --resource-id " + RG, NO_LOGIN),
    Command("az resource list -g {rg}", NO_LOGIN),
    Command("az resource list --resource-type Microsoft.Compute/virtualMachines", NO_LOGIN),
    Command("az resource list --tag owner=lab-team", NO_LOGIN),
    Command("az resource show --ids " + VM_ID, NO_LOGIN),
    Command("az resource tag --ids " + VM_ID + " --tags role=dc tier=0 -i", NO_LOGIN),
    # Tidying up.
    Command("az vm delete -g {rg} -n vm1 --yes", NO_LOGIN),
    Command("az disk delete -g {rg} -n data1 --yes", NO_LOGIN),
    Command("az network nic delete -g {rg} -n nic1", NO_LOGIN),
    Command("az network public-ip delete -g {rg} -n pip1", NO_LOGIN),
    Command("az group delete -n {rg} --yes", NO_LOGIN),
)
