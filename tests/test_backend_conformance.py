"""The conformance suite of :class:`indexer.engine.backend.SearchBackend`.

Every engine in ``BACKENDS`` must pass it: the product above the engine
(indexing runs, the search service, the site) relies on nothing else. The
documents are written here, small and Dutch, so that each test says what a
backend must do with them; no engine's internals are touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.engine.backend import (
    BACKENDS,
    BackendWriter,
    SearchBackend,
    UnknownBackendError,
    backend_class,
    backend_name,
)
from indexer.model import DocumentRecord, Passage
from indexer.search.query_parser import parse_query


def record(
    doc_id: str,
    title: str,
    *,
    type: str = "publicatie",
    sectors=("po",),
    date="2022-03-01",
    passages: int = 1,
    state: str = "s1",
) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc_id,
        source=f"{doc_id}.html",
        format="html",
        title=title,
        type=type,
        sectors=list(sectors),
        date=date,
        url=None,
        author=None,
        description=None,
        page_count=None,
        headings=[(1, title, None)],
        passage_count=passages,
        state=state,
        indexed_at="2026-12-01T00:00:00",
    )


def passage(doc_id: str, number: int, text: str, heading: str = "Inleiding") -> Passage:
    return Passage(doc_id=doc_id, number=number, text=text, heading_path=[heading])


# Four documents: two about the same subject, one whose passage another repeats.
DOCS = {
    "toelating": (
        record(
            "toelating",
            "Toelating tot het speciaal onderwijs",
            type="publicatie",
            sectors=("so",),
            date="2021-05-01",
            passages=2,
        ),
        [
            passage(
                "toelating",
                0,
                "Een toelaatbaarheidsverklaring geeft een leerling toegang tot het speciaal "
                "onderwijs. Het samenwerkingsverband beslist over de verklaring.",
            ),
            passage(
                "toelating",
                1,
                "De verklaring geldt voor een bepaalde periode. Daarna beoordeelt het "
                "samenwerkingsverband opnieuw of de leerling speciaal onderwijs nodig heeft.",
                heading="Duur van de verklaring",
            ),
        ],
    ),
    "thuiszitters": (
        record(
            "thuiszitters",
            "Thuiszitters terug naar school",
            type="praktijkvoorbeeld",
            sectors=("po", "vo"),
            date="2023-09-15",
        ),
        [
            passage(
                "thuiszitters",
                0,
                "Scholen en gemeenten werken samen om thuiszitters zo snel mogelijk weer "
                "onderwijs te laten volgen, met een plan voor elke leerling.",
            )
        ],
    ),
    "ondersteuning": (
        record(
            "ondersteuning",
            "Basisondersteuning in het voortgezet onderwijs",
            type="publicatie",
            sectors=("vo",),
            date="2020-01-10",
        ),
        [
            passage(
                "ondersteuning",
                0,
                "Elke school biedt basisondersteuning. Wat een school daarnaast biedt, "
                "staat in het schoolondersteuningsprofiel.",
            )
        ],
    ),
    "kopie": (
        record("kopie", "Nieuwsbrief over thuiszitters", type="nieuws", sectors=("po",), date="2024-02-01"),
        [
            passage(
                "kopie",
                0,
                "Scholen en gemeenten werken samen om thuiszitters zo snel mogelijk weer "
                "onderwijs te laten volgen, met een plan voor elke leerling.",
            )
        ],
    ),
}


def write(index: SearchBackend, *names: str) -> int:
    writer = index.writer()
    for name in names or DOCS:
        rec, passages = DOCS[name]
        writer.add_document(rec, passages, rec.sectors)
    return writer.commit()


@pytest.fixture(params=BACKENDS)
def backend(request) -> type[SearchBackend]:
    if request.param == "opensearch":
        request.getfixturevalue("opensearch")  # the shared cluster (skips with the reason without one)
    return backend_class(request.param)


@pytest.fixture
def index(backend, tmp_path) -> SearchBackend:
    ix = backend.create(tmp_path / "gen-1")
    write(ix)
    ix.refresh()
    yield ix
    ix.close()


def search(index: SearchBackend, text: str, **kwargs):
    return index.search(parse_query(text), **kwargs)


# -- the seam itself ---------------------------------------------------------------------


def test_the_backend_is_chosen_by_name_and_an_unknown_one_is_refused():
    assert backend_name({}) == "whoosh"
    assert backend_name({"EXPERTISEBANK_BACKEND": " Whoosh "}) == "whoosh"
    with pytest.raises(UnknownBackendError, match="Onbekende zoekmachine 'solr'"):
        backend_name({"EXPERTISEBANK_BACKEND": "solr"})


def test_a_backend_implements_the_protocol(index, backend):
    assert isinstance(index, SearchBackend)
    assert isinstance(index.writer(), BackendWriter)
    assert backend.name in BACKENDS and isinstance(backend.schema_version, int)


# -- lifecycle: create, commit, generations --------------------------------------------


def test_an_index_exists_once_created_and_commits_count_up(backend, tmp_path):
    place = tmp_path / "gen"
    assert not backend.exists(place)
    ix = backend.create(place)
    assert backend.exists(place)
    first = ix.generation()
    assert write(ix, "toelating") > first
    assert write(ix, "thuiszitters") > ix.generation() - 1 >= first
    ix.close()


def test_nothing_is_visible_before_commit_and_cancel_drops_changes(backend, tmp_path):
    ix = backend.create(tmp_path / "gen")
    writer = ix.writer()
    rec, passages = DOCS["toelating"]
    writer.add_document(rec, passages, rec.sectors)
    assert ix.counts() == (0, 0)
    writer.cancel()
    ix.refresh()
    assert ix.counts() == (0, 0) and ix.get_document("toelating") is None
    ix.close()


def test_refresh_sees_a_commit_made_through_another_handle(backend, tmp_path):
    place = tmp_path / "gen"
    reader = backend.create(place)
    assert search(reader, "toelaatbaarheidsverklaring").total == 0
    writer_side = backend(place)
    write(writer_side, "toelating")
    version = reader.version
    assert reader.refresh() is True and reader.version > version
    assert search(reader, "toelaatbaarheidsverklaring").total == 1
    assert reader.refresh() is False
    writer_side.close()
    reader.close()


def test_a_new_generation_can_start_as_a_copy_of_the_live_one(index, backend, tmp_path):
    copy = backend.create_from(index, tmp_path / "gen-2")
    assert copy.counts() == index.counts()
    writer = copy.writer()  # the copy is writable, and the live one stays as it was
    writer.delete_document("kopie")
    writer.commit()
    copy.refresh()
    assert copy.get_document("kopie") is None and index.get_document("kopie") is not None
    copy.close()


# -- documents ---------------------------------------------------------------------------


def test_documents_and_their_passages_come_back_as_written(index):
    assert index.counts() == (4, 5)
    assert sorted(d.doc_id for d in index.documents()) == sorted(DOCS)
    got = index.get_document("toelating")
    assert got.title == "Toelating tot het speciaal onderwijs" and got.sectors == ["so"]
    assert got.date == "2021-05-01" and got.type == "publicatie" and got.state == "s1"
    passages = index.passages_of("toelating")
    assert [p.number for p in passages] == [0, 1]
    assert passages[1].heading_path == ["Duur van de verklaring"]
    assert passages[0].text.startswith("Een toelaatbaarheidsverklaring")
    assert index.get_document("bestaat-niet") is None and index.passages_of("bestaat-niet") == []
    assert index.document_states()["toelating.html"] == ("toelating", "s1")
    exported = list(index.export_passages())
    assert len(exported) == 5


def test_delete_removes_a_document_with_all_its_passages(index):
    writer = index.writer()
    writer.delete_document("toelating")
    writer.commit()
    index.refresh()
    assert index.get_document("toelating") is None and index.passages_of("toelating") == []
    assert index.counts() == (3, 3)
    assert search(index, "toelaatbaarheidsverklaring").total == 0


def test_replace_is_delete_then_add_and_shows_the_new_text(index):
    rec, _ = DOCS["ondersteuning"]
    new = record("ondersteuning", rec.title, type="publicatie", sectors=("vo",), date="2025-01-01", state="s2")
    writer = index.writer()
    writer.delete_document("ondersteuning")
    writer.add_document(
        new,
        [passage("ondersteuning", 0, "Extra ondersteuning krijgt een leerling met een ontwikkelingsperspectief.")],
        new.sectors,
    )
    writer.commit()
    index.refresh()
    assert search(index, "schoolondersteuningsprofiel").total == 0
    assert [h.doc_id for h in search(index, "ontwikkelingsperspectief").hits] == ["ondersteuning"]
    assert index.get_document("ondersteuning").state == "s2" and index.counts() == (4, 5)


# -- search ------------------------------------------------------------------------------


def test_search_ranks_the_passage_that_holds_the_words(index):
    result = search(index, "toelaatbaarheidsverklaring speciaal onderwijs")
    assert result.hits[0].doc_id == "toelating" and result.searchable


def test_dutch_analysis_finds_inflections_and_compound_parts(index):
    assert search(index, "thuiszitter").hits[0].doc_id in ("thuiszitters", "kopie")  # singular finds plural
    assert "ondersteuning" in {h.doc_id for h in search(index, "profiel").hits}  # part of a compound


def test_documents_mode_gives_one_hit_per_document_with_more_passages_grouped(index):
    result = search(index, "samenwerkingsverband verklaring", per_document=2)
    assert [h.doc_id for h in result.hits] == ["toelating"]
    assert result.total == 1 and len(result.hits[0].more) == 1
    passages = search(index, "samenwerkingsverband verklaring", mode="passages")
    assert [h.doc_id for h in passages.hits] == ["toelating", "toelating"] and passages.total == 2


def test_the_same_text_in_two_documents_is_one_hit_with_the_other_place(index):
    result = search(index, "thuiszitters gemeenten")
    assert len(result.hits) == 1 and result.total == 1
    hit = result.hits[0]
    assert {hit.doc_id} | {p.doc_id for p in hit.also} == {"thuiszitters", "kopie"}


def test_filters_keep_documents_with_a_chosen_value_of_every_facet(index):
    assert [h.doc_id for h in search(index, "onderwijs", filters={"sectors": ["so"]}).hits] == ["toelating"]
    both = search(
        index, "onderwijs leerling", filters={"type": ["publicatie", "praktijkvoorbeeld"], "year": ["2021", "2023"]}
    )
    assert {h.doc_id for h in both.hits} == {"toelating", "thuiszitters"}
    assert search(index, "onderwijs", filters={"year": ["1999"]}).total == 0


def test_facets_count_each_facet_under_the_other_facets_filters(index):
    result = search(index, "speciaal voortgezet", facets=True, filters={"sectors": ["vo"]})
    assert [h.doc_id for h in result.hits] == ["ondersteuning"] and result.total == 1
    # the sector facet ignores the sector filter: it still shows what the others hold;
    # type and year obey it
    assert result.facets == {"type": {"publicatie": 1}, "sector": {"so": 1, "vo": 1}, "year": {"2020": 1}}
    passages = search(index, "speciaal voortgezet", facets=True, mode="passages")
    assert passages.facets["sector"] == {"so": 2, "vo": 1}  # passages mode counts passages


def test_snippets_mark_the_query_words(index):
    hit = search(index, "toelaatbaarheidsverklaring").hits[0]
    assert "<mark>" in hit.snippet and "toelaatbaarheidsverklaring" in hit.snippet.lower()
    assert "<script" not in hit.snippet


def test_date_order_puts_the_newest_first(index):
    result = search(index, "onderwijs", sort="date")
    dates = [h.date for h in result.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2


def test_paging_gives_disjoint_pages_and_one_total(index):
    first = search(index, "onderwijs", mode="passages", limit=2)
    second = search(index, "onderwijs", mode="passages", limit=2, offset=2)
    assert first.total == second.total >= 3
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_a_query_of_stop_words_is_not_searchable(index):
    result = search(index, "de het een")
    assert result.total == 0 and result.searchable is False


# -- suggest, near words, related, stats and health -------------------------------------


def test_autocomplete_offers_titles_and_words_for_a_prefix(index):
    texts = [c["text"].lower() for c in index.autocomplete("thuisz")]
    assert texts and all("thuisz" in t for t in texts)


def test_near_words_correct_a_typo_but_not_a_known_word(index):
    assert index.corrections(["toelaatbaarheidsverklring"]) == {
        "toelaatbaarheidsverklring": "toelaatbaarheidsverklaring"
    }
    assert index.corrections(["onderwijs"]) == {}


def test_related_documents_share_content(index):
    related = [doc.doc_id for doc, _score in index.related_documents("thuiszitters")]
    assert "toelating" not in related[:1] and "thuiszitters" not in related


def test_stats_and_health_report_the_counts(index):
    stats = index.stats()
    assert stats["documents"] == 4 and stats["passages"] == 5
    health = index.health()
    assert health["ok"] is True and (health["documents"], health["passages"]) == (4, 5)
    assert health["generation"] == index.generation()


def test_an_empty_index_answers_every_call(backend, tmp_path: Path):
    ix = backend.create(tmp_path / "leeg")
    assert search(ix, "onderwijs").total == 0 and search(ix, "onderwijs", facets=True).facets is not None
    # only the thesaurus's abbreviations can complete a word here
    assert all(c["kind"] == "afkorting" for c in ix.autocomplete("onder"))
    assert ix.documents() == [] and ix.counts() == (0, 0) and ix.corrections(["onderwjs"]) == {}
    assert ix.health()["ok"] is True
    ix.close()
