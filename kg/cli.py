"""The `kg` command: thin wrappers over the Python API.  Errors become `Error: ...` here."""
from __future__ import annotations

import sys

import click

from .errors import KgError


class KgGroup(click.Group):
    """Turns every KgError into `Error: message` and its exit code, with no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KgError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except OSError as e:  # disk full, permissions...: the user's to fix, not a bug
            click.echo(f"Error: {e.filename or ''}: {e.strerror or e}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous output is intact.", err=True)
            ctx.exit(130)


out_option = click.option("--out", "-o", "out", default="out", show_default=True,
                          type=click.Path(file_okay=False),
                          help="Output folder of the build.")
input_options = [
    click.option("--bib", type=click.Path(dir_okay=False),
                 help="Bibliography (default: ./references.bib, else the shipped corpus)."),
    click.option("--ontology", type=click.Path(dir_okay=False),
                 help="Ontology and themes (default: ./ontology.ttl, else the shipped one)."),
]


def inputs(f):
    for opt in reversed(input_options):
        f = opt(f)
    return f


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def main():
    """kg: an annotated bibliography as a knowledge graph.

    Thinkers, works, themes, quotes and claims from a BibLaTeX file, queried with SPARQL,
    browsed as a graph and exported for essays.
    """


@main.command()
@click.argument("bib", required=False, type=click.Path(dir_okay=False))
@click.option("--ontology", type=click.Path(dir_okay=False),
              help="Ontology and themes (default: ./ontology.ttl, else the shipped one).")
@out_option
@click.option("--strict", is_flag=True, help="Fail on the first error; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def build(bib, ontology, out, strict, quiet):
    """Build the graph from BIB (default ./references.bib, else the shipped corpus)."""
    from .build import build as run
    from .report import summary

    result = run(bib, ontology, out, strict=strict, progress=not quiet)
    text = summary(result, quiet=quiet)
    if text:
        click.echo(text, err=bool(result.errors) and quiet)
    if result.errors:
        sys.exit(1)


@main.command()
@inputs
@out_option
@click.option("--format", "fmt", type=click.Choice(["bibtex"]), default="bibtex",
              show_default=True)
@click.option("--key", "keys", multiple=True, help="Only this entry (repeatable).")
@click.option("--output", "dest", type=click.Path(dir_okay=False),
              help="Write to this file (default: standard output).")
def export(bib, ontology, out, fmt, keys, dest):
    """Export entries from the built graph."""
    from . import api

    text = api.export(fmt, keys=list(keys), out=out, bib=bib, ontology=ontology)
    if dest:
        from .store import write_atomic
        write_atomic(dest, text)
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
