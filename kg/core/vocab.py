"""Every IRI kg writes, and the words of its model, in one place: namespaces, the statuses of
quotes and claims, the names of the relations.  Terms are closed: a typo is an AttributeError."""
from __future__ import annotations

import re
from urllib.parse import quote as _pct

BASE = "https://kg.example/"
ID = BASE + "id/"
#: the namespaces of the things of the graph: <https://kg.example/id/theme/surveillance>
WORK_NS = ID + "work/"
PERSON_NS = ID + "person/"
THEME_NS = ID + "theme/"
QUOTE_NS = ID + "quote/"
CLAIM_NS = ID + "claim/"


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


KGO = Namespace("kgo", BASE + "ontology#", """
    Thinker Work Quote Claim Theme ProvenanceStatus ClaimStatus Entry
    verbatim attributed paraphrase sourced unsourced contested
    entryType fieldOrder position line sourceFile bibFile macro preamble comment
    subtitle originalTitle originalDate originalLanguage year annotation note place
    publicationPlace urlDate relatedType edition volume pages journalTitle bookTitle
    speaker source citedIn statedIn locator status text statement figure unit date
    alias nationality description thinkerKey role contributed translated edited
    dateUncertain kind displayName sortName issuedText quoteCount claimCount
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
SCHEMA = Namespace("schema", "https://schema.org/", """
    birthDate deathDate nationality description sameAs""")
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
FIELD = BASE + "field/"  # raw BibTeX fields: <https://kg.example/field/title>

PREFIXES = {
    "kgo": str(KGO), "dcterms": str(DCT), "bibo": str(BIBO), "foaf": str(FOAF),
    "schema": str(SCHEMA), "skos": str(SKOS), "cito": str(CITO), "rdf": str(RDF),
    "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "wd": WD, "kgf": FIELD,
    "work": WORK_NS, "person": PERSON_NS, "theme": THEME_NS, "quote": QUOTE_NS,
    "claim": CLAIM_NS,
}

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
