"""The `kg` command: thin wrappers over the Python API (wiring only; what every command does
the same way at the terminal, errors to `Error: ...` included, is kg.console)."""
from __future__ import annotations

import shlex
import sys

import click

from kg.console import KgGroup, answer, build_folder, output_file, program, settle_base, shown
from kg.core.errors import KgError
from kg.core.vocab import CLAIM_STATUSES, DEFAULT_BASE

out_option = click.option("--out", "out", default="out", show_default=True,
                          type=click.Path(file_okay=False), callback=build_folder,
                          help="Folder of the build the command reads (built first when the "
                               "inputs changed).")
input_options = [
    click.option("--bib", type=click.Path(dir_okay=False), multiple=True,
                 help="Bibliography (default: ./references.bib, else the shipped corpus); "
                      "repeat it for a library kept in several files (read as one, in order)."),
    click.option("--ontology", type=click.Path(dir_okay=False),
                 help="Ontology and themes (default: ./ontology.ttl, else the shipped one)."),
]


def inputs(f):
    for opt in reversed(input_options):
        f = opt(f)
    return f


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
@click.option("--base", metavar="IRI", default=None,
              help="Base IRI of the graph: every work, person, theme, quote and claim is "
                   f"BASE/id/... (default: KG_BASE, else the base the build folder was made "
                   f"with, else {DEFAULT_BASE}).  Give each graph shared on one SPARQL "
                   "server a base of its own.")
@click.pass_context
def main(ctx, base):
    """kg: an annotated bibliography as a knowledge graph.

    Thinkers, works, themes, quotes and claims from a BibLaTeX file, queried with SPARQL,
    browsed as a graph and exported for essays.
    """
    if base is not None:  # checked first; else the command sets it (console.settle_base):
        settle_base(ctx, base)  # a build folder keeps the base it was built with


@main.command()
@click.argument("bib", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--ontology", type=click.Path(dir_okay=False),
              help="Ontology and themes (default: ./ontology.ttl, else the shipped one).")
@click.option("--out", "-o", "out", default="out", show_default=True,
              type=click.Path(file_okay=False), callback=build_folder,
              help="The build folder to write (what `kg build` writes; every other command "
                   "reads it with --out).")
@click.option("--strict", is_flag=True, help="Fail on the first error; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--themes", "themes", type=click.Choice(["own", "strict"]), default=None,
              help="Keywords the ontology does not have: themes of the library's own (own, "
                   "the default; KG_THEMES sets another), or warned of and left out (strict: "
                   "a curated thesaurus).")
@click.option("--store", "store", type=click.Choice(["build", "after", "first-use"]),
              default="after", show_default=True,
              help="When a large library's full build (above 3,000 entries) makes its SPARQL "
                   "store, which `kg query`, `kg work`, `kg export`, `kg viz`, `kg check`, "
                   "`kg push` and the next incremental build read: in the build, in the "
                   "background once the build is published, or when first needed.")
def build(bib, ontology, out, strict, quiet, themes, store):
    """Build the graph from BIB (default ./references.bib, else the shipped corpus).

    Several BIB files are one library (a file per project): the union of their entries, in
    the order given, with shared @string macros and crossrefs across files."""
    from kg.api import build as run
    from kg.builder.report import summary

    result = run(bib, ontology, out, strict=strict, progress=not quiet, themes=themes,
                 store=store)
    text = summary(result, quiet=quiet)
    if text:
        click.echo(shown(text), err=bool(result.errors) and quiet)
    if result.errors:
        sys.exit(1)


EXPORT_FORMATS = ["bibtex", "csl-json", "ris", "zotero-rdf", "text", "markdown", "html"]
style_option = click.option("--style", default="apa", show_default=True,
                            help="CSL style: apa, chicago, mla, iso690, or a .csl file.")
locale_option = click.option("--locale", default="fr-FR", show_default=True,
                             help="Locale of the formatted text (fr-FR, en-US...).")


def _limit_options(f):
    """--timeout and --allow-service: how a person's SPARQL runs on the local graph."""
    f = click.option("--allow-service", is_flag=True,
                     help="Let SERVICE clauses fetch from other SPARQL servers (refused by "
                     "default: kg answers offline, from the local graph).")(f)
    return click.option("--timeout", type=click.FloatRange(min=0), default=None,
                        metavar="SECONDS", help="Stop a local query running longer (default: "
                        "KG_QUERY_TIMEOUT, else 60; 0 = no limit).")(f)


@main.command()
@inputs
@out_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="bibtex",
              show_default=True, help="bibtex (entries as written), csl-json (pandoc, Zotero), "
              "ris, zotero-rdf (Zotero with notes, tags, quotes and claims), or a formatted "
              "bibliography (text, markdown, html).")
@click.option("--key", "keys", multiple=True, help="Only this entry (repeatable).")
@click.option("--theme", "themes", multiple=True,
              help="Works of this theme (and its narrower themes; repeatable).")
@click.option("--thinker", "thinkers", multiple=True,
              help="Works this thinker wrote, edited or translated (repeatable).")
@click.option("--query", "queries", multiple=True,
              help="A SPARQL SELECT whose first column is works (or citekeys).")
@style_option
@locale_option
@click.option("--output", "-o", "dest", type=click.Path(dir_okay=False), callback=output_file,
              help="Write to this file (default: standard output).")
@click.option("--watch", is_flag=True,
              help="Keep --output in step with the library: rewrite it when the .bib or the "
                   "ontology changes (Ctrl-C stops).")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.05),
              help="With --watch: seconds between two looks at the inputs.")
@_limit_options
def export(bib, ontology, out, fmt, keys, themes, thinkers, queries, style, locale, dest,
           watch, interval, timeout, allow_service):
    """Export works: BibTeX, CSL-JSON, RIS, Zotero RDF or a formatted bibliography.

    Selectors (--key, --theme, --thinker, --query) add up; none means every work.
    """
    from functools import partial

    from kg import api
    from kg.builder.store import hold
    from kg.builder.triplestore import open_store
    from kg.read.query import Limits, ask
    from kg.write.export import Selection, run, watch_export

    def text_of(quiet: bool = False) -> str:
        # the generation is held while the export is made (the --query child reads it), and
        # released after: a watch that runs for hours lets builds remove the old ones
        with hold(api.ensure_built(out, bib, ontology, quiet=quiet)) as held:
            generation = held.folder
            sel = Selection(list(themes), list(thinkers), list(keys), list(queries),
                            ask=partial(ask, generation, limits=Limits(timeout, allow_service)))
            store = open_store(generation)
            if fmt == "zotero-rdf":
                from kg.write.zotero import export_rdf
                return export_rdf(sel, store, bib=bib, ontology=ontology, locale=locale)
            return run(fmt, sel, store, bib=bib, ontology=ontology, style=style, locale=locale)

    if watch:
        if not dest:
            raise click.UsageError("--watch needs --output FILE (the export kept in step)")

        def rebuild():
            from kg.builder.report import summary

            result = api.build(bib, ontology, out, progress=False)
            text = summary(result)
            if text:
                click.echo(shown(text), err=True)
            return result.errors

        watch_export(dest, text_of, rebuild, bib=bib, ontology=ontology, interval=interval,
                     say=lambda m: click.echo(shown(m), err=True))
        return
    text = text_of()
    if dest:
        from kg.builder.store import write_atomic
        write_atomic(dest, text)  # the file keeps every character as exported
    else:  # a terminal may be reading: no escape sequences
        click.echo(shown(text, json_text=fmt == "csl-json"), nl=False)


@main.group("import")
def import_group():
    """Bring another reference manager's library into kg (writes BibLaTeX kg reads)."""


@import_group.command("zotero")
@click.argument("path", type=click.Path(exists=True))
@click.option("--output", "-o", "dest", required=True, type=click.Path(dir_okay=False),
              callback=output_file, help="The .bib file to write (next to your references.bib).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def import_zotero_cmd(path, dest, force):
    """Read a Zotero library read-only: PATH is Zotero's data folder (zotero.sqlite) or a
    Better BibTeX JSON export. Items keep their citation keys, tags become keywords (themes),
    child notes the annotation, and the PDF reader's highlights become @quote entries."""
    from kg.write.zotero import import_zotero

    r = import_zotero(path, dest, force=force)
    for w in r.warnings:
        click.echo(shown(f"Warning: {w}"), err=True)
    back = f", {r.records} quotes and claims from kg's notes" if r.records else ""
    click.echo(shown(f"{dest}: {r.items} works, {r.notes} notes, {r.quotes} quotes from the "
                      f"PDF reader{back}."))


# --- Understand: graph analytics (issue 7) ---

_listing_format = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                               default="table", show_default=True, help="Output format.")


def _nx_graph(out, bib, ontology):
    from kg import api
    from kg.analyse.network import load_nx

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

    from kg.analyse import network as an

    result = an.analyse(_nx_graph(out, bib, ontology), top=top, seed=seed)
    if fmt == "json":
        click.echo(shown(_json.dumps(result, ensure_ascii=False, indent=2), json_text=True))
    elif fmt == "csv":
        click.echo(an.format_rows(an.analyse_rows(result), an.ANALYSE_COLUMNS, "csv"), nl=False)
    else:
        click.echo(shown(an.analyse_text(result)), nl=False)


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

    from kg.analyse import network as an

    G = _nx_graph(out, bib, ontology)
    paths = an.path(G, a, b, k if all_ else 1)
    if fmt == "json":
        click.echo(shown(_json.dumps([p.as_dict(G) for p in paths], ensure_ascii=False,
                                      indent=2), json_text=True))
    elif fmt == "csv":
        rows = [{"path": i, "step": j, "from": an.label(G, s.source), "relation": s.relation,
                 "to": an.label(G, s.target), "from_iri": s.source, "to_iri": s.target}
                for i, p in enumerate(paths, 1) for j, s in enumerate(p.steps, 1)]
        click.echo(an.format_rows(rows, ["path", "step", "from", "relation", "to", "from_iri",
                                         "to_iri"], "csv"), nl=False)
    else:
        for i, p in enumerate(paths, 1):
            click.echo(shown(f"{i}. ({len(p.steps)} steps) {p.text}" if len(paths) > 1
                              else p.text))


@main.command("related")
@click.argument("x")
@inputs
@out_option
@click.option("-n", "n", default=10, show_default=True, type=click.IntRange(1),
              help="How many.")
@_listing_format
def related_cmd(x, bib, ontology, out, n, fmt):
    """Thinkers or works most like X: Jaccard index of shared themes and cited works."""
    from kg.analyse import network as an

    G = _nx_graph(out, bib, ontology)
    node, rows = an.related(G, x, n)
    cols = ["score", "type", "key", "label", "shared_themes", "shared_works"]
    if fmt == "table":
        click.echo(shown(f"Most similar to {an.label(G, node)} (Jaccard index of themes and "
                          "works shared)"))
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
@click.option("--output", "-o", "dest", type=click.Path(dir_okay=False), callback=output_file,
              help="Write to this file (default: standard output).")
def export_graph_cmd(bib, ontology, out, fmt, no_measures, dest):
    """The graph for Gephi, Cytoscape...: typed, labelled nodes with their measures."""
    from kg.analyse.network import export_graph

    data = export_graph(_nx_graph(out, bib, ontology), fmt, with_measures=not no_measures)
    if dest:
        from kg.builder.store import write_atomic
        write_atomic(dest, data)
    else:  # a terminal may be reading: no escape sequences
        click.echo(shown(data.decode("utf-8"), json_text=fmt == "json"), nl=False)


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
    from kg.api import open_graph
    from kg.write.cite import cite, parse_spec
    from kg.write.export import Selection, csl_items, load, select

    open_graph(out, bib, ontology)  # rebuilds when the bibliography changed
    model = load(bib, ontology)
    keys = select(model, Selection(keys=[parse_spec(s).key for s in specs]))
    c = cite(csl_items(model, keys, locale), list(specs), style, locale, fmt)
    click.echo(shown("\n".join(c.citations) + "\n\n" + "\n\n".join(c.entries)))


@main.command("dossier")
@click.argument("theme")
@click.option("-o", "--output", "dest", default=None, type=click.Path(file_okay=False),
              callback=output_file, help="Folder to write into (default: dossier-THEME).")
@inputs
@out_option
@style_option
@locale_option
def dossier_cmd(theme, dest, bib, ontology, out, style, locale):
    """An essay kit for THEME: Markdown + HTML, .bib, CSL-JSON (pandoc --citeproc ready)."""
    from kg.api import open_graph
    from kg.core.latex import slug
    from kg.write.dossier import make

    d = make(theme, dest or f"dossier-{slug(theme) or 'theme'}", open_graph(out, bib, ontology),
             bib=bib, ontology=ontology, style=style, locale=locale)
    c = d.counts
    click.echo(shown(f"{d.folder}/: {c['thinkers']} thinkers, {c['works']} works, "
                      f"{c['quotes']} quotes, {c['claims']} claims, {c['references']} "
                      "references"))
    for name in d.files:
        click.echo(shown(f"  {d.folder / name}"))
    for w in d.warnings:
        click.echo(shown(f"pandoc: {w}"), err=True)
    click.echo(shown("To render it again (another --csl, edited entries): cd "
                      f"{shlex.quote(str(d.folder))} && kg pandoc "
                      + " ".join(shlex.quote(a) for a in d.command)))


@main.command("pandoc", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def pandoc_cmd(args):
    """Run the pandoc kg ships (pypandoc-binary) with ARGS as they are, e.g.
    `kg pandoc dossier.md --citeproc -o dossier.docx`; `kg pandoc --help` is pandoc's."""
    import subprocess

    from kg.write.cite import pandoc_path

    try:
        code = subprocess.run([pandoc_path(), *args], check=False).returncode
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


# --- Ask the graph: themes, thinkers, search, SPARQL (issue 4) ---
def _ask_options(f):
    f = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
                     help="Language of theme labels.")(f)
    f = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
                     default="table", show_default=True, help="Output format.")(f)
    f = _remote_options(f)  # Share (issue 9): --endpoint, --graph
    return inputs(out_option(f))


def _remember(ctx, param, value):
    ctx.meta[f"kg.{param.name}"] = value
    return value


def _remote_options(f):
    f = click.option("--graph", "remote_graph", metavar="IRI", expose_value=False,
                     callback=_remember, help="With --endpoint: query this named graph "
                     "(default: the server's default graph).")(f)
    return click.option("--endpoint", "endpoint", metavar="URL", expose_value=False,
                        callback=_remember, help="Ask a SPARQL server (SPARQL 1.1 Protocol) "
                        "instead of the local build; credentials from KG_ENDPOINT_USER/"
                        "KG_ENDPOINT_PASSWORD (HTTP Basic, or Digest when the server asks for "
                        "it) or KG_ENDPOINT_TOKEN (Bearer).")(f)


def _limit_option(f):
    return click.option("--limit", "-n", type=click.IntRange(min=0), default=None,
                        help="At most N rows per list (table and markdown: 20 by default; "
                             "0 = all; json and csv: all).")(f)


def _ask_lib(out, bib, ontology):
    from kg.read.query import Library

    meta = click.get_current_context().meta
    endpoint, graph = meta.get("kg.endpoint"), meta.get("kg.remote_graph")
    if endpoint:
        from kg.share.remote import RemoteStore

        return Library(out, store=RemoteStore(endpoint, graph))
    if graph:
        from kg.core.errors import InputError

        raise InputError("--graph names a graph on a SPARQL server: give --endpoint too")
    from kg.api import open_library

    return open_library(out, bib, ontology)


def _ask_limit(limit, fmt):
    if limit is None:
        return 20 if fmt in ("table", "markdown") else None
    return limit or None


@main.command("themes")
@_ask_options
def themes_cmd(bib, ontology, out, fmt, lang):
    """The theme thesaurus as a tree, with how many works / quotes / claims each holds."""
    from kg.core import output
    from kg.read import query

    rows = query.themes(lang=lang, lib=_ask_lib(out, bib, ontology))
    if fmt in ("table", "markdown"):
        rows = [{"theme": "  " * r["depth"] + r["label"], "id": r["id"], "works": r["works"],
                 "quotes": r["quotes"], "claims": r["claims"]} for r in rows]
    answer(output.rows(rows, fmt))


@main.command("theme")
@click.argument("name")
@_limit_option
@_ask_options
def theme_cmd(name, limit, bib, ontology, out, fmt, lang):
    """Everything on theme NAME and its narrower themes (French/English label, id, altLabel)."""
    from kg.core import output
    from kg.read import query

    d = query.theme(name, lang=lang, limit=_ask_limit(limit, fmt),
                    lib=_ask_lib(out, bib, ontology))
    t = d["theme"]
    header = {"theme": f"{t['label']} ({t['id']})", "labels": ", ".join(t["labels"].values()),
              "altLabels": ", ".join(t["altLabels"]),
              "narrower": ", ".join(n["label"] for n in t["narrower"])}
    answer(output.sections(d, fmt, [("thinkers", "Thinkers"),
                                   ("contributors", "Other authors"), ("works", "Works"),
                                   ("quotes", "Quotes"), ("claims", "Claims")],
                           header, d["counts"]))


@main.command("thinker")
@click.argument("name")
@_limit_option
@_ask_options
def thinker_cmd(name, limit, bib, ontology, out, fmt, lang):
    """A thinker: life dates, description, works, themes, quotes, thinkers sharing themes."""
    from kg.core import output
    from kg.read import query

    d = query.thinker(name, lang=lang, limit=_ask_limit(limit, fmt),
                      lib=_ask_lib(out, bib, ontology))
    p = d["thinker"]
    life = f"{p['birth'] or 'unknown'} – {p['death'] or ''}".rstrip(" –") if (
        p["birth"] or p["death"]) else "unknown"
    header = {"thinker": f"{p['name']} ({p['id']})",
              "is": "a thinker" if p.get("kind") == "thinker" else
              "another author (no @thinker entry, never a speaker, tagged with no theme)",
              "life": life,
              "nationality": p["nationality"], "description": p["description"] or "unknown",
              "sameAs": p["sameAs"]}
    answer(output.sections(d, fmt, [("works", "Works"), ("themes", "Themes"),
                                    ("quotes", "Quotes by and about"),
                                    ("related", "Thinkers sharing themes")],
                           header, d["counts"]))


@main.command("work")
@click.argument("key")
@_ask_options
def work_cmd(key, bib, ontology, out, fmt, lang):
    """One work, whole: every field, people, themes, linked quotes and claims."""
    from kg.core import output
    from kg.read import query

    d = query.work(key, lang=lang, lib=_ask_lib(out, bib, ontology))
    if fmt in ("json", "csv"):
        rows = [{"field": k, "value": v} for k, v in d["work"].items()]
        answer(output.to_json(d) if fmt == "json" else output.sections(
            {"work": rows, "linked": d["linked"]}, fmt, [("work", ""), ("linked", "")]))
        return
    answer(output.sections(d, fmt, [("linked", "Quotes and claims")], d["work"]))


@main.command("quotes")
@click.option("--theme", "theme_", help="Only quotes on this theme (narrower themes included).")
@click.option("--thinker", help="Only quotes said by this thinker.")
@_limit_option
@_ask_options
def quotes_cmd(theme_, thinker, limit, bib, ontology, out, fmt, lang):
    """Quotes with speaker, source and locator."""
    from kg.core import output
    from kg.read import query

    rows = query.quotes(theme=theme_, thinker=thinker, lib=_ask_lib(out, bib, ontology))
    if fmt in ("latex", "pandoc", "markdown"):  # a quote bank ready to paste into an essay
        from kg.write.cite import add_cited_in, quote_bank

        rows = add_cited_in(_ask_lib(out, bib, ontology).store,
                            rows[:limit] if limit else rows)
        click.echo(shown(quote_bank(rows, "latex" if fmt == "latex" else "markdown",
                                     "en-US" if lang == "en" else "fr-FR")), nl=False)
        return
    answer(output.rows(rows[:_ask_limit(limit, fmt)] if _ask_limit(limit, fmt) else rows,
                       fmt))


for _p in quotes_cmd.params:  # Write (issue 6): the quote-bank formats
    if _p.name == "fmt":
        _p.type = click.Choice([*_p.type.choices, "pandoc", "latex"])
        _p.help = ("Output format; markdown (or pandoc) and latex print a quote bank to paste "
                   "into an essay (block quotations cited as [@key, p. 12] or "
                   "\\cite[12]{key}).")


@main.command("claims")
@click.option("--theme", "theme_", help="Only claims on this theme (narrower themes included).")
@click.option("--status", type=click.Choice(CLAIM_STATUSES),
              help="Only claims with this status.")
@_limit_option
@_ask_options
def claims_cmd(theme_, status, limit, bib, ontology, out, fmt, lang):
    """Claims with figure, source and status."""
    from kg.core import output
    from kg.read import query

    rows = query.claims(theme=theme_, status=status, lib=_ask_lib(out, bib, ontology))
    rows = rows[:_ask_limit(limit, fmt)] if _ask_limit(limit, fmt) else rows
    if fmt in ("table", "markdown"):  # the correct fact beside the lecture's wording
        first = ("key", "statement", "correction") if any(r.get("correction") for r in rows) \
            else ("key", "statement")
        rows = [{**{k: r.get(k) for k in first},
                 **{k: v for k, v in r.items() if k not in first and k != "correction"}}
                for r in rows]
    answer(output.rows(rows, fmt))


@main.command("search")
@click.argument("text")
@click.option("--limit", "-n", type=click.IntRange(min=0), default=20, show_default=True,
              help="At most N results (0 = all).")
@_ask_options
def search_cmd(text, limit, bib, ontology, out, fmt, lang):
    """Full-text search over titles, annotations, quotes and claims (case and accents ignored)."""
    from kg.core import output
    from kg.read import query

    rows = query.search(text, limit=limit or None, lib=_ask_lib(out, bib, ontology))
    if fmt in ("table", "markdown"):
        if not rows:
            click.echo("No match.")
            return
        rows = [{k: r[k] for k in ("kind", "key", "score", "passage")} for r in rows]
    answer(output.rows(rows, fmt))


@main.command("query")
@click.argument("sparql", required=False)
@click.option("-f", "--file", "qfile", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read the query from this file ('-' = standard input).")
@click.option("--name", "-q", "qname", help="Run a named query of the shipped library.")
@click.option("--list", "list_", is_flag=True, help="List the named queries.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE (a value, never query syntax). Repeatable.")
@_limit_options
@_ask_options
def query_cmd(sparql, qfile, qname, list_, params, timeout, allow_service, bib, ontology, out,
              fmt, lang):
    """Run read-only SPARQL: inline, from a file (-f), or a named query (NAME or --name)."""
    from kg.core import output
    from kg.core.errors import InputError
    from kg.read import query

    if list_:
        rows = [{"name": q.name, "params": " ".join(
            p.name + ("?" if p.optional else "") for p in q.params), "description": q.title
            + (": " + q.description if q.description else "")}
            for q in query.named_queries().values()]
        answer(output.rows(rows, fmt))
        return
    bound = {}
    for p in params:
        if "=" not in p:
            raise InputError(f"--param needs NAME=VALUE, not {p[:60]!r}")
        k, v = p.split("=", 1)
        bound[k.strip()] = v
    text = query.read_query_file(qfile) if qfile else sparql
    if qname is None and text and text.strip() in query.named_queries():
        qname, text = text.strip(), None
    if qname is not None and (text or qfile):
        raise InputError("give a query name or a query text, not both")
    res = query.run_query(text, bound, name=qname, lib=_ask_lib(out, bib, ontology),
                          limits=query.Limits(timeout, allow_service))
    answer(output.result(res, fmt))


# --- Browse (kg viz) ---
@main.command()
@inputs
@out_option
@click.option("--output", "-o", "dest", type=click.Path(dir_okay=False), callback=output_file,
              help="The page to write (default: OUT/graph.html, OUT/graph-<theme>.html...).")
@click.option("--theme", help="Only this theme's neighbourhood (id or label).")
@click.option("--thinker", help="Only this thinker's neighbourhood (name or family name).")
@click.option("--depth", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Links followed from the theme or thinker.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the labels.")
@click.option("--physics", is_flag=True,
              help="Start with the physics simulation on (slow on large graphs).")
@click.option("--size-by", type=click.Choice(["degree", "pagerank", "betweenness"]),
              help="Size nodes by this measure of the whole graph (default: degree here).")
@click.option("--colour-by-community", "--color-by-community", "community", is_flag=True,
              help="Colour nodes by Louvain community (as `kg analyse` finds them).")
def viz(bib, ontology, out, dest, theme, thinker, depth, lang, physics, size_by, community):
    """Write the graph as one self-contained HTML page (works offline); each work carries its
    references as `kg cite KEY --style S` prints them."""
    from kg.api import open_graph
    from kg.browse import render

    path, data = render.viz(open_graph(out, bib, ontology), out, output=dest, lang=lang,
                            theme=theme, thinker=thinker, depth=depth, physics=physics,
                            size_by=size_by, colour_by_community=community, bib=bib,
                            ontology=ontology)
    for w in data.get("warnings", []):
        click.echo(shown(w), err=True)
    click.echo(f"{path}: {len(data['nodes'])} nodes, {len(data['edges'])} edges")


# --- Trust: validation and linting (issue 8) ---
@main.command("check")
@click.argument("bib", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--ontology", type=click.Path(dir_okay=False),
              help="Ontology and themes (default: ./ontology.ttl, else the shipped one).")
@out_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Problems as `file:line: key: level: message`, or JSON.")
@click.option("--no-shacl", is_flag=True, help="Lint only; skip the SHACL validation.")
@click.option("--themes", "themes", type=click.Choice(["own", "strict"]), default=None,
              help="Keywords the ontology does not have: themes of the library's own (own) or "
                   "warned of (strict), as `kg build --themes`.")
def check_cmd(bib, ontology, out, fmt, no_shacl, themes):
    """Lint BIB (one file or several: one library) and validate its graph (SHACL); exit 0
    clean, 1 errors, 2 unreadable input.

    Uses the graph built in --out when it is up to date, else builds it in memory (nothing
    is written).
    """
    from kg.builder.check import check
    from kg.core.themes import themes_mode_set

    with themes_mode_set(themes):
        report = check(bib, ontology, out=out, shacl=not no_shacl)
    click.echo(shown(report.json() if fmt == "json" else report.text(), json_text=fmt == "json"),
               nl=False)
    sys.exit(report.exit_code)


# --- Share (issue 9) ---
@main.command("push")
@click.option("--endpoint", metavar="URL",
              help="The server's SPARQL query URL; the Graph Store URL is derived from it for "
                   "Oxigraph, Fuseki, GraphDB and Virtuoso.")
@click.option("--store-url", metavar="URL",
              help="The Graph Store Protocol URL, when it cannot be derived from --endpoint.")
@click.option("--graph", metavar="IRI", help="Into this named graph (default: the server's "
                                             "default graph; Virtuoso needs a named one).")
@click.option("--replace/--merge", default=True, show_default=True,
              help="Replace the graph (HTTP PUT) or add to it (HTTP POST).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds without an answer before giving up (default 60, or "
                   "KG_ENDPOINT_TIMEOUT).")
@inputs
@out_option
def push_cmd(endpoint, store_url, graph, replace, timeout, bib, ontology, out):
    """Upload the built graph to a SPARQL server (SPARQL 1.1 Graph Store HTTP Protocol).

    Credentials come from the environment only: KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD
    (HTTP Basic, or Digest when the server asks for it, as Virtuoso's /sparql-auth does) or
    KG_ENDPOINT_TOKEN (Bearer).
    """
    from pathlib import Path

    from kg.api import ensure_built
    from kg.core.errors import InputError
    from kg.share import remote

    if not endpoint and not store_url:
        raise InputError("give --endpoint URL (or --store-url URL): where to push the graph")
    target = remote.check_url(store_url, "Graph Store") if store_url else remote.store_url(
        endpoint)
    if remote.insecure(target):
        click.echo("Warning: the credentials travel unencrypted (http://): prefer https.",
                   err=True)
    from kg.builder.store import hold, manifest_of

    # one generation: file and count; a failed rebuild is an error, never the previous graph
    with hold(ensure_built(out, bib, ontology, previous_ok=False)) as built:
        r = remote.push(built.folder / "graph.ttl", target, graph, replace=replace,
                        timeout=timeout)
        sent = (manifest_of(built.folder) or {}).get("triples")
    into = f"<{graph}>" if graph else "the default graph"
    parts = f", in {r.requests} requests" if r.requests > 1 else ""
    click.echo(f"{'Replaced' if replace else 'Merged into'} {into} at {r.url}: "
               f"{Path(out) / 'graph.ttl'} ({sent if sent is not None else 'unknown'} triples, "
               f"{r.bytes / 1e6:.1f} MB) in {r.seconds:.1f} s{parts}")
    if endpoint:
        try:
            n = remote.count(endpoint, graph, timeout)
        except KgError as e:
            click.echo(f"(could not count the triples on the server: {e})", err=True)
        else:
            click.echo(f"The server holds {n} triples in {into}.")
            if sent is not None:  # replaced: what was sent; merged: at least that
                remote.check_count(n, sent, graph, replace)


def run() -> None:
    """The `kg` program (the console script; `python -m kg.cli`): ``main`` as the process's
    program (kg.console.program)."""
    program(main)


if __name__ == "__main__":  # pragma: no cover
    run()
