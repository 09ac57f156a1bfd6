"""The diff never shows what Azure holds in a field whose planned value is a secret."""

from __future__ import annotations

import io

from rich.console import Console

from azlab import redact
from azlab.cli.render import SENSITIVE, changes_as_data, print_changes
from azlab.reconcile.model import Action, Change, FieldChange, Kind

SECRET = "Cost-center-4711"
EARLIER = "Cost-center-0815"


def test_a_secret_fields_current_value_is_shown_as_sensitive() -> None:
    redact.forget_all()
    redact.remember(SECRET, "${COST}")
    change = Change(
        Action.UPDATE,
        Kind.VM,
        "vm01",
        fields=(
            FieldChange("tags", {"cost": EARLIER, "owner": "a"}, {"cost": SECRET, "owner": "a"}),
            FieldChange("size", "Standard_B1s", "Standard_B2ms"),
        ),
    )
    out = io.StringIO()
    print_changes(Console(file=out, width=200), [change])
    text = redact.redact(out.getvalue())
    data = changes_as_data([change])
    redact.forget_all()
    assert EARLIER not in text and SECRET not in text
    assert f"tags: {SENSITIVE} -> {{cost: ${{COST}}, owner: a}}" in text
    assert "size: Standard_B1s -> Standard_B2ms" in text  # no secret: shown as it is
    assert data[0]["fields"][0]["old"] == SENSITIVE
    assert data[0]["fields"][1]["old"] == "Standard_B1s"
