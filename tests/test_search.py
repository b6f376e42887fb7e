"""Ranking and the response shape, on the indexed demo corpus."""

from __future__ import annotations

import json
import re

import pytest

from indexer.model import FOUNDATION, RankingConfig
from indexer.search.query_parser import parse_query


def top(service, query, k=5, mode="passages"):
    return service.search(query, k=k, mode=mode).hits


def test_response_has_the_promised_json_shape(service):
    data = service.search("samenwerkingsverband", k=3).as_json()
    assert set(data) == {"query", "total", "took_ms", "hits", "suggestion"}
    assert data["query"] == "samenwerkingsverband" and data["total"] >= 3
    assert isinstance(data["took_ms"], float)
    for hit in data["hits"]:
        assert set(hit) == {
            "id",
            "title",
            "source",
            "type",
            "date",
            "page",
            "heading",
            "score",
            "snippet",
            "text",
            "also",
        }
        assert isinstance(hit["score"], float) and hit["text"]
        assert "<mark>" in hit["snippet"]


def test_snippets_escape_document_text_and_mark_only_matches(service):
    for hit in top(service, "symbiose", k=10):
        stripped = re.sub(r"</?mark>", "", hit.snippet)
        assert "<" not in stripped and ">" not in stripped
        for marked in re.findall(r"<mark>(.*?)</mark>", hit.snippet):
            assert marked.lower().startswith("symbiose")


def test_document_mode_gives_one_hit_per_document(service):
    hits = service.search("praktijkvoorbeelden", k=10, mode="documents").hits
    doc_ids = [h.doc_id for h in hits]
    assert len(doc_ids) == len(set(doc_ids))
    assert all(h.id == h.doc_id for h in hits)


def test_passage_mode_can_return_several_passages_of_one_document(service):
    hits = service.search("praktijkvoorbeelden", k=10, mode="passages").hits
    assert len({h.doc_id for h in hits}) < len(hits)
    assert all(h.id.startswith(h.doc_id + ".") for h in hits)


def test_pdf_hits_carry_their_page(service):
    hits = service.search("intentieverklaring opheffing", k=10, mode="passages").hits
    # a PDF is a hit of its own, or the other place of a web page with the same text
    pdf = [h for h in hits if h.source.endswith(".pdf")] + [p for h in hits for p in h.also if p.format == "pdf"]
    assert pdf and all(isinstance(h.page, int) and h.page >= 1 for h in pdf)


def test_stemming_and_accents_match_at_query_time(service):
    a = {h.id for h in top(service, "geintegreerde voorzieningen", k=10)}
    b = {h.id for h in top(service, "geïntegreerde voorziening", k=10)}
    assert a == b and a


def test_passages_matching_more_query_words_rank_higher(service):
    hits = top(service, "Talentencampus Venlo kinderopvang", k=5)
    first_text = (hits[0].heading or "") + hits[0].text
    assert all(w in first_text.lower() for w in ("talentencampus", "venlo", "kinderopvang"))


def test_title_and_heading_matches_weigh_more_than_body(service):
    # "Twinschool" is a card heading in two documents and body text elsewhere
    hits = top(service, "twinschool", k=5)
    assert hits[0].heading and "Twinschool" in hits[0].heading


def test_all_words_optional_a_plain_and_would_find_nothing(service):
    query = "Hoeveel samenwerkingsverbanden zijn er in het po en de regio Bolivia?"
    hits = top(service, query, k=5)
    assert any("77 in het primair onderwijs" in h.text for h in hits)


def test_question_words_do_not_dominate(service):
    with_q = [h.id for h in top(service, "Wat is invlechting?", k=3)]
    without = [h.id for h in top(service, "invlechting", k=3)]
    assert with_q == without


def test_quoted_phrases_must_match_as_phrases(service):
    phrase = service.search('"Een goed voorbereide start"', k=20, mode="passages")
    assert phrase.total >= 1
    for hit in phrase.hits:
        assert "goed voorbereide start" in hit.text.lower()
    loose = service.search("goed voorbereide start", k=50, mode="passages")
    assert loose.total > phrase.total


def test_excluded_words(service):
    hits = service.search("terugplaatsen -Meppel", k=20, mode="passages").hits
    assert hits and not any("meppel" in h.text.lower() for h in hits)


def test_filters_by_type_sector_and_year(service):
    pubs = service.search("experiment", k=20, filters={"type": ["publicatie"]}).hits
    assert pubs and {h.type for h in pubs} == {"publicatie"}
    vo = service.search("leernetwerk", k=20, filters={"sectors": ["vo"], "year": [2021]}).hits
    assert [h.source for h in vo] == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]


def test_suggestion_for_a_misspelled_word(service):
    response = service.search("samenwerkingsverbnd", k=5)
    assert response.suggestion == "samenwerkingsverband"
    assert service.search("samenwerkingsverband", k=5).suggestion is None


def test_stop_words_only_gets_a_message_not_an_error(service):
    response = service.search("wat is het de een", k=5)
    assert response.total == 0 and "veelvoorkomende woorden" in response.message


NO_WORDS = "Geef een of meer zoekwoorden op."


@pytest.mark.parametrize(
    "query, message",
    [
        ('"', NO_WORDS),
        ("((", NO_WORDS),
        ("AND OR NOT", NO_WORDS),
        ("*~^:", NO_WORDS),
        ("-", NO_WORDS),
        ("a" * 5000, NO_WORDS),  # one word longer than any word of the index: nothing left to search
        ('"onafgesloten zin', None),
        ("🙂 ünïcödé", None),  # searched, found nowhere
    ],
)
def test_odd_queries_get_an_answer_and_say_why_it_is_empty(service, query, message):
    response = service.search(query, k=5)
    assert (response.total, response.hits, response.message) == (0, [], message)
    assert json.loads(json.dumps(response.as_json()))["total"] == 0


def test_parse_query():
    plan = parse_query('passend "speciaal onderwijs" -Meppel so- en sbo-leerlingen OR')
    assert plan.words == ["passend", "so-", "en", "sbo-leerlingen"]
    assert plan.phrases == [["speciaal", "onderwijs"]]
    assert plan.excluded == ["Meppel"]
    assert parse_query("Mag dat?").is_question and not parse_query("mengen").is_question


def test_baseline_config_requires_every_word(service):
    strict = RankingConfig("strict", all_words_required=True, coordination=0.0)
    assert service.search("Talentencampus Bolivia", k=5, config=strict).total == 0
    assert service.search("Talentencampus Bolivia", k=5, config=FOUNDATION).total > 0


def test_excluding_a_hyphenated_word_does_not_exclude_its_parts(service):
    everything = service.search("speciaal", k=100, mode="passages").total
    without = service.search("speciaal -so-onderwijs", k=100, mode="passages").total
    assert without >= everything - 5  # only passages that say "so-onderwijs" go


def test_a_negated_phrase_excludes_the_phrase(service):
    plain = service.search("passend", k=100, mode="passages")
    negated = service.search('passend -"speciaal onderwijs"', k=100, mode="passages")
    assert 0 < negated.total < plain.total
    assert not any("speciaal onderwijs" in h.text.lower() for h in negated.hits)


def test_a_quoted_hyphenated_word_is_a_phrase_of_its_parts(service):
    hits = service.search('"so-sbo-bao"', k=50, mode="passages").hits
    assert hits and all("so-sbo-bao" in h.text.lower() for h in hits)


def test_numbers_with_separators_are_one_term(service):
    plan = parse_query("1,5 miljoen en 2.500 euro")
    assert plan.words[0] == "1,5" and "2.500" in plan.words


def test_facet_counts_match_their_plain_definition():
    import random

    from indexer.engine.facets import FacetTable
    from tests.facet_reference import facet_counts_reference

    rng = random.Random(3)
    types, sectors = ["publicatie", "faq", "nieuws"], ["po", "vo", "so"]
    meta = {
        f"d{i}": (
            rng.choice(types),
            sorted(rng.sample(sectors, rng.randint(0, 3))),
            rng.choice([None, 2019, 2020, 2021]),
        )
        for i in range(300)
    }
    for trial in range(40):
        weights = {d: (1 if trial % 2 else rng.randint(1, 5)) for d in rng.sample(sorted(meta), 120)}
        weights["onbekend"] = 1  # a document without metadata counts nowhere
        filters = {}
        if trial % 3:
            filters["type"] = rng.sample(types, rng.randint(1, 2))
        if trial % 4:
            filters["sectors"] = rng.sample(sectors, 1)
        if trial % 5 == 0:
            filters["year"] = [2020, "2021"]
        table = FacetTable(sorted(meta) + ["onbekend"], meta)
        assert table.counts(table.weights_of(weights), filters) == facet_counts_reference(weights, meta, filters)


def test_newer_first_equals_its_plain_definition():
    """The reordering with cheap tests first gives the pairwise definition's order."""
    import random

    from indexer.engine.reranking import CLOSE_SCORE, NEAR_DUPLICATE, _words_of, newer_first

    class FakeHit(dict):
        def __init__(self, score, **fields):
            super().__init__(fields)
            self.score = score

    def reference(hits):
        out = []
        for hit in hits:
            mine, place = _words_of(hit["body"]), len(out)
            for i, other in enumerate(out):
                theirs = _words_of(other["body"])
                overlap = len(mine & theirs) / (len(mine | theirs) or 1)
                if (
                    overlap >= NEAR_DUPLICATE
                    and (hit.get("date") or "") > (other.get("date") or "")
                    and hit.score >= CLOSE_SCORE * other.score
                ):
                    place = i
                    break
            out.insert(place, hit)
        return out

    rng = random.Random(11)
    vocabulary = [f"woord{i}" for i in range(16)]
    moved = 0
    for _ in range(60):
        hits, score = [], 20.0
        for n in range(rng.randint(1, 40)):
            score *= rng.uniform(0.8, 1.0)
            body = " ".join(rng.sample(vocabulary, rng.randint(3, 14)))
            date = rng.choice([None, "2018-05-01", "2020-01-01", "2022-09-09"])
            hits.append(FakeHit(score, body=body, n=n, **({"date": date} if date else {})))
        got = [h["n"] for h in newer_first(hits)]
        assert got == [h["n"] for h in reference(hits)]
        shown = rng.randint(1, 12)
        assert [h["n"] for h in newer_first(hits, shown=shown)][:shown] == got[:shown]
        moved += got != sorted(got)
    assert moved > 10  # the cases do reorder
