"""The Typer application: its settings, the error edge, the entry point, and building only the
command asked for."""

from __future__ import annotations

import codecs
import functools
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from mscref import __version__
from mscref.data.errors import DataError, ImportFailed, MscrefError


def _fit_help(text: str) -> str:
    """Help text that standard output's encoding can hold (stand-ins for the rest, as tables get):
    click writes help to an ASCII stream as UTF-8, which the reader cannot decode."""
    from mscref.render.termtable import fit_encoding, is_unicode

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return text if is_unicode(encoding) else fit_encoding(text, encoding)


def _fitted(command: Any) -> Any:
    """``command`` (and, for a group, the commands it hands out) writing help through
    :func:`_fit_help`."""
    if command is None or getattr(command, "_mscref_fitted", False):
        return command
    get_help, get_command = command.get_help, getattr(command, "get_command", None)
    command.get_help = lambda ctx: _fit_help(get_help(ctx))
    if get_command is not None:
        command.get_command = lambda ctx, name: _fitted(get_command(ctx, name))
    command._mscref_fitted = True
    return command


class OneLineErrors(typer.core.TyperGroup):
    """The command group, with a usage mistake (``--format xml``, an unknown option) told in one
    line on stderr, ``error: …``, and exit code 2: no usage block, no box. Help is plain text
    wrapped to the terminal as whole sentences (Rich's help boxes cut long words short in a
    narrow terminal and can leave an option's help out)."""

    def get_help(self, ctx: Any) -> str:
        return _fit_help(super().get_help(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return _fitted(super().get_command(ctx, cmd_name))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                typer.echo(ctx.get_help())
                sys.exit(exc.exit_code)
            message = " ".join(exc.format_message().split())
            if ctx is not None:
                message += f" See '{ctx.command_path} --help'."
            typer.echo(f"error: {message}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


_APP_SETTINGS: dict[str, Any] = {
    "cls": OneLineErrors,
    "name": "mscref",
    "help": "Compare MSC source tissues, trials and approved products, every figure with its citation.",
    "no_args_is_help": True,
    "add_completion": True,
    "rich_markup_mode": None,
    # help as wide as the terminal up to 100 columns (click's default stops at 80)
    "context_settings": {"max_content_width": 100},
    "pretty_exceptions_enable": False,
}
app = typer.Typer(**_APP_SETTINGS)

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(func: F) -> F:
    """End a user's mistake in one clear message on stderr and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (DataError, ImportFailed) as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            typer.echo(f"error: {exc.args[0]}", err=True)
            raise typer.Exit(code=exc.exit_code) from None
        except MscrefError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=exc.exit_code) from None
        except BrokenPipeError:
            # the reader went away (`mscref trials | head -1`); click would make this exit 1
            raise typer.Exit(code=pipe_closed()) from None

    return wrapper  # type: ignore[return-value]


#: Exit code when the reader of standard output goes away (`mscref trials | head -1`): the
#: output was wanted only that far, so this is a success, as for a program that finished.
#: Not 141 (128 + SIGPIPE): Python cannot always tell, since a large write into a pipe whose
#: reader leaves midway may be cut short without an error, which would make the code depend
#: on timing.
PIPE_EXIT = 0


def pipe_closed() -> int:
    """Stop writing to a closed standard output, quietly: what is still buffered goes to
    /dev/null (else Python reports the failed flush at exit). Returns :data:`PIPE_EXIT`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor behind stdout: nothing to flush
        pass
    return PIPE_EXIT


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mscref {__version__}")
        raise typer.Exit()


@app.callback()
def callback(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the full traceback if mscref itself fails, and why the cache was refused "
            "(also MSCREF_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """mscref: the facts on mesenchymal stem/stromal cell therapies, with citations."""
    if debug:
        os.environ["MSCREF_DEBUG"] = "1"
    if os.environ.get("MSCREF_DEBUG"):
        ctx.call_on_close(_cache_note)


def _cache_note() -> None:
    """Under --debug, one line on why the data-set cache was not used (when it was refused)."""
    cache = sys.modules.get("mscref.data.cache")
    reason = cache.last_status() if cache is not None else None
    if reason:
        typer.echo(f"debug: {reason}", err=True)


#: Exit code of an internal error (a bug in mscref, not a mistake of the user's).
BUG_EXIT = 3
ISSUES = "the mscref issue tracker"


#: Options of the whole program that may come before the command's name.
_GLOBAL_FLAGS = frozenset({"--debug"})


def app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command that ``argv`` names.

    Typer turns every command's signature into options before it runs any of them, which
    costs more than answering a question on the bundled data; building just the named
    command keeps start-up short. Anything else (help, --version, a mistyped name, no name)
    gets the whole app, so its messages list every command.
    """
    for arg in argv:
        if arg in _GLOBAL_FLAGS:
            continue
        if arg.startswith("-"):
            return app
        commands = [c for c in app.registered_commands if _command_name(c) == arg]
        groups = [g for g in app.registered_groups if g.name == arg]
        if not commands and not groups:
            return app
        sub = typer.Typer(**_APP_SETTINGS)
        sub.registered_callback = app.registered_callback
        sub.registered_commands = commands
        sub.registered_groups = groups
        return sub
    return app


def _command_name(info: Any) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


def fit_stdout() -> None:
    """Let standard output write what its encoding cannot hold (``PYTHONIOENCODING=ascii``,
    ``latin-1``, a C locale) as stand-ins (é as e, — as -, anything else as ?) instead of failing.
    Tables are fitted before they are drawn (ASCII borders, see ``render.termtable``)."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        unicode = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        unicode = False
    if unicode or not isinstance(stream, io.TextIOWrapper):
        return
    from mscref.render.termtable import encode_fallback

    codecs.register_error(_STAND_IN_ERRORS, encode_fallback)
    stream.reconfigure(errors=_STAND_IN_ERRORS)


_STAND_IN_ERRORS = "mscref-stand-in"


def _file_identity(stream: object) -> tuple[int, int] | None:
    """(device, inode) of the file behind ``stream``, None when it has no descriptor."""
    try:
        info = os.fstat(stream.fileno())  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_dev, info.st_ino


def main(argv: list[str] | None = None) -> None:
    """The console entry point: the CLI, with one line instead of a traceback for a bug."""
    args = sys.argv[1:] if argv is None else argv
    fit_stdout()
    stdout, stdout_file = sys.stdout, _file_identity(sys.stdout)
    try:
        try:
            app_for(args)(args=args, prog_name="mscref")
        except SystemExit:
            # On a closed pipe, click swaps in a stdout wrapper and Rich points the descriptor
            # at /dev/null, and both exit 1 (while writing --help, for one).
            if sys.stdout is not stdout or _file_identity(sys.stdout) != stdout_file:
                raise SystemExit(pipe_closed()) from None
            sys.stdout.flush()  # here, where a closed pipe can still be answered
            raise
    except BrokenPipeError:
        raise SystemExit(pipe_closed()) from None
    except Exception as exc:  # the one broad catch: a user's mistake never gets here (see handles_errors)
        if os.environ.get("MSCREF_DEBUG"):
            raise
        sys.stdout.flush()
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in mscref {__version__}; "
            f"please report it to {ISSUES} with the command you ran (add --debug for the traceback).",
            err=True,
        )
        raise SystemExit(BUG_EXIT) from None
