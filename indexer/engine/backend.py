"""The seam between the search product and an engine.

Everything above :mod:`indexer.engine` (indexing runs, the search service,
the CLI and the site) speaks to an index only through :class:`SearchBackend`
and :class:`BackendWriter`, with the types of :mod:`indexer.model`. An
engine is a class that implements both; :func:`backend_class` picks it by
name (``EXPERTISEBANK_BACKEND``, default ``whoosh``). The conformance suite
in ``tests/test_backend_conformance.py`` runs against every engine named in
``BACKENDS``.

The pattern follows Haystack's ``BaseSearchBackend`` and Wagtail's search
backends: one class per engine, selected by configuration, and one test
suite that every engine has to pass.

A backend holds one *generation* of the index: an incremental run writes
into it, a full rebuild writes a new one (``create_from`` carries over what
it can) that :class:`~indexer.indexing.store.IndexStore` then swaps in.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from indexer.model import PRODUCT, DocumentRecord, EngineResult, Passage, QueryPlan, RankingConfig

if TYPE_CHECKING:
    from indexer.engine.spelling_counts import SpellingCounts

BACKENDS = ("whoosh", "opensearch")
DEFAULT_BACKEND = "whoosh"


class UnknownBackendError(ValueError):
    """``EXPERTISEBANK_BACKEND`` names no engine this version has."""


@runtime_checkable
class BackendWriter(Protocol):
    """Adds, replaces and deletes documents with their passages; nothing is
    visible to searches until :meth:`commit`."""

    def add_document(self, record: DocumentRecord, passages: list[Passage], sectors: list[str]) -> None:
        """Add one document and its passages (replace: delete it first)."""

    def delete_document(self, doc_id: str) -> None:
        """Remove a document and all its passages."""

    def commit(self, optimize: bool = False) -> int:
        """Make the changes visible at once; returns the new generation number."""

    def cancel(self) -> None:
        """Drop the changes."""


@runtime_checkable
class SearchBackend(Protocol):
    """One index generation of one engine."""

    name: ClassVar[str]
    schema_version: ClassVar[int]  # an index of another version is rebuilt in full
    directory: Path
    profile: str  # the analysis profile: "dutch", or "plain" for the evaluation's baseline
    version: int  # grows each time :meth:`refresh` sees a commit

    # -- lifecycle ----------------------------------------------------------------

    def __init__(self, directory: str | Path) -> None:
        """Open the index in ``directory``."""

    @classmethod
    def create(cls, directory: str | Path, profile: str = "dutch") -> SearchBackend:
        """A new, empty index in ``directory``."""

    @classmethod
    def create_from(cls, live: SearchBackend, directory: str | Path) -> SearchBackend:
        """A new generation in ``directory`` that starts as a copy of ``live``."""

    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds an index of this engine."""

    def generation(self) -> int:
        """The number of the last commit."""

    def refresh(self) -> bool:
        """See commits made since the last refresh; True if there were any."""

    def close(self) -> None: ...

    def warm_up(self) -> None:
        """Build what the first searches would otherwise build while a visitor waits."""

    # -- writing --------------------------------------------------------------------

    def writer(self, documents: int = 0) -> BackendWriter:
        """A writer for about ``documents`` documents (more may write in parallel)."""

    def prepare_analysis(self) -> None:
        """Load the analysis (stemmer, word lists) before timing-sensitive work."""

    # -- documents ------------------------------------------------------------------

    def documents(self) -> list[DocumentRecord]: ...

    def get_document(self, doc_id: str) -> DocumentRecord | None: ...

    def passages_of(self, doc_id: str) -> list[Passage]: ...

    def document_states(self) -> dict[str, tuple[str, str]]:
        """source path -> (doc_id, state) of every document: what
        incremental indexing compares the files against."""

    def export_passages(self) -> Iterator[dict[str, object]]: ...

    def counts(self) -> tuple[int, int]:
        """(documents, passages)."""

    # -- searching ------------------------------------------------------------------

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
        """Ranked hits with snippets. ``mode="documents"`` gives one hit per
        document (its best passage, with up to ``per_document - 1`` more in
        ``Hit.more``) and ``"passages"`` one per passage; passages that say
        the same thing are shown once. ``filters`` (type, sectors, year)
        keep documents with any chosen value of every facet; ``facets=True``
        counts each facet under the other facets' filters."""

    def related_documents(self, doc_id: str, k: int = 5) -> list[tuple[DocumentRecord, float]]: ...

    def autocomplete(self, text: str, limit: int = 8) -> list[dict[str, str]]:
        """Completions of what is being typed: titles, headings, frequent words."""

    def corrections(self, words: Iterable[str], rare: int = 0) -> dict[str, str]:
        """Near index words for unknown (or, with ``rare``, rare) query words: "Bedoelde u"."""

    def spelling_counts(self) -> SpellingCounts: ...

    def stats(self) -> dict[str, object]: ...

    def health(self) -> dict[str, object]:
        """A cheap check that the index answers: ``{"ok": bool, ...}``."""


def backend_name(environ: dict[str, str] | None = None) -> str:
    """The engine ``EXPERTISEBANK_BACKEND`` names (``whoosh`` when unset)."""
    name = (environ if environ is not None else os.environ).get("EXPERTISEBANK_BACKEND", DEFAULT_BACKEND)
    name = name.strip().lower() or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise UnknownBackendError(
            f"Onbekende zoekmachine {name!r} in EXPERTISEBANK_BACKEND; kies uit: {', '.join(BACKENDS)}"
        )
    return name


def backend_class(name: str | None = None) -> type[SearchBackend]:
    """The class of the engine called ``name`` (default: :func:`backend_name`).
    Engines are imported only when chosen."""
    name = name or backend_name()
    if name == "whoosh":
        from indexer.engine.whoosh.index import SearchIndex

        return SearchIndex
    if name == "opensearch":
        from indexer.engine.opensearch.index import OpenSearchIndex

        return OpenSearchIndex
    raise UnknownBackendError(f"Onbekende zoekmachine {name!r}; kies uit: {', '.join(BACKENDS)}")


def release_generation(directory: str | Path) -> None:
    """Free what an engine keeps outside a generation's folder before the
    folder is removed: an OpenSearch generation's index in the cluster. A
    cluster that does not answer leaves the index behind (the next prune
    of a later generation cannot reach it either; delete it by hand)."""
    from indexer.engine.opensearch.index import MARKER, OpenSearchIndex

    if (Path(directory) / MARKER).is_file():
        try:
            OpenSearchIndex.remove(directory)
        except Exception:  # noqa: BLE001 - pruning must not fail an indexing run
            pass
