"""Imports every command module so each registers itself on the app."""

from __future__ import annotations

from azlab.cli import copy, migrate, power, reconcile, rehearse, sandbox, validate  # noqa: F401
