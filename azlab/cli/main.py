"""Entry point of the `azlab` command: builds the app and turns errors into exit codes."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from typer._click.exceptions import ClickException

from azlab import __version__
from azlab.errors import AzlabError

app = typer.Typer(
    name="azlab",
    help="Run Azure IaaS labs from one declarative plan file: validate, plan, apply, "
    "schedule, migrate, and rehearse in a local sandbox.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"azlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    sandbox: bool = typer.Option(
        False,
        "--sandbox",
        help="Run this one command against a throwaway local sandbox (no Azure account needed).",
    ),
) -> None:
    """azlab command line."""


def _register_commands() -> None:
    # Each command module adds itself to `app`; importing them here keeps main small.
    from azlab.cli import commands  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code instead of raising."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--sandbox" in args:
        args.remove("--sandbox")
        return _in_throwaway_sandbox(args)
    return _run(args)


def _in_throwaway_sandbox(args: list[str]) -> int:
    from azlab.sandbox.runner import Sandbox

    saved = dict(os.environ)
    try:
        with Sandbox() as sandbox:
            os.environ.update(sandbox.env())
            return _run(args)
    except AzlabError as exc:
        _report(exc)
        return exc.exit_code
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _report(exc: AzlabError) -> None:
    err = Console(stderr=True, highlight=False)
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
    if exc.hint:
        err.print(f"  hint: {exc.hint}", markup=False, soft_wrap=True)


def _run(args: list[str]) -> int:
    from azlab.cli.streams import redacted_output
    from azlab.redact import forget_all

    forget_all()
    with redacted_output():
        return _run_redacted(args)


def _run_redacted(args: list[str]) -> int:
    from azlab.cli.logs import configure_logging

    configure_logging()
    err = Console(stderr=True, highlight=False)
    try:
        _register_commands()
        rc = app(args=args, standalone_mode=False)
    except AzlabError as exc:
        _report(exc)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err.print("aborted")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except ClickException as exc:  # usage errors: bad option, missing argument
        exc.show()
        return int(exc.exit_code)
    except Exception as exc:  # a bug: one line for the user, the traceback in the debug log
        import logging

        from azlab.redact import redact

        logging.getLogger("azlab").debug("unexpected error", exc_info=True)
        err.print(
            f"error: azlab failed unexpectedly: {type(exc).__name__}: {redact(str(exc))}",
            markup=False,
            soft_wrap=True,
        )
        err.print("  hint: run again with AZLAB_LOG_LEVEL=DEBUG for the details", markup=False)
        return 1
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
