"""Imports every command module so each registers itself on the app."""

from __future__ import annotations

from azlab.cli import (  # noqa: F401
    copy,
    importer,
    migrate,
    money,
    power,
    reconcile,
    rehearse,
    sandbox,
    schedule,
    scheduler,
    snooze,
    validate,
)
