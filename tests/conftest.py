from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.spec import specs, traffic
from tests.spec.known_gaps import SCHEMA_GAPS, SUITE_GAPS

pytest_plugins = ["azlab.sandbox.pytest_plugin"]

DEFAULT_MARKERS = "not soak and not azcli"  # pyproject's addopts
LISTED = SCHEMA_GAPS.keys() | SUITE_GAPS.keys()
# known_gaps.py is recorded over the whole suite (5,259 exchanges, none unlisted), so an
# unlisted violation fails the test that caused it, wherever it is.
STRICT = ("tests/",)


@pytest.fixture(autouse=True)
def _money_stays_local(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No price list unless a sandbox serves one; price cache and spend ledger in a temp dir."""
    base = tmp_path_factory.mktemp("money")
    monkeypatch.setenv("AZLAB_PRICES_ENDPOINT", "off")
    monkeypatch.setenv("AZLAB_PRICES_CACHE", str(base / "prices"))
    monkeypatch.setenv("AZLAB_LEDGER_DIR", str(base / "ledger"))


@pytest.fixture(autouse=True)
def _exchanges_follow_the_specs(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used the sandbox, every request it was sent and every answer it
    gave must validate against Microsoft's REST specs, unless listed in known_gaps."""
    yield
    loaded = specs.load()
    if loaded is None or "sandbox" not in request.fixturenames:
        return
    session = request.getfixturevalue("azlab_sandbox_session")
    found = traffic.violations(loaded, session.emulator.log)
    traffic.SESSION.add(found, request.node.nodeid)
    unlisted = sorted({str(v) for v in found if v.key not in LISTED})
    strict = request.node.nodeid.startswith(STRICT) or os.environ.get("AZLAB_SPEC_STRICT")
    if unlisted and strict and not os.environ.get("AZLAB_SPEC_RECORD"):
        pytest.fail(
            "exchanges with the sandbox break the REST specs (tests/spec/known_gaps.py):\n  "
            + "\n  ".join(unlisted[:20]),
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    replayed = traffic.SESSION.examples
    if replayed:
        terminalreporter.section("REST spec examples")
        good = sum(1 for why in replayed.values() if not why)
        terminalreporter.write_line(
            f"Spec examples replayed as documented: {good} of {len(replayed)}"
        )
    if traffic.SESSION.checked:
        terminalreporter.section("REST spec schema checks")
        for line in traffic.SESSION.summary():
            terminalreporter.write_line(line)
    for key in traffic.SESSION.fixed:
        terminalreporter.write_line(
            f"FAILED listed gap no longer seen, remove it from tests/spec/known_gaps.py: {key}",
            red=True,
        )


def _whole_suite(config: pytest.Config) -> bool:
    """Whether every test runs (hence every listed gap should show): all of tests/, with the
    default markers, nothing deselected by keyword or by a rerun of failures."""
    option = config.option
    args = [a.rstrip("/") for a in config.args]
    return (
        args in ([], ["tests"])
        and not option.keyword
        and option.markexpr == DEFAULT_MARKERS
        and not getattr(option, "deselect", None)
        and not getattr(option, "lf", False)
    )


def _worker(config: pytest.Config) -> bool:
    """A worker process of a distributed run (`pytest -n`, as make test runs the suite)."""
    return hasattr(config, "workerinput")


def _controller(config: pytest.Config) -> bool:
    return not _worker(config) and bool(getattr(config.option, "numprocesses", None))


def pytest_collection_finish(session: pytest.Session) -> None:
    # A worker sees only its share of the traffic; the controller decides the gaps.
    traffic.SESSION.full_run = _whole_suite(session.config) and not _worker(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    data = getattr(node, "workeroutput", {}).get("spec_traffic")
    if data is not None:
        traffic.SESSION.merge(data)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _worker(config):
        config.workeroutput["spec_traffic"] = traffic.SESSION.as_data()  # type: ignore[attr-defined]
        return
    if _controller(config) and _whole_suite(config) and specs.specs_dir() is not None:
        # tests/spec/test_schema_gaps.py's check, over every worker's traffic.
        fixed = sorted(key for key in LISTED if key not in traffic.SESSION.counts)
        if fixed:
            traffic.SESSION.fixed = fixed
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    record = os.environ.get("AZLAB_SPEC_RECORD")
    if record:
        traffic.SESSION.record(record)
