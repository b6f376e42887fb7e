"""Incremental indexing, the atomic full rebuild, the lock and the failure report."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import indexer.indexing.run as index_run
from indexer.indexing.run import Pipeline, run_index
from indexer.indexing.store import IndexBusyError, IndexStore
from indexer.search.service import SearchService
from tests import pdf_fixtures
from tests.conftest import CORPUS

N_DEMO = 8


@pytest.fixture
def corpus(tmp_path) -> Path:
    dest = tmp_path / "bron"
    shutil.copytree(CORPUS, dest, ignore=shutil.ignore_patterns("tools"))
    return dest


class ExtractionLog:
    """The paths parsed, in order. Parsing happens in worker processes, so
    each one appends a line to a file rather than to a list."""

    def __init__(self, path: Path):
        self.path = path
        self.clear()

    def record(self, source_path: str) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(source_path + "\n")

    def paths(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def clear(self) -> None:
        self.path.write_text("", encoding="utf-8")

    def __len__(self) -> int:
        return len(self.paths())

    def __eq__(self, other) -> bool:
        return self.paths() == list(other)

    def __repr__(self) -> str:
        return repr(self.paths())


class Steps:
    """The steps this module's runs take (``run_index(pipeline=...)``):
    the product's, until a test or fixture swaps one for its own."""

    def __init__(self):
        self.pipeline = Pipeline()

    def use(self, **steps) -> None:
        self.pipeline = replace(self.pipeline, **steps)


@pytest.fixture
def steps() -> Steps:
    return Steps()


@pytest.fixture
def run(steps):
    """``run_index`` with this test's steps."""

    def run(source, root, **kwargs):
        return run_index(source, root, pipeline=steps.pipeline, **kwargs)

    return run


@pytest.fixture
def count_extractions(steps, tmp_path):
    log = ExtractionLog(tmp_path / "extractions.log")
    real = steps.pipeline.extract

    def counting(source):
        log.record(source.path)
        return real(source)

    steps.use(extract=counting)
    return log


def titles(root, query, k=20):
    """The sources that hold the query's text: hits and the other places of their text."""
    svc = SearchService(root)
    try:
        return [source for h in svc.search(query, k=k).hits for source in [h.source] + [p.source for p in h.also]]
    finally:
        svc.close()


def test_incremental_run_skips_unchanged_files(run, corpus, tmp_path, count_extractions):
    root = tmp_path / "index"
    first = run(corpus, root)
    assert len(first.added) == N_DEMO and first.exit_code == 0
    assert len(count_extractions) == N_DEMO
    count_extractions.clear()
    second = run(corpus, root)
    assert (second.added, second.updated, second.removed, second.failed) == ([], [], [], [])
    assert len(second.unchanged) == N_DEMO
    assert count_extractions == []  # nothing parsed again


def test_added_changed_and_deleted_files(run, corpus, tmp_path, count_extractions):
    root = tmp_path / "index"
    run(corpus, root)
    count_extractions.clear()
    news = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    news.write_text(
        news.read_text(encoding="utf-8").replace(
            '<p class="authors">', '<p>Het leernetwerk bespreekt ook de zebrapadregeling.</p>\n<p class="authors">'
        ),
        encoding="utf-8",
    )
    (corpus / "webpaginas" / "po-raad-passend-onderwijs.html").unlink()
    shutil.copy(
        corpus / "verslagen" / "webinar-experimenteerregeling-vragen-en-antwoorden.pdf",
        corpus / "verslagen" / "webinar-kopie.pdf",
    )
    report = run(corpus, root)
    assert report.updated == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert report.removed == ["webpaginas/po-raad-passend-onderwijs.html"]
    assert report.added == ["verslagen/webinar-kopie.pdf"]
    # the copy has the same bytes as a file extracted before: the cache serves it
    assert count_extractions == report.updated
    assert report.documents == N_DEMO  # one removed, one added
    assert titles(root, "zebrapadregeling") == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert "webpaginas/po-raad-passend-onderwijs.html" not in titles(root, "invlechting ontvlechting")
    # no document is doubled: the changed one has one document record
    svc = SearchService(root)
    sources = [r.source for r in svc.documents()]
    svc.close()
    assert len(sources) == len(set(sources)) == N_DEMO


def test_a_changed_catalogue_entry_updates_metadata_without_a_file_change(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    cat = corpus / "catalogue.toml"
    cat.write_text(
        cat.read_text(encoding="utf-8").replace(
            '["webpaginas/po-raad-passend-onderwijs.html"]\ntype = "publicatie"',
            '["webpaginas/po-raad-passend-onderwijs.html"]\ntype = "faq"',
        ),
        encoding="utf-8",
    )
    report = run(corpus, root)
    assert report.updated == ["webpaginas/po-raad-passend-onderwijs.html"]
    svc = SearchService(root)
    assert svc.document("webpaginas-po-raad-passend-onderwijs-html").type == "faq"
    svc.close()


def test_broken_files_are_reported_and_the_rest_is_indexed(run, corpus, tmp_path):
    pdf_fixtures.corrupt_pdf(corpus / "kapot.pdf")
    pdf_fixtures.encrypted_pdf(corpus / "versleuteld.pdf")
    pdf_fixtures.scanned_pdf(corpus / "gescand.pdf")
    report = run(corpus, tmp_path / "index")
    reasons = dict(report.failed)
    assert set(reasons) == {"kapot.pdf", "versleuteld.pdf", "gescand.pdf"}
    assert "beschadigd" in reasons["kapot.pdf"]
    assert "versleuteld" in reasons["versleuteld.pdf"]
    assert "geen tekstlaag" in reasons["gescand.pdf"]
    assert len(report.added) == N_DEMO and report.exit_code == 1
    rendered = report.render()
    assert "mislukt:      3" in rendered and "! versleuteld.pdf: versleuteld" in rendered


def test_a_file_that_breaks_keeps_its_previous_version(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    target = corpus / "verslagen" / "webinar-experimenteerregeling-vragen-en-antwoorden.pdf"
    pdf_fixtures.corrupt_pdf(target)
    report = run(corpus, root)
    [(path, reason)] = report.failed
    assert path == "verslagen/webinar-experimenteerregeling-vragen-en-antwoorden.pdf"
    assert "vorige versie blijft doorzoekbaar" in reason
    assert path in titles(root, "zorgbreedte")
    full = run(corpus, root, full=True)  # a rebuild carries it over too
    assert path in dict(full.failed) and path in titles(root, "zorgbreedte")


def test_full_rebuild_swaps_generations_atomically(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    store = IndexStore(root)
    old_gen = store.current_generation()
    reader = SearchService(root)
    before = reader.search("samenwerkingsverband", k=5).total
    report = run(corpus, root, full=True)
    new_gen = store.current_generation()
    assert new_gen != old_gen and old_gen.exists()  # previous generation kept for readers
    assert os.path.islink(root / "current")
    assert len(report.unchanged) == N_DEMO and report.documents == N_DEMO
    assert reader.search("samenwerkingsverband", k=5).total == before  # reopens the new one
    assert reader.stats()["generation"] == new_gen.name
    reader.close()
    run(corpus, root, full=True)
    assert not old_gen.exists()  # two generations are kept, no more


def test_an_interrupted_full_rebuild_leaves_the_live_index_alone(steps, run, corpus, tmp_path, monkeypatch):
    root = tmp_path / "index"
    run(corpus, root)
    store = IndexStore(root)
    live = store.current_generation()
    real = steps.pipeline.build_record
    calls = []

    def failing(source, doc, doc_id):
        calls.append(source)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if the run were stopped half-way
        return real(source, doc, doc_id)

    steps.use(build_record=failing)
    with pytest.raises(KeyboardInterrupt):
        run(corpus, root, from_scratch=True)  # a rebuild: every document goes through build_record
    assert store.current_generation() == live
    assert sorted(p.name for p in root.glob("gen-*")) == [live.name]  # half-built one discarded
    assert len(titles(root, "samenwerkingsverband")) > 0


def test_searches_during_a_full_rebuild_always_see_a_complete_index(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    errors, totals = [], []
    stop = threading.Event()

    def searching():
        svc = SearchService(root)
        while not stop.is_set():
            try:
                totals.append(svc.stats()["documents"])
            except Exception as exc:  # pragma: no cover - the assertion reports it
                errors.append(exc)
        svc.close()

    t = threading.Thread(target=searching)
    t.start()
    try:
        for _ in range(2):
            run(corpus, root, full=True)
    finally:
        stop.set()
        t.join()
    assert errors == [] and totals and set(totals) == {N_DEMO}


def test_a_second_run_while_one_is_busy_gets_a_clear_message(run, corpus, tmp_path):
    root = tmp_path / "index"
    with IndexStore(root).lock():
        with pytest.raises(IndexBusyError) as info:
            run(corpus, root)
    assert "Er loopt al een indexering" in str(info.value)
    assert run(corpus, root).exit_code == 0  # the lock is gone with its holder


def test_ids_are_stable_and_unique(run, corpus, tmp_path):
    shutil.copy(corpus / "webpaginas" / "praktijkvoorbeelden.html", corpus / "webpaginas" / "praktijkvoorbeelden.htm")
    root = tmp_path / "index"
    run(corpus, root)
    svc = SearchService(root)
    ids = {r.source: r.doc_id for r in svc.documents()}
    svc.close()
    assert ids["webpaginas/praktijkvoorbeelden.html"] == "webpaginas-praktijkvoorbeelden-html"
    assert ids["webpaginas/praktijkvoorbeelden.htm"] == "webpaginas-praktijkvoorbeelden-htm"
    assert len(set(ids.values())) == len(ids)


def test_a_previously_indexed_page_that_breaks_survives_a_full_rebuild(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    (corpus / "webpaginas" / "praktijkvoorbeelden.html").write_text("", encoding="utf-8")
    report = run(corpus, root, full=True)
    assert dict(report.failed)["webpaginas/praktijkvoorbeelden.html"].startswith("leeg bestand")
    assert "webpaginas/praktijkvoorbeelden.html" in titles(root, "Talentencampus")


def test_an_unreadable_file_is_not_treated_as_deleted(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    page = corpus / "webpaginas" / "po-raad-passend-onderwijs.html"
    page.unlink()
    page.symlink_to(tmp_path / "bestaat-niet.html")  # a dangling link: there, but unreadable
    report = run(corpus, root)
    assert report.removed == []
    assert "vorige versie blijft doorzoekbaar" in dict(report.failed)["webpaginas/po-raad-passend-onderwijs.html"]
    assert report.documents == N_DEMO


def test_a_catalogue_with_wrong_values_stops_the_run_before_anything_changes(run, corpus, tmp_path):
    from indexer.sources import CatalogueError

    root = tmp_path / "index"
    run(corpus, root)
    cat = corpus / "catalogue.toml"
    cat.write_text(
        cat.read_text(encoding="utf-8") + '\n["nieuw.pdf"]\ntitle = 2020\ndate = "gisteren"\n', encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as info:
        run(corpus, root)
    assert "title moet tekst zijn" in str(info.value) and "date moet een datum zijn" in str(info.value)
    assert len(titles(root, "samenwerkingsverband")) > 0


def test_a_generation_left_by_a_killed_run_is_cleaned_up(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    run(corpus, root, full=True)
    store = IndexStore(root)
    previous = next(p for p in root.glob("gen-*") if p != store.current_generation())
    leftover = root / "gen-99999999T999999-1-1"
    leftover.mkdir()  # as a killed --full run leaves it: newest, without a TOC
    run(corpus, root, full=True)
    assert not leftover.exists()
    gens = sorted(p.name for p in root.glob("gen-*"))
    assert len(gens) == 2 and previous.name not in gens  # the live one and the one before it


def test_busy_is_read_from_the_lock_without_taking_it(tmp_path):
    store = IndexStore(tmp_path / "ix")
    assert not store.busy()
    with store.lock():
        assert store.busy()
        with pytest.raises(IndexBusyError):  # checking did not take the lock away
            with store.lock():
                pass
    assert not store.busy()
    (tmp_path / "ix" / "indexing.lock").write_text("proces 999999999, gestart gisteren")  # a run killed with -9
    assert not store.busy()


def test_a_full_rebuild_does_not_parse_unchanged_files_again(run, corpus, tmp_path, count_extractions):
    root = tmp_path / "index"
    run(corpus, root)
    count_extractions.clear()
    report = run(corpus, root, full=True)
    assert count_extractions == [] and report.documents == N_DEMO
    report = run(corpus, root, from_scratch=True)  # analysed again, from the extraction cache
    assert count_extractions == [] and report.documents == N_DEMO and report.analysed == N_DEMO
    pdf_fixtures.corrupt_pdf(corpus / "kapot.pdf")
    run(corpus, root)
    count_extractions.clear()
    again = run(corpus, root, full=True)  # a broken file's reason is remembered too
    assert count_extractions == [] and "beschadigd" in dict(again.failed)["kapot.pdf"]


def test_a_service_never_answers_from_its_cache_after_the_index_changed(run, corpus, tmp_path):
    root = tmp_path / "index"
    run(corpus, root)
    svc = SearchService(root)
    assert svc.search("zebrapadregeling").total == 0
    assert svc.search("zebrapadregeling").total == 0  # served from the cache
    news = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    news.write_text(
        news.read_text(encoding="utf-8").replace(
            '<p class="authors">', '<p>Over de zebrapadregeling.</p><p class="authors">'
        ),
        encoding="utf-8",
    )
    run(corpus, root)  # commits into the same generation
    assert svc.search("zebrapadregeling").total == 1
    svc.close()


def test_full_rebuilds_keep_the_live_generation_when_the_index_path_is_relative(tmp_path, monkeypatch):
    """Pruning compared relative folder paths with the resolved ``current``
    link and removed the generation it had just published."""
    import shutil as _shutil

    from indexer.indexing.run import run_index as _run
    from indexer.indexing.store import IndexStore as _Store
    from indexer.search.service import SearchService as _Service
    from tests.conftest import CORPUS as _CORPUS

    src = tmp_path / "src"
    _shutil.copytree(_CORPUS / "webpaginas", src)
    monkeypatch.chdir(tmp_path)
    for _ in range(3):
        report = _run("src", "index", full=True)
        assert report.documents == 5
    store = _Store("index")
    live = store.current_generation()
    assert live is not None and any(live.glob("*.toc"))
    assert len(list((tmp_path / "index").glob("gen-*"))) == 2  # the live one and the one it replaced
    svc = _Service("index")
    try:
        assert svc.search("passend onderwijs").total > 0
    finally:
        svc.close()


# -- --full carries unchanged documents over --------------------------------------------


QUERIES = (
    "samenwerkingsverband",
    "geintegreerde voorziening",
    "Hoeveel samenwerkingsverbanden zijn er in het po?",
    "zorgplicht",
    "EMB",
)


def index_contents(root) -> dict:
    """What an index holds, for comparing two of them: each document's record
    (without its indexing time) and passages, the spelling counts and the top
    results of a few queries, in documents and in passages mode."""
    from indexer.engine.whoosh.index import SearchIndex

    svc = SearchService(root)
    try:
        docs = {}
        for r in svc.documents():
            record = dict(vars(r), indexed_at=None)
            docs[r.source] = (
                record,
                [(p.number, p.text, p.heading_path, p.page, p.is_question) for p in svc.passages(r.doc_id)],
            )
        results = {
            q: ([h.id for h in svc.search(q, k=5).hits], [h.id for h in svc.search(q, k=5, mode="passages").hits])
            for q in QUERIES
        }
        stats = svc.stats()
    finally:
        svc.close()
    index = SearchIndex(IndexStore(root).current_generation())
    try:
        counts = dict(index.spelling_counts().counts)
    finally:
        index.close()
    return {
        "docs": docs,
        "results": results,
        "counts": counts,
        "documents": stats["documents"],
        "passages": stats["passages"],
    }


def clean_build(corpus, root, tmp_path):
    """The same folder indexed into a new index (the extraction cache shared: no PDF parsed twice)."""
    reference = tmp_path / "schoon"
    shutil.rmtree(reference, ignore_errors=True)
    report = run_index(corpus, reference, cache_dir=root / "extract-cache")
    return report, reference


@pytest.fixture
def count_analyses(steps):
    """Documents analysed into records for the index, by source path."""
    analysed: list[str] = []
    real = steps.pipeline.build_record

    def counting(source, doc, doc_id):
        analysed.append(source.path)
        return real(source, doc, doc_id)

    steps.use(build_record=counting)
    return analysed


def live_files(root) -> dict[str, tuple[int, int, int]]:
    """The live generation's files with inode, size and modification time."""
    gen = IndexStore(root).current_generation()
    return {p.name: (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns) for p in gen.iterdir()}


def test_full_on_an_unchanged_corpus_carries_every_document_over(
    run, corpus, tmp_path, count_extractions, count_analyses
):
    root = tmp_path / "index"
    run(corpus, root)
    live = IndexStore(root).current_generation()
    count_extractions.clear()
    count_analyses.clear()
    report = run(corpus, root, full=True)
    assert count_analyses == [] and count_extractions == []  # nothing analysed, nothing parsed
    assert (report.carried_over, report.analysed, report.rebuild_reason) == (N_DEMO, 0, None)
    assert len(report.unchanged) == N_DEMO and report.documents == N_DEMO
    rendered = report.render()
    assert f"overgenomen:  {N_DEMO} (uit de vorige index" in rendered and "geanalyseerd: 0" in rendered
    new = IndexStore(root).current_generation()
    assert new != live and live.exists()  # a new generation, swapped in; the old one kept for readers
    # the segments are shared with the generation it replaced, not written again
    shared = {p.stat().st_ino for p in live.iterdir()} & {p.stat().st_ino for p in new.iterdir()}
    assert len(shared) >= 5
    # the spelling counts beside the new generation belong to its last commit
    from indexer.engine.spelling_counts import SpellingCounts
    from indexer.engine.whoosh.index import SearchIndex

    index = SearchIndex(new)
    assert SpellingCounts.load(new, index.searcher().reader().generation()) is not None
    index.close()
    _, reference = clean_build(corpus, root, tmp_path)
    assert index_contents(root) == index_contents(reference)


def test_full_with_a_changed_a_deleted_and_a_new_file_equals_a_clean_build(run, corpus, tmp_path, count_analyses):
    root = tmp_path / "index"
    run(corpus, root)
    for n in range(2):  # a few small segments in the live generation, so the rebuild's commit merges some
        page = corpus / "webpaginas" / f"extra-{n}.html"
        page.write_text(
            f"<html><head><title>Extra {n}</title></head><body><main><h1>Extra {n}</h1>"
            f"<p>Een korte pagina over de zorgplicht en het samenwerkingsverband, deel {n}.</p>"
            "</main></body></html>",
            encoding="utf-8",
        )
        run(corpus, root)
    (corpus / "webpaginas" / "extra-0.html").unlink()
    news = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    news.write_text(
        news.read_text(encoding="utf-8").replace(
            '<p class="authors">', '<p>Het leernetwerk bespreekt ook de zebrapadregeling.</p>\n<p class="authors">'
        ),
        encoding="utf-8",
    )
    (corpus / "webpaginas" / "po-raad-passend-onderwijs.html").unlink()
    shutil.copy(
        corpus / "verslagen" / "webinar-experimenteerregeling-vragen-en-antwoorden.pdf",
        corpus / "verslagen" / "webinar-kopie.pdf",
    )
    before = live_files(root)
    count_analyses.clear()
    report = run(corpus, root, full=True)
    assert sorted(count_analyses) == [
        "verslagen/webinar-kopie.pdf",
        "webpaginas/leernetwerk-samenwerkingsverbanden.html",
    ]
    assert report.added == ["verslagen/webinar-kopie.pdf"]
    assert report.updated == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert report.removed == ["webpaginas/extra-0.html", "webpaginas/po-raad-passend-onderwijs.html"]
    assert (report.analysed, report.carried_over) == (2, N_DEMO + 2 - 3)
    assert report.documents == N_DEMO + 1
    previous = root / "previous"
    assert {
        p.name: (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns) for p in previous.resolve().iterdir()
    } == before  # the replaced generation untouched
    assert titles(root, "zebrapadregeling") == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    _, reference = clean_build(corpus, root, tmp_path)
    assert index_contents(root) == index_contents(reference)


def test_a_changed_analysis_makes_full_analyse_everything(steps, run, corpus, tmp_path, monkeypatch, count_analyses):
    root = tmp_path / "index"
    run(corpus, root)
    steps.use(fingerprint=lambda profile: "een-andere-analyse")
    count_analyses.clear()
    report = run(corpus, root, full=True)
    assert len(count_analyses) == N_DEMO and report.analysed == N_DEMO and report.carried_over == 0
    assert report.rebuild_reason == "de tekstanalyse is gewijzigd sinds de vorige index"
    assert "alles opnieuw: de tekstanalyse is gewijzigd" in report.render()
    assert IndexStore.read_manifest(IndexStore(root).current_generation())["analysis"] == "een-andere-analyse"
    count_analyses.clear()
    again = run(corpus, root, full=True)  # the new analysis is recorded: now it carries over
    assert count_analyses == [] and again.carried_over == N_DEMO


def test_documents_added_by_other_analysis_make_the_next_full_analyse_everything(
    steps, run, corpus, tmp_path, monkeypatch, count_analyses
):
    root = tmp_path / "index"
    run(corpus, root)
    steps.use(fingerprint=lambda profile: "een-andere-analyse")
    shutil.copy(corpus / "webpaginas" / "praktijkvoorbeelden.html", corpus / "webpaginas" / "kopie.html")
    run(corpus, root)  # an incremental run of other code: the index now mixes two analyses
    assert IndexStore.read_manifest(IndexStore(root).current_generation())["analysis"] is None
    count_analyses.clear()
    report = run(corpus, root, full=True)
    assert len(count_analyses) == N_DEMO + 1 and report.carried_over == 0


def test_the_analysis_fingerprint_follows_what_decides_the_index(tmp_path):
    from indexer.indexing import fingerprint

    package = tmp_path / "indexer"
    shutil.copytree(fingerprint.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    first = fingerprint.analysis_fingerprint("dutch", package)
    assert fingerprint.analysis_fingerprint("dutch") == first  # the copy hashes as the package does
    assert fingerprint.analysis_fingerprint("plain", package) != first
    stop_words = package / "data" / "stopwords-nl.txt"
    stop_words.write_text(stop_words.read_text(encoding="utf-8") + "\nzebrapad\n", encoding="utf-8")
    assert fingerprint.analysis_fingerprint("dutch", package) != first
    stop_words.write_text(stop_words.read_text(encoding="utf-8").replace("\nzebrapad\n", ""), encoding="utf-8")
    (package / "data" / "thesaurus-nl.txt").write_text("zebrapad = oversteekplaats\n", encoding="utf-8")
    (package / "search" / "service.py").write_text("# search code: not part of it\n", encoding="utf-8")
    assert fingerprint.analysis_fingerprint("dutch", package) == first  # query-time only
    for module in ("engine/whoosh/writer.py", "indexing/records.py", "engine/whoosh/schema.py"):
        path = package / module
        original = path.read_text(encoding="utf-8")
        path.write_text(original + "\n# other code writing the records\n", encoding="utf-8")
        assert fingerprint.analysis_fingerprint("dutch", package) != first, module
        path.write_text(original, encoding="utf-8")
    assert fingerprint.analysis_fingerprint("dutch", package) == first


def test_from_scratch_analyses_every_document_again(run, corpus, tmp_path, count_analyses, count_extractions):
    root = tmp_path / "index"
    run(corpus, root)
    live = IndexStore(root).current_generation()
    count_analyses.clear()
    count_extractions.clear()
    report = run(corpus, root, from_scratch=True)
    assert sorted(count_analyses) == sorted(report.unchanged) and len(count_analyses) == N_DEMO
    assert count_extractions == []  # the text comes from the extraction cache
    assert report.full and (report.analysed, report.carried_over) == (N_DEMO, 0)
    assert report.rebuild_reason == "gevraagd met --from-scratch"
    new = IndexStore(root).current_generation()
    assert new != live
    assert not {p.stat().st_ino for p in live.iterdir()} & {p.stat().st_ino for p in new.iterdir()}


def test_a_full_run_that_fails_after_its_commit_leaves_the_live_generation_alone(run, corpus, tmp_path, monkeypatch):
    """The carried-over copy shares its files with the live generation: its
    commit (which merges segments and deletes the files it no longer needs)
    and its removal when the run fails must leave the live folder as it was."""
    import errno

    root = tmp_path / "index"
    run(corpus, root)
    for n in range(3):  # small segments that the next commit merges (and deletes in its own folder)
        (corpus / f"klein-{n}.html").write_text(
            f"<html><head><title>Klein {n}</title></head><body><main><h1>Klein {n}</h1>"
            f"<p>Over de zorgplicht, deel {n}.</p></main></body></html>",
            encoding="utf-8",
        )
        run(corpus, root)
    (corpus / "klein-1.html").unlink()
    (corpus / "webpaginas" / "po-raad-passend-onderwijs.html").unlink()
    live = IndexStore(root).current_generation()
    before_files, before = live_files(root), index_contents(root)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(IndexStore, "write_manifest", staticmethod(disk_full))
    with pytest.raises(OSError):
        run(corpus, root, full=True)
    assert IndexStore(root).current_generation() == live
    assert sorted(p.name for p in root.glob("gen-*")) == [live.name]  # the new one removed
    assert live_files(root) == before_files and index_contents(root) == before
    monkeypatch.undo()
    report = run(corpus, root, full=True)
    assert report.removed == ["klein-1.html", "webpaginas/po-raad-passend-onderwijs.html"]
    _, reference = clean_build(corpus, root, tmp_path)
    assert index_contents(root) == index_contents(reference)


def test_an_interrupted_full_run_with_carried_over_documents_leaves_the_live_index_alone(
    steps, run, corpus, tmp_path, monkeypatch
):
    root = tmp_path / "index"
    run(corpus, root)
    shutil.copy(corpus / "webpaginas" / "praktijkvoorbeelden.html", corpus / "webpaginas" / "kopie.html")
    live = IndexStore(root).current_generation()
    before_files, before = live_files(root), index_contents(root)

    def interrupted(source, doc, doc_id):
        raise KeyboardInterrupt  # as if the run were stopped while writing the new file

    steps.use(build_record=interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(corpus, root, full=True)
    assert IndexStore(root).current_generation() == live
    assert sorted(p.name for p in root.glob("gen-*")) == [live.name]
    assert live_files(root) == before_files and index_contents(root) == before


# -- an incremental run hashes only files whose signature changed ---------------------------


@pytest.fixture
def count_hashes(monkeypatch):
    """The paths whose bytes a scan read to hash them."""
    from indexer import sources

    hashed: list[str] = []
    real = sources.file_sha256

    def counting(path):
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(sources, "file_sha256", counting)
    return hashed


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled as soon as a run starts (these tests change
    them seconds before a run, and then check what the next run reads)."""
    from indexer import sources

    monkeypatch.setattr(sources, "UNSETTLED_NS", 0)


def test_an_unchanged_run_reads_no_file_and_a_full_run_reads_every_file(run, corpus, tmp_path, count_hashes, settled):
    root = tmp_path / "index"
    run(corpus, root)
    assert len(count_hashes) == N_DEMO
    count_hashes.clear()
    report = run(corpus, root)
    assert count_hashes == [] and len(report.unchanged) == N_DEMO
    report = run(corpus, root, full=True)
    assert len(count_hashes) == N_DEMO and report.carried_over == N_DEMO


def test_a_touched_file_is_hashed_once_and_not_indexed_again(
    run, corpus, tmp_path, count_hashes, settled, count_extractions, count_analyses
):
    root = tmp_path / "index"
    run(corpus, root)
    page = corpus / "webpaginas" / "praktijkvoorbeelden.html"
    page.touch()  # a new modification time, the same bytes
    count_hashes.clear()
    count_extractions.clear()
    count_analyses.clear()
    report = run(corpus, root)
    assert count_hashes == ["praktijkvoorbeelden.html"]
    assert count_extractions == [] and count_analyses == [] and len(report.unchanged) == N_DEMO
    count_hashes.clear()
    run(corpus, root)  # its new signature was remembered
    assert count_hashes == []


def _same_size_edit(page: Path) -> None:
    """Another word in the same number of bytes, the modification time put back."""
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    assert "onderwijs" in text
    page.write_text(text.replace("onderwijs", "zebrapads"), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_an_edit_that_keeps_size_and_mtime_is_seen_by_its_change_time(run, corpus, tmp_path, settled):
    root = tmp_path / "index"
    run(corpus, root)
    page = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    _same_size_edit(page)
    report = run(corpus, root)
    assert report.updated == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert titles(root, "zebrapads") == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]


def test_where_only_size_and_mtime_count_such_an_edit_is_missed_and_full_catches_it(
    run, corpus, tmp_path, settled, monkeypatch
):
    """The accepted limitation of a signature scan, on a file system whose
    change times and inodes cannot be relied on: an edit that keeps the size
    and puts the old mtime back is not seen by an incremental run. ``--full``
    hashes every file and catches it."""
    from indexer import sources

    monkeypatch.setattr(sources, "file_signature", lambda st: (st.st_size, st.st_mtime_ns, 0, 0))
    root = tmp_path / "index"
    run(corpus, root)
    page = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    _same_size_edit(page)
    missed = run(corpus, root)
    assert missed.updated == [] and titles(root, "zebrapads") == []
    caught = run(corpus, root, full=True)
    assert caught.updated == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert titles(root, "zebrapads") == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert run(corpus, root).updated == []  # and the next incremental run agrees


def test_a_file_changed_just_before_a_run_is_hashed_again_by_the_next(run, corpus, tmp_path, count_hashes):
    """Timestamps move in clock ticks: a file written in the tick in which a
    run looked at it could change again without its signature changing, so
    the signature of a file changed less than two seconds before a run is
    not trusted. (The copied corpus was written just now.)"""
    root = tmp_path / "index"
    run(corpus, root)
    count_hashes.clear()
    run(corpus, root)
    assert len(count_hashes) == N_DEMO


def test_lost_or_stale_document_states_make_the_run_read_everything(run, corpus, tmp_path, count_hashes, settled):
    from indexer.indexing.states import DocumentStates

    root = tmp_path / "index"
    run(corpus, root)
    states = DocumentStates.path(IndexStore(root).current_generation())
    older = states.read_bytes()
    news = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
    news.write_text(
        news.read_text(encoding="utf-8").replace(
            '<p class="authors">', '<p>Over de zebrapadregeling.</p><p class="authors">'
        ),
        encoding="utf-8",
    )
    assert run(corpus, root).updated == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    states.write_bytes(older)  # as a run killed between its commit and saving the states leaves them
    count_hashes.clear()
    report = run(corpus, root)
    assert len(count_hashes) == N_DEMO  # the stale file was not used
    assert (report.added, report.updated, report.removed, len(report.unchanged)) == ([], [], [], N_DEMO)
    states.unlink()
    count_hashes.clear()
    report = run(corpus, root)
    assert len(count_hashes) == N_DEMO and len(report.unchanged) == N_DEMO
    count_hashes.clear()
    run(corpus, root)
    assert count_hashes == []  # saved again


def test_the_catalogue_is_parsed_once_per_version(run, corpus, tmp_path, monkeypatch):
    from indexer import sources

    cat = corpus / "catalogue.toml"
    cat.write_text(
        cat.read_text(encoding="utf-8").replace(
            '["webpaginas/praktijkvoorbeelden.html"]\ntype = "praktijkvoorbeeld"\nsectors = ["po", "vo", "so"]\n'
            'date = "2020-07-01"',
            '["webpaginas/praktijkvoorbeelden.html"]\ntype = "praktijkvoorbeeld"\n'
            'sectors = ["po", "vo", "so"]\ndate = 2020-07-02',
        ),
        encoding="utf-8",
    )  # a TOML date, not a string
    parses = []
    real = sources._parse_catalogue
    monkeypatch.setattr(sources, "_parse_catalogue", lambda raw: parses.append(1) or real(raw))
    root = tmp_path / "index"
    run(corpus, root)
    assert len(parses) == 1
    again = run(corpus, root)  # the kept parse: the same entries, so the same states
    assert len(parses) == 1 and len(again.unchanged) == N_DEMO
    assert run(corpus, root, full=True).carried_over == N_DEMO and len(parses) == 2  # --full parses again
    cat.write_text(cat.read_text(encoding="utf-8").replace("date = 2020-07-02", "date = 2021-01-05"), encoding="utf-8")
    changed = run(corpus, root)
    assert len(parses) == 3 and changed.updated == ["webpaginas/praktijkvoorbeelden.html"]
    svc = SearchService(root)
    assert svc.document("webpaginas-praktijkvoorbeelden-html").date == "2021-01-05"
    svc.close()
    (root / index_run.CATALOGUE_CACHE).write_text("{kapot", encoding="utf-8")
    assert len(run(corpus, root).unchanged) == N_DEMO and len(parses) == 4


def test_a_long_lived_service_answers_like_a_fresh_one_after_changes(run, corpus, tmp_path):
    """A service keeps what it read of each segment across commits (segments
    never change); deleted and replaced documents must still drop out."""
    root = tmp_path / "index"
    run(corpus, root)

    def answers(svc):
        docs = sorted((r.source, r.title, r.type, tuple(r.sectors), r.date, r.passage_count) for r in svc.documents())
        found = []
        for q in ("samenwerkingsverband", "zebrapadregeling", "passend onderwijs"):
            for mode in ("documents", "passages"):
                r = svc.search(q, k=20, mode=mode, facets=True)
                found.append((r.total, [(h.id, h.doc_id) for h in r.hits], r.facets))
        return docs, found, svc.stats()["documents"]

    lived = SearchService(root)
    try:
        answers(lived)
        news = corpus / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html"
        changes = [
            lambda: news.write_text(
                news.read_text(encoding="utf-8").replace(
                    '<p class="authors">', '<p>Over de zebrapadregeling.</p><p class="authors">'
                ),
                encoding="utf-8",
            ),
            lambda: (corpus / "webpaginas" / "po-raad-passend-onderwijs.html").unlink(),
            lambda: shutil.copy(corpus / "webpaginas" / "praktijkvoorbeelden.html", corpus / "kopie.html"),
            # a second segment of the same size as the one before: told apart by segment, not by size
            lambda: shutil.copy(corpus / "webpaginas" / "praktijkvoorbeelden.html", corpus / "kopie-2.html"),
            lambda: (corpus / "kopie.html").unlink(),
        ]
        for change in changes:
            change()
            run(corpus, root)
            fresh = SearchService(root)
            try:
                assert answers(lived) == answers(fresh)
            finally:
                fresh.close()
    finally:
        lived.close()


def test_an_empty_folder_gives_an_index_that_answers(run, tmp_path):
    """No segments at all: Whoosh reads such an index through a stand-in reader."""
    source = tmp_path / "leeg"
    source.mkdir()
    root = tmp_path / "index"
    assert run(source, root).documents == 0
    assert run(source, root, full=True).documents == 0  # carried over: a TOC without segments
    svc = SearchService(root)
    try:
        assert svc.search("onderwijs", facets=True).total == 0 and svc.documents() == []
        assert svc.search("onderwijs", mode="passages").total == 0 and svc.stats()["documents"] == 0
    finally:
        svc.close()
