"""Each listed schema gap must still be seen: a gap that is fixed must leave known_gaps.py.

Runs after the rest of the suite (tests/spec sorts last), on the violations the
suite-wide check in tests/conftest.py collected. SCHEMA_GAPS shows in the spec
tests' own traffic, so any run that replays the examples decides them; SUITE_GAPS
only in other tests' traffic, so only a run of the whole suite decides those. A
run that leaves some out cannot tell a fixed gap from one it did not reach, so it skips.
In a distributed run (make test's `pytest -n 2`) each worker sees its share only: the
controller merges the workers' traffic and fails the run on a listed gap none of them saw.
"""

from __future__ import annotations

import pytest

from tests.spec import specs, traffic
from tests.spec.known_gaps import SCHEMA_GAPS, SUITE_GAPS
from tests.spec.replay import examples

ROOT = specs.specs_dir()
EXAMPLE_NAMES = {e.name for e in examples(ROOT)} if ROOT is not None else set()


def _params() -> list[object]:
    if specs.specs_dir() is None:
        reason = "../shared/arm-specs is absent (set AZLAB_SHARED to the shared folder)"
        return [
            pytest.param(None, None, False, marks=pytest.mark.skip(reason=reason), id="no-specs")
        ]
    return [
        pytest.param(
            key, why, ours, id=" ".join(key), marks=pytest.mark.xfail(strict=True, reason=why)
        )
        for table, ours in ((SCHEMA_GAPS, True), (SUITE_GAPS, False))
        for key, why in table.items()
    ]


@pytest.mark.parametrize(("key", "why", "in_spec_tests"), _params())
def test_listed_schema_gap_is_still_there(
    key: tuple[str, str, str, str], why: str, in_spec_tests: bool, request: pytest.FixtureRequest
) -> None:
    seen = traffic.SESSION.seen.get(key)
    if seen is not None:
        pytest.fail(f"{seen} ({why})")
    every_example = bool(EXAMPLE_NAMES) and set(traffic.SESSION.examples) >= EXAMPLE_NAMES
    decides = traffic.SESSION.full_run or (in_spec_tests and every_example)
    if hasattr(request.config, "workerinput"):
        pytest.skip("one worker's share of the suite: the controller decides (tests/conftest.py)")
    if not decides:
        pytest.skip("not seen in this partial run; the whole suite decides")
