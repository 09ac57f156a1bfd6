"""Microsoft.Compute's routes: managed disks and virtual machines, parsed and answered.

The state and its rules live in `compute_vms.py` and `compute_disks.py` (disk
bytes in `compute_disk_bytes.py`, pure rules in `compute_model.py`); this
module maps each request onto them and builds the answer (`lro.py` for the
long-running ones).
"""

from __future__ import annotations

from azlab.sandbox.arm import lro
from azlab.sandbox.arm.compute_disk_bytes import GIB, DiskBytes, disk_key
from azlab.sandbox.arm.compute_disks import DISK_TYPE, Disks, disk_id
from azlab.sandbox.arm.compute_vms import VM_TYPE, VirtualMachines, vm_id
from azlab.sandbox.arm.core import (
    Json,
    Reply,
    Request,
    State,
    body_of,
    not_found,
    page,
    resource_not_found,
)
from azlab.sandbox.arm.lro import accepted, in_progress
from azlab.sandbox.arm.routes import PROVIDERS, Handler, Route, rg_id, route

__all__ = ["GIB", "Compute", "disk_key"]

COMPUTE = PROVIDERS + "/microsoft.compute"
VM = COMPUTE + "/virtualmachines/{name}"
DISK = COMPUTE + "/disks/{name}"
SUBSCRIPTION_COMPUTE = "/subscriptions/{sub}/providers/microsoft.compute"
POWER_ACTIONS = ("start", "deallocate", "powerOff", "restart")


class Compute:
    def __init__(self, state: State, backend: object = None) -> None:
        self.state = state
        self.data = DiskBytes(backend)
        self.disks = Disks(state, self.data)
        self.vms = VirtualMachines(state, self.disks)

    def close(self) -> None:
        self.data.close()

    def routes(self) -> list[Route]:
        routes = [
            route("PUT", VM, self.put_vm, compute="action"),
            route("PATCH", VM, self.patch_vm, compute="action"),
            route("GET", VM, self.get_vm, compute="get"),
            route("DELETE", VM, self.delete_vm, compute="action"),
            route("GET", VM + "/instanceview", self.get_instance_view, compute="get"),
            route(
                "POST",
                VM + "/simulateeviction",
                self.simulate_eviction,
                compute="action",
                op="vm.simulateEviction",
            ),
            route("GET", VM.rsplit("/", 1)[0], self.list_vms, compute="list"),
            route(
                "GET", SUBSCRIPTION_COMPUTE + "/virtualmachines", self.list_all_vms, compute="list"
            ),
            route("PUT", DISK, self.put_disk),
            route("PATCH", DISK, self.patch_disk),
            route("GET", DISK, self.get_disk),
            route("DELETE", DISK, self.delete_disk),
            route("GET", DISK.rsplit("/", 1)[0], self.list_disks),
            route("GET", SUBSCRIPTION_COMPUTE + "/disks", self.list_all_disks),
            route("POST", DISK + "/begingetaccess", self.grant_access),
            route("POST", DISK + "/endgetaccess", self.revoke_access),
        ]
        for action in POWER_ACTIONS:
            routes.append(
                route(
                    "POST",
                    f"{VM}/{action.lower()}",
                    self._power(action),
                    compute="action",
                    op=f"vm.{action}",
                )
            )
        return routes

    # lookups
    def _group(self, p: dict[str, str]) -> Json:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        return group

    def _vm(self, p: dict[str, str]) -> Json:
        vm = self.state.get(vm_id(rg_id(p), p["name"]))
        if vm is None:
            raise resource_not_found(VM_TYPE, p["name"], p["rg"])
        return vm

    def _disk(self, p: dict[str, str]) -> Json:
        resource_id = disk_id(rg_id(p), p["name"])
        disk = self.state.get(resource_id)
        if disk is None:
            raise not_found("disk", resource_id)
        return disk

    def _of_type(self, p: dict[str, str], type_name: str) -> list[Json]:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        return [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == type_name
        ]

    # virtual machines
    def get_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        # `az vm show -d --include-user-data` asks for `instanceView,userData`.
        expand = {e.strip().lower() for e in req.query.get("$expand", "").split(",")}
        if "instanceview" in expand:
            return Reply(200, self.vms.with_view(vm))
        return Reply(200, vm)

    def get_instance_view(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.vms.view(self._vm(p)))

    def list_vms(self, req: Request, p: dict[str, str]) -> Reply:
        vms = self.state.children(rg_id(p), "providers/microsoft.compute/virtualmachines")
        return page(req, vms, self.state.settings.page_size)

    def list_all_vms(self, req: Request, p: dict[str, str]) -> Reply:
        vms = self._of_type(p, VM_TYPE)
        status_only = req.query.get("statusonly", "").lower() == "true"
        render = self.vms.with_view if status_only else None
        return page(req, vms, self.state.settings.page_size, render)

    def put_vm(self, req: Request, p: dict[str, str]) -> Reply:
        resource_id = vm_id(rg_id(p), p["name"])
        existing = self.state.get(resource_id)
        if existing is not None:
            op = self.vms.update(rg_id(p), existing, body_of(req))
            return in_progress(self.state, req, 200, existing, op, p["sub"], lro.COMPUTE)
        group = self._group(p)
        vm, op = self.vms.create(rg_id(p), group["location"], resource_id, p["name"], body_of(req))
        return in_progress(self.state, req, 201, vm, op, p["sub"], lro.COMPUTE)

    def patch_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        op = self.vms.update(rg_id(p), vm, body_of(req))
        return in_progress(self.state, req, 200, vm, op, p["sub"], lro.COMPUTE)

    def delete_vm(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self.state.get(vm_id(rg_id(p), p["name"]))
        if vm is None:
            return Reply(204)
        return accepted(req, self.vms.delete(vm), p["sub"], lro.COMPUTE, vm["location"])

    def _power(self, action: str) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            vm = self._vm(p)
            hibernate = req.query.get("hibernate", "").lower() == "true"
            op = self.vms.act(vm, action, hibernate=hibernate)
            return accepted(req, op, p["sub"], lro.COMPUTE, vm["location"])

        return handler

    def simulate_eviction(self, req: Request, p: dict[str, str]) -> Reply:
        self.vms.simulate_eviction(self._vm(p))
        return Reply(204)

    def evict(self, name: str) -> list[str]:
        """Evict every running Spot VM of that name now (the control API's `evict`)."""
        found = [
            r["id"]
            for r in self.state.resources.values()
            if r.get("type") == VM_TYPE and r["name"].lower() == name.lower()
        ]
        return [rid for rid in found if self.vms.evict(rid)]

    # managed disks
    def put_disk(self, req: Request, p: dict[str, str]) -> Reply:
        group = self._group(p)
        resource_id = disk_id(rg_id(p), p["name"])
        existing = self.state.get(resource_id)
        if existing is not None:
            return Reply(200, self.disks.update(existing, body_of(req)))
        # Disk writes answer 202 with the disk as it is now, and the operation's URLs.
        op = self.disks.create(group, resource_id, p["name"], body_of(req))
        disk = self._disk(p)
        return in_progress(self.state, req, 202, disk, op, p["sub"], lro.DISKS)

    def patch_disk(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.disks.update(self._disk(p), body_of(req)))

    def get_disk(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(disk_id(rg_id(p), p["name"]))
        if disk is None:
            raise resource_not_found(DISK_TYPE, p["name"], p["rg"])
        return Reply(200, disk)

    def delete_disk(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self.state.get(disk_id(rg_id(p), p["name"]))
        if disk is None:
            return Reply(204)
        return accepted(req, self.disks.delete(disk), p["sub"], lro.DISKS, disk["location"])

    def list_disks(self, req: Request, p: dict[str, str]) -> Reply:
        disks = self.state.children(rg_id(p), "providers/microsoft.compute/disks")
        return page(req, disks, self.state.settings.page_size)

    def list_all_disks(self, req: Request, p: dict[str, str]) -> Reply:
        return page(req, self._of_type(p, DISK_TYPE), self.state.settings.page_size)

    def grant_access(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self._disk(p)
        seconds = int(body_of(req).get("durationInSeconds", 3600))
        url = self.data.access_url(disk["id"], seconds) or (
            f"{req.base_url}/_sandbox/disks/{disk['name']}?sv=2024-08-04&sr=b&sp=r&sig=none"
        )
        op = self.disks.grant_access(disk, url)
        return accepted(req, op, p["sub"], lro.DISKS, disk["location"])

    def revoke_access(self, req: Request, p: dict[str, str]) -> Reply:
        disk = self._disk(p)
        return accepted(req, self.disks.revoke_access(disk), p["sub"], lro.DISKS, disk["location"])
