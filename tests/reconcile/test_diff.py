"""Golden cases for the pure diff: desired + observed -> changes."""

from __future__ import annotations

from dataclasses import replace

from azlab.reconcile.diff import diff, summarize
from azlab.reconcile.model import PLAN_TAG, Action, Desired, FieldChange, Kind, Observed

PLAN = "lynclab"
OWNED = {PLAN_TAG: PLAN}


def vm(size: str = "Standard_B2ms", image: str = "img:a", **tags: str) -> Desired:
    return Desired(
        Kind.VM,
        "dc01",
        {"size": size, "image": image},
        tags={**OWNED, **tags},
        create_only=frozenset({"image"}),
    )


def seen(size: str = "Standard_B2ms", image: str = "img:a", **tags: str) -> Observed:
    return Observed(Kind.VM, "dc01", {"size": size, "image": image}, tags=tags)


def only(changes: list) -> object:
    assert len(changes) == 1
    return changes[0]


def test_missing_resource_is_created() -> None:
    change = only(diff(PLAN, [vm()], []))
    assert change.action is Action.CREATE


def test_matching_resource_is_noop_ignoring_case_and_extra_tags() -> None:
    have = seen(size="standard_b2ms", **OWNED, costcenter="42")
    change = only(diff(PLAN, [vm()], [have]))
    assert change.action is Action.NOOP


def test_changed_size_is_update_in_place_with_old_and_new() -> None:
    change = only(diff(PLAN, [vm(size="Standard_B4ms")], [seen(**OWNED)]))
    assert change.action is Action.UPDATE
    assert change.fields == (FieldChange("size", "Standard_B2ms", "Standard_B4ms"),)


def test_changed_tag_value_is_update() -> None:
    change = only(diff(PLAN, [vm(role="dc")], [seen(**OWNED, role="sql")]))
    assert change.action is Action.UPDATE
    assert change.fields == (FieldChange("tags.role", "sql", "dc"),)


def test_create_time_property_is_replace_with_reason() -> None:
    change = only(diff(PLAN, [vm(image="img:b")], [seen(**OWNED)]))
    assert change.action is Action.REPLACE
    assert "image cannot change in place" in change.reason


def test_resource_an_interrupted_apply_left_unfinished_is_written_again() -> None:
    for state in ("Creating", "Updating", "Failed"):
        have = replace(seen(**OWNED), provisioning=state)
        change = only(diff(PLAN, [vm()], [have]))
        assert change.action is Action.UPDATE and change.fields == ()
        assert f"provisioning {state}" in change.reason
    settled = replace(seen(**OWNED), provisioning="Succeeded")
    assert only(diff(PLAN, [vm()], [settled])).action is Action.NOOP


def test_container_the_plan_does_not_list_is_never_pruned() -> None:
    container = Observed(Kind.CONTAINER, "st01/someones", {}, tags=OWNED)
    change = only(diff(PLAN, [], [container], prune=True))
    assert change.action is Action.ORPHAN and "--prune leaves it" in change.reason


def test_resource_without_plan_tag_is_never_changed() -> None:
    change = only(diff(PLAN, [vm(size="Standard_B4ms")], [seen()]))
    assert change.action is Action.NOT_MANAGED
    assert f"{PLAN_TAG}={PLAN}" in change.reason


def test_resource_of_another_plan_is_not_managed() -> None:
    change = only(diff(PLAN, [vm()], [seen(**{PLAN_TAG: "other"})]))
    assert change.action is Action.NOT_MANAGED
    assert "'other'" in change.reason


def test_unlisted_unowned_resource_is_left_alone_even_when_pruning() -> None:
    stray = Observed(Kind.VM, "jumpbox", {}, tags={})
    change = only(diff(PLAN, [], [stray], prune=True))
    assert change.action is Action.NOT_MANAGED


def test_unlisted_owned_resource_is_orphan_unless_pruning() -> None:
    gone = Observed(Kind.VM, "old01", {}, tags=dict(OWNED))
    assert only(diff(PLAN, [], [gone])).action is Action.ORPHAN
    assert only(diff(PLAN, [], [gone], prune=True)).action is Action.DELETE


def test_nested_mapping_compares_only_keys_the_plan_sets() -> None:
    want = Desired(Kind.NETWORK, "vnet", {"subnets": {"core": "10.0.0.0/24"}}, tags=OWNED)
    have = Observed(
        Kind.NETWORK,
        "vnet",
        {"subnets": {"core": "10.0.0.0/24", "GatewaySubnet": "10.0.9.0/27"}},
        tags=OWNED,
    )
    assert only(diff(PLAN, [want], [have])).action is Action.NOOP


def test_summary_counts_each_action() -> None:
    changes = diff(
        PLAN,
        [vm(), Desired(Kind.NIC, "dc01-nic", {}, tags=OWNED)],
        [seen(size="Standard_B1s", **OWNED), Observed(Kind.DISK, "x", {}, tags={})],
    )
    counts = summarize(changes)
    assert counts["update"] == 1
    assert counts["create"] == 1
    assert counts["not-managed"] == 1


def test_a_change_azure_makes_only_while_deallocated_says_apply_stops_it_first() -> None:
    want = replace(
        vm(),
        props={"size": "Standard_B2ms", "max_price": 0.05, "license_type": "Windows_Server"},
        needs_deallocation=frozenset({"max_price"}),
    )
    have = Observed(
        Kind.VM,
        "dc01",
        {"size": "Standard_B2ms", "max_price": -1.0, "license_type": None},
        tags=OWNED,
    )
    change = only(diff(PLAN, [want], [have]))
    assert change.action is Action.UPDATE
    assert change.reason == "max_price change only while deallocated: apply deallocates it first"
    licence_only = replace(want, props={**want.props, "max_price": -1.0})
    change = only(diff(PLAN, [licence_only], [have]))
    assert change.action is Action.UPDATE and change.reason == ""


def test_a_dropped_failsafe_is_deleted_while_its_vm_stays_and_kept_when_the_vm_goes() -> None:
    failsafe = Observed(
        Kind.SHUTDOWN, "shutdown-computevm-dc01", {"vm": "dc01", "time": "1930"}, tags=OWNED
    )
    changes = diff(PLAN, [vm()], [seen(**OWNED), failsafe])
    dropped = next(c for c in changes if c.kind is Kind.SHUTDOWN)
    assert dropped.action is Action.DELETE and "failsafe_shutdown removed" in dropped.reason
    kept = only(diff(PLAN, [], [failsafe]))
    assert kept.action is Action.ORPHAN
