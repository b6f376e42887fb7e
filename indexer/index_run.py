"""One indexing run: source folder -> extracted text -> passages -> index.

Incremental by default: a file whose content hash (and catalogue entry) is
unchanged is not parsed again, a changed one is replaced, a deleted one
removed. ``full=True`` rebuilds into a fresh generation and swaps it in.
A file that cannot be read is reported with its reason and skipped; the rest
of the run goes on, and an earlier good version of that file stays indexed.

Files are parsed in worker processes (:mod:`indexer.extraction_pool`), each
with a time and memory limit; this process consults the extraction cache
first, keeps the one index writer and adds documents in path order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from indexer.documents import DocumentRecord, ExtractedDocument, ExtractionError, HEADING, Passage, SourceFile
from indexer.extract.dates import parse_date
from indexer.extract.html_pages import extract_html_file
from indexer.extract.pdf_pages import extract_pdf
from indexer.extraction_cache import ExtractionCache
from indexer.extraction_pool import ExtractionPool, Outcome, run_task, worker_count
from indexer.index_store import IndexStore
from indexer.passage_splitter import split_passages
from indexer.sources import document_id, scan_sources
from indexer.whoosh_index import SCHEMA_VERSION, IndexWriter, SearchIndex

T = TypeVar("T")
Progress = Callable[[Iterable[T], int], Iterator[T]]


@dataclass
class IndexReport:
    source_dir: str
    index_dir: str
    full: bool
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def as_json(self) -> dict:
        return {
            "source": self.source_dir,
            "index": self.index_dir,
            "full": self.full,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "documents": self.documents,
            "passages": self.passages,
            "seconds": round(self.seconds, 2),
        }

    def render(self) -> str:
        """The report an editor reads, in Dutch."""
        lines = [
            f"{'Volledige herindexering' if self.full else 'Indexering'} van {self.source_dir} "
            f"klaar in {self.seconds:.1f} s: {self.documents} documenten, {self.passages} passages in de index.",
            f"  toegevoegd:   {len(self.added)}",
            f"  bijgewerkt:   {len(self.updated)}",
            f"  verwijderd:   {len(self.removed)}",
            f"  ongewijzigd:  {len(self.unchanged)}",
            f"  mislukt:      {len(self.failed)}",
        ]
        for label, items in (("+", self.added), ("~", self.updated), ("-", self.removed)):
            lines.extend(f"    {label} {path}" for path in items)
        for path, reason in self.failed:
            lines.append(f"    ! {path}: {reason}")
        return "\n".join(lines)


def _no_progress(items: Iterable[T], total: int) -> Iterator[T]:
    return iter(items)


def extract(source: SourceFile) -> ExtractedDocument:
    """Read one source file; every failure becomes an :class:`ExtractionError`."""
    try:
        if source.format == "pdf":
            return extract_pdf(source.abs_path, source.path)
        return extract_html_file(source.abs_path, source.path)
    except ExtractionError:
        raise
    except MemoryError as exc:  # depends on the memory limit: not remembered
        raise ExtractionError("te groot om te verwerken (onvoldoende geheugen)", cacheable=False) from exc
    except RecursionError as exc:
        raise ExtractionError("te diep geneste structuur: het bestand kan niet worden gelezen") from exc
    except Exception as exc:  # a parser bug must not end the run for the other files
        raise ExtractionError(f"onverwachte fout bij het lezen: {type(exc).__name__}: {exc}") from exc


def _extract_in_worker(source: SourceFile) -> ExtractedDocument:
    return extract(source)  # looked up when called, so a test can wrap it


def _remember(cache: ExtractionCache, source: SourceFile, outcome: Outcome) -> None:
    """Cache a fresh outcome; a timeout, a crash or a limit is not final."""
    if outcome.doc is not None:
        cache.put(source.content_hash, outcome.doc)
    elif outcome.cacheable:
        cache.put(source.content_hash, error=outcome.error)


def _cached_outcome(cache: ExtractionCache, source: SourceFile) -> Outcome | None:
    try:
        doc = cache.get(source.content_hash, source.path)
    except ExtractionError as exc:
        return Outcome(error=exc.reason)
    return Outcome(doc=doc) if doc is not None else None


def extract_all(
    sources: list[SourceFile], cache: ExtractionCache, pool: ExtractionPool, submitted: list[SourceFile]
) -> Iterator[tuple[SourceFile, Outcome]]:
    """Every source with its outcome, in the order given: from the pool for
    the ``submitted`` ones (its workers started on them already and keep
    going while the caller writes), else from the cache."""
    fresh = {id(s) for s in submitted}
    for source in sources:
        if id(source) in fresh:
            done, outcome = pool.next_result()
            assert done is source
            _remember(cache, source, outcome)
        else:
            pool.poll()
            outcome = _cached_outcome(cache, source)
            if outcome is None:  # the entry went bad since has(): this file was read fine before
                outcome = run_task(extract, source)
                _remember(cache, source, outcome)
        yield source, outcome


def _infer_type(doc: ExtractedDocument, passages: list[Passage]) -> str:
    questions = sum(p.is_question for p in passages)
    if questions >= 3 and questions >= 0.5 * len(passages):
        return "faq"
    return "publicatie" if doc.format == "pdf" else "nieuws"


def build_record(source: SourceFile, doc: ExtractedDocument, doc_id: str) -> tuple[DocumentRecord, list[Passage], list[str]]:
    """Passages and the document record, the catalogue overriding the file."""
    passages = split_passages(doc, doc_id)
    cat = source.catalogue
    record = DocumentRecord(
        doc_id=doc_id,
        source=source.path,
        format=doc.format,
        title=cat.get("title") or doc.title,
        type=cat.get("type") or _infer_type(doc, passages),
        sectors=list(cat.get("sectors") or []),
        date=parse_date(str(cat["date"])) if cat.get("date") else doc.date,
        url=cat.get("url"),
        author=cat.get("author") or doc.author,
        description=cat.get("description") or doc.description,
        page_count=doc.page_count,
        headings=[(b.level, b.text, b.page) for b in doc.blocks if b.kind == HEADING],
        passage_count=len(passages),
        state=source.state,
        indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    return record, passages, record.sectors


def _assign_ids(sources: list[SourceFile], existing: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Keep the id a path already has; give new paths a slug, made unique."""
    ids: dict[str, str] = {}
    taken = {doc_id for path, (doc_id, _) in existing.items()}
    for s in sources:
        if s.path in existing:
            ids[s.path] = existing[s.path][0]
    for s in sources:
        if s.path in ids:
            continue
        candidate = base = document_id(s.path)
        n = 2
        while candidate in taken:
            candidate = f"{base}-{n}"
            n += 1
        taken.add(candidate)
        ids[s.path] = candidate
    return ids


def run_index(
    source_dir: str | Path,
    index_root: str | Path,
    *,
    full: bool = False,
    progress: Progress | None = None,
    profile: str = "dutch",
    cache_dir: str | Path | None = None,
) -> IndexReport:
    """Bring the index at ``index_root`` in line with ``source_dir``.

    Raises :class:`~indexer.index_store.IndexBusyError` when another run holds
    the lock, :class:`~indexer.sources.CatalogueError` for a broken catalogue
    and ``FileNotFoundError`` for a missing source folder; in each case the
    index is left as it was. ``profile`` picks the text analysis of a new
    index ("plain" builds the evaluation's baseline). Extracted text is kept
    in ``cache_dir`` (default: ``<index_root>/extract-cache``) by content hash.
    """
    started = time.monotonic()
    progress = progress or _no_progress
    store = IndexStore(index_root)
    report = IndexReport(str(source_dir), str(index_root), full)
    cache = ExtractionCache(cache_dir if cache_dir is not None else Path(index_root) / "extract-cache")
    with store.lock():
        sources, skipped = scan_sources(source_dir)
        current = store.current_generation()
        old_index = SearchIndex(current) if current is not None and SearchIndex.exists(current) else None
        old_states = old_index.document_states() if old_index else {}
        outdated = old_index is not None and store.read_manifest(current).get("schema_version") != SCHEMA_VERSION
        fresh = full or old_index is None or outdated
        report.full = fresh
        if fresh:
            target = store.new_generation()
            index = SearchIndex.create(target, profile=profile)
        else:
            target = current
            index = old_index

        ids = _assign_ids(sources, old_states)
        # a file that is there but cannot be read is not a deleted file
        paths = {s.path for s in sources} | {path for path, _ in skipped}
        todo: list[SourceFile] = []
        for s in sources:
            old = old_states.get(s.path)
            if old is not None and old[1] == s.state:
                report.unchanged.append(s.path)
                if fresh:
                    todo.append(s)  # a full rebuild parses everything again
            else:
                todo.append(s)
        report.removed = sorted(p for p in old_states if p not in paths)

        to_parse = [s for s in todo if not cache.has(s.content_hash)]
        if any(s.format == "pdf" for s in to_parse):
            import pdfplumber  # noqa: F401  (imported once here, not once in every worker)
        pool = ExtractionPool(_extract_in_worker, workers=worker_count(len(to_parse)))
        try:
            pool.submit(to_parse)  # the workers fork now, before the writer opens its files
            writer: IndexWriter = index.writer(documents=len(todo))
        except BaseException:
            pool.close()
            raise

        def failed(path: str, reason: str) -> None:
            """Report a file; an earlier good version of it stays searchable."""
            old = old_states.get(path)
            if old is not None and old_index is not None:
                reason += " (de vorige versie blijft doorzoekbaar)"
                if fresh:
                    _copy_document(old_index, writer, old[0])
            report.failed.append((path, reason))

        outcomes: dict[int, Outcome] = {}

        def extracted() -> Iterator[SourceFile]:
            """The sources as their text becomes available (what progress counts)."""
            for source, outcome in extract_all(todo, cache, pool, to_parse):
                outcomes[id(source)] = outcome
                yield source

        try:
            for path, reason in skipped:
                failed(path, reason)
            for source in progress(extracted(), len(todo)):
                old = old_states.get(source.path)
                outcome = outcomes.pop(id(source))
                if outcome.doc is None:
                    failed(source.path, outcome.error or "onbekende fout")
                    continue
                record, passages, sectors = build_record(source, outcome.doc, ids[source.path])
                if not fresh and old is not None:
                    writer.delete_document(old[0])
                writer.add_document(record, passages, sectors)
                if old is None:
                    report.added.append(source.path)
                elif old[1] != source.state:
                    report.updated.append(source.path)
            pool.close()
            if not fresh:
                for path in report.removed:
                    writer.delete_document(old_states[path][0])
            writer.commit()
            store.write_manifest(target, {
                "schema_version": SCHEMA_VERSION,
                "profile": index.profile,
                "source_dir": str(Path(source_dir).resolve()),
            })
        except BaseException:
            pool.close()  # first: no worker outlives an interrupted run (closing twice is harmless)
            writer.cancel()
            if fresh:
                store.discard(target)
            raise
        finally:
            pool.close()
        if fresh:
            store.publish(target)
        cache.prune({s.content_hash for s in sources})
        final = SearchIndex(target)
        stats = final.stats()
        report.documents = int(stats["documents"])
        report.passages = int(stats["passages"])
        final.close()
        if old_index is not None and old_index is not final:
            old_index.close()
    report.seconds = time.monotonic() - started
    return report


def _copy_document(old_index: SearchIndex, writer: IndexWriter, doc_id: str) -> None:
    """Carry a document from the previous generation into a full rebuild."""
    record = old_index.get_document(doc_id)
    if record is not None:
        writer.add_document(record, old_index.passages_of(doc_id), record.sectors)
