"""Entry point: one-line errors without tracebacks (``--debug`` shows them)."""

from __future__ import annotations

import sys

import typer

from generator.cli.build import build
from generator.cli.cache import cache
from generator.cli.deploy import deploy
from generator.cli.init_pages import init_pages
from generator.cli.merge import merge
from generator.cli.render import render
from generator.cli.serve import serve
from generator.errors import HeadAtlasError

app = typer.Typer(
    name="headatlas",
    help="What does each attention head of my model do? Builds a static report site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command()(build)
app.command()(render)
app.command()(serve)
app.command()(deploy)
app.command()(merge)
app.command()(cache)
app.command("init-pages")(init_pages)
COMMANDS = ("build", "render", "serve", "deploy", "merge", "cache", "init-pages")


@app.callback()
def _group() -> None:
    """What does each attention head of my model do? Builds a static report site.

    Add --debug anywhere to see the traceback of an error.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (2 for a user error, 130 when interrupted)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        status = app(args=args, prog_name="headatlas", standalone_mode=False)
    except HeadAtlasError as exc:
        if debug:
            raise
        print(f"headatlas: error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted()
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.TyperException as exc:  # usage errors: unknown flag, a value of the wrong type
        if debug:
            raise
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        command = next((a for a in args if a in COMMANDS), None)
        usage = f"headatlas {command} --help" if command else "headatlas --help"
        print(f"headatlas: error: {_one_line(message)} (see: {usage})", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2) or 2)
    if status == 130:  # Ctrl-C inside a command: typer turns it into an exit status
        return _interrupted()
    return status if isinstance(status, int) else 0


def _interrupted() -> int:
    print("headatlas: interrupted; the previous results and site are untouched", file=sys.stderr)
    return 130


def _one_line(message: str) -> str:
    return " ".join(message.split())


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())


if __name__ == "__main__":
    run()
