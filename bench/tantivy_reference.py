"""The speed reference: the same passages and queries through tantivy (Rust).

tantivy is a bench-only dependency. Its index holds the passages the
product's index holds (exported from it, so both search the same text), with
a Dutch stemmer; a query is the same words OR-ed over title, heading and
body with the product's field boosts. Each query does what the product's
search does for a page of results: the top passages, a snippet for each and
document counts per type, sector and year (tantivy aggregations over fast
fields), so the ratio compares like with like as far as tantivy can.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import tantivy

from bench.query_mix import BenchQuery

_WORD_RE = re.compile(r"\w+", re.UNICODE)
BOOSTS = {"title": 2.5, "heading": 2.0, "body": 1.0}


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in ("title", "heading", "body"):
        b.add_text_field(name, stored=True, tokenizer_name="nl")
    b.add_text_field("doc_id", stored=True, tokenizer_name="raw")
    b.add_text_field("type", stored=True, fast=True, tokenizer_name="raw")
    b.add_text_field("sectors", stored=True, fast=True, tokenizer_name="raw")
    b.add_unsigned_field("year", stored=True, indexed=True, fast=True)
    return b.build()


def _analyzer():
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("dutch"))
        .build()
    )


class TantivyReference:
    def __init__(self, directory: Path):
        self.directory = directory
        self.index: tantivy.Index | None = None

    def build(self, passages: Iterable[dict]) -> tuple[float, int]:
        """Index the passages; returns (seconds, passage count)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        started = time.perf_counter()
        index = tantivy.Index(_schema(), path=str(self.directory))
        index.register_tokenizer("nl", _analyzer())
        writer = index.writer(heap_size=512_000_000, num_threads=2)
        n = 0
        for p in passages:
            doc = tantivy.Document()
            doc.add_text("title", p["title"])
            doc.add_text("heading", p["heading"])
            doc.add_text("body", p["body"])
            doc.add_text("doc_id", p["doc_id"])
            doc.add_text("type", p["type"])
            for s in p["sectors"]:
                doc.add_text("sectors", s)
            if p.get("year"):
                doc.add_unsigned("year", int(p["year"]))
            writer.add_document(doc)
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.index = index
        return time.perf_counter() - started, n

    def _query(self, q: BenchQuery):
        words = [w for w in _WORD_RE.findall(q.text.lower())]
        text = " ".join(words) or "leeg"
        query = self.index.parse_query(text, ["title", "heading", "body"], field_boosts=BOOSTS)
        clauses = [(tantivy.Occur.Should, query)] if not q.filters else [(tantivy.Occur.Must, query)]
        for name, values in q.filters.items():
            field = "sectors" if name == "sectors" else name
            subs = [(tantivy.Occur.Should, tantivy.Query.term_query(self.index.schema, field, v)) for v in values]
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(subs)))
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query

    def search(self, q: BenchQuery, k: int = 10) -> int:
        """One page of results with snippets and facet counts; returns the hit count."""
        searcher = self.index.searcher()
        query = self._query(q)
        result = searcher.search(query, limit=k * 3)  # room to keep one passage per document
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.index.schema, "body")
        seen: set[str] = set()
        shown = 0
        for _score, address in result.hits:
            doc = searcher.doc(address)
            doc_id = doc["doc_id"][0]
            if doc_id in seen:
                continue
            seen.add(doc_id)
            snippets.snippet_from_doc(doc).to_html()
            shown += 1
            if shown >= k:
                break
        searcher.aggregate(
            query,
            {
                "type": {"terms": {"field": "type"}},
                "sectors": {"terms": {"field": "sectors"}},
                "year": {"terms": {"field": "year"}},
            },
        )
        return result.count
