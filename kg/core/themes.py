"""The theme thesaurus (SKOS, in ontology.ttl): lookup by id or label, forgiving."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from kg.core.latex import fold
from kg.core.names import THEMES_HOW, name_index, resolve
from kg.core.vocab import RDF, SKOS, THEME_NS


@dataclass
class Theme:
    id: str
    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> prefLabel
    alt: list[str] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)  # ids
    narrower: list[str] = field(default_factory=list)

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels.get("fr") or next(
            iter(self.labels.values()), self.id)


class Thesaurus:
    """Themes by id, with an index of every label folded (case and accents ignored)."""

    def __init__(self, themes: dict[str, Theme]):
        self.themes = themes
        self._suggested: dict[tuple[str, int], list[Theme]] = {}
        self._index: dict[str, str] = {}
        for t in themes.values():
            for name in [t.id, t.id.replace("-", " "), *t.labels.values(), *t.alt]:
                self._index.setdefault(fold(name).strip(), t.id)

    def __len__(self) -> int:
        return len(self.themes)

    def match(self, name: str) -> Theme | None:
        tid = self._index.get(fold(name).strip())
        return self.themes[tid] if tid else None

    def names(self) -> dict[str, list[str]]:
        """Folded name (id, id in words, every label and alt label) -> theme ids."""
        return name_index((name, t.id) for t in self.themes.values()
                          for name in [t.id, *t.labels.values(), *t.alt])

    def find(self, name: str, how: str = THEMES_HOW) -> Theme:
        """The theme a person means by ``name`` (kg.core.names.resolve: one rule for every
        command); NotFoundError if none or several."""
        return self.themes[resolve(name, self.names(), "theme", how)]

    def suggest(self, name: str, n: int = 3) -> list[Theme]:
        """The closest themes to an unknown keyword; computed once per distinct keyword (a
        person's library repeats its own keywords thousands of times, and difflib against
        every label costs about a millisecond)."""
        key = (fold(name).strip(), n)
        if key not in self._suggested:
            close = difflib.get_close_matches(key[0], list(self._index), n=n * 3, cutoff=0.5)
            out: list[Theme] = []
            for c in close:
                t = self.themes[self._index[c]]
                if t not in out:
                    out.append(t)
            self._suggested[key] = out[:n]
        return list(self._suggested[key])

    def descendants(self, tid: str) -> list[str]:
        out, todo = [], [tid]
        while todo:
            t = todo.pop()
            if t in out:
                continue
            out.append(t)
            todo.extend(self.themes[t].narrower if t in self.themes else [])
        return out


def load_thesaurus(turtle: bytes | str) -> Thesaurus:
    """Read every skos:Concept of our theme namespace from Turtle text."""
    import pyoxigraph as ox

    data = turtle.encode() if isinstance(turtle, str) else turtle
    themes: dict[str, Theme] = {}
    triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))

    def theme(iri: str) -> Theme | None:
        if not iri.startswith(THEME_NS):
            return None
        tid = iri[len(THEME_NS):]
        return themes.setdefault(tid, Theme(tid, iri))

    for t in triples:
        if t.predicate.value == RDF.type and t.object.value == SKOS.Concept:
            theme(t.subject.value)
    for t in triples:
        s = t.subject.value
        if not s.startswith(THEME_NS) or s[len(THEME_NS):] not in themes:
            continue
        th = themes[s[len(THEME_NS):]]
        p, o = t.predicate.value, t.object
        if p == SKOS.prefLabel:
            th.labels[getattr(o, "language", None) or "fr"] = o.value
        elif p == SKOS.altLabel:
            th.alt.append(o.value)
        elif p == SKOS.definition:
            th.definitions[getattr(o, "language", None) or "fr"] = o.value
        elif p in (SKOS.broader, SKOS.narrower):
            other = theme(o.value) if isinstance(o, ox.NamedNode) else None
            if other is None:
                continue
            if p == SKOS.broader:
                _link(other, th)
            else:
                _link(th, other)
    return Thesaurus(themes)


def _link(parent: Theme, child: Theme) -> None:
    if child.id not in parent.narrower:
        parent.narrower.append(child.id)
    if parent.id not in child.broader:
        child.broader.append(parent.id)
