"""One rule for a name typed by a person (kg.core.names.resolve), and one wording of its errors,
in every command that looks a theme, a thinker or a node up by name."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.core.errors import InputError, NotFoundError
from kg.core.names import name_index, name_key, resolve

NAMES = name_index([
    ("Jacques Ellul", "ellul"), ("Ellul, Jacques", "ellul"), ("Ellul", "ellul"),
    ("Ivan Illich", "illich"), ("Illich", "illich"),
    ("Günther Anders", "anders"), ("Anders", "anders"),
    ("Jacques Rancière", "ranciere"),
    ("Surveillance", "surveillance"), ("Surveillance de masse", "mass-surveillance"),
    ("Vidéosurveillance", "cctv"),
    ("Technique", "technique"), ("Technique", "technique-book"),  # one name, two ids
])


def find(name: str) -> str:
    return resolve(name, NAMES, "thing", "the list")


def test_keys_ignore_accents_case_and_punctuation():
    assert name_key("  Günther   ANDERS ") == "gunther anders"
    assert name_key("Ellul, Jacques") == "ellul jacques"
    assert name_key("non-neutralité_de la technique") == "non neutralite de la technique"


def test_name_key_is_words_of_the_folded_text_for_every_character():
    """name_key replaces each run of non-word characters by one space and strips the ends: the
    words of the folded text joined by one space, whatever the character (white space of
    any kind, controls, marks, other scripts)."""
    from kg.core.latex import fold

    def words(s: str) -> str:
        return " ".join(re.sub(r"[\W_]+", " ", fold(s)).split())

    for c in map(chr, range(0x110000)):
        for s in (c, f"a{c}b", f"{c}x{c}", f" {c}\u00a0"):
            if not 0xD800 <= ord(c) <= 0xDFFF:
                assert name_key(s) == words(s), hex(ord(c))


def test_a_slug_is_its_own_key_with_spaces():
    """people_keys reads a plain slug's key without folding it: the same key."""
    from kg.core.graph import person_iri
    from kg.core.latex import slug
    from kg.core.names import _SLUG, people_keys

    for name in ("Jacques Ellul", "Günther Anders", "Pièces et main d'œuvre", "Толстой",
                 "van Dijk, Marten", "O'Neil", "X Æ A-12", "1984"):
        s = slug(name)
        assert (s.replace("-", " ") if _SLUG.fullmatch(s) else name_key(s)) == name_key(s)
        iri = person_iri(s)
        ns = iri[: -len(s)] if iri.endswith(s) else iri.rsplit("/", 1)[0] + "/"
        assert people_keys([(iri, name, "name")], ns)[name_key(s)] == [iri]


@pytest.mark.parametrize("name, id_", [
    ("jacques ellul", "ellul"),          # exact, folded
    ("GUNTHER ANDERS", "anders"),        # exact, accents ignored
    ("surveillance", "surveillance"),    # exact wins over the longer names it starts
    ("Ill", "illich"),                   # a unique prefix
    ("Ivan", "illich"),                  # a unique prefix (of "ivan illich")
    ("masse", "mass-surveillance"),      # a unique word
    ("videosurv", "cctv"),               # a unique prefix
    ("ranci", "ranciere"),               # the start of a word
    ("llic", "illich"),                  # a unique part
])
def test_the_rule(name, id_):
    assert find(name) == id_


def test_a_string_or_ids_as_values():
    assert resolve("ellul", {"ellul": "E"}, "thing", "") == "E"
    assert resolve("ellul", {"ellul": ["E"]}, "thing", "") == "E"


@pytest.mark.parametrize("name", ["Jacques", "technique", "surv"])
def test_ambiguous(name):
    with pytest.raises(NotFoundError, match=rf"^'{name}' matches several things: .*; be more "
                                            r"precise \(the list\)$"):
        find(name)


def test_ambiguous_shows_the_candidates_as_asked():
    with pytest.raises(NotFoundError, match=r"several things: <ellul>, <ranciere>;"):
        resolve("jacques", NAMES, "thing", "the list", show=lambda i: f"<{i}>")
    with pytest.raises(NotFoundError, match="matches several folks: "):
        resolve("jacques", NAMES, "thing", "the list", whats="folks")


def test_many_candidates_are_counted():
    many = {f"name {i}": str(i) for i in range(12)}
    with pytest.raises(NotFoundError, match=r": .*, and 7 more|and 7 more;"):
        resolve("name", many, "thing", "the list")


def test_unknown_suggests_the_closest():
    with pytest.raises(NotFoundError, match=r"^no thing matches 'Elul'; did you mean 'ellul'.*\? "
                                            r"\(the list\)$"):
        find("Elul")
    with pytest.raises(NotFoundError, match=r"^no thing matches 'zzyzx' \(the list\)$"):
        find("zzyzx")
    with pytest.raises(NotFoundError, match=r"did you mean <ellul>"):
        resolve("Elul", NAMES, "thing", "the list", show=lambda i: f"<{i}>")


def test_no_letters_is_an_input_error():
    with pytest.raises(InputError, match="no letters or digits"):
        find(" ,; ")


# --------------------------------------------------------------------------- every command

AMBIGUOUS = re.compile(r"^Error: '([^']+)' matches several ([a-z, ]+): (.+); be more precise "
                       r"\((.+)\)$")
UNKNOWN = re.compile(r"^Error: no ([a-z, ]+) matches '([^']+)'(; did you mean .+\?)? \((.+)\)$")

#: each command that takes a typed name: (arguments before the name, after it)
COMMANDS = {
    "theme": (["theme"], []),
    "thinker": (["thinker"], []),
    "quotes --thinker": (["quotes", "--thinker"], []),
    "claims --theme": (["claims", "--theme"], []),
    "query --param thinker": (["query", "thinker-works", "--param"], []),
    "export --theme": (["export", "--theme"], []),
    "export --thinker": (["export", "--thinker"], []),
    "dossier": (["dossier"], ["-o", "{tmp}/dossier"]),
    "viz --theme": (["viz", "--theme"], ["-o", "{tmp}/graph.html"]),
    "viz --thinker": (["viz", "--thinker"], ["-o", "{tmp}/graph.html"]),
    "path": (["path", "Illich"], []),
    "related": (["related"], []),
}
#: an ambiguous and an unknown name of the shipped corpus, for themes and for thinkers
THEME = ("surv", "zzyzx")
THINKER = ("Thomas", "Zzyzx")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_says_it_the_same_way(shipped_corpus, tmp_path, command):
    before, after = COMMANDS[command]
    ambiguous, unknown = THEME if "theme" in command or command == "dossier" else THINKER
    after = [a.replace("{tmp}", str(tmp_path)) for a in after]
    for name, form in ((ambiguous, AMBIGUOUS), (unknown, UNKNOWN)):
        typed = f"thinker={name}" if "param" in command else name
        r = CliRunner().invoke(main, [*before, typed, *after, *shipped_corpus.opts()])
        assert r.exit_code == 1, r.output
        last = r.output.strip().splitlines()[-1]
        assert form.match(last), last
        assert "Traceback" not in r.output


def test_a_family_name_shared_by_several_people_names_them_all():
    """people_keys, the one rule of the read model and of a remote library: a person's own
    names go to the first person that has them; a family name alone, when no one has it as a
    name, to everyone of that family, so that `kg thinker ellul` in a library of Jacques and
    Ivan Ellul lists both instead of answering with one of them."""
    from kg.core.names import people_keys

    ns = "https://kg.example/id/person/"
    j, i, o = ns + "ellul-jacques", ns + "ellul-ivan", ns + "ellul"
    rows = [(i, "Ivan Ellul", "name"), (j, "Jacques Ellul", "name"),
            (i, "Ellul, Ivan", "sort"), (j, "Ellul, Jacques", "sort"),
            (j, "ellul1912", "key")]
    keys = people_keys(rows, ns)
    assert keys["ellul"] == [i, j] and keys["jacques ellul"] == [j]
    assert keys["ellul jacques"] == [j] and keys["ellul1912"] == [j]
    with pytest.raises(NotFoundError, match="ellul-ivan, ellul-jacques"):
        resolve("Ellul", keys, "thinker", "how", show=lambda p: p.rsplit("/", 1)[-1])
    assert resolve("jacques ellul", keys, "thinker", "how") == j
    # a family name that is someone's name (an organisation "Ellul") is that one's
    keys = people_keys([(o, "Ellul", "name"), *rows], ns)
    assert keys["ellul"] == [o]
