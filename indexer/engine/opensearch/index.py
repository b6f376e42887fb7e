"""The OpenSearch backend: one OpenSearch index per generation.

In: a generation's folder, which holds ``opensearch.json`` (the index's
name, profile and schema version), and the cluster's address from
``EXPERTISEBANK_OPENSEARCH_URL`` (one or more node URLs, comma-separated).
Out: :class:`OpenSearchIndex`, a :class:`~indexer.engine.backend.SearchBackend`.

A commit is atomic across shards. OpenSearch refreshes each shard on its
own, so a search during a refresh could see one shard's new passages and
another's old ones. Instead every record says which commits see it:
``visible_from`` (the commit that added it) and ``visible_until`` (the one
that deleted it). A writer adds records at ``G + 1`` and marks deleted ones
with ``visible_until = G + 1``; :meth:`OpenSearchWriter.commit` refreshes
every shard and only then raises the ``meta`` record's generation to
``G + 1``. A reader searches with the generation it last read, so it sees
all of a commit or none of it. Records no reader needs any more are deleted
at the next commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar

from indexer.analysis import dutch as dutch_analysis
from indexer.analysis.word_lists import fold_accents
from indexer.engine.facets import year_values
from indexer.engine.opensearch import queries
from indexer.engine.opensearch.settings import SCHEMA_VERSION, index_body
from indexer.engine.reranking import relevance_of
from indexer.engine.snippet_text import cap_snippet, mid_sentence_lead, plain_snippet, section_heading
from indexer.engine.spelling_counts import SpellingCounts, document_vocabulary
from indexer.model import (
    PRODUCT,
    DocumentRecord,
    EngineResult,
    EngineUnavailableError,
    Hit,
    Passage,
    Place,
    QueryPlan,
    RankingConfig,
)

MARKER = "opensearch.json"
DEFAULT_URL = "http://127.0.0.1:9200"
PASSAGE, DOCUMENT, META = "passage", "document", "meta"
META_ID = "meta"
BULK_SIZE = 500  # actions per bulk request
SCAN_SIZE = 1000
WINDOW_MARGIN = 5  # hits fetched beyond the page, for the ones left out as the same text
FREQUENCY_CACHE = 20_000  # words whose document counts a reader keeps per commit
REFRESH_GAP = 0.01
READ_TRIES = 4  # a read that fails while a node drops out is tried again
# one order over all records: a passage id and the commit that added that version of it
SCAN_ORDER = [{"pid": {"order": "asc", "missing": "_first"}}, {"visible_from": {"order": "asc", "missing": "_first"}}]


UNAVAILABLE = "De zoekmachine (OpenSearch) is tijdelijk niet bereikbaar. Probeer het over een minuut opnieuw."


def cluster_urls(environ: dict[str, str] | None = None) -> list[str]:
    """The node URLs ``EXPERTISEBANK_OPENSEARCH_URL`` names.

    >>> cluster_urls({"EXPERTISEBANK_OPENSEARCH_URL": "http://a:9200, http://b:9200"})
    ['http://a:9200', 'http://b:9200']
    """
    value = (environ if environ is not None else os.environ).get("EXPERTISEBANK_OPENSEARCH_URL", DEFAULT_URL)
    return [u.strip().rstrip("/") for u in value.split(",") if u.strip()]


def connect(urls: list[str]):
    from opensearchpy import OpenSearch

    # a node that does not answer is skipped and the request retried on the next
    return OpenSearch(
        hosts=urls,
        timeout=30,
        max_retries=len(urls) + 1,
        retry_on_timeout=True,
        retry_on_status=(502, 503, 504),
        http_compress=False,
    )


def index_name(directory: Path) -> str:
    """A name OpenSearch accepts, unique per folder.

    >>> index_name(Path("/var/index/gen-20261201T120000-42-7"))[:36]
    'expertisebank-gen-20261201t120000-42'
    """
    digest = hashlib.sha1(str(directory.absolute()).encode()).hexdigest()[:10]
    stem = re.sub(r"[^a-z0-9_-]+", "-", directory.name.lower()).strip("-_")[:60]
    return f"expertisebank-{stem}-{digest}"


def content_key(text: str) -> str:
    """The same text in two documents gets the same key (case and spacing aside)."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()[:20]


def _shards() -> tuple[int, str]:
    shards = int(os.environ.get("EXPERTISEBANK_OPENSEARCH_SHARDS", "1"))
    replicas = os.environ.get("EXPERTISEBANK_OPENSEARCH_REPLICAS", "0-1").strip()
    return shards, replicas


class OpenSearchIndex:
    """One generation of the index, in one OpenSearch index."""

    name: ClassVar[str] = "opensearch"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        marker = json.loads((self.directory / MARKER).read_text(encoding="utf-8"))
        self.index = marker["index"]
        self.profile = marker.get("profile", "dutch")
        self.client = connect(cluster_urls())
        self.version = 0
        self._view = self.generation()
        self._refreshed = 0.0  # time.monotonic() of the last refresh
        self._counts: SpellingCounts | None = None
        self._frequencies: dict[str, int] = {}  # word -> documents holding it, at this commit
        self._nearest_words: dict[tuple[str, int], str | None] = {}
        self._otherwise: dict[str, bool] = {}  # unknown words that find text by stem, part or prefix

    # -- lifecycle ------------------------------------------------------------------

    @classmethod
    def create(cls, directory: str | Path, profile: str = "dutch") -> OpenSearchIndex:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = index_name(directory)
        client = connect(cluster_urls())
        if client.indices.exists(index=name):  # a folder used again: start empty
            client.indices.delete(index=name)
        shards, replicas = _shards()
        client.indices.create(
            index=name, body=index_body(profile, shards, replicas), params={"wait_for_active_shards": "1"}
        )
        client.index(index=name, id=META_ID, body={"kind": META, "generation": 0}, refresh="true")
        _write_marker(directory, name, profile)
        return cls(directory)

    @classmethod
    def create_from(cls, live: OpenSearchIndex, directory: str | Path) -> OpenSearchIndex:
        """A copy of ``live`` by OpenSearch's clone (segments are copied or
        linked, nothing is analysed again). The live index takes no writes for
        the moment it takes; searches go on."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = index_name(directory)
        client = live.client
        if client.indices.exists(index=name):
            client.indices.delete(index=name)
        client.indices.put_settings(index=live.index, body={"index.blocks.write": True})
        try:
            client.indices.clone(
                index=live.index,
                target=name,
                body={"settings": {"index.blocks.write": None}},
                params={"wait_for_active_shards": "1"},
            )
        finally:
            client.indices.put_settings(index=live.index, body={"index.blocks.write": None})
        client.cluster.health(index=name, wait_for_status="yellow", params={"request_timeout": 60})
        _write_marker(directory, name, live.profile)
        return cls(directory)

    @staticmethod
    def exists(directory: str | Path) -> bool:
        return (Path(directory) / MARKER).is_file()

    @staticmethod
    def remove(directory: str | Path) -> None:
        """Delete the generation's OpenSearch index (its folder is the caller's)."""
        marker = Path(directory) / MARKER
        try:
            name = json.loads(marker.read_text(encoding="utf-8"))["index"]
        except (OSError, ValueError, KeyError):
            return
        client = connect(cluster_urls())
        client.indices.delete(index=name, ignore_unavailable=True)

    def generation(self) -> int:
        """The last commit's number (read in real time, not from a refreshed shard)."""
        meta = self._read("get", id=META_ID, realtime=True)
        return int(meta["_source"]["generation"])

    def refresh(self) -> bool:
        """See commits made since the last refresh. Two refreshes within
        ``REFRESH_GAP`` seconds ask the cluster once (the search service
        refreshes twice per search)."""
        now = time.monotonic()
        if now - self._refreshed < REFRESH_GAP:
            return False
        self._refreshed = now
        latest = self.generation()
        if latest == self._view:
            return False
        self._view = latest
        self._counts = None
        self._frequencies = {}
        self._nearest_words = {}
        self._otherwise = {}
        self.version += 1
        return True

    def close(self) -> None:
        self.client.close()

    def _read(self, method: str, **kwargs) -> dict:
        """A read request, tried again when a node drops out under it. A node
        killed between a search's query and fetch phases fails the search
        (OpenSearch fetches from the shard copy that answered the query); the
        next try runs on the copies that are left."""
        from opensearchpy.exceptions import ConnectionError as NoConnection
        from opensearchpy.exceptions import TransportError

        for attempt in range(READ_TRIES):
            try:
                return getattr(self.client, method)(index=self.index, **kwargs)
            except (NoConnection, TransportError) as exc:
                transient = isinstance(exc, NoConnection) or exc.status_code in (500, 502, 503, 504)
                if not transient:
                    raise
                if attempt == READ_TRIES - 1:
                    raise EngineUnavailableError(UNAVAILABLE) from exc
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def warm_up(self) -> None:
        self.counts()

    def prepare_analysis(self) -> None:
        """Nothing to load here: OpenSearch analyses the text."""

    def writer(self, documents: int = 0) -> OpenSearchWriter:
        return OpenSearchWriter(self)

    # -- reading records -------------------------------------------------------------

    def _scan(self, kind: str, *more: dict, source: list[str] | bool = True) -> Iterator[dict]:
        """Every record of ``kind`` this reader sees, in no order (search_after
        on the record id: no scroll context is left open on the cluster)."""
        after = None
        while True:
            body: dict = {
                "query": queries.of_kind(kind, self._view, *more),
                "size": SCAN_SIZE,
                "sort": SCAN_ORDER,
                "_source": source,
            }
            if after is not None:
                body["search_after"] = after
            hits = self._read("search", body=body)["hits"]["hits"]
            yield from (h["_source"] for h in hits)
            if len(hits) < SCAN_SIZE:
                return
            after = hits[-1]["sort"]

    def documents(self) -> list[DocumentRecord]:
        records = [DocumentRecord(**s["record"]) for s in self._scan(DOCUMENT, source=["record"])]
        return sorted(records, key=lambda r: r.source)

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        body = {"query": queries.of_kind(DOCUMENT, self._view, {"term": {"doc_id": doc_id}}), "size": 1}
        hits = self._read("search", body=body)["hits"]["hits"]
        return DocumentRecord(**hits[0]["_source"]["record"]) if hits else None

    def passages_of(self, doc_id: str) -> list[Passage]:
        out = [_passage(s) for s in self._scan(PASSAGE, {"term": {"doc_id": doc_id}})]
        return sorted(out, key=lambda p: p.number)

    def document_states(self) -> dict[str, tuple[str, str]]:
        return {
            s["source"]: (s["doc_id"], s["state"]) for s in self._scan(DOCUMENT, source=["source", "doc_id", "state"])
        }

    def export_passages(self) -> Iterator[dict[str, object]]:
        for s in self._scan(PASSAGE):
            yield {
                "id": s["pid"],
                "doc_id": s["doc_id"],
                "title": s.get("title", ""),
                "heading": s.get("heading", ""),
                "body": s.get("body", ""),
                "type": s.get("type", ""),
                "sectors": list(s.get("sectors") or []),
                "year": s.get("year"),
            }

    def _count(self, kind: str) -> int:
        return int(self._read("count", body={"query": queries.of_kind(kind, self._view)})["count"])

    def counts(self) -> tuple[int, int]:
        return self._count(DOCUMENT), self._count(PASSAGE)

    def stats(self) -> dict[str, object]:
        body = {
            "query": queries.of_kind(DOCUMENT, self._view),
            "size": 0,
            "aggs": {"types": {"terms": {"field": "type", "size": 100}}},
        }
        buckets = self._read("search", body=body)["aggregations"]["types"]["buckets"]
        size = self.client.indices.stats(index=self.index, metric="store")["_all"]["primaries"]["store"]
        documents, passages = self.counts()
        return {
            "documents": documents,
            "passages": passages,
            "by_type": dict(sorted((b["key"], b["doc_count"]) for b in buckets)),
            "index_bytes": int(size["size_in_bytes"]),
            "profile": self.profile,
            "engine": "opensearch",
            "index": self.index,
        }

    def health(self) -> dict[str, object]:
        try:
            documents, passages = self.counts()
            status = self.client.cluster.health(index=self.index)["status"]
        except Exception as exc:  # the cluster is down or the index gone: say so, do not raise
            return {"ok": False, "error": f"OpenSearch antwoordt niet: {type(exc).__name__}"}
        return {
            "ok": status in ("green", "yellow"),
            "documents": documents,
            "passages": passages,
            "generation": self.generation(),
            "cluster": status,
        }

    # -- searching ---------------------------------------------------------------------

    def search(
        self,
        plan: QueryPlan,
        *,
        mode: str = "documents",
        limit: int = 10,
        offset: int = 0,
        filters: dict[str, list] | None = None,
        config: RankingConfig = PRODUCT,
        sort: str = "relevance",
        facets: bool = False,
        per_document: int = 1,
    ) -> EngineResult:
        if not dutch_analysis.query_analyzer().terms(" ".join(plan.all_words())) and self.profile != "plain":
            return EngineResult([], 0, searchable=False)
        near = list(self.corrections(plan.words, rare=1).values()) if config.typo_boost else []
        scoring = queries.text_query(plan, config, self.profile, near)
        if scoring is None:
            return EngineResult([], 0, searchable=False)
        documents = mode == "documents"
        clauses = queries.facet_clauses(filters)
        query = {"bool": {"must": [scoring], "filter": queries.visible_at(self._view) + [{"term": {"kind": PASSAGE}}]}}
        all_filters = list(clauses.values())
        per_doc = max(1, per_document) if documents else 1
        # fetched from the top: a hit whose content an earlier one shows is left
        # out, so the page is cut from the list that remains
        window = min(10_000, offset + limit + WINDOW_MARGIN)
        body: dict = {
            "query": query,
            "post_filter": {"bool": {"filter": all_filters}},
            "size": window,
            "track_total_hits": True,
            "collapse": _collapse(documents, per_doc, plan),
            "highlight": _highlight(plan),
            "aggs": {
                "total": {
                    "filter": {"bool": {"filter": all_filters}},
                    "aggs": {
                        "n": {
                            "cardinality": {"field": "doc_id" if documents else "content", "precision_threshold": 40000}
                        }
                    },
                },
                **(queries.facet_aggregations(clauses, documents) if facets else {}),
            },
        }
        if sort == "date":
            body["sort"] = [{"date_sort": "desc"}, "_score"]
        response = self._read("search", body=body, params={"allow_partial_search_results": "false"})
        total = int(response["aggregations"]["total"]["n"]["value"])
        hits, dropped = self._hits(response["hits"]["hits"], documents, per_doc)
        page = hits[offset : offset + limit]
        if not documents:
            self._add_other_places(page)
        counts = queries.facet_counts(response["aggregations"], documents) if facets else None
        return EngineResult(page, max(0, total - dropped), counts)

    def _add_other_places(self, hits: list[Hit]) -> None:
        """Passages mode: the other documents where each shown text stands too."""
        keys = {h.passage_id: content_key(h.text) for h in hits}
        if not keys:
            return
        body = {
            "query": queries.of_kind(PASSAGE, self._view, {"terms": {"content": sorted(set(keys.values()))}}),
            "size": 200,
            "_source": ["doc_id", "pid", "title", "source", "type", "date", "page", "content"],
        }
        found = [h["_source"] for h in self._read("search", body=body)["hits"]["hits"]]
        for hit in hits:
            hit.also = [_place(s) for s in found if s["content"] == keys[hit.passage_id] and s["doc_id"] != hit.doc_id]

    def _hits(self, raw: list[dict], documents: bool, per_doc: int) -> tuple[list[Hit], int]:
        """Hits from the collapsed results, one per piece of content: in
        documents mode a document whose best passage says what a document
        above it says is shown as that hit's other place."""
        out: list[Hit] = []
        by_content: dict[str, Hit] = {}
        dropped = 0
        for h in raw:
            s = h["_source"]
            inner = h.get("inner_hits", {}).get("group", {}).get("hits", {}).get("hits", [])
            if documents:
                first = by_content.get(s["content"])
                if first is not None and first.doc_id != s["doc_id"]:
                    first.also.append(_place(s))
                    dropped += 1
                    continue
                hit = _hit(h, "documents")
                hit.more = [_hit(i, "passages") for i in inner[1:per_doc]]
            else:
                hit = _hit(h, "passages")
            by_content.setdefault(s["content"], hit)
            out.append(hit)
        return out, dropped

    def related_documents(self, doc_id: str, k: int = 5) -> list[tuple[DocumentRecord, float]]:
        texts = [p.text for p in self.passages_of(doc_id)]
        if not texts:
            return []
        like = {
            "more_like_this": {
                "fields": ["body"],
                "like": " ".join(texts)[:20_000],
                "min_term_freq": 1,
                "min_doc_freq": 1,
                "max_query_terms": 25,
            }
        }
        body = {
            "query": {
                "bool": {
                    "must": [like],
                    "filter": queries.visible_at(self._view) + [{"term": {"kind": PASSAGE}}],
                    "must_not": [{"term": {"doc_id": doc_id}}],
                }
            },
            "collapse": {"field": "doc_id"},
            "size": k,
            "_source": ["doc_id"],
        }
        out = []
        for h in self._read("search", body=body)["hits"]["hits"]:
            record = self.get_document(h["_source"]["doc_id"])
            if record is not None:
                out.append((record, float(h["_score"] or 0.0)))
        return out

    # -- completion and spelling ---------------------------------------------------------

    def autocomplete(self, text: str, limit: int = 8) -> list[dict[str, str]]:
        """Titles and headings that hold the words typed (the last as a
        prefix), the thesaurus's abbreviations, then the most frequent words
        of the documents that start with the last word."""
        from indexer.analysis.thesaurus import thesaurus

        words = [t.text for t in dutch_analysis.surface_analyzer()(text) if t.kind != dutch_analysis.PART]
        if not words or text.endswith(" "):
            return []
        last = words[-1]
        m = re.search(r"[^\W_][\w-]*$", text)
        head = text[: m.start()] if m else text
        out = self._title_completions(" ".join(words)) if len(last) >= 2 else []
        seen = {o["text"].lower() for o in out}
        for typed, other in thesaurus().completions(last):
            suggestion = f"{head}{other}".strip()
            if suggestion.lower() not in seen and len(out) < limit:
                out.append({"text": suggestion, "kind": "afkorting", "label": f"{typed} = {other}"})
                seen.add(suggestion.lower())
        stop = dutch_analysis.dutch_stop_words()
        for word in self._words_with_prefix(last, limit * 2):
            suggestion = f"{head}{word}".strip()
            if word == last or word in stop or suggestion.lower() in seen:
                continue
            out.append({"text": suggestion, "kind": "zoekterm"})
            seen.add(suggestion.lower())
            if len(out) >= limit:
                break
        return out[:limit]

    def _title_completions(self, typed: str) -> list[dict[str, str]]:
        query = {"match_bool_prefix": {"title.surface": {"query": typed, "operator": "and"}}}
        body = {
            "query": {
                "bool": {"must": [query], "filter": queries.visible_at(self._view) + [{"term": {"kind": PASSAGE}}]}
            },
            "collapse": {"field": "doc_id"},
            "size": 3,
            "_source": ["title", "doc_id"],
        }
        hits = self._read("search", body=body)["hits"]["hits"]
        return [{"text": h["_source"]["title"], "kind": "titel", "id": h["_source"]["doc_id"]} for h in hits]

    def _words_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """The most frequent document words that start with ``prefix`` (a terms
        aggregation over the documents' word lists)."""
        if not prefix:
            return []
        body = {
            "query": queries.of_kind(DOCUMENT, self._view),
            "size": 0,
            "aggs": {"words": {"terms": {"field": "vocabulary", "include": re.escape(prefix) + ".*", "size": limit}}},
        }
        buckets = self._read("search", body=body)["aggregations"]["words"]["buckets"]
        return [b["key"] for b in buckets]

    def _document_frequency(self, word: str) -> int:
        body = {"query": queries.of_kind(DOCUMENT, self._view, {"term": {"vocabulary": word}})}
        return int(self._read("count", body=body)["count"])

    def _matches_otherwise(self, word: str) -> bool:
        """Whether a word the documents do not hold as such still finds text:
        by its stem, as a compound's part, or as the start of a longer word."""
        match = {"multi_match": {"query": word, "fields": ["body", "title", "heading", "parts"]}}
        body = {"query": {"bool": {"must": [match], "filter": queries.visible_at(self._view)}}}
        if self._read("count", body=body)["count"]:
            return True
        return any(w != word for w in self._words_with_prefix(word, 2))

    def _document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """How many documents hold each word (one request for the ones not
        asked before at this commit)."""
        words = set(words)
        known = self._frequencies
        ask = sorted(w for w in words if w not in known)
        if ask:
            known.update(self._ask_frequencies(ask))
            if len(known) > FREQUENCY_CACHE:
                known.clear()
                known.update(self._ask_frequencies(sorted(words)))
        return {w: known[w] for w in words}

    def _ask_frequencies(self, words: list[str]) -> dict[str, int]:
        if not words:
            return {}
        body = {
            "query": queries.of_kind(DOCUMENT, self._view),
            "size": 0,
            "aggs": {"f": {"filters": {"filters": {w: {"term": {"vocabulary": w}} for w in words}}}},
        }
        buckets = self._read("search", body=body)["aggregations"]["f"]["buckets"]
        return {w: int(buckets[w]["doc_count"]) for w in words}

    def corrections(self, words: Iterable[str], rare: int = 0) -> dict[str, str]:
        """For words at most ``rare`` documents hold, the nearest word (one
        edit up to six letters, else two) that at least five times as many
        hold: OpenSearch's term suggester over the documents' word lists."""
        skip = dutch_analysis.dutch_stop_words() | dutch_analysis.question_words()
        folded = {word: fold_accents(word.lower()) for word in words}
        folded = {word: w for word, w in folded.items() if len(w) >= 4 and w.isalpha() and w not in skip}
        own = self._document_frequencies(folded.values())
        out: dict[str, str] = {}
        for word, w in folded.items():
            if own[w] > rare or (own[w] == 0 and self._found_otherwise(w)):
                continue
            best = self._nearest(w, own[w])
            if best is not None:
                out[word] = best
        return out

    def _found_otherwise(self, w: str) -> bool:
        if w not in self._otherwise:
            if len(self._otherwise) > FREQUENCY_CACHE:
                self._otherwise.clear()
            self._otherwise[w] = self._matches_otherwise(w)
        return self._otherwise[w]

    def _nearest(self, w: str, own: int) -> str | None:
        if (w, own) not in self._nearest_words:
            if len(self._nearest_words) > FREQUENCY_CACHE:
                self._nearest_words.clear()
            self._nearest_words[(w, own)] = self._ask_nearest(w, own)
        return self._nearest_words[(w, own)]

    def _ask_nearest(self, w: str, own: int) -> str | None:
        suggest = {
            "near": {
                "text": w,
                "term": {
                    "field": "vocabulary",
                    "suggest_mode": "always",
                    "max_edits": 1 if len(w) <= 6 else 2,
                    "min_word_length": 4,
                    "prefix_length": 1,
                    "size": 10,
                    "string_distance": "damerau_levenshtein",
                },
            }
        }
        options = self._read("search", body={"size": 0, "suggest": suggest})["suggest"]["near"][0]["options"]
        freqs = self._document_frequencies(o["text"] for o in options)
        candidates = [(_edit_distance(w, c), -f, c) for c, f in freqs.items() if f >= max(1, 5 * own)]
        return min(candidates)[2] if candidates else None

    def spelling_counts(self) -> SpellingCounts:
        """Each surface word's number of documents (a terms aggregation; kept per commit)."""
        if self._counts is None:
            counts = SpellingCounts(generation=self._view)
            body = {
                "query": queries.of_kind(DOCUMENT, self._view),
                "size": 0,
                "aggs": {"words": {"terms": {"field": "vocabulary", "size": 65_000}}},
            }
            for b in self._read("search", body=body)["aggregations"]["words"]["buckets"]:
                counts.counts[b["key"]] = b["doc_count"]
            self._counts = counts
        return self._counts


class OpenSearchWriter:
    """Adds and deletes documents for the next commit (see the module's
    docstring): nothing is visible to a reader until :meth:`commit`."""

    def __init__(self, index: OpenSearchIndex):
        self._index = index
        self._client = index.client
        self._base = index.generation()
        self._next = self._base + 1
        self._actions: list[dict] = []
        self._deleted: set[str] = set()
        self._added: set[str] = set()
        self._surface = dutch_analysis.surface_analyzer()
        self._clean()

    def _clean(self) -> None:
        """Undo what a writer killed before its commit left: records of the
        next commit, deletion marks for it, and the write block a killed
        :meth:`OpenSearchIndex.create_from` may have left on."""
        client, name = self._client, self._index.index
        client.indices.put_settings(index=name, body={"index.blocks.write": None})
        client.indices.refresh(index=name)
        stale = {"bool": {"filter": [{"range": {"visible_from": {"gt": self._base}}}]}}
        self._bulk({"_op_type": "delete", "_index": name, "_id": h["_id"]} for h in self._ids(stale))
        marked = {"bool": {"filter": [{"range": {"visible_until": {"gt": self._base}}}]}}
        self._bulk(
            {"_op_type": "update", "_index": name, "_id": h["_id"], "doc": {"visible_until": None}}
            for h in self._ids(marked)
        )

    def _ids(self, query: dict) -> list[dict]:
        client, name = self._client, self._index.index
        out, after = [], None
        while True:
            body: dict = {"query": query, "size": SCAN_SIZE, "sort": SCAN_ORDER, "_source": False}
            if after is not None:
                body["search_after"] = after
            hits = client.search(index=name, body=body)["hits"]["hits"]
            out.extend(hits)
            if len(hits) < SCAN_SIZE:
                return out
            after = hits[-1]["sort"]

    def _bulk(self, actions: Iterable[dict]) -> None:
        from opensearchpy import helpers

        helpers.bulk(self._client, actions, chunk_size=BULK_SIZE, max_retries=3, request_timeout=120)

    def _flush(self) -> None:
        if self._actions:
            self._bulk(self._actions)
            self._actions = []

    def add_document(self, record: DocumentRecord, passages: list[Passage], sectors: list[str]) -> None:
        name, g = self._index.index, self._next
        years = list(year_values(record.years))
        common = {
            "doc_id": record.doc_id,
            "source": record.source,
            "type": record.type,
            "sectors": list(sectors),
            "years": years,
            "date": record.date,
            "date_sort": record.date or "0000-00-00",
            "visible_from": g,
        }
        texts = [record.title] + [p.heading or "" for p in passages] + [p.text for p in passages]
        words = sorted(self._surface.terms_of_words(document_vocabulary(texts).split()))
        self._actions.append(
            {
                "_index": name,
                "_id": f"doc:{record.doc_id}@{g}",
                "_source": {
                    **common,
                    "kind": DOCUMENT,
                    "pid": f"doc:{record.doc_id}",
                    "state": record.state,
                    "record": dict(vars(record)),
                    "vocabulary": words,
                },
            }
        )
        for p in passages:
            source = {
                **common,
                "kind": PASSAGE,
                "pid": p.id,
                "number": p.number,
                "title": record.title,
                "heading": p.heading or "",
                "heading_path": p.heading_path,
                "body": p.text,
                "page": p.page,
                "is_question": p.is_question,
                "sections": p.sections,
                "content": content_key(p.text),
                "passage_date": p.date,
            }
            if p.date:  # a dated news item on a page
                source.update(date=p.date, date_sort=p.date)
            if p.is_question and p.heading_path:
                source["question"] = p.heading_path[-1]
            self._actions.append({"_index": name, "_id": f"{p.id}@{g}", "_source": source})
        self._added.add(record.doc_id)
        if len(self._actions) >= BULK_SIZE:
            self._flush()

    def delete_document(self, doc_id: str) -> None:
        if doc_id in self._added:  # added by this writer and deleted again: gone before the commit
            self._flush()
            self._client.indices.refresh(index=self._index.index)
            query = {"bool": {"filter": [{"term": {"doc_id": doc_id}}, {"term": {"visible_from": self._next}}]}}
            self._bulk({"_op_type": "delete", "_index": self._index.index, "_id": h["_id"]} for h in self._ids(query))
            self._added.discard(doc_id)
        self._deleted.add(doc_id)

    def commit(self, optimize: bool = False) -> int:
        """Write, mark the deleted, refresh every shard, then publish the commit."""
        client, name, g = self._client, self._index.index, self._next
        self._flush()
        if self._deleted:
            live = {
                "bool": {
                    "filter": [
                        {"terms": {"doc_id": sorted(self._deleted)}},
                        *queries.visible_at(self._base),
                    ]
                }
            }
            self._bulk(
                {"_op_type": "update", "_index": name, "_id": h["_id"], "doc": {"visible_until": g}}
                for h in self._ids(live)
            )
        client.indices.refresh(index=name)
        client.index(index=name, id=META_ID, body={"kind": META, "generation": g}, refresh="true")
        # what no reader at this commit or the one before it sees any more
        gone = {"bool": {"filter": [{"range": {"visible_until": {"lt": self._base}}}]}}
        self._bulk({"_op_type": "delete", "_index": name, "_id": h["_id"]} for h in self._ids(gone))
        if optimize:
            client.indices.forcemerge(index=name, params={"max_num_segments": "1"})
        self._base, self._next = g, g + 1
        self._deleted.clear()
        self._added.clear()
        return g

    def cancel(self) -> None:
        self._actions = []
        self._deleted.clear()
        self._added.clear()
        self._clean()


def _write_marker(directory: Path, name: str, profile: str) -> None:
    data = {"index": name, "profile": profile, "schema_version": SCHEMA_VERSION, "urls": cluster_urls()}
    tmp = directory / (MARKER + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, directory / MARKER)


def _passage(s: dict) -> Passage:
    return Passage(
        s["doc_id"],
        s["number"],
        s["body"],
        list(s.get("heading_path") or []),
        s.get("page"),
        bool(s.get("is_question")),
        [tuple(x) for x in s.get("sections") or []],
        s.get("passage_date"),
    )


def _collapse(documents: bool, per_doc: int, plan: QueryPlan) -> dict:
    """Documents mode: one hit per document, with its next passages inside
    when asked for (inner hits cost a search per hit). Passages mode: one hit
    per text (its other places come from one query afterwards)."""
    if not documents:
        return {"field": "content"}
    if per_doc == 1:
        return {"field": "doc_id"}
    inner = {"name": "group", "size": per_doc, "_source": True, "highlight": _highlight(plan)}
    return {"field": "doc_id", "inner_hits": inner}


def _highlight(plan: QueryPlan) -> dict:
    out: dict = {
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "fields": {"body": {"fragment_size": 240, "number_of_fragments": 2}},
    }
    query = queries.highlight_query(plan)
    if query is not None:
        out["highlight_query"] = query
    return out


def _hit(h: dict, mode: str) -> Hit:
    s = h["_source"]
    fragments = h.get("highlight", {}).get("body") or []
    snippet = cap_snippet((" … ".join(fragments) or plain_snippet(s["body"])).replace("\n", " "))
    heading = s.get("heading") or None
    sections = [tuple(x) for x in s.get("sections") or []]
    return Hit(
        id=s["doc_id"] if mode == "documents" else s["pid"],
        doc_id=s["doc_id"],
        title=s["title"],
        source=s["source"],
        type=s["type"],
        date=s.get("date"),
        page=s.get("page"),
        heading=section_heading(heading, s["body"], snippet, sections),
        score=relevance_of(h.get("_score")),
        snippet=mid_sentence_lead(snippet),
        text=s["body"],
        sectors=list(s.get("sectors") or []),
        passage_id=s["pid"],
    )


def _place(s: dict) -> Place:
    return Place(
        doc_id=s["doc_id"],
        passage_id=s["pid"],
        title=s["title"],
        source=s["source"],
        type=s["type"],
        date=s.get("date"),
        page=s.get("page"),
    )


def _edit_distance(a: str, b: str) -> int:
    from rapidfuzz.distance import OSA

    return OSA.distance(a, b)


def wait_until_green(index: OpenSearchIndex, timeout_s: float = 60.0) -> str:
    """Wait (bounded) for every shard copy of the index to be assigned."""
    deadline = time.monotonic() + timeout_s
    status = "red"
    while time.monotonic() < deadline:
        status = index.client.cluster.health(
            index=index.index, wait_for_status="green", params={"request_timeout": 40}
        )["status"]
        if status == "green":
            break
    return status
