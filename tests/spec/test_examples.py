"""Microsoft's REST API examples, replayed against the sandbox: the status is one the example
documents, and every key path of the documented body is in the answer with the same JSON type."""

from __future__ import annotations

import pytest

from azlab.sandbox.pytest_plugin import credential
from azlab.sandbox.runner import Sandbox
from tests.spec import specs, traffic
from tests.spec.known_gaps import EXAMPLE_GAPS
from tests.spec.replay import Example, Replayer, examples

ROOT = specs.specs_dir()
EXAMPLES = examples(ROOT) if ROOT is not None else []


def _params() -> list[object]:
    if not EXAMPLES:
        reason = "../shared/arm-specs is absent (set AZLAB_SHARED to the shared folder)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-specs")]
    return [
        pytest.param(
            example,
            id=example.name,
            marks=[pytest.mark.xfail(strict=True, reason=EXAMPLE_GAPS[example.name])]
            if example.name in EXAMPLE_GAPS
            else [],
        )
        for example in EXAMPLES
    ]


@pytest.mark.parametrize("example", _params())
def test_example_replays_as_documented(example: Example, sandbox: Sandbox) -> None:
    loaded = specs.load()
    assert loaded is not None
    token = credential(sandbox).get_token("https://management.azure.com/.default")
    replayer = Replayer(
        loaded,
        sandbox.endpoint,
        str(sandbox.ca_file),
        sandbox.subscription,
        token.token,  # type: ignore[attr-defined]
    )
    try:
        found = replayer.run(example)
    except AssertionError as exc:
        found = [str(exc).splitlines()[0]]
    traffic.SESSION.examples[example.name] = found[0][:120] if found else ""
    assert not found, (
        f"{example.name} ({example.operation_id}) differs from the documented answer:\n  "
        + "\n  ".join(found[:25])
        + (f"\n  ... and {len(found) - 25} more" if len(found) > 25 else "")
    )
