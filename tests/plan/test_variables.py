"""`${NAME}`: only in the fields that take it, only from declared variables, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from azlab import redact
from azlab.plan import Finding, check_plan, load_plan
from azlab.plan.variables import FIELDS, FIXED, field_label, markdown_rows

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (Path(__file__).parent / "plans" / "good" / "minimal.yaml").read_text()
SECRET = "ghp_SuperSecretValue123"
GUID = "00000000-0000-0000-0000-000000000000"


def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def _with(head: str, *replacements: tuple[str, str]) -> str:
    """minimal.yaml with `head` after `location:` and each (old, new) replaced once."""
    text = MINIMAL.replace("location: westus2\n", f"location: westus2\n{head}", 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_the_issue_example_names_the_variable_and_never_its_value(tmp_path: Path) -> None:
    path = _plan(
        tmp_path, MINIMAL.replace(f"subscription: {GUID}", "subscription: ${SECRET_TOKEN}")
    )
    findings = check_plan(path, env={"SECRET_TOKEN": SECRET})
    assert "AZL074" in _codes(findings)
    text = "\n".join(map(str, findings))
    assert "SECRET_TOKEN" in text and SECRET not in text


def test_a_declared_secret_that_fails_validation_is_quoted_as_the_file_writes_it(
    tmp_path: Path,
) -> None:
    text = _with("vars: {SUB: {secret: true}}\n", (f"subscription: {GUID}", "subscription: ${SUB}"))
    findings = check_plan(_plan(tmp_path, text), env={"SUB": SECRET})
    [finding] = findings
    assert "is not a GUID" in finding.message
    assert "'${SUB}'" in finding.message and SECRET not in str(finding)


def test_a_plain_variable_in_a_failing_field_shows_only_its_name(tmp_path: Path) -> None:
    text = _with("vars: {ACCOUNT: {}}\n", ("{name: stlab01,", '{name: "st${ACCOUNT}01",'))
    findings = check_plan(_plan(tmp_path, text), env={"ACCOUNT": "Not_Lower_Case"})
    assert _codes(findings) == ["AZL040"]
    assert "'st${ACCOUNT}01'" in findings[0].message
    assert "Not_Lower_Case" not in findings[0].message


def test_declared_variables_fill_the_fields_that_take_them(tmp_path: Path) -> None:
    text = _with(
        "vars:\n  RG: {default: rg-lab-wus2}\n  OWNER:\n  COST: {secret: true}\n"
        'tags: {owner: "${OWNER}", cost: "c-${COST}", literal: "$${NOT_A_VAR}"}\n',
        ("resource_group: rg-lab", "resource_group: ${RG}"),
        (f"subscription: {GUID}", "subscription: ${AZURE_SUBSCRIPTION_ID}"),
        ("{name: stlab01,", '{name: "st${OWNER}01",'),
    )
    env = {"OWNER": "alice", "COST": "cc-1234", "AZURE_SUBSCRIPTION_ID": GUID}
    plan = load_plan(_plan(tmp_path, text), env=env).plan
    assert plan.resource_group == "rg-lab-wus2"
    assert plan.subscription == GUID
    assert plan.tags == {"owner": "alice", "cost": "c-cc-1234", "literal": "${NOT_A_VAR}"}
    assert plan.storage_accounts[0].name == "stalice01"
    assert plan.vars["COST"] is not None and plan.vars["COST"].secret


def test_the_fixed_set_needs_no_declaration() -> None:
    assert {"AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"} <= FIXED
    assert not any("SECRET" in name for name in FIXED)


@pytest.mark.parametrize(
    ("head", "old", "new", "code"),
    [
        ("vars: {NAME: {}}\n", "- name: dc01", "- name: ${NAME}", "AZL075"),
        ("vars: {SIZE: {}}\n", "size: Standard_B2ms", "size: ${SIZE}", "AZL075"),
        ("vars: {K: {}}\n", "tags:", "tags:", "AZL075"),
        ("vars: {S: {secret: true}}\n", "{name: stlab01,", '{name: "${S}",', "AZL076"),
        ("vars: {S: {secret: true}}\n", "resource_group: rg-lab", "resource_group: ${S}", "AZL076"),
        ("vars: {AZURE_CLIENT_SECRET: {}}\n", "", "", "AZL077"),
        ("vars: {STORAGE_ACCOUNT_KEY: {}}\n", "", "", "AZL077"),
        ("", "resource_group: rg-lab", "resource_group: rg-${", "AZL078"),
        ("", "resource_group: rg-lab", "resource_group: rg-${}", "AZL078"),
        ("vars: {S: {secret: true}}\n", "", "", "AZL079"),
    ],
)
def test_each_misuse_is_a_finding_that_never_shows_the_value(
    tmp_path: Path, head: str, old: str, new: str, code: str
) -> None:
    if code == "AZL075" and old == "tags:":
        head += 'tags: {"${K}": x}\n'
    text = _with(head, *([(old, new)] if old else []))
    env = {name: SECRET for name in ("NAME", "SIZE", "K", "AZURE_CLIENT_SECRET")}
    env |= {"STORAGE_ACCOUNT_KEY": SECRET, "S": "abc" if code == "AZL079" else SECRET}
    findings = check_plan(_plan(tmp_path, text), env=env)
    assert code in _codes(findings), "\n".join(map(str, findings))
    assert all(f.severity == "error" for f in findings if f.code == code)
    assert SECRET not in "\n".join(map(str, findings))


def test_an_unset_variable_warns_in_validate_and_stops_commands(tmp_path: Path) -> None:
    text = _with("vars: {OWNER: {}}\n", ("resource_group: rg-lab", "resource_group: rg-${OWNER}"))
    path = _plan(tmp_path, text)
    [finding] = [f for f in check_plan(path, env={}) if f.code == "AZL071"]
    assert finding.severity == "warning" and "OWNER" in finding.message
    [finding] = [f for f in check_plan(path, env={}, require_env=True) if f.code == "AZL071"]
    assert finding.severity == "error"


def test_a_loaded_secret_is_redacted_from_then_on(tmp_path: Path) -> None:
    redact.forget_all()
    text = _with('vars: {COST: {secret: true}}\ntags: {cost: "${COST}"}\n')
    load_plan(_plan(tmp_path, text), env={"COST": SECRET})
    assert redact.redact(f"tag cost = {SECRET}") == "tag cost = ${COST}"
    assert redact.redact(f'{{"cost": "{SECRET}"}}') == '{"cost": "${COST}"}'
    redact.forget_all()
    assert SECRET in redact.redact(SECRET)


def test_docs_list_the_fields_that_take_variables() -> None:
    docs = (ROOT / "docs" / "plan.md").read_text()
    assert markdown_rows() in docs
    assert field_label(("groups", "#", "vms", "#", "tags", "*")) == "groups[].vms[].tags.*"
    assert len(FIELDS) == markdown_rows().count("\n")
