"""Compounds, abbreviations and synonyms, typos, questions and autocomplete,
each on real text."""

from __future__ import annotations

import pytest

from indexer.analysis.compounds import compound_terms, split_compound
from indexer.analysis.dutch import compound_parts_analyzer
from indexer.analysis.thesaurus import THESAURUS_FILE, Thesaurus, thesaurus
from indexer.indexing.run import run_index
from indexer.model import FOUNDATION
from indexer.search.service import SearchService


@pytest.mark.parametrize(
    "word, parts",
    [
        ("samenwerkingsverband", ("samenwerking", "verband")),
        ("samenwerkingsverbanden", ("samenwerking", "verbanden")),
        ("leerlingvolgsysteem", ("leerling", "volg", "systeem")),
        ("ondersteuningsbehoeften", ("ondersteuning", "behoeften")),
        ("zorgbreedte", ("zorg", "breedte")),
        ("medezeggenschapsraden", ("medezeggenschap", "raden")),
        ("schoolondersteuningsprofiel", ("school", "ondersteuning", "profiel")),
    ],
)
def test_compounds_split_with_linking_letters(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize(
    "word",
    [
        "onderwijs",  # onder + wijs: a particle is no first part
        "ondersteuning",
        "verbeteren",
        "samenwerking",
        "terugplaatsing",
        "kinderen",  # kind + eren: an inflection is no last part
        "leerlingen",
        "leerling",  # leer + ling(en): a suffix
        "belangrijkste",  # belang + rijkste
        "bestuurder",
        "inspectie",
        "aanmelding",
    ],
)
def test_nonsense_splits_are_avoided(word):
    assert split_compound(word) == ()


def test_short_words_and_non_words_are_not_split():
    assert split_compound("schoolkas") == ("school", "kas") or split_compound("schoolkas") == ()
    assert split_compound("sbo") == () and split_compound("2020-2021") == ()


def _segments_by_trying_every_part(word: str) -> tuple[tuple[int, int], ...]:
    """The split the way it was first written: every substring of every
    length tried as a part, for each end in turn (the reference for the
    quicker search in compound_splitter._segments)."""
    from indexer.analysis import compounds as cs

    if len(word) < cs.MIN_WORD or not word.isalpha():
        return ()
    for ending in cs.INFLECTIONS:
        base = word[: -len(ending)]
        if word.endswith(ending) and cs.zipf(base) >= 3.5 and not _segments_by_trying_every_part(base):
            return ()
    n = len(word)
    best = [None] * (n + 1)
    best[0] = ((0, 0.0), ())
    for end in range(cs.MIN_PART, n + 1):
        for start in range(0, end - cs.MIN_PART + 1):
            part = word[start:end]
            if (start == 0 and end == n) or not cs._is_part(part):
                continue
            for link in ("",) + cs.LINKS:
                before = start - len(link)
                if before < 0 or word[before:start] != link or best[before] is None:
                    continue
                if before == 0 and link:
                    continue
                (count, neg_zipf), spans = best[before]
                if count == 0 and part in cs.NOT_FIRST:
                    continue
                key = (count + 1, neg_zipf - cs.zipf(part))
                if best[end] is None or key < best[end][0]:
                    best[end] = (key, spans + ((start, end),))
    if best[n] is None:
        return ()
    spans = best[n][1]
    last = word[spans[-1][0] :]
    if len(spans) < 2 or last in cs.NOT_LAST or last.startswith("rijk"):
        return ()
    return spans


def test_the_split_tries_only_parts_that_can_follow_a_split_and_finds_the_same():
    from indexer.analysis import compounds as cs
    from indexer.analysis.dutch import surface_analyzer
    from tests.conftest import CORPUS

    words = set()
    for path in sorted(CORPUS.rglob("*.html")):
        words |= surface_analyzer().terms_of_words(path.read_text(encoding="utf-8").split())
    words |= {
        "samenwerkingsverbanden",
        "boekenkast",
        "schoolsenen",
        "ensenensens",
        "leerlingvolgsystemen",
        "onderwijsondersteuning",
        "sss",
        "enenenenenen",
        "aaaabbbbccccdddd",
        "kinderopvangtoeslag",
    }
    words = sorted(w for w in words if w.isalpha())
    assert len(words) > 1500
    compounds = 0
    for word in words:
        expected = _segments_by_trying_every_part(word)
        assert cs._segments(word) == expected, word
        compounds += bool(expected)
    assert compounds > 100


def test_compound_terms_include_runs_of_parts_as_printed():
    assert compound_terms("schoolondersteuningsprofiel") == [
        "school",
        "ondersteuning",
        "profiel",
        "schoolondersteuning",
        "ondersteuningsprofiel",
    ]
    assert [t.text for t in compound_parts_analyzer()("Het leerlingvolgsysteem")] == [
        "leerling",
        "volg",
        "system",
        "leerlingvolg",
        "volgsystem",
    ]


def test_the_thesaurus_file_loads_and_works_both_ways():
    th = Thesaurus.load(THESAURUS_FILE)
    assert th.expansions(["TOS"]) == [(0, 1, ["taalontwikkelingsstoornis"])]
    assert th.expansions(["taalontwikkelingsstoornis"]) == [(0, 1, ["TOS"])]
    assert th.expansions(["speciaal", "onderwijs"]) == [(0, 2, ["so"])]
    assert th.expansions(["samenwerkingsverbanden"]) == [(0, 1, ["swv"])]  # by stem
    assert (0, 1, ["primair onderwijs"]) in th.expansions(["po"])


def test_capitals_matter_where_they_must():
    th = thesaurus()
    assert th.expansions(["MR"]) and not th.expansions(["mr"])  # mr. (meester) is not the MR
    assert th.expansions(["TOS"]) and not th.expansions(["tos"])
    assert th.expansions(["so"]) == th.expansions(["SO"])  # entries without ! ignore case


def test_every_thesaurus_line_is_well_formed(tmp_path):
    bad = tmp_path / "t.txt"
    bad.write_text("alleen-een-variant\n", encoding="utf-8")
    with pytest.raises(ValueError):
        Thesaurus.load(bad)


@pytest.fixture(scope="module")
def quality_index(tmp_path_factory):
    """A small corpus where each feature can be seen on its own."""
    root = tmp_path_factory.mktemp("kwaliteit")
    src = root / "bron"
    src.mkdir()
    pages = {
        "los.html": ("Volgsysteem", "2019-01-01", "Een volgsysteem voor de voortgang van leerlingen in groep acht."),
        "samengesteld.html": (
            "Registratie",
            "2019-01-01",
            "Het leerlingvolgsysteem van de school registreert toetsen en observaties.",
        ),
        "leesplan.html": ("Lezen", "2019-01-01", "Het leesplan voor groep drie beschrijft het aanvankelijk lezen."),
        "oud.html": (
            "Regeling 2018",
            "2018-04-01",
            "Scholen mogen vier jaar lang leerlingen van regulier en speciaal onderwijs volledig mengen "
            "binnen het experiment, daarna gaan zij verder als één school.",
        ),
        "nieuw.html": (
            "Regeling 2020",
            "2020-07-01",
            "Scholen mogen zes jaar lang leerlingen van regulier en speciaal onderwijs volledig mengen "
            "binnen het experiment, daarna gaan zij verder als één school.",
        ),
        "faq.html": ("Vragen", "2021-01-01", None),
        "tos.html": ("Taal", "2019-01-01", "Leerlingen met een taalontwikkelingsstoornis krijgen extra begeleiding."),
        "mr.html": ("Brief", "2019-01-01", "Getekend door mr. Jansen, advocaat te Utrecht, namens de ouders."),
        "mzr.html": ("Instemming", "2019-01-01", "De medezeggenschapsraad stemt in met het schoolplan."),
    }
    for i in range(6):
        pages[f"leerplan{i}.html"] = (f"Plan {i}", "2019-01-01", f"Het leerplan nummer {i} voor rekenen en taal.")
    for name, (title, date, text) in pages.items():
        if text is None:
            body = (
                "<p><strong>Wanneer begint de inschrijving?</strong></p><p>De inschrijving begint in maart.</p>"
                "<p><strong>Wie beslist over de toelating?</strong></p><p>Het bestuur beslist, na advies.</p>"
            )
        else:
            body = f"<p>{text}</p>"
        (src / name).write_text(
            f'<html lang="nl"><head><title>{title}</title><meta name="date" content="{date}"></head>'
            f"<body><main><h1>{title}</h1>{body}</main></body></html>",
            encoding="utf-8",
        )
    run_index(src, root / "index")
    svc = SearchService(root / "index")
    yield svc
    svc.close()


def sources(svc, query, **kw):
    return [h.source for h in svc.search(query, k=20, mode="passages", **kw).hits]


def test_a_part_finds_the_compound_but_the_whole_word_ranks_first(quality_index):
    assert sources(quality_index, "volgsysteem")[:2] == ["los.html", "samengesteld.html"]
    assert "samengesteld.html" not in sources(quality_index, "volgsysteem", config=FOUNDATION)


def test_abbreviations_find_their_full_form_and_back(quality_index):
    assert sources(quality_index, "TOS")[0] == "tos.html"
    assert sources(quality_index, "taalontwikkelingsstoornis") == ["tos.html"]
    assert "mzr.html" in sources(quality_index, "MR")  # the council, written out
    assert "mzr.html" not in sources(quality_index, "mr")  # lower case: not expanded
    assert sources(quality_index, "MR", config=FOUNDATION) == ["mr.html"]


def test_typos_find_close_words_below_exact_matches(quality_index):
    assert sources(quality_index, "leesplan")[0] == "leesplan.html"  # known, though rare
    assert sources(quality_index, "leerplna") and sources(quality_index, "leerplna")[0].startswith("leerplan")
    response = quality_index.search("leerplna", k=5)
    assert response.suggestion == "leerplan"
    assert sources(quality_index, "leerplna", config=FOUNDATION) == []


def test_an_faq_question_matches_its_question_heading(quality_index):
    hits = quality_index.search("Wanneer begint de inschrijving?", k=3, mode="passages").hits
    assert hits[0].heading == "Wanneer begint de inschrijving?" and hits[0].text.startswith("De inschrijving")


def test_of_two_passages_that_say_nearly_the_same_the_newer_is_the_hit(quality_index):
    """The same rule in two versions is one piece of content: the newer one is
    shown, the older one is its other place (one hit per piece of content)."""
    hits = quality_index.search("hoe lang mogen scholen leerlingen mengen", k=20, mode="passages").hits
    assert hits[0].source == "nieuw.html" and [p.source for p in hits[0].also] == ["oud.html"]
    assert "oud.html" not in [h.source for h in hits]


def test_autocomplete_offers_titles_headings_and_words(quality_index):
    kinds = {s["kind"]: s["text"] for s in quality_index.suggest("inschr")}
    assert kinds.get("kop") == "Wanneer begint de inschrijving?"
    assert "inschrijving" in [s["text"] for s in quality_index.suggest("inschr") if s["kind"] == "zoekterm"]
    assert any(s["kind"] == "titel" and s["text"] == "Volgsysteem" for s in quality_index.suggest("volgs"))
