"""VM sign-in: exactly one way to sign in, and one the OS can use."""

from __future__ import annotations

from azlab.plan.context import LintContext, Rule, vm_path
from azlab.plan.keyfiles import KeyFileError, KeyPlaceError, KeyPlaces


def admin_secrets(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        admin = vm.admin
        given = [
            name
            for name in ("password_env", "ssh_key_file", "ssh_key_env")
            if getattr(admin, name) is not None
        ]
        at = vm_path(gi, vi, "admin")
        if len(given) != 1:
            ctx.error(
                "AZL072",
                f"vm {vm.name!r}: admin needs exactly one of password_env, ssh_key_env or "
                f"ssh_key_file (found {len(given)})",
                *at,
            )
        elif vm.os == "windows" and given[0] != "password_env":
            ctx.error(
                "AZL073",
                f"vm {vm.name!r}: a windows vm signs in with a password; use password_env",
                *at,
            )


def key_files(ctx: LintContext, places: KeyPlaces) -> None:
    """Each ssh_key_file lies where keys may be read from and, when it exists, is a public key.

    Not a rule of every load: only the commands that read keys (validate, plan, apply)
    check them, with the places the user allowed; a missing file is apply's error.
    """
    for gi, vi, _, vm in ctx.vms():
        written = vm.admin.ssh_key_file
        if not written or "${" in written:
            continue
        at = vm_path(gi, vi, "admin", "ssh_key_file")
        try:
            path = places.locate(written)
            if path.exists():
                places.read(written)
        except KeyPlaceError as exc:
            ctx.error("AZL090", f"vm {vm.name!r}: {exc}", *at)
        except KeyFileError as exc:
            ctx.error("AZL091", f"vm {vm.name!r}: {exc}", *at)


RULES: list[Rule] = [admin_secrets]
