"""Each use of Whoosh's private API (:mod:`indexer.engine.whoosh._internals`)
against what Whoosh's public API says, on a real index: a Whoosh that
changes one of them fails here.

The writer's private steps (``SegmentWriterSteps``, ``write_posting_blocks``)
are compared with Whoosh's own writer in ``tests/test_index_writer.py``, and
the multi-process writer's failure handling in ``tests/test_faults.py``.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest
from whoosh import highlight, scoring
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.matching import WrappingMatcher
from whoosh.query.compound import CompoundQuery
from whoosh.util.numeric import byte_to_length

from indexer.engine.whoosh import _internals
from indexer.engine.whoosh.index import SearchIndex
from indexer.model import DocumentRecord, Passage

N_DOCS = 300  # a common word's posting list spans several blocks (Whoosh writes 128 per block)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex.create(tmp_path_factory.mktemp("internals") / "gen")
    for batch in range(2):  # two commits: two segments
        writer = ix.writer()
        for n in range(batch * N_DOCS // 2, (batch + 1) * N_DOCS // 2):
            doc_id = f"d{n}"
            words = " ".join(["leerling"] * (1 + n % 5) + ["school"] * (n % 3) + [f"woord{n % 17}"])
            record = DocumentRecord(
                doc_id,
                f"{doc_id}.html",
                "html",
                f"Titel {n}",
                "publicatie",
                ["po"],
                "2022-01-01",
                None,
                None,
                None,
                None,
                [],
                1,
                "s",
                "2026-12-01",
            )
            writer.add_document(record, [Passage(doc_id, 0, f"Over de {words} en meer.", ["Kop"])], ["po"])
        writer.commit()
    ix.refresh()
    yield ix
    ix.close()


def leaves(ix):
    return [leaf for leaf, _offset in ix.searcher().reader().leaf_readers()]


def test_the_installed_whoosh_is_the_checked_one_and_another_is_refused():
    assert _internals.check_whoosh_version() == metadata.version("Whoosh-Reloaded")
    with pytest.raises(_internals.WhooshVersionError, match="werkt met Whoosh-Reloaded 2.7.5, maar 2.8.0 is"):
        _internals.check_whoosh_version("2.8.0")
    # a process that sees another Whoosh version does not even load the engine
    pretend = (
        "import importlib.metadata as m; real = m.version; "
        "m.version = lambda name: '3.0.0' if name == 'Whoosh-Reloaded' else real(name); "
        "import indexer.engine.whoosh.index"
    )
    done = subprocess.run([sys.executable, "-c", pretend], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "maar 3.0.0 is geïnstalleerd" in done.stderr and "pip install 'Whoosh-Reloaded==2.7.5'" in done.stderr


def test_the_reader_patch_applies_to_this_projects_readers_only(index):
    own = leaves(index)[0]._perdoc
    assert own._cached_reader.__func__ is _internals._cached_length_reader
    assert whoosh3.W3PerDocReader._cached_reader is not _internals._cached_length_reader  # Whoosh's class untouched
    other = index._ix.searcher()  # a reader opened the plain way keeps Whoosh's method
    try:
        assert "_cached_reader" not in vars(other.reader().leaf_readers()[0][0]._perdoc)
    finally:
        other.close()
    # same answers as Whoosh's: a column reader for a field with lengths, None (kept) for one without
    assert own._cached_reader(whoosh3._lenfield("body"), whoosh3.LENGTHS_COLUMN) is not None
    assert own._cached_reader(whoosh3._lenfield("doc_id"), whoosh3.LENGTHS_COLUMN) is None
    assert own._readers[whoosh3._lenfield("doc_id")] is None


def test_length_bytes_decode_to_whoosh_field_lengths(index):
    for leaf in leaves(index):
        raw = _internals.length_bytes(leaf, "body")
        assert raw is not None and len(raw) == leaf.doc_count_all()
        public = [leaf.doc_field_length(n, "body") for n in range(leaf.doc_count_all())]
        assert [byte_to_length(b) for b in raw if b] == [length for length in public if length]
        assert sum(1 for b in raw if b) == N_DOCS // 2  # the passages: the document records have no body
        assert _internals.length_bytes(leaf, "doc_id") is None


def test_a_fixed_bytes_column_read_whole_equals_reading_it_record_by_record(index):
    for leaf in leaves(index):
        reader = leaf.column_reader("fingerprint", translate=False)
        raw, stored = _internals.fixed_column_bytes(reader, leaf.doc_count_all())
        assert stored == leaf.doc_count_all()
        assert raw == b"".join(bytes(reader[n]) for n in range(stored))


def test_posting_blocks_and_ids_equal_walking_the_public_matcher(index):
    schema = index.searcher().schema
    longest = 0
    for leaf in leaves(index):
        for text in ("leerling", "schol", "woord3"):  # as the analysis stems them
            btext = schema["body"].to_bytes(text)
            public = leaf.postings("body", btext)
            ids, weights = [], []
            while public.is_active():
                ids.append(public.id())
                weights.append(public.weight())
                public.next()
            blocks_ids, blocks_tf = _internals.posting_blocks(
                _internals.segment_matcher(leaf, "body", btext, schema["body"].format)
            )
            assert blocks_ids.tolist() == ids and np.allclose(blocks_tf, weights)
            assert _internals.posting_ids(leaf.postings("body", btext)) == ids
            longest = max(longest, len(ids))
        assert _internals.segment_matcher(leaf, "body", b"bestaatniet", schema["body"].format) is None
    assert longest > 128  # several blocks were read


def test_the_toc_file_name_is_the_one_on_disk(index):
    storage, name = index._ix.storage, index._ix.indexname
    assert _internals.toc_filename(name, index.generation()) in storage.list()
    assert set(index.committed_files()) <= set(storage.list())


def test_field_b_reads_a_weightings_per_field_b():
    weighting = scoring.BM25F(B=0.75, K1=1.2, title_B=0.4)
    assert _internals.field_b(weighting, "title") == 0.4 and _internals.field_b(weighting, "body") == 0.75


def test_the_fixed_exclusion_excludes_a_first_match_that_whoosh_lets_through(index):
    searcher = index.searcher()
    positive = wq.Term("body", "leerling")
    negative = wq.Term("body", "woord0")
    wanted = set(searcher.docs_for_query(positive)) - set(searcher.docs_for_query(negative))
    matcher = _internals.FixedAndNotMatcher(positive.matcher(searcher), negative.matcher(searcher))
    assert set(matcher.all_ids()) == wanted


def test_the_private_hooks_the_queries_override_still_exist():
    assert callable(getattr(WrappingMatcher, "_replacement", None))
    assert callable(getattr(CompoundQuery, "_matcher", None))
    assert callable(getattr(highlight.PinpointFragmenter, "_autotrim", None))


def test_a_trimming_fragmenter_is_asked_to_trim_each_fragment(index):
    trimmed = []

    class Recording(_internals.TrimmingFragmenter):
        def trim(self, fragment):
            trimmed.append((fragment.startchar, fragment.endchar))

    searcher = index.searcher()
    results = searcher.search(wq.Term("body", "schol"), limit=3, terms=True)
    results.highlighter = highlight.Highlighter(fragmenter=Recording(maxchars=60, surround=10, autotrim=True))
    assert "school" in results[0].highlights("body").lower()
    assert trimmed


def test_results_for_hits_ranked_outside_whoosh_highlight_and_read_fields(index):
    searcher = index.searcher()
    docnums = sorted(searcher.docs_for_query(wq.Term("body", "schol")))[:3]
    scored = [(n, 1.0 - i / 10) for i, n in enumerate(docnums)]
    results, hits = _internals.results_for(searcher, wq.Term("body", "schol"), scored)
    assert [h.docnum for h in hits] == docnums and hits[0]["kind"] == "passage"
    _internals.show_hits(results, hits)
    assert results.top_n == [(h.score, h.docnum) for h in hits]
    key = ("body", b"schol")
    _internals.set_matched_terms(results, {n: [key] for n in docnums}, {key: docnums})
    assert "school" in hits[0].highlights("body").lower()
    assert hits[0].matched_terms() == [key]
    assert _internals.sorted_hits(searcher.search(wq.Term("body", "schol"), limit=2))[0].rank == 0


def test_an_index_written_before_the_engine_moved_still_opens(tmp_path, monkeypatch):
    """Indexes of schema 8 pickled the analyzer as ``indexer.whoosh_index.ChainAnalyzer``."""
    from indexer.engine.whoosh.schema import ChainAnalyzer

    monkeypatch.setattr(ChainAnalyzer, "__module__", "indexer.whoosh_index")  # as the old code pickled it
    old = SearchIndex.create(tmp_path / "gen")
    writer = old.writer()
    record = DocumentRecord("d", "d.html", "html", "Thuiszitters", "nieuws", ["po"], "2022-01-01", None, None,
                            None, None, [], 1, "s", "2026-12-01")  # fmt: skip
    writer.add_document(record, [Passage("d", 0, "Thuiszitters gaan weer naar school.", ["Kop"])], ["po"])
    writer.commit()
    old.close()
    monkeypatch.undo()
    toc = next((tmp_path / "gen").glob("*.toc")).read_bytes()
    assert b"indexer.whoosh_index" in toc and b"indexer.engine.whoosh" not in toc
    opened = ("import sys; from indexer.engine.whoosh.index import SearchIndex; "
              "from indexer.search.query_parser import parse_query; "
              f"ix = SearchIndex({str(tmp_path / 'gen')!r}); "
              "print(ix.search(parse_query('thuiszitter')).total)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", opened], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
