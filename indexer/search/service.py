"""Searching the live index: one entry point for the CLI, the web pages and the API.

It opens whichever generation ``current`` points at, reopens when that
changes, and turns a query into a :class:`SearchResponse` of the shape the
JSON API promises, with a "Bedoelde u ...?" suggestion when words are unknown.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from indexer.analysis.embeddings import shared_model, unavailable
from indexer.engine.backend import SearchBackend, backend_class
from indexer.indexing.store import IndexStore
from indexer.indexing.vector_store import VectorStore
from indexer.model import PRODUCT, SORTS, DocumentRecord, Passage, RankingConfig, SearchResponse
from indexer.search import answer_confidence, hybrid
from indexer.search.memory_release import release_free_memory
from indexer.search.query_parser import parse_query

MAX_K = 100
CACHE_SIZE = 64  # responses kept per process (each holds its hits' text: about 30 kB)
TRIM_EVERY = 100  # searches between returning freed memory to the system
MODES = ("documents", "passages")
T = TypeVar("T")


class IndexMissingError(Exception):
    """There is no index yet at the configured place."""


class SearchService:
    def __init__(self, index_root: str | Path, backend: type[SearchBackend] | None = None, hybrid: float | None = None):
        self.store = IndexStore(index_root)
        self.backend = backend or backend_class()
        # the dense share of the vraagbaak's fused ranking; 0: lexical only
        self.hybrid = hybrid_weight() if hybrid is None else hybrid
        self._dense: tuple | None = None
        self._index: SearchBackend | None = None
        self._generation: Path | None = None
        self._source_dir: str | None = None
        self._lock = threading.Lock()
        # recent responses; the key holds the generation and its version, so a
        # changed index never answers from here
        self._cache: OrderedDict[tuple, SearchResponse] = OrderedDict()
        self._searches = 0

    # -- the live index -------------------------------------------------------------

    def _live_index(self) -> SearchBackend:
        generation = self.store.current_generation()
        if generation is not None and generation == self._generation and self._index is not None:
            return self._index  # the same generation, already open (checking it again cost 0.3 ms)
        if generation is None or not self.backend.exists(generation):
            raise IndexMissingError(f"Er is nog geen index in {self.store.root}. Maak die met: expertisebank index")
        if generation != self._generation:
            self._cache.clear()
            manifest = self.store.read_manifest(generation)
            if manifest.get("schema_version") != self.backend.schema_version:
                raise IndexMissingError(
                    f"De index in {self.store.root} is met een oudere versie gemaakt. "
                    "Bouw hem opnieuw op met: expertisebank index --full"
                )
            self._source_dir = manifest.get("source_dir")
            old = self._index
            self._index = self.backend(generation)
            self._generation = generation
            if old is not None:
                old.close()
        return self._index

    def _on_live_index(self, read: Callable[[SearchBackend], T]) -> T:
        """``read(index)`` under the lock. A commit that lands while it reads
        can close the reader it holds (Whoosh's ``ReaderClosed``: the index
        reopens its searcher when it notices the commit); then it reads
        again, once, from the new state."""
        with self._lock:
            index = self._live_index()
            index.refresh()
            try:
                return read(index)
            except Exception as exc:
                if type(exc).__name__ != "ReaderClosed":
                    raise
            index = self._live_index()
            index.refresh()
            return read(index)

    def source_dir(self) -> str | None:
        """The source folder the live index was built from."""
        with self._lock:
            self._live_index()
            return self._source_dir

    def warm_up(self) -> None:
        """Open the live index and build what the first searches would
        otherwise build while a visitor waits (document table, spelling
        vocabulary, completions). Without an index it does nothing."""
        try:
            self._on_live_index(lambda index: index.warm_up())
        except IndexMissingError:
            pass
        release_free_memory(collect=True)  # what building the tables freed

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
                self._generation = None

    # -- queries ----------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        page: int = 1,
        mode: str = "documents",
        filters: dict[str, list] | None = None,
        config: RankingConfig = PRODUCT,
        sort: str = "relevance",
        facets: bool = False,
        per_document: int = 1,
    ) -> SearchResponse:
        """Search; ``facets=True`` adds document counts per type, sector and
        year, ``per_document`` > 1 groups further passages under each document hit."""
        started = time.perf_counter()
        k, page = _checked(k, page, mode, sort)
        plan = parse_query(text)
        if plan.is_empty:
            return SearchResponse(
                plan.text,
                0,
                _ms(started),
                [],
                message="Geef een of meer zoekwoorden op.",
                facets={} if facets else None,
            )
        key = (text, k, page, mode, _frozen(filters), repr(config), sort, facets, per_document)
        cached, key = self._cached(key)
        if cached is not None:
            return replace(cached, took_ms=_ms(started))

        def read(index: SearchBackend):
            result = index.search(
                plan,
                mode=mode,
                limit=k,
                offset=(page - 1) * k,
                filters=filters,
                config=config,
                sort=sort,
                facets=facets,
                per_document=per_document,
            )
            # "Bedoelde u": whenever a word is unknown, even if near words found results
            return result, _suggestion(plan.text, index.corrections(plan.all_words()))

        result, suggestion = self._on_live_index(read)
        message = None
        if not result.searchable:
            message = "Uw zoekvraag bestaat alleen uit veelvoorkomende woorden. Probeer specifiekere woorden."
        elif plan.truncated:
            message = "Uw zoekvraag was erg lang; alleen het begin is gebruikt."
        response = SearchResponse(
            plan.text, result.total, _ms(started), result.hits, suggestion, facets=result.facets, message=message
        )
        self._remember(key, response)
        return response

    def _cached(self, request: tuple) -> tuple[SearchResponse | None, tuple]:
        """A response kept for this request of the live index as it is now
        (its generation and version are part of the key), and that key."""
        with self._lock:
            index = self._live_index()
            index.refresh()  # notices a commit to this generation (and bumps its version)
            key = (self._generation, index.version, *request)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
            return cached, key

    def _remember(self, key: tuple, response: SearchResponse) -> None:
        with self._lock:
            self._cache[key] = response
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            self._searches += 1
            if self._searches % TRIM_EVERY == 0:
                release_free_memory()  # 0.1 ms; without it a worker stays at its peak size

    def ask(self, question: str, *, k: int = 5, filters: dict[str, list] | None = None) -> SearchResponse:
        """The passages that best answer a question, each with its confidence
        (:mod:`indexer.search.answer_confidence`), and whether any of them answers it
        well enough (``answered``; below the threshold the vraagbaak says it
        found no good answer)."""
        dense = self._dense_side()
        response = self.search(question, k=hybrid.POOL if dense else k, mode="passages", filters=filters)
        hits = [replace(hit) for hit in response.hits]  # the cached response stays as it was
        confidence = answer_confidence.model()
        for hit, value in zip(hits, confidence.score(hits)):  # on the lexical ranking it was fitted on
            hit.confidence = value
        if dense:
            model, vectors = dense
            hits = hybrid.rerank(model.query(question), hits, vectors.vectors, self.hybrid)[:k]
        answered = any(hit.confidence >= confidence.threshold for hit in hits)
        message = response.message
        if hits and not answered:
            message = "Geen goed antwoord gevonden. De passages hieronder gaan over enkele woorden uit uw vraag."
        return replace(response, hits=hits, answered=answered, message=message)

    def _dense_side(self) -> tuple | None:
        """The embedding model and the passage vectors, when the vraagbaak
        ranks by meaning too: a dense share above 0, the semantic extra
        installed, and vectors in the store."""
        if not self.hybrid or unavailable():
            return None
        if self._dense is None:
            self._dense = (shared_model(), VectorStore(self.store.root))
        model, vectors = self._dense
        vectors.refresh()  # an embedding run may have added vectors since
        return self._dense if len(vectors) else None

    # -- documents ------------------------------------------------------------------

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self._on_live_index(lambda index: index.get_document(doc_id))

    def passages(self, doc_id: str) -> list[Passage]:
        return self._on_live_index(lambda index: index.passages_of(doc_id))

    def documents(self) -> list[DocumentRecord]:
        return self._on_live_index(lambda index: index.documents())

    def related(self, doc_id: str, k: int = 5) -> list[tuple[DocumentRecord, float]]:
        """Documents like this one by content ("Gerelateerd")."""
        return self._on_live_index(lambda index: index.related_documents(doc_id, k))

    def suggest(self, text: str, limit: int = 8) -> list[dict[str, str]]:
        """Autocomplete: titles and frequent words for what is being typed."""
        text = (text or "")[:100]
        return self._on_live_index(lambda index: index.autocomplete(text, limit))

    def health(self) -> dict:
        """The live index's :meth:`~indexer.engine.backend.SearchBackend.health`
        and its generation's name."""
        health = self._on_live_index(lambda index: index.health())
        health["generation"] = self._generation.name if self._generation else None
        return health

    def stats(self) -> dict:
        stats = self._on_live_index(lambda index: index.stats())
        stats["generation"] = self._generation.name if self._generation else None
        stats["index"] = str(self.store.root)
        stats["vectors"] = self.vector_status()
        return stats

    def vector_status(self) -> dict | None:
        """Retrieval by meaning: how far the last embedding run got (None
        when this index has no vectors). ``state`` is "bezig" while a run
        embeds, "klaar" when it finished."""
        status = VectorStore(self.store.root).read_status()
        if status is None:
            return None
        with_vector = status.get("with_vector", status.get("done", 0))
        return {"state": status.get("state", "onbekend"), "with_vector": with_vector,
                "passages": status.get("passages", 0), "todo": status.get("todo", 0)}  # fmt: skip


def hybrid_weight(environ: dict[str, str] | None = None) -> float:
    """The dense share of the vraagbaak's ranking: ``EXPERTISEBANK_HYBRID``
    ("uit", "aan" or a number from 0 to 1); unset, the default
    :data:`indexer.search.hybrid.DEFAULT_WEIGHT`."""
    value = (environ if environ is not None else os.environ).get("EXPERTISEBANK_HYBRID", "").strip().lower()
    if not value:
        return hybrid.DEFAULT_WEIGHT
    if value in ("uit", "off", "nee", "no", "0", "false"):
        return 0.0
    if value in ("aan", "on", "ja", "yes", "true"):
        return hybrid.DENSE_WEIGHT
    try:
        return min(1.0, max(0.0, float(value)))
    except ValueError:
        raise ValueError(f"EXPERTISEBANK_HYBRID={value!r}: kies aan, uit of een getal van 0 tot 1") from None


def _checked(k: int, page: int, mode: str, sort: str) -> tuple[int, int]:
    """``k`` within 1..MAX_K and ``page`` from 1; an unknown mode or order is
    a ``ValueError`` with a Dutch message."""
    if mode not in MODES:
        raise ValueError(f"onbekende modus {mode!r}; kies uit {', '.join(MODES)}")
    if sort not in SORTS:
        raise ValueError(f"onbekende sortering {sort!r}; kies uit {', '.join(SORTS)}")
    return max(1, min(int(k), MAX_K)), max(1, int(page))


def _frozen(filters: dict[str, list] | None) -> tuple:
    return tuple(sorted((k, tuple(sorted(map(str, v)))) for k, v in (filters or {}).items() if v))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _suggestion(query: str, corrections: dict[str, str]) -> str | None:
    if not corrections:
        return None
    out = query
    for wrong, right in corrections.items():
        out = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, out)
    return out if out != query else None
