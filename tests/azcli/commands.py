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
    shows: str | None = None  # a working command's stdout holds this (placeholders filled)


RG = "/subscriptions/{sub}/resourceGroups/{rg}"
VM_ID = RG + "/providers/Microsoft.Compute/virtualMachines/vm1"
# The object id of the sandbox's own identity, which `az login --identity` signs in as.
SANDBOX_IDENTITY = "00000000-0000-4000-8000-0000000000b1"

COMMANDS: tuple[Command, ...] = (
    # Pointing az at the sandbox, and signing in.
    Command("az cloud register -n AzlabSandbox --endpoint-resource-manager {endpoint}"),
    Command("az cloud set -n AzlabSandbox"),
    Command("az cloud show -n AzlabSandbox"),
    Command("az login --identity"),
    Command("az account show", shows="{sub}"),
    Command("az account list"),  # signed out, it lists no subscription and exits 0
    Command("az account set --subscription {sub}"),
    Command("az account list-locations"),
    Command("az provider show -n Microsoft.Compute"),
    # Resource groups.
    Command("az group create -n {rg} -l {loc} --tags owner=lab-team"),
    Command("az group show -n {rg}"),
    Command("az group list"),
    Command("az group exists -n {rg}", shows="true"),
    Command("az group update -n {rg} --set tags.env=lab"),
    # Networks, subnets, NSGs and their rules.
    Command(
        "az network vnet create -g {rg} -n vnet1 --address-prefixes 10.2.0.0/16"
        " --subnet-name default --subnet-prefixes 10.2.0.0/24",
    ),
    Command("az network vnet show -g {rg} -n vnet1"),
    Command("az network vnet list -g {rg}"),
    Command(
        "az network vnet subnet create -g {rg} --vnet-name vnet1 -n apps"
        " --address-prefixes 10.2.1.0/24",
    ),
    Command("az network vnet subnet list -g {rg} --vnet-name vnet1"),
    Command("az network vnet subnet show -g {rg} --vnet-name vnet1 -n apps"),
    Command("az network nsg create -g {rg} -n nsg1"),
    Command(
        "az network nsg rule create -g {rg} --nsg-name nsg1 -n allow-rdp --priority 1000"
        " --access Allow --protocol Tcp --direction Inbound --destination-port-ranges 3389",
    ),
    Command("az network nsg rule list -g {rg} --nsg-name nsg1", shows="allow-rdp"),
    Command("az network nsg rule show -g {rg} --nsg-name nsg1 -n allow-rdp"),
    Command("az network nsg show -g {rg} -n nsg1"),
    Command(
        "az network vnet subnet update -g {rg} --vnet-name vnet1 -n apps"
        " --network-security-group nsg1",
    ),
    # Public IPs and NICs.
    Command(
        "az network public-ip create -g {rg} -n pip1 --sku Standard --allocation-method Static",
    ),
    Command("az network public-ip show -g {rg} -n pip1"),
    Command("az network public-ip list -g {rg}"),
    Command(
        "az network nic create -g {rg} -n nic1 --vnet-name vnet1 --subnet default"
        " --public-ip-address pip1 --network-security-group nsg1",
    ),
    Command("az network nic show -g {rg} -n nic1"),
    Command("az network nic list -g {rg}"),
    Command("az network nic ip-config list -g {rg} --nic-name nic1"),
    # Managed disks.
    Command("az disk create -g {rg} -n data1 --size-gb 32 --sku Premium_LRS"),
    Command("az disk show -g {rg} -n data1"),
    Command("az disk list -g {rg}"),
    Command("az disk update -g {rg} -n data1 --size-gb 64"),
    # Sizes, SKUs and images.
    Command("az vm list-sizes -l {loc}", shows="Standard_B2ms"),
    Command("az vm list-skus -l {loc} --resource-type virtualMachines"),
    Command("az vm image list-offers -l {loc} -p MicrosoftWindowsServer"),
    Command("az vm image list-skus -l {loc} -p MicrosoftWindowsServer -f WindowsServer"),
    Command(
        "az vm image list -l {loc} -p MicrosoftWindowsServer -f WindowsServer"
        " -s 2022-datacenter --all",
    ),
    Command(
        "az vm image show -l {loc} --urn MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest",
    ),
    # VMs. `az vm create` deploys an ARM template, which the sandbox does not emulate; a VM is
    # created with `az rest`, as a user without templates would.
    Command(
        "az vm create -g {rg} -n vm0 --image MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest"
        " --size Standard_B2s --admin-username labadmin --admin-password Sandbox-Only-Pw1!"
        " --vnet-name vnet1 --subnet default --public-ip-address '' --nsg ''",
        "it deploys an ARM template, and the sandbox has no route for Microsoft.Resources/"
        "deployments (template deployments are out of its scope); az then prints a traceback",
    ),
    Command(
        "az rest --method put --url " + VM_ID + "?api-version=2024-07-01 --body @{vm_body}",
    ),
    Command("az vm wait -g {rg} -n vm1 --created"),
    Command("az vm show -g {rg} -n vm1"),
    Command("az vm show -d -g {rg} -n vm1"),
    Command("az vm list -g {rg}"),
    Command("az vm list -d -g {rg}"),
    Command("az vm get-instance-view -g {rg} -n vm1"),
    Command("az vm list-ip-addresses -g {rg} -n vm1", shows="pip1"),
    Command("az vm stop -g {rg} -n vm1"),
    Command("az vm deallocate -g {rg} -n vm1"),
    Command("az vm start -g {rg} -n vm1"),
    Command("az vm restart -g {rg} -n vm1"),
    Command("az vm resize -g {rg} -n vm1 --size Standard_B2ms"),
    Command("az vm update -g {rg} -n vm1 --set tags.role=dc"),
    Command("az vm disk attach -g {rg} --vm-name vm1 --name data1"),
    Command("az vm disk detach -g {rg} --vm-name vm1 --name data1"),
    Command("az vm open-port -g {rg} -n vm1 --port 443 --priority 1010"),
    # Storage accounts, containers and blobs.
    Command("az storage account create -g {rg} -n {sa} -l {loc} --sku Standard_LRS"),
    Command("az storage account show -g {rg} -n {sa}"),
    Command("az storage account list -g {rg}"),
    Command(
        "az storage account show -g {rg} -n {sa} --query primaryEndpoints.blob -o tsv",
        save="blob_endpoint",
    ),
    Command(
        "az storage account keys list -g {rg} -n {sa} --query [0].value -o tsv",
        save="key",
    ),
    Command("az storage container-rm create -g {rg} --storage-account {sa} -n vhds"),
    Command("az storage container-rm list -g {rg} --storage-account {sa}"),
    Command(
        "az storage container create -n images --connection-string {connection_string}",
    ),
    Command(
        "az storage blob upload -c vhds -n notes.txt -f {upload_file}"
        " --connection-string {connection_string}",
    ),
    Command(
        "az storage blob list -c vhds --connection-string {connection_string}", shows="notes.txt"
    ),
    Command(
        "az storage blob show -c vhds -n notes.txt --connection-string {connection_string}",
    ),
    Command(
        "az storage blob download -c vhds -n notes.txt -f {download_file}"
        " --connection-string {connection_string}",
    ),
    # Roles (Microsoft.Authorization); the principal named by object id, as az reaches no Graph.
    Command("az role definition list --name Reader", shows="acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    Command("az role definition list --custom-role-only true"),
    Command(
        "az role assignment create --assignee-object-id "
        + SANDBOX_IDENTITY
        + " --assignee-principal-type ServicePrincipal --role Reader --scope "
        + RG
        + " --query id -o tsv",
        save="assignment",
    ),
    Command("az role assignment list -g {rg} --fill-principal-name false", shows="Reader"),
    Command("az role assignment delete --ids {assignment}"),
    # App Service plans and Function apps (Microsoft.Web).
    Command("az appservice plan create -g {rg} -n plan1 --is-linux --sku B1"),
    Command("az appservice plan show -g {rg} -n plan1", shows="B1"),
    Command("az appservice plan list -g {rg}"),
    Command(
        "az functionapp create -g {rg} -n azlabfn1 --storage-account {sa}"
        " --consumption-plan-location {loc} --runtime python --functions-version 4"
        " --os-type Linux --assign-identity [system] --disable-app-insights",
        expect_fail="az first reads Microsoft.Web's catalogue of regions (`geoRegions`) and"
        " runtime stacks (`functionAppStacks`), which the sandbox does not serve; a Function app"
        " made through the API (`azlab scheduler deploy`, azure-mgmt-web) works",
    ),
    Command("az functionapp list -g {rg}"),
    Command("az appservice plan delete -g {rg} -n plan1 --yes"),
    # Tags and the generic resource API.
    Command("az tag update --resource-id " + RG + " --operation Merge --tags cost=lab"),
    Command("az tag list --resource-id " + RG, shows="cost"),
    Command("az resource list -g {rg}"),
    Command("az resource list --resource-type Microsoft.Compute/virtualMachines", shows="vm1"),
    Command("az resource list --tag role=dc", shows="vm1"),
    Command("az resource show --ids " + VM_ID),
    Command("az resource tag --ids " + VM_ID + " --tags role=dc tier=0 -i"),
    # Tidying up.
    Command("az vm delete -g {rg} -n vm1 --yes"),
    Command("az disk delete -g {rg} -n data1 --yes"),
    Command("az network nic delete -g {rg} -n nic1"),
    Command("az network public-ip delete -g {rg} -n pip1"),
    Command("az group delete -n {rg} --yes"),
)
