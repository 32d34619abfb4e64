"""The boundary between a person at a terminal and the library: every KgError becomes
`Error: message` and its exit code (an OSError names its file, never a private path), text from
the bibliography is made safe for a terminal, and the two options every command shares are
checked: -o/--output is what a command writes, --out the build folder it reads.

kg.cli is the wiring of the commands; this module is what they all do the same way.
"""
from __future__ import annotations

import os
import sys

import click

from kg.core.errors import KgError


def shown(text: str, json_text: bool = False) -> str:
    """Text from the bibliography, made safe for a terminal (kg.core.output.visible: no
    escape sequence, no bidi override; line ends and tabs kept) or, for JSON, with \\u escapes."""
    from kg.core import output

    return output.json_safe(text) if json_text else output.visible(text, keep="\n\t")


def program(group: click.Group) -> None:
    """Run ``group``'s command line as the program of this process (the `kg` console script),
    tuned for a process that lives as long as one command, as mypy tunes its own:

    - the cyclic garbage collector runs after 200,000 new objects instead of 700: a build
      makes millions of objects that live until its end, and the collector went through them
      again and again (50,000 entries: 19.2 -> 17.4 s of CPU, 11.8 -> 11.0 s, the same peak
      memory);
    - once the command is done, its output flushed, and nothing is left to run (no other
      thread, no exit handler: a build's worker pool registers one), the process ends without
      tearing its objects down one by one (mypy's ``hard_exit``): 10-16 ms of a query's
      100-160 ms.  Files are closed by the commands themselves, never at exit.

    A test or a program that calls the commands (click's CliRunner, ``main()``) gets neither:
    only the process's own program changes its collector."""
    import gc

    gc.set_threshold(200_000, 30, 30)
    try:
        group.main(prog_name="kg")  # click's standalone mode: it always exits
        code = 0
    except SystemExit as e:
        code = e.code
    _end(code)


def _end(code) -> None:
    """Exit with ``code`` (SystemExit's), without the interpreter's teardown when nothing is
    left to do but free memory (see program)."""
    import atexit
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int):  # a message: Python prints it
        sys.exit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python's own exit deals with it
        sys.exit(code)
    # atexit's count of its handlers is CPython's (elsewhere: assume there are some)
    handlers = getattr(atexit, "_ncallbacks", lambda: 1)()
    if threading.active_count() == 1 and handlers == 0:
        os._exit(code)
    sys.exit(code)


def answer(text: str) -> None:
    """Print a command's answer as kg.core.output made it.  Table, markdown and JSON hold no
    control character (made visible, or escaped, there); CSV keeps its cells as they are for a
    file or a program, and on a terminal shows their control characters as a table does (as
    ``ls`` does with a file name).  So click's search for escape sequences, which it strips from
    piped output only, is not run: 7 ms of a 7 MB table, and a CSV file keeps its cells."""
    if sys.stdout is not None and sys.stdout.isatty():
        from kg.core.output import visible

        text = visible(text, keep="\n\t")
    click.echo(text, nl=False, color=True)


class KgCommand(click.Command):
    """Records its arguments, so that an error without a file name can name the output."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            if e.option_name in ("-o", "--output"):  # -o is what a command writes
                raise click.UsageError(
                    f"kg {ctx.info_name} prints its answer and writes no file, so it has no "
                    f"{e.option_name}; the folder of the build it reads is --out DIR", ctx
                ) from None
            raise

    def invoke(self, ctx):
        ctx.find_root().meta["kg.params"] = dict(ctx.params)
        settle_base(ctx)  # the options parsed, nothing read yet
        return super().invoke(ctx)


def _target(ctx) -> str | None:
    """The file or folder the command writes (its --output, else its --out), if any."""
    params = ctx.meta.get("kg.params") or {}
    for name in ("dest", "out"):
        if params.get(name):
            return str(params[name])
    return None


def _os_error(ctx, e: OSError) -> str:
    """`Error: FILE: reason` for an OSError, FILE always named and never a private path."""
    name = e.filename if e.filename not in (None, "") else e.filename2
    reason = e.strerror or str(e) or type(e).__name__
    from kg.builder.store import public_path, public_text

    if name not in (None, ""):
        name = public_path(os.fsdecode(name))
    else:
        name = _target(ctx)
        if name is None:
            return f"Error: {public_text(reason)}"
    return f"Error: {name}: {public_text(reason)}"


class KgGroup(click.Group):
    """Turns every KgError into `Error: message` and its exit code, with no traceback."""

    command_class = KgCommand
    group_class = type  # `kg import` too: its commands are KgCommands

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KgError as e:
            from kg.builder.store import public_text

            click.echo(shown(public_text(f"Error: {e}")), err=True)
            ctx.exit(e.exit_code)
        except OSError as e:  # disk full, permissions...: the user's to fix, not a bug
            click.echo(shown(_os_error(ctx, e)), err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous output is intact.", err=True)
            ctx.exit(130)


#: what a value of --out (a build folder) never looks like: the name of a file a command writes
_FILE_SUFFIXES = (".bib", ".json", ".jsonld", ".html", ".htm", ".graphml", ".gexf", ".csv",
                  ".md", ".ris", ".rdf", ".ttl", ".nt", ".txt", ".tex", ".xml")


def build_folder(ctx, param, value):
    """--out: a folder; a value that names a file (one that exists, or a file name such as
    essay.bib or g.graphml) is refused, with the option that means it."""
    if value is None:
        return value
    p = os.fspath(value)
    looks_like_file = os.path.isfile(p) or (
        not os.path.isdir(p) and p.lower().endswith(_FILE_SUFFIXES))
    if looks_like_file:
        writes = any(o.name == "dest" for o in ctx.command.params)
        then = ("; the file this command writes is -o/--output" if writes else
                "; give the build a folder name" if ctx.info_name == "build" else
                f"; kg {ctx.info_name} prints its answer (redirect it: > {p})")
        raise click.BadParameter(f"{p!r} looks like a file, and --out is the folder of the "
                                 f"build{then}", ctx, param)
    return value


def output_file(ctx, param, value):
    """-o/--output (the file or folder a command writes): refused when it names a build
    folder (that is --out)."""
    if value is not None and os.path.isdir(os.path.join(os.fspath(value), ".kg")):
        raise click.BadParameter(f"{os.fspath(value)!r} is the folder of a build (that is "
                                 "--out); -o/--output is what this command writes", ctx, param)
    return value


#: where a build folder keeps its live generation's read model (kg.builder.store's KG_DIR /
#: CURRENT / kg.core.readmodel's NAME; tests/cli/test_cli_base.py keeps them equal).  Read with
#: sqlite3 alone: the base IRI must be known before any module of kg binds it.
_LIVE_READ_MODEL = (".kg", "current", "read.sqlite")


def settle_base(ctx, base: str | None = None) -> None:
    """Set this process's base IRI once, before the command reads or mints an IRI: ``base``
    (--base), else KG_BASE, else the base the live build of the command's build folder (its
    parsed --out) was made with, else the default."""
    root = ctx.find_root()
    if root.meta.get("kg.base_set"):
        return
    from kg.core.vocab import ENV_BASE, set_base

    if base is None and not os.environ.get(ENV_BASE):
        folder = ctx.params.get("out")
        base = folder_base(os.fspath(folder)) if folder else None
    set_base(base)
    root.meta["kg.base_set"] = True


def folder_base(folder: str) -> str | None:
    """The base IRI the live build of ``folder`` was made with; None when there is none."""
    path = os.path.join(folder, *_LIVE_READ_MODEL)
    if not os.path.isfile(path):
        return None
    import sqlite3
    from pathlib import Path

    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE name = 'base'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None
