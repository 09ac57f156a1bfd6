"""Pure ordering of power steps: tiers inside a group, depends_on across groups."""

from __future__ import annotations

from azlab.power.steps import PowerVm, build_steps
from azlab.power_state import PowerState

VMS = [
    PowerVm("dc01", "core", 0),
    PowerVm("sql01", "core", 1),
    PowerVm("fe01", "lync", 0),
    PowerVm("edge01", "lync", 1),
    PowerVm("web01", "web", 0),
]
DEPENDS = {"lync": ["core"], "core": [], "web": []}


def by_key(steps: list) -> dict:
    return {s.key: s for s in steps}


def test_start_goes_up_the_tiers_and_waits_for_dependencies() -> None:
    wants = dict.fromkeys(("core", "lync", "web"), PowerState.RUNNING)
    steps = by_key(build_steps(VMS, wants, DEPENDS))
    assert steps[("core", 0, PowerState.RUNNING)].needs == ()
    assert steps[("core", 1, PowerState.RUNNING)].needs == (("core", 0, PowerState.RUNNING),)
    # lync's first tier waits for core's last tier.
    assert steps[("lync", 0, PowerState.RUNNING)].needs == (("core", 1, PowerState.RUNNING),)
    assert steps[("lync", 1, PowerState.RUNNING)].needs == (("lync", 0, PowerState.RUNNING),)
    # An independent group starts at once.
    assert steps[("web", 0, PowerState.RUNNING)].needs == ()


def test_stop_goes_down_the_tiers_and_dependents_stop_first() -> None:
    wants = dict.fromkeys(("core", "lync"), PowerState.DEALLOCATED)
    steps = by_key(build_steps(VMS, wants, DEPENDS))
    assert steps[("lync", 1, PowerState.DEALLOCATED)].needs == ()
    assert steps[("lync", 0, PowerState.DEALLOCATED)].needs == (
        ("lync", 1, PowerState.DEALLOCATED),
    )
    # core stops after lync's lowest tier.
    assert steps[("core", 1, PowerState.DEALLOCATED)].needs == (
        ("lync", 0, PowerState.DEALLOCATED),
    )
    assert steps[("core", 0, PowerState.DEALLOCATED)].needs == (
        ("core", 1, PowerState.DEALLOCATED),
    )


def test_dependency_in_another_direction_is_not_waited_for() -> None:
    # core stops while lync starts: neither waits for the other.
    wants = {"core": PowerState.DEALLOCATED, "lync": PowerState.RUNNING}
    steps = by_key(build_steps(VMS, wants, DEPENDS))
    assert steps[("lync", 0, PowerState.RUNNING)].needs == ()
    assert steps[("core", 1, PowerState.DEALLOCATED)].needs == ()


def test_groups_without_a_wanted_state_have_no_steps() -> None:
    steps = build_steps(VMS, {"web": PowerState.RUNNING}, DEPENDS)
    assert [s.key for s in steps] == [("web", 0, PowerState.RUNNING)]
    assert steps[0].vms == ("web01",)
