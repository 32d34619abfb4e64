"""Every IRI kg writes, and the words of its model, in one place: namespaces, the statuses of
quotes and claims, the names of the relations.  Terms are closed: a typo is an AttributeError."""
from __future__ import annotations

import os
import re
import sys
from urllib.parse import quote as _pct

#: The base IRI of a graph: every resource kg mints (works, people, themes, quotes, claims,
#: entries, the library's scheme) is under ``BASE + "id/"``.  Two people who push their graphs
#: to one server give each a base of their own (``kg --base https://me.example/kg/`` or
#: ``KG_BASE``), so that no IRI of one graph is an IRI of the other.  The default:
DEFAULT_BASE = "https://kg.example/"
#: kg's own vocabulary (kgo: classes and properties, kgf: raw BibTeX fields) is the same in
#: every graph, whatever its base: a query written for one graph asks any other
VOCAB = "https://kg.example/"
ENV_BASE = "KG_BASE"


_BASE_FORM = re.compile(r"https?://[^\s<>\"{}|\\^`]+[/#]")


def check_base(base: str) -> str:
    """A base IRI as given, or InputError: an absolute http(s) IRI ending in '/' or '#'."""
    if not _BASE_FORM.fullmatch(base or ""):
        from kg.core.errors import InputError

        raise InputError(f"base IRI {base[:80]!r} is not an absolute http(s) IRI ending in "
                         "'/' or '#' (e.g. https://me.example/kg/)")
    return base


#: (a KG_BASE that is no IRI is reported by set_base, which the CLI calls first)
BASE = os.environ.get(ENV_BASE) or DEFAULT_BASE
BASE = BASE if _BASE_FORM.fullmatch(BASE) else DEFAULT_BASE
ID = BASE + "id/"
#: the namespaces of the things of the graph: <https://kg.example/id/theme/surveillance>
WORK_NS = ID + "work/"
PERSON_NS = ID + "person/"
THEME_NS = ID + "theme/"
QUOTE_NS = ID + "quote/"
CLAIM_NS = ID + "claim/"
#: the node of the bibliography file (its entries' order: kgo:entryOrder)
BIBLIOGRAPHY = ID + "bibliography"


class Namespace:
    """A closed vocabulary: ``DCT.title`` -> 'http://purl.org/dc/terms/title'."""

    def __init__(self, prefix: str, iri: str, terms: str):
        self._prefix = prefix
        self._iri = iri
        self._terms = frozenset(terms.split())

    def __getattr__(self, name: str) -> str:
        term = name.rstrip("_")
        if term not in self._terms:
            raise AttributeError(f"{self._prefix}:{term} is not a term of our vocabulary")
        value = self._iri + term
        object.__setattr__(self, name, value)  # later lookups skip __getattr__
        return value

    def __str__(self) -> str:
        return self._iri

    def term(self, name: str) -> str:
        return getattr(self, name)


KGO = Namespace("kgo", VOCAB + "ontology#", """
    Thinker Contributor Work Quote Claim Theme ProvenanceStatus ClaimStatus Entry
    verbatim attributed paraphrase sourced unsourced contested
    entryType fieldOrder position line sourceFile bibFile macro preamble comment
    subtitle originalTitle originalDate originalLanguage year annotation note place
    publicationPlace urlDate relatedType edition volume pages journalTitle bookTitle
    speaker source citedIn statedIn locator status text statement figure unit date
    alias nationality description thinkerKey role contributed translated edited
    dateUncertain kind displayName sortName issuedText quoteCount claimCount entryOrder
    correction
    """)
DCT = Namespace("dcterms", "http://purl.org/dc/terms/", """
    title creator contributor issued publisher language identifier subject source
    description isPartOf relation date spatial alternative bibliographicCitation
    abstract modified hasPart""")
BIBO = Namespace("bibo", "http://purl.org/ontology/bibo/", """
    Document Book BookSection AcademicArticle Article Chapter Webpage Website
    AudioVisualDocument Film AudioDocument Report Thesis Legislation Manual Periodical
    Patent Manuscript EditedBook Proceedings Letter Standard LegalCaseDocument Collection
    Quote Slideshow Interview Magazine Newspaper Journal Issue
    authorList editorList isbn13 isbn10 isbn doi uri editor translator pageStart pageEnd
    pages volume issue edition numPages locator shortTitle content""")
FOAF = Namespace("foaf", "http://xmlns.com/foaf/0.1/", """
    Person Organization Agent name givenName familyName made maker homepage""")
#: schema.org as linked-data tools query it: ``http://schema.org/`` (the namespace of
#: schema.org's own RDF releases, of Wikidata and of most SPARQL examples); schema.org also
#: accepts https, but an IRI is compared as written, so one had to be chosen
SCHEMA = Namespace("schema", "http://schema.org/", """
    birthDate deathDate nationality description sameAs name author editor translator
    datePublished about inLanguage isbn url text identifier isPartOf
    Thing CreativeWork Book Chapter ScholarlyArticle Article WebPage WebSite VideoObject Movie
    AudioObject Report Thesis Legislation Periodical Collection Quotation Claim Person
    Organization Message Manuscript""")
SKOS = Namespace("skos", "http://www.w3.org/2004/02/skos/core#", """
    Concept ConceptScheme prefLabel altLabel hiddenLabel definition broader narrower
    inScheme topConceptOf hasTopConcept note scopeNote related""")
CITO = Namespace("cito", "http://purl.org/spar/cito/", """
    citesAsEvidence cites agreesWith disagreesWith citesAsSourceDocument""")
RDF = Namespace("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", """
    type first rest nil value langString""")
RDFS = Namespace("rdfs", "http://www.w3.org/2000/01/rdf-schema#", """
    label comment subClassOf subPropertyOf domain range seeAlso""")
OWL = Namespace("owl", "http://www.w3.org/2002/07/owl#", """
    sameAs Class ObjectProperty DatatypeProperty Ontology NamedIndividual equivalentClass
    equivalentProperty""")
XSD = Namespace("xsd", "http://www.w3.org/2001/XMLSchema#", """
    string integer decimal double date gYear gYearMonth boolean anyURI""")
WD = "http://www.wikidata.org/entity/"
FIELD = VOCAB + "field/"  # raw BibTeX fields: <https://kg.example/field/title>

PREFIXES = {
    "kgo": str(KGO), "dcterms": str(DCT), "bibo": str(BIBO), "foaf": str(FOAF),
    "schema": str(SCHEMA), "skos": str(SKOS), "cito": str(CITO), "rdf": str(RDF),
    "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "wd": WD, "kgf": FIELD,
    "work": WORK_NS, "person": PERSON_NS, "theme": THEME_NS, "quote": QUOTE_NS,
    "claim": CLAIM_NS,
}


def set_base(base: str | None) -> None:
    """Make ``base`` the base IRI of this process (None: ``KG_BASE``, else the default), and
    of the processes it starts.  It must come before kg mints or reads an IRI: the CLI sets
    it first thing; a later change of base is refused (modules that read it would disagree)."""
    global BASE, ID, WORK_NS, PERSON_NS, THEME_NS, QUOTE_NS, CLAIM_NS, BIBLIOGRAPHY
    base = check_base(base or os.environ.get(ENV_BASE) or DEFAULT_BASE)
    if base == BASE:
        os.environ[ENV_BASE] = base
        return
    old = ID
    readers = sorted(name for name, m in list(sys.modules.items())
                     if name.startswith("kg.") and name != __name__ and m is not None
                     and any(isinstance(v, str) and v.startswith(old)
                             for v in vars(m).values()))
    if readers:
        from kg.core.errors import InputError

        raise InputError(f"the base IRI cannot change once kg has read it ({readers[0]}): "
                         f"give it first (kg --base IRI ...) or set {ENV_BASE}")
    BASE = base
    ID = BASE + "id/"
    WORK_NS, PERSON_NS, THEME_NS = ID + "work/", ID + "person/", ID + "theme/"
    QUOTE_NS, CLAIM_NS, BIBLIOGRAPHY = ID + "quote/", ID + "claim/", ID + "bibliography"
    PREFIXES.update(work=WORK_NS, person=PERSON_NS, theme=THEME_NS, quote=QUOTE_NS,
                    claim=CLAIM_NS)
    os.environ[ENV_BASE] = base  # the processes a build starts mint under it too


def rebase(data: bytes) -> bytes:
    """Turtle or N-Triples written with the default base (the shipped ontology's themes, the
    shapes) with this process's base instead."""
    if BASE == DEFAULT_BASE:
        return data
    old = (DEFAULT_BASE + "id/").encode()
    return data.replace(old, ID.encode()).replace(
        re.escape(DEFAULT_BASE + "id/").encode().replace(b"\\", b"\\\\"),
        re.escape(ID).encode().replace(b"\\", b"\\\\"))


#: kgo:status of a quote: checked word for word against the source, attributed to its speaker
#: (not checked), or reworded
VERBATIM, ATTRIBUTED, PARAPHRASE = QUOTE_STATUSES = ("verbatim", "attributed", "paraphrase")
#: kgo:status of a claim: backed by a source, backed by nothing, or wrong as stated
SOURCED, UNSOURCED, CONTESTED = CLAIM_STATUSES = ("sourced", "unsourced", "contested")
#: the claim statuses a reader is warned about
DOUBTFUL = (UNSOURCED, CONTESTED)

#: The relations between the things of the graph: predicate -> the one name every output gives
#: it (edges of `kg viz`, `kg analyse` and `kg export-graph`, a work's fields in `kg work`,
#: roles in `kg query thinker-works`).
RELATIONS = {
    DCT.creator: "author", BIBO.editor: "editor", BIBO.translator: "translator",
    DCT.contributor: "contributor", KGO.speaker: "speaker", DCT.subject: "theme",
    DCT.source: "source", KGO.citedIn: "citedIn", CITO.citesAsEvidence: "evidence",
    KGO.statedIn: "statedIn", DCT.isPartOf: "partOf", DCT.relation: "related",
    SKOS.broader: "broader",
}
#: relation name -> predicate
PREDICATES = {name: p for p, name in RELATIONS.items()}
#: the relations of a person to a work, in the order they are listed
AUTHOR, EDITOR, TRANSLATOR, CONTRIBUTOR = WORK_ROLES = (
    "author", "editor", "translator", "contributor")
SPEAKER = "speaker"
#: the relations of a person to an entry (the roles kg.core.model reads from name fields)
ROLES = (*WORK_ROLES, SPEAKER)

#: BibLaTeX entry type -> BIBO class
BIBO_CLASS = {
    "book": "Book", "mvbook": "Book", "inbook": "BookSection", "bookinbook": "BookSection",
    "suppbook": "BookSection", "incollection": "BookSection", "suppcollection": "BookSection",
    "collection": "EditedBook", "mvcollection": "EditedBook", "article": "AcademicArticle",
    "suppperiodical": "Article", "periodical": "Periodical", "inproceedings": "Article",
    "proceedings": "Proceedings", "mvproceedings": "Proceedings", "online": "Webpage",
    "www": "Webpage", "electronic": "Webpage", "video": "AudioVisualDocument",
    "movie": "Film", "audio": "AudioDocument", "music": "AudioDocument", "report": "Report",
    "techreport": "Report", "thesis": "Thesis", "phdthesis": "Thesis",
    "mastersthesis": "Thesis", "legislation": "Legislation", "jurisdiction": "LegalCaseDocument",
    "manual": "Manual", "patent": "Patent", "unpublished": "Manuscript", "letter": "Letter",
    "standard": "Standard", "misc": "Document", "booklet": "Document",
    "software": "Document", "dataset": "Document", "image": "Document", "artwork": "Document",
    "performance": "Document", "review": "Article", "reference": "Book", "mvreference": "Book",
    "inreference": "BookSection", "report ": "Report", "conference": "Article",
}

#: biblatex language names (langid, origlanguage) -> BCP 47
LANG = {
    "french": "fr", "francais": "fr", "english": "en", "american": "en", "british": "en",
    "USenglish": "en", "UKenglish": "en", "german": "de", "ngerman": "de", "austrian": "de",
    "naustrian": "de", "swissgerman": "de", "italian": "it", "spanish": "es",
    "portuguese": "pt", "brazilian": "pt", "dutch": "nl", "russian": "ru", "polish": "pl",
    "czech": "cs", "latin": "la", "greek": "el", "swedish": "sv", "danish": "da",
    "norwegian": "no", "finnish": "fi", "hungarian": "hu", "japanese": "ja", "chinese": "zh",
    "arabic": "ar", "hebrew": "he", "turkish": "tr", "catalan": "ca", "romanian": "ro",
}


# IRIs minted from user text: a key or id as one percent-encoded path segment
_SAFE = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]*")


def _seg(s: str) -> str:
    return s if _SAFE.fullmatch(s) else _pct(s, safe="-._~:@!$&'()*+,;=")


def theme_iri(tid: str) -> str:
    return f"{THEME_NS}{_seg(tid)}"
