"""Adopting: a resource that matches the plan but lacks its tag is taken over only with
`adopt`, and then only its tags change."""

from __future__ import annotations

from azlab.reconcile.diff import diff
from azlab.reconcile.model import PLAN_TAG, Action, Desired, FieldChange, Kind, Observed

PLAN = "lynclab"


def vm(size: str = "Standard_B2ms", **props: object) -> Desired:
    return Desired(
        Kind.VM,
        "dc01",
        {"size": size, "image": "img:a", **props},
        tags={PLAN_TAG: PLAN, "role": "dc"},
        create_only=frozenset({"image"}),
    )


def seen(size: str = "Standard_B2ms", image: str | None = "img:a", **tags: str) -> Observed:
    return Observed(Kind.VM, "dc01", {"size": size, "image": image}, tags=tags)


def test_a_matching_resource_without_the_tag_stays_not_managed_without_adopt() -> None:
    (change,) = diff(PLAN, [vm()], [seen(owner="me")])
    assert change.action is Action.NOT_MANAGED
    assert "--adopt" in change.reason and f"{PLAN_TAG}={PLAN}" in change.reason
    assert not change.is_change


def test_adopt_changes_only_the_tags_of_a_matching_resource() -> None:
    (change,) = diff(PLAN, [vm()], [seen(owner="me")], adopt=True)
    assert change.action is Action.ADOPT and change.is_change
    assert change.fields == (
        FieldChange(f"tags.{PLAN_TAG}", None, PLAN),
        FieldChange("tags.role", None, "dc"),
    )


def test_a_resource_that_differs_is_not_adopted_and_the_reason_names_what_differs() -> None:
    (change,) = diff(PLAN, [vm(size="Standard_B4ms")], [seen()], adopt=True)
    assert change.action is Action.NOT_MANAGED
    assert "(size)" in change.reason


def test_another_plans_resource_is_never_adopted() -> None:
    (change,) = diff(PLAN, [vm()], [seen(**{PLAN_TAG: "other"})], adopt=True)
    assert change.action is Action.NOT_MANAGED
    assert "'other'" in change.reason


def test_a_resource_still_provisioning_is_not_adopted() -> None:
    have = Observed(
        Kind.VM, "dc01", {"size": "Standard_B2ms", "image": "img:a"}, provisioning="Updating"
    )
    (change,) = diff(PLAN, [vm()], [have], adopt=True)
    assert change.action is Action.NOT_MANAGED


def test_a_vm_booted_from_a_disk_is_adopted_though_azure_reports_no_image() -> None:
    # Azure keeps no image for an attached OS disk; azlab reads it from the tag adopting adds.
    have = Observed(
        Kind.VM, "dc01", {"size": "Standard_B2ms", "image": None, "attach_os_disk": True}
    )
    (change,) = diff(PLAN, [vm(attach_os_disk=True)], [have], adopt=True)
    assert change.action is Action.ADOPT
    assert FieldChange("image", None, "img:a") in change.fields
