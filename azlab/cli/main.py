"""Entry point of the `azlab` command: builds the app and turns errors into exit codes."""

from __future__ import annotations

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
    add_completion=False,
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
) -> None:
    """azlab command line."""


def _register_commands() -> None:
    # Each command module adds itself to `app`; importing them here keeps main small.
    from azlab.cli import commands  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code instead of raising."""
    _register_commands()
    err = Console(stderr=True, highlight=False)
    try:
        rc = app(args=argv if argv is not None else sys.argv[1:], standalone_mode=False)
    except AzlabError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", markup=False, soft_wrap=True)
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
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
