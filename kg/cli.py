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


EXPORT_FORMATS = ["bibtex", "csl-json", "ris", "text", "markdown", "html"]
style_option = click.option("--style", default="apa", show_default=True,
                            help="CSL style: apa, chicago, mla, iso690, or a .csl file.")
locale_option = click.option("--locale", default="fr-FR", show_default=True,
                             help="Locale of the formatted text (fr-FR, en-US...).")


@main.command()
@inputs
@out_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="bibtex",
              show_default=True, help="bibtex (entries as written), csl-json (pandoc, Zotero), "
              "ris, or a formatted bibliography (text, markdown, html).")
@click.option("--key", "keys", multiple=True, help="Only this entry (repeatable).")
@click.option("--theme", "themes", multiple=True,
              help="Works of this theme (and its narrower themes; repeatable).")
@click.option("--thinker", "thinkers", multiple=True,
              help="Works this thinker wrote, edited or translated (repeatable).")
@click.option("--query", "queries", multiple=True,
              help="A SPARQL SELECT whose first column is works (or citekeys).")
@style_option
@locale_option
@click.option("--output", "dest", type=click.Path(dir_okay=False),
              help="Write to this file (default: standard output).")
def export(bib, ontology, out, fmt, keys, themes, thinkers, queries, style, locale, dest):
    """Export works: BibTeX, CSL-JSON, RIS or a formatted bibliography.

    Selectors (--key, --theme, --thinker, --query) add up; none means every work.
    """
    from .export import Selection, run

    sel = Selection(list(themes), list(thinkers), list(keys), list(queries))
    text = run(fmt, sel, out=out, bib=bib, ontology=ontology, style=style, locale=locale)
    if dest:
        from .store import write_atomic
        write_atomic(dest, text)
    else:
        click.echo(text, nl=False)


# --- Understand: graph analytics (issue 7) ---

_listing_format = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                               default="table", show_default=True, help="Output format.")


def _nx_graph(out, bib, ontology):
    from . import api
    from .analyse import load_nx

    return load_nx(api.open_graph(out, bib, ontology))


@main.command("analyse")
@inputs
@out_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(1),
              help="How many of each ranking.")
@click.option("--seed", default=42, show_default=True, type=int,
              help="Seed of the Louvain communities (same seed, same communities).")
@_listing_format
def analyse_cmd(bib, ontology, out, top, seed, fmt):
    """Who is central, what clusters, what is weakly linked (alias: stats)."""
    import json as _json

    from . import analyse as an

    result = an.analyse(_nx_graph(out, bib, ontology), top=top, seed=seed)
    if fmt == "json":
        click.echo(_json.dumps(result, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(an.format_rows(an.analyse_rows(result), an.ANALYSE_COLUMNS, "csv"), nl=False)
    else:
        click.echo(an.analyse_text(result), nl=False)


main.add_command(click.Command("stats", callback=analyse_cmd.callback, params=analyse_cmd.params,
                               help="Same as `kg analyse`.", short_help="Same as `kg analyse`."))


@main.command("path")
@click.argument("a")
@click.argument("b")
@inputs
@out_option
@click.option("--all", "all_", is_flag=True, help="The k shortest connections, not one.")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1),
              help="How many with --all.")
@_listing_format
def path_cmd(a, b, bib, ontology, out, all_, k, fmt):
    """How A and B connect (thinkers, works, themes, by forgiving name), told in words."""
    import json as _json

    from . import analyse as an

    G = _nx_graph(out, bib, ontology)
    paths = an.path(G, a, b, k if all_ else 1)
    if fmt == "json":
        click.echo(_json.dumps([p.as_dict(G) for p in paths], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        rows = [{"path": i, "step": j, "from": an.label(G, u), "relation": r,
                 "to": an.label(G, v), "from_iri": u, "to_iri": v}
                for i, p in enumerate(paths, 1) for j, (u, r, v) in enumerate(p.steps, 1)]
        click.echo(an.format_rows(rows, ["path", "step", "from", "relation", "to", "from_iri",
                                         "to_iri"], "csv"), nl=False)
    else:
        for i, p in enumerate(paths, 1):
            click.echo(f"{i}. ({len(p.steps)} steps) {p.text}" if len(paths) > 1 else p.text)


@main.command("related")
@click.argument("x")
@inputs
@out_option
@click.option("-n", "n", default=10, show_default=True, type=click.IntRange(1),
              help="How many.")
@_listing_format
def related_cmd(x, bib, ontology, out, n, fmt):
    """Thinkers or works most like X: Jaccard index of shared themes and cited works."""
    from . import analyse as an

    G = _nx_graph(out, bib, ontology)
    node, rows = an.related(G, x, n)
    cols = ["score", "type", "key", "label", "shared_themes", "shared_works"]
    if fmt == "table":
        click.echo(f"Most similar to {an.label(G, node)} (Jaccard index of themes and works "
                   "shared)")
        if not rows:
            click.echo("nothing shares a theme or a work with it")
            return
    click.echo(an.format_rows(rows, cols if fmt != "table" else cols[:1] + cols[3:], fmt),
               nl=False)


@main.command("export-graph")
@inputs
@out_option
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]),
              default="graphml", show_default=True)
@click.option("--no-measures", is_flag=True, help="Leave out degree, PageRank, betweenness "
                                                  "and community.")
@click.option("--output", "dest", type=click.Path(dir_okay=False),
              help="Write to this file (default: standard output).")
def export_graph_cmd(bib, ontology, out, fmt, no_measures, dest):
    """The graph for Gephi, Cytoscape...: typed, labelled nodes with their measures."""
    from .analyse import export_graph

    data = export_graph(_nx_graph(out, bib, ontology), fmt, with_measures=not no_measures)
    if dest:
        from .store import write_atomic
        write_atomic(dest, data)
    else:
        click.echo(data.decode("utf-8"), nl=False)


# --- Write: citations, quote banks and the theme dossier (issue 6) ---
@main.command("cite")
@click.argument("specs", nargs=-1, required=True, metavar="KEY[@LOCATOR]...")
@inputs
@out_option
@style_option
@locale_option
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html"]),
              default="text", show_default=True)
def cite_cmd(specs, bib, ontology, out, style, locale, fmt):
    """In-text citations and bibliography entries, e.g. `kg cite ellul1988@p.12 --style apa`."""
    from .api import open_graph
    from .cite import cite, parse_spec
    from .export import Selection, csl_items, load, select

    open_graph(out, bib, ontology)  # rebuilds when the bibliography changed
    model = load(bib, ontology)
    keys = select(model, Selection(keys=[parse_spec(s)[0] for s in specs]))
    cites, entries = cite(csl_items(model, keys, locale), list(specs), style, locale, fmt)
    click.echo("\n".join(cites) + "\n\n" + "\n\n".join(entries))


@main.command("dossier")
@click.argument("theme")
@click.option("-o", "--output", "dest", default=None, type=click.Path(file_okay=False),
              help="Folder to write into (default: dossier-THEME).")
@inputs
@click.option("--out", "out", default="out", show_default=True,
              type=click.Path(file_okay=False), help="Output folder of the build.")
@style_option
@locale_option
def dossier_cmd(theme, dest, bib, ontology, out, style, locale):
    """An essay kit for THEME: Markdown + HTML, .bib, CSL-JSON (pandoc --citeproc ready)."""
    from .dossier import make
    from .latex import slug

    d = make(theme, dest or f"dossier-{slug(theme) or 'theme'}", out=out, bib=bib,
             ontology=ontology, style=style, locale=locale)
    c = d.counts
    click.echo(f"{d.folder}/: {c['thinkers']} thinkers, {c['works']} works, {c['quotes']} "
               f"quotes, {c['claims']} claims, {c['references']} references")
    for name in d.files:
        click.echo(f"  {d.folder / name}")
    for w in d.warnings:
        click.echo(f"pandoc: {w}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
