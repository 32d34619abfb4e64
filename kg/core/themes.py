"""The theme thesaurus (SKOS, in ontology.ttl): lookup by id or label, forgiving.

A person's library has keywords of its own.  By default (mode ``own``) a keyword that names no
concept of the ontology becomes a concept of the library's own scheme (:data:`OWN_SCHEME`):
``skos:prefLabel`` as written, an id from its slug, ``skos:broader`` from a hierarchical tag
(``a/b`` as Zotero writes it, ``a > b`` as JabRef does).  Mode ``strict`` (a curated thesaurus,
``kg build --themes strict`` or ``KG_THEMES=strict``) keeps only the ontology's concepts and
warns of every other keyword.  A keyword that is a near spelling of a theme of the ontology (a
typo of one or two letters) is warned of with that theme as suggestion, in both modes.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from kg.core.cycles import find_cycles
from kg.core.latex import fold, slug
from kg.core.names import THEMES_HOW, name_index, resolve
from kg.core.vocab import ID, RDF, SKOS, THEME_NS, theme_iri

#: the concept scheme of the keywords a library has that the ontology does not
OWN_SCHEME = ID + "library-themes"
OWN_SCHEME_LABELS = {"fr": "Mots-clés de la bibliothèque", "en": "The library's own keywords"}
#: how keywords that name no concept of the ontology are read: "own" (a concept of the
#: library's scheme) or "strict" (warned of, left out)
THEME_MODES = ("own", "strict")
ENV_THEMES = "KG_THEMES"
_MODE: contextvars.ContextVar[str | None] = contextvars.ContextVar("kg_themes_mode",
                                                                   default=None)
#: a keywords field written with braces (what Better BibTeX, Zotero and JabRef write).  It
#: starts with a character class, not a case-insensitive letter behind a lookbehind: the regex
#: engine then skips every position that holds no k (3-9x faster on a 30 MB file)
_KEYWORDS = re.compile(r"[kK\u212a](?<![\w-][kK\u212a])(?i:eywords)\s*=\s*"
                       r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")  # runs of text, one step each
_KEYWORD_SEP = re.compile(r"[,;]")


#: hierarchical tags: Zotero (and most) write "a/b", JabRef "a > b"
_HIERARCHY = re.compile(r"\s*(?:/|>)\s*")


def themes_mode() -> str:
    """The mode new thesauri are read in: :func:`themes_mode_set`, else ``KG_THEMES``, else
    "own"."""
    mode = _MODE.get() or os.environ.get(ENV_THEMES, "").strip().lower() or "own"
    if mode not in THEME_MODES:
        from kg.core.errors import InputError
        raise InputError(f"{ENV_THEMES} must be one of {', '.join(THEME_MODES)}, not {mode!r}")
    return mode


@contextlib.contextmanager
def themes_mode_set(mode: str | None):
    """Read the thesauri loaded meanwhile in ``mode`` (None: leave it as it is)."""
    if mode is not None and mode not in THEME_MODES:
        from kg.core.errors import InputError
        raise InputError(f"themes mode must be one of {', '.join(THEME_MODES)}, not {mode!r}")
    token = _MODE.set(mode) if mode is not None else None
    try:
        yield
    finally:
        if token is not None:
            _MODE.reset(token)


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) of two texts, or ``limit + 1``
    as soon as it is larger than ``limit`` (only a band of ``limit`` cells either side of the
    diagonal is computed)."""
    n, m = len(a), len(b)
    if abs(n - m) > limit:
        return limit + 1
    big = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else big for j in range(m + 1)]
    for i in range(1, n + 1):
        lo, hi = max(1, i - limit), min(m, i + limit)
        cur = [big] * (m + 1)
        cur[0] = i if i <= limit else big
        ai = a[i - 1]
        for j in range(lo, hi + 1):
            v = prev[j - 1] + (ai != b[j - 1])
            if prev[j] + 1 < v:
                v = prev[j] + 1
            if cur[j - 1] + 1 < v:
                v = cur[j - 1] + 1
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1] and \
                    prev2[j - 2] + 1 < v:
                v = prev2[j - 2] + 1
            cur[j] = v if v < big else big
        if min(cur[lo - 1: hi + 1]) >= big:
            return big
        prev2, prev = prev, cur
    return prev[m] if prev[m] < big else big


def _letters(text: str, bit: dict[str, int]) -> int:
    """The set of characters of a text as the bits of an integer, ``bit`` giving each
    character its bit (given on first sight: a few dozen in all): two texts' sets differ in
    ``(a ^ b).bit_count()`` characters, and no set is made for each test
    (:meth:`Thesaurus.suggest` tests a keyword against every name of about its length)."""
    bits = 0
    for c in set(text):
        b = bit.get(c)
        if b is None:
            b = bit[c] = len(bit)
        bits |= 1 << b
    return bits


def near_limit(text: str) -> int:
    """How many edits a typo of a ``text`` this long may hold: none under 4 letters, 1 under
    10, 2 from 10 (a two-letter word has no typo, 'moral' and 'mortal' are one apart; two
    edits from 8 letters made other words near misses: 'biologie' and 'économie' are two
    apart from 'écologie')."""
    n = len(text)
    return 0 if n < 4 else 1 if n < 10 else 2


@dataclass
class Theme:
    id: str
    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> prefLabel
    alt: list[str] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)  # ids
    narrower: list[str] = field(default_factory=list)
    scheme: str = ""  # "" for a concept of the ontology, OWN_SCHEME for one of the library
    adopted: bool = False  # an own concept written with the ontology (Thesaurus.adopt)

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels.get("fr") or next(
            iter(self.labels.values()), self.id)


class Made(NamedTuple):
    """One of the library's own concepts as :meth:`Thesaurus._own` made it (its arguments):
    what :meth:`Thesaurus.replay` makes again; a build's index keeps them."""

    label: str
    path: str
    parent: str | None


class Field(NamedTuple):
    """A keywords field :meth:`Thesaurus.adopt` found in a text: where, and as written."""

    start: int
    end: int
    value: str


class Thesaurus:
    """Themes by id, with an index of every label folded (case and accents ignored)."""

    def __init__(self, themes: dict[str, Theme], mode: str | None = None):
        self.themes = themes
        self.mode = mode or themes_mode()
        self.source = ""  # the file it was read from (kg.builder.inputs.thesaurus), if any
        self._suggested: dict[tuple[str, int], list[Theme]] = {}
        self._keywords: dict[str, tuple[tuple[str, ...], str | None]] = {}  # ids, why
        self._warnings: dict[str, str] = {}  # keyword -> its warning ("": none)
        self._chains: dict[str, list[Theme]] = {}
        self._names_by_length: dict[int, list[tuple]] | None = None
        self._bit: dict[str, int] = {}  # character -> its bit in _letters' sets
        self._index: dict[str, str] = {}
        #: the library's own concepts in the order they were made; :meth:`replay` makes them
        #: again
        self.made: list[Made] = []
        #: the keywords fields :meth:`adopt` found in the text
        self.fields: list[Field] = []
        #: :attr:`made` when :meth:`adopt` ended (what :meth:`replay` makes again)
        self.adopted_made: list[Made] = []
        for t in themes.values():
            self._add_names(t)

    def copy(self) -> Thesaurus:
        """A thesaurus that adds its own concepts without changing this one (a model's: the
        thesaurus read once serves several models)."""
        other = Thesaurus.__new__(Thesaurus)
        other.themes, other.mode, other.source = dict(self.themes), self.mode, self.source
        other._suggested, other._keywords = dict(self._suggested), dict(self._keywords)
        other._warnings = dict(self._warnings)
        other._index, other._chains = dict(self._index), {}
        other._names_by_length, other._bit = self._names_by_length, self._bit
        other.made, other.fields = list(self.made), []
        other.adopted_made = list(self.adopted_made)
        return other

    def _add_names(self, t: Theme) -> None:
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
        """The themes of the ontology a keyword is a near spelling of: a Damerau-Levenshtein
        distance of at most :func:`near_limit` edits to an id or a label (case and accents
        already ignored), closest first.  Computed once per distinct keyword (a person's
        library repeats its own keywords thousands of times)."""
        key = (fold(name).strip(), n)
        if key not in self._suggested:
            word = key[0]
            limit = near_limit(word)
            scored: list[tuple[int, str, str]] = []
            if limit:
                if self._names_by_length is None:  # the ontology's names (the library's own
                    self._names_by_length = {}  # keywords are no suggestion), by length
                    for label, tid in self._index.items():
                        if not self.themes[tid].scheme:
                            self._names_by_length.setdefault(len(label), []).append(
                                (label, tid, _letters(label, self._bit), near_limit(label)))
                letters = _letters(word, self._bit)
                for n_ in range(len(word) - limit, len(word) + limit + 1):
                    for label, tid, its, its_limit in self._names_by_length.get(n_, ()):
                        most = min(limit, its_limit)
                        # an edit changes at most two of the letters a text is made of
                        if most and (letters ^ its).bit_count() <= 2 * most:
                            d = distance(word, label, most)
                            if d <= most:
                                scored.append((d, label, tid))
            out: list[Theme] = []
            for _, _, tid in sorted(scored):
                if self.themes[tid] not in out:
                    out.append(self.themes[tid])
            self._suggested[key] = out[:n]
        return list(self._suggested[key])

    def keyword(self, kw: str) -> tuple[tuple[str, ...], str | None]:
        """The theme ids a keyword of an entry stands for, and a warning (or None); once per
        distinct keyword.  A concept of the ontology by id or label; else, in mode "own", a
        concept of the library's scheme (made here, hierarchical tags with their broader
        concepts); in mode "strict", nothing.  The warning (and the closest themes it names)
        is made when a record first asks for it: :meth:`adopt` reads every keyword of the file
        and asks for none, and an incremental build interprets only the entries it redoes."""
        ids, why = self._ids_of(kw)
        if why is None:
            return ids, None
        warning = self._warnings.get(kw)
        if warning is None:
            warning = self._warnings[kw] = self._warning(kw, ids, why)
        return ids, warning or None

    def _ids_of(self, kw: str) -> tuple[tuple[str, ...], str | None]:
        found = self._keywords.get(kw)
        if found is None:
            found = self._keywords[kw] = self._keyword(kw)
        return found

    def _keyword(self, kw: str) -> tuple[tuple[str, ...], str | None]:
        """The theme ids of a keyword, and what its warning is about: "strict" (no theme of the
        ontology), "empty" (no letter or digit), "own" (a concept of the library's own, maybe
        a near spelling of a theme), or None."""
        t = self.match(kw)
        if t is not None and t.scheme and t.alt and slug(kw) != t.id:
            t = None  # a level of another hierarchical tag ('a/b' is 'b'): the keyword 'b'
            # alone is a concept of its own, whichever of the two the file has first
        if t is not None:
            return (t.id,), None
        if self.mode == "strict":
            return (), "strict"
        written = kw.strip()
        cuts = [m.start() for m in _HIERARCHY.finditer(written)] + [len(written)]
        parts = [p for p in _HIERARCHY.split(written) if p]
        if len(parts) > 1 and len(parts) == len(cuts) and not re.fullmatch(r"[\d\s/>]+", kw):
            return self._path(parts, [written[:c] for c in cuts]), None
        tid = self._own(kw, kw, None)
        if tid is None:
            return (), "empty"
        return (tid,), "own" if self.themes[tid].scheme else None

    def _warning(self, kw: str, ids: tuple[str, ...], why: str) -> str:
        """The warning of a keyword (see :meth:`_keyword`); "" when there is none."""
        if why == "empty":
            return f"keyword '{kw}' has no letter or digit: left out"
        close = self.suggest(kw)
        if why == "strict":
            hint = ("closest theme: " + ", ".join(f"'{c.id}' ({c.label()})" for c in close)
                    if close else "add it to the thesaurus in ontology.ttl")
            return f"unknown theme keyword '{kw}': {hint}"
        if not close:
            return ""
        return (f"keyword '{kw}' is close to the theme "
                + ", ".join(f"'{c.id}' ({c.label()})" for c in close)
                + f": made a theme of the library's own ('{ids[0]}'); write the "
                "theme's name if it is meant")

    def _path(self, parts: list[str], paths: list[str]) -> tuple[str, ...]:
        """A hierarchical tag: each level a concept (of the ontology when one is named so),
        each narrower than the one before; the entry gets the last.  ``paths``: each level's
        tag as written ('a', 'a/b'...)."""
        parent: str | None = None
        for i, part in enumerate(parts):
            path = paths[i]
            known = self.match(path) or (self.match(part) if i == 0 else None)
            tid = known.id if known else self._own(part, path, parent)
            if tid is not None:
                parent = tid
        return (parent,) if parent else ()

    def _own(self, label: str, path: str, parent: str | None) -> str | None:
        """The id of the library's concept ``path`` (made if new): its slug, or the theme of
        the ontology that already has that id (the same words)."""
        tid = slug(path)
        if not tid:
            return None
        if tid in self.themes:
            return tid
        t = Theme(tid, theme_iri(tid), {"": label.strip()}, scheme=OWN_SCHEME)
        if path != label:
            t.alt.append(path)
        if parent:
            t.broader.append(parent)
            up = self.themes[parent]  # copied, not changed: another thesaurus may share it
            self.themes[parent] = replace(up, narrower=[*up.narrower, tid])
        self.themes[tid] = t
        self._add_names(t)
        self.made.append(Made(label, path, parent))
        return tid

    def adopt(self, bib_text: str) -> list[Theme]:
        """Read every keywords field of a .bib text now, and return the library's own
        concepts (kg.core.graph.own_concepts gives their triples, which a build appends to the
        ontology's bytes).  The concepts adopted so are no longer written with each record
        (:meth:`chain`); one met later (a keyword from a @string macro) still is."""
        from kg.core.bib import text

        seen: set[str] = set()
        fields = self.fields = []
        for m in _KEYWORDS.finditer(bib_text):
            raw = m.group(1)
            fields.append(Field(m.start(), m.end(), raw))
            if raw in seen:
                continue
            seen.add(raw)
            for kw in _KEYWORD_SEP.split(text("{" + raw + "}", {}, "keywords")):
                kw = kw.strip()
                if kw:
                    self._ids_of(kw)  # its warning, if any, is made for a record that asks
        return self._adopt()

    def _adopt(self) -> list[Theme]:
        adopted = self.own()
        for t in adopted:
            t.adopted = True
        self._chains.clear()
        self.adopted_made = list(self.made)
        return adopted

    def replay(self, made: list[Made]) -> list[Theme]:
        """Make the library's own concepts a previous :meth:`adopt` made (its :attr:`made`), in
        the same order, and adopt them: the same concepts as :meth:`adopt` of a text whose
        keywords fields are the same, without reading it (an incremental build: the edited
        entries' keywords fields are as they were)."""
        for m in made:
            self._own(m.label, m.path, m.parent)
        return self._adopt()

    def own(self) -> list[Theme]:
        """The concepts of the library's own scheme made so far."""
        return [t for t in self.themes.values() if t.scheme == OWN_SCHEME]

    def chain(self, tids) -> list[Theme]:
        """The library's own concepts among ``tids``, with their own broader concepts: what a
        graph that tags with ``tids`` must describe besides the ontology (each theme's chain
        found once)."""
        if len(tids) == 1:
            return self._chain(tids[0])
        out: list[Theme] = []
        seen: set[str] = set()
        for tid in tids:
            for t in self._chain(tid):
                if t.id not in seen:
                    seen.add(t.id)
                    out.append(t)
        return out

    def _chain(self, tid: str) -> list[Theme]:
        found = self._chains.get(tid)
        if found is None:
            found, todo, seen = [], [tid], set()
            while todo:
                x = todo.pop()
                t = self.themes.get(x)
                if t is not None and t.scheme and not t.adopted and x not in seen:
                    seen.add(x)
                    found.append(t)
                    todo.extend(t.broader)
            self._chains[tid] = found
        return found

    def cycles(self) -> list[list[str]]:
        """The skos:broader cycles of the thesaurus, each as theme ids from its smallest id
        round to it again (``[a, b, a]``: a is broader than b, b broader than a), sorted."""
        return find_cycles({tid: t.broader for tid, t in self.themes.items()})

    def cycle_problems(self) -> list:
        """A warning for each skos:broader cycle: `kg themes` shows the smallest id of the
        cycle at the top of it (kg.read.query.themes), nothing else changes."""
        from kg.core.errors import Problem

        return [Problem(self.source or "ontology.ttl", 0, c[0], "warning",
                        "broader-theme cycle " + " -> ".join(f"'{t}'" for t in c)
                        + " (skos:broader, or skos:narrower the other way): a theme cannot be "
                        f"broader than itself; `kg themes` lists '{c[0]}' at the top of it: "
                        "remove one of these links in the ontology")
                for c in self.cycles()]

    def descendants(self, tid: str) -> list[str]:
        out, todo = [], [tid]
        while todo:
            t = todo.pop()
            if t in out:
                continue
            out.append(t)
            todo.extend(self.themes[t].narrower if t in self.themes else [])
        return out


def keywords_print(text: str) -> str:
    """What the keywords fields written in ``text`` (a piece of a .bib) are, as a short hash
    ("": none): an incremental build compares an edited entry's with the one its previous
    build recorded (:meth:`Thesaurus.replay` only if they are the same)."""
    return fields_print([m.group(1) for m in _KEYWORDS.finditer(text)])


def fields_print(values: list[str]) -> str:
    """The print of keywords fields as written, in order ("": none): :func:`keywords_print`."""
    import hashlib

    return hashlib.sha1("\0".join(values).encode("utf-8")).hexdigest()[:12] if values else ""


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
