"""One indexing run: source folder -> extracted text -> passages -> index.

Incremental by default: a file whose content hash (and catalogue entry) is
unchanged is not parsed again, a changed one is replaced, a deleted one
removed. ``full=True`` rebuilds into a fresh generation and swaps it in.
A file that cannot be read is reported with its reason and skipped; the rest
of the run goes on, and an earlier good version of that file stays indexed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from indexer.documents import DocumentRecord, ExtractedDocument, ExtractionError, HEADING, Passage, SourceFile
from indexer.extract.dates import parse_date
from indexer.extract.html_pages import extract_html
from indexer.extract.pdf_pages import extract_pdf
from indexer.extraction_cache import ExtractionCache
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
        return extract_html(Path(source.abs_path).read_bytes(), source.path)
    except ExtractionError:
        raise
    except MemoryError as exc:
        raise ExtractionError("te groot om te verwerken (onvoldoende geheugen)") from exc
    except Exception as exc:  # a parser bug must not end the run for the other files
        raise ExtractionError(f"onverwachte fout bij het lezen: {type(exc).__name__}: {exc}") from exc


def cached_extract(cache: ExtractionCache, source: SourceFile) -> ExtractedDocument:
    """:func:`extract`, unless the same content was extracted before."""
    doc = cache.get(source.content_hash, source.path)
    if doc is not None:
        return doc
    try:
        doc = extract(source)
    except ExtractionError as exc:
        cache.put(source.content_hash, error=exc.reason)
        raise
    cache.put(source.content_hash, doc)
    return doc


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

        writer: IndexWriter = index.writer(documents=len(todo))

        def failed(path: str, reason: str) -> None:
            """Report a file; an earlier good version of it stays searchable."""
            old = old_states.get(path)
            if old is not None and old_index is not None:
                reason += " (de vorige versie blijft doorzoekbaar)"
                if fresh:
                    _copy_document(old_index, writer, old[0])
            report.failed.append((path, reason))

        try:
            for path, reason in skipped:
                failed(path, reason)
            for source in progress(todo, len(todo)):
                old = old_states.get(source.path)
                try:
                    doc = cached_extract(cache, source)
                except ExtractionError as exc:
                    failed(source.path, exc.reason)
                    continue
                record, passages, sectors = build_record(source, doc, ids[source.path])
                if not fresh and old is not None:
                    writer.delete_document(old[0])
                writer.add_document(record, passages, sectors)
                if old is None:
                    report.added.append(source.path)
                elif old[1] != source.state:
                    report.updated.append(source.path)
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
            writer.cancel()
            if fresh:
                store.discard(target)
            raise
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
