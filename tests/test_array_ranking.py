"""Ranking from posting arrays (indexer/array_ranking.py) against Whoosh's
own search: the same matches, scores, order, totals and facet counts, one
hit per piece of content in both."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whoosh import scoring

import indexer.engine.whoosh.index as wi
from indexer.engine.facets import FacetTable
from indexer.engine.whoosh.array_ranking import bm25, ranked
from indexer.indexing.run import run_index
from indexer.indexing.store import IndexStore
from indexer.model import FOUNDATION, PRODUCT
from indexer.search.query_parser import parse_query

from .conftest import CORPUS
from .facet_reference import facet_counts_reference, passes_filters

EVAL_QUERIES = Path(__file__).parent / "eval" / "dev.jsonl"
EXTRA = [
    ("Mogen we so- en sbo-leerlingen mengen?", {}),
    ("samenwerkingsverband ondersteuning leerlingen", {"type": ["publicatie"]}),
    ("leerlingen -onderwijs", {}),
    ("onderwijs -speciaal school", {"sectors": ["so"]}),
    ("thuisnabij onderwijs voor leerlingen met een beperking", {"year": [2020, 2021, 2022, 2023]}),
    ("rugzak lgf", {}),  # an abbreviation: synonyms join the word's group
    ("leerlingenvervoer", {}),  # a compound: its parts are an option of the word
    ("smenwerkingsverband", {}),  # a typo: a near word joins the group
    ("zorgplicht", {"sectors": ["po", "vo"]}),
]


def _queries() -> list[tuple[str, dict]]:
    lines = EVAL_QUERIES.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["query"] for line in lines if line.strip()]
    return [(t, {}) for t in texts[::3]] + EXTRA


def _whoosh_reference(ix, text: str, mode: str, filters: dict, config, limit: int):
    """Every match scored by Whoosh (no limit, so no block skipping), then
    filtered, grouped per document and counted by the plain definitions."""
    q = ix.build_query(parse_query(text), config, exclude_documents=mode == "documents")
    if q is None:
        return None
    searcher = ix._ix.searcher(weighting=ix._weighting(config))
    try:
        every = sorted(
            ((score, n) for score, n in searcher.search(q, limit=None).top_n), key=lambda sn: (-sn[0], sn[1])
        )
    finally:
        searcher.close()
    meta, doc_of = ix.document_meta(), ix._doc_of_docnum()
    arrays = ix._index_arrays()
    groups, in_group = ix._duplicate_groups(arrays)
    preference = ix._preference(arrays, np.arange(arrays.size))

    def one_per_content(scored):
        """The plain definition: documents mode keeps each document's best
        passage; passages (or best passages) with the same text keep the one
        preferred (newest, longest, a web page), scored as the best of them."""
        if mode == "documents":
            best: dict[str, tuple[float, int]] = {}
            for sc, n in scored:
                if doc_of[n] not in best or (-sc, n) < (-best[doc_of[n]][0], best[doc_of[n]][1]):
                    best[doc_of[n]] = (sc, n)
            scored = list(best.values())
        by_group: dict[int, list[tuple[float, int]]] = {}
        for sc, n in scored:
            by_group.setdefault(int(groups[n]) if in_group[n] else n, []).append((sc, n))
        out = []
        for members in by_group.values():
            chosen = min(members, key=lambda m: (-preference[m[1]], m[1]))[1]
            out.append((max(m[0] for m in members), chosen))
        return sorted(out, key=lambda sn: (-sn[0], sn[1]))

    per_doc: dict[str, int] = {}
    for _, n in one_per_content(every):
        per_doc[doc_of[n]] = per_doc.get(doc_of[n], 0) + 1
    weights = {d: (1 if mode == "documents" else c) for d, c in per_doc.items()}
    facets = facet_counts_reference(weights, meta, filters)
    kept = [(s, n) for s, n in every if not filters or (doc_of[n] in meta and passes_filters(meta[doc_of[n]], filters))]
    top = one_per_content(kept)
    total = len(top)
    stored = ix.searcher()
    return [(stored.stored_fields(n)["id"], s) for s, n in top[:limit]], total, facets


def _assert_same(ix, text, mode, filters, config, limit=8):
    expected = _whoosh_reference(ix, text, mode, filters, config, limit)
    got = ix.search(
        parse_query(text),
        mode=mode,
        limit=limit,
        filters=filters,
        facets=True,
        config=replace(config, prefer_newer=False),
    )
    if expected is None:
        assert not got.searchable
        return
    hits, total, facets = expected
    assert got.total == total, (text, mode, filters)
    assert got.facets == facets, (text, mode, filters)
    assert [h.passage_id for h in got.hits] == [pid for pid, _ in hits], (text, mode, filters)
    for h, (_, score) in zip(got.hits, hits):
        assert math.isclose(h.score, score, rel_tol=1e-9), (text, h.passage_id, h.score, score)


def test_bm25_is_whooshs_formula():
    tf = np.array([1.0, 2.0, 7.0, 1.0])
    length = np.array([3.0, 40.0, 120.0, 1.0])
    got = bm25(tf, length, 2.3, 35.5, 0.75, 1.2)
    want = [scoring.bm25(2.3, t, fl, 35.5, 0.75, 1.2) for t, fl in zip(tf, length)]
    assert got.tolist() == want


def test_ranked_breaks_ties_by_passage_number_and_keeps_every_tie_at_the_cut():
    ids = np.array([9, 3, 7, 1, 5, 8], dtype=np.int64)
    scores = np.array([2.0, 5.0, 2.0, 2.0, 5.0, 1.0])
    top, top_scores = ranked(ids, scores, 3)
    assert top.tolist() == [3, 5, 1] and top_scores.tolist() == [5.0, 5.0, 2.0]
    assert ranked(ids, scores, 10)[0].tolist() == [3, 5, 1, 7, 9, 8]


@pytest.mark.parametrize(
    "config",
    [PRODUCT, FOUNDATION, replace(PRODUCT, name="other-b", bm25_b=0.5, bm25_k1=1.6, coordination=0.3)],
    ids=["product", "foundation", "other-weighting"],
)
def test_array_ranking_equals_whoosh_scoring_every_match(demo_index, config):
    ix = wi.SearchIndex(IndexStore(demo_index).current_generation())
    try:
        for text, filters in _queries():
            for mode in ("documents", "passages"):
                _assert_same(ix, text, mode, filters, config)
    finally:
        ix.close()


def test_the_word_queries_take_the_array_path(demo_index, monkeypatch):
    ix = wi.SearchIndex(IndexStore(demo_index).current_generation())
    calls = []
    real = wi.SearchIndex._array_search
    monkeypatch.setattr(wi.SearchIndex, "_array_search", lambda self, q, **kw: calls.append(q) or real(self, q, **kw))
    try:
        ix.search(parse_query("Mogen we so- en sbo-leerlingen mengen?"))
        ix.search(parse_query("leerlingen -onderwijs"))
        assert len(calls) == 2
        ix.search(parse_query('"passend onderwijs" leerlingen'))  # a phrase: Whoosh's search
        ix.search(parse_query("leerlingen"), sort="date")
        assert len(calls) == 2
    finally:
        ix.close()


def test_arrays_skip_deleted_passages_and_read_every_posting(tmp_path):
    source = tmp_path / "corpus"
    shutil.copytree(CORPUS, source)
    root = tmp_path / "index"
    run_index(source, root)
    removed = sorted(p for p in source.rglob("*.html"))[0]
    removed.unlink()
    run_index(source, root)  # incremental: the removed page's records are deleted, not yet merged away
    ix = wi.SearchIndex(IndexStore(root).current_generation())
    try:
        searcher = ix.searcher()
        reader = searcher.reader()
        assert reader.has_deletions(), "the incremental run should leave deleted records"
        arrays = ix._index_arrays()
        assert [not reader.is_deleted(n) for n in range(arrays.size)] == arrays.live.tolist()
        term = {w: ix.analyse_query_word(w)[0][0] for w in ("onderwijs", "passend", "leerlingen")}
        for fieldname, text in [
            ("body", term["onderwijs"]),
            ("title", term["passend"]),
            ("heading", term["leerlingen"]),
            ("parts", term["onderwijs"]),
        ]:
            ids, tf = arrays.postings(fieldname, text)
            whoosh_ids, whoosh_tf = [], []
            for leaf, offset in reader.leaf_readers():
                btext = searcher.schema[fieldname].to_bytes(text)
                if (fieldname, btext) in leaf:
                    m = leaf._terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
                    while m.is_active():
                        whoosh_ids.append(m.id() + offset)
                        whoosh_tf.append(m.weight())
                        m.next()
            assert len(ids) > 0, (fieldname, text)
            assert ids.tolist() == whoosh_ids and tf.tolist() == whoosh_tf, (fieldname, text)
            lengths = arrays.lengths(fieldname, ids)
            assert lengths.tolist() == [searcher.doc_field_length(int(n), fieldname, 1) for n in ids]
        for text, filters in EXTRA[:4]:
            for mode in ("documents", "passages"):
                _assert_same(ix, text, mode, filters, PRODUCT)
    finally:
        ix.close()


def test_pinpoint_snippets_equal_snippets_from_analysing_again(demo_index, monkeypatch):
    """The array path takes the matches' places from stored offsets; Whoosh's
    path analyses the passage again. The snippets must nearly all be the
    same, and every word marked must be a word of the query."""
    ix = wi.SearchIndex(IndexStore(demo_index).current_generation())
    try:
        same = different = 0
        for text, filters in _queries():
            plan = parse_query(text)
            fast = ix.search(plan, mode="passages", limit=10, filters=filters)
            with monkeypatch.context() as m:
                m.setattr(wi, "ARRAY_RANKING", False)
                slow = ix.search(plan, mode="passages", limit=10, filters=filters)
            by_id = {h.passage_id: h.snippet for h in slow.hits}
            for h in fast.hits:
                if h.passage_id not in by_id:
                    continue
                if h.snippet == by_id[h.passage_id]:
                    same += 1
                    continue
                # analysing again marks a multi-word synonym's words anywhere, and
                # missed a hyphenated word inside "(v)so-school": other fragments
                # can win. Every mark must still be a word of the query.
                terms = {t for _, t in ix.build_query(plan).iter_all_terms()}
                for word in re.findall(r"<mark>(.*?)</mark>", h.snippet):
                    assert {t for t, _ in ix.analyse_query_word(word)} & terms, (text, word, h.snippet)
                different += 1
        print(same, different)
        assert same > 100 and different < same / 5, (same, different)
    finally:
        ix.close()


def test_facet_table_counts_match_the_plain_definition():
    rng = random.Random(5)
    types, sectors = ["publicatie", "faq", "nieuws"], ["po", "vo", "so", "sbo"]
    meta = {
        f"d{i}": (
            rng.choice(types),
            sorted(rng.sample(sectors, rng.randint(0, 3))),
            rng.choice([None, 2019, 2020, 2021]),
        )
        for i in range(300)
    }
    doc_ids = sorted(meta) + ["zonder-metadata"]
    table = FacetTable(doc_ids, meta)
    for trial in range(40):
        chosen = rng.sample(doc_ids, 150)
        weights = {d: (1 if trial % 2 else rng.randint(1, 5)) for d in chosen}
        array = np.zeros(len(doc_ids), dtype=np.int64)
        for d, w in weights.items():
            array[doc_ids.index(d)] = w
        filters = {}
        if trial % 3:
            filters["type"] = rng.sample(types, rng.randint(1, 2))
        if trial % 4:
            filters["sectors"] = rng.sample(sectors, 1)
        if trial % 5 == 0:
            filters["year"] = [2020, "2021"]
        if trial == 7:
            filters["type"] = ["bestaat-niet"]
        assert table.counts(array, filters) == facet_counts_reference(weights, meta, filters), filters
        passing = table.passing(filters)
        assert [bool(p) for p in passing] == [d in meta and passes_filters(meta[d], filters) for d in doc_ids]
