"""One indexing run: source folder -> extracted text -> passages -> index.

Incremental by default: a file whose content hash (and catalogue entry) is
unchanged is not parsed again, a changed one is replaced, a deleted one
removed. A file whose signature (size, mtime, ctime, inode) is what it was
when its hash was taken is not even read: the states and signatures are kept
beside the index (:mod:`indexer.document_states`), and so is the last parse
of the catalogue. ``full=True`` builds a new generation and swaps it in:
every file is hashed again and the catalogue parsed again, but a document whose state is
unchanged is carried over from the live generation (its Whoosh files are
hard-linked into the new folder, then the incremental steps run against that
copy) when the live generation was written with the same analysis (the
fingerprint of :mod:`indexer.analysis_fingerprint`). Otherwise, and with
``from_scratch=True``, every document is analysed again.
A file that cannot be read is reported with its reason and skipped; the rest
of the run goes on, and an earlier good version of that file stays indexed.

Files are parsed in worker processes (:mod:`indexer.extraction_pool`), each
with a time and memory limit; this process consults the extraction cache
first, keeps the one index writer and adds documents in path order.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from indexer.analysis_fingerprint import analysis_fingerprint
from indexer.document_states import DocumentState, DocumentStates
from indexer.documents import DocumentRecord, ExtractedDocument, ExtractionError, HEADING, Passage, SourceFile
from indexer.extract.dates import parse_date
from indexer.extraction_cache import ExtractionCache
from indexer.extraction_pool import ExtractionPool, Outcome, run_task, worker_count
from indexer.index_store import IndexStore
from indexer.passage_splitter import split_passages
from indexer.sources import document_id, scan_sources
from indexer.whoosh_index import SCHEMA_VERSION, IndexWriter, SearchIndex

T = TypeVar("T")
CATALOGUE_CACHE = "catalogue-parsed.json"  # in the index folder (sources.catalogue_entries)
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
    analysed: int = 0  # documents analysed and written by this run
    carried_over: int = 0  # documents a new generation took over from the live one, not analysed again
    rebuild_reason: str | None = None  # why a new generation analysed everything (Dutch)

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
            "analysed": self.analysed,
            "carried_over": self.carried_over,
            "rebuild_reason": self.rebuild_reason,
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
        if self.full:
            lines.append(f"  overgenomen:  {self.carried_over} (uit de vorige index, niet opnieuw geanalyseerd)")
            lines.append(f"  geanalyseerd: {self.analysed}"
                         + (f" (alles opnieuw: {self.rebuild_reason})" if self.rebuild_reason else ""))
        for label, items in (("+", self.added), ("~", self.updated), ("-", self.removed)):
            lines.extend(f"    {label} {path}" for path in items)
        for path, reason in self.failed:
            lines.append(f"    ! {path}: {reason}")
        return "\n".join(lines)


def _no_progress(items: Iterable[T], total: int) -> Iterator[T]:
    return iter(items)


def extract(source: SourceFile) -> ExtractedDocument:
    """Read one source file; every failure becomes an :class:`ExtractionError`.
    The parsers are imported here, not when the run starts: most runs parse
    nothing (the run imports the ones it needs before its workers fork)."""
    try:
        if source.format == "pdf":
            from indexer.extract.pdf_pages import extract_pdf

            return extract_pdf(source.abs_path, source.path)
        from indexer.extract.html_pages import extract_html_file

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
        item_years=sorted({int(p.date[:4]) for p in passages if p.date and p.date[:4].isdigit()}),
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
    from_scratch: bool = False,
    progress: Progress | None = None,
    profile: str = "dutch",
    cache_dir: str | Path | None = None,
) -> IndexReport:
    """Bring the index at ``index_root`` in line with ``source_dir``.

    ``full=True`` builds a new generation and swaps it in; unchanged documents
    are carried over from the live generation when it was analysed the same
    way. ``from_scratch=True`` (implies ``full``) analyses every document again.

    Raises :class:`~indexer.index_store.IndexBusyError` when another run holds
    the lock, :class:`~indexer.sources.CatalogueError` for a broken catalogue
    and ``FileNotFoundError`` for a missing source folder; in each case the
    index is left as it was. ``profile`` picks the text analysis of a new
    index ("plain" builds the evaluation's baseline). Extracted text is kept
    in ``cache_dir`` (default: ``<index_root>/extract-cache``) by content hash.
    """
    started = time.monotonic()
    progress = progress or _no_progress
    full = full or from_scratch
    store = IndexStore(index_root)
    report = IndexReport(str(source_dir), str(index_root), full)
    cache = ExtractionCache(cache_dir if cache_dir is not None else Path(index_root) / "extract-cache")
    with store.lock():
        current = store.current_generation()
        old_index = SearchIndex(current) if current is not None and SearchIndex.exists(current) else None
        remembered = _remembered_states(old_index)
        old_states = {path: (e.doc_id, e.state) for path, e in remembered.items()}
        # an incremental run hashes only the files whose signature changed; --full hashes every file
        known = {} if full else {path: (e.signature, e.content_hash) for path, e in remembered.items() if e.signature}
        try:
            catalogue_cache = Path(index_root) / CATALOGUE_CACHE
            if full:  # --full parses the catalogue again (the kept parse is only a speed-up)
                with contextlib.suppress(OSError):
                    catalogue_cache.unlink(missing_ok=True)
            sources, skipped = scan_sources(source_dir, known, catalogue_cache)
        except BaseException:
            if old_index is not None:
                old_index.close()
            raise
        manifest = store.read_manifest(current) if old_index is not None else {}
        outdated = old_index is not None and manifest.get("schema_version") != SCHEMA_VERSION
        # Why every document is analysed again, into an empty new generation;
        # None: the run works incrementally, in the live generation or (--full)
        # in a new one that starts as a copy of it.
        if old_index is None:
            report.rebuild_reason = "er was nog geen index"
        elif outdated:
            report.rebuild_reason = "de index had een ouder schema"
        elif from_scratch:
            report.rebuild_reason = "gevraagd met --from-scratch"
        elif full and manifest.get("analysis") != analysis_fingerprint(profile):
            report.rebuild_reason = "de tekstanalyse is gewijzigd sinds de vorige index"
        rebuild = report.rebuild_reason is not None
        new_generation = report.full = full or rebuild
        # taken now, from the code this run has loaded (files may change while it runs)
        fingerprint = analysis_fingerprint(profile if new_generation else old_index.profile)
        if not new_generation:
            target = current
            index = old_index
        else:
            target = store.new_generation()
            try:
                index = SearchIndex.create(target, profile=profile) if rebuild else SearchIndex.create_from(old_index, target)
            except BaseException:
                store.discard(target)
                raise

        ids = _assign_ids(sources, old_states)
        # a file that is there but cannot be read is not a deleted file
        paths = {s.path for s in sources} | {path for path, _ in skipped}
        todo: list[SourceFile] = []
        for s in sources:
            old = old_states.get(s.path)
            if old is not None and old[1] == s.state:
                report.unchanged.append(s.path)
                if rebuild:
                    todo.append(s)  # a rebuild analyses everything again
            else:
                todo.append(s)
        report.removed = sorted(p for p in old_states if p not in paths)

        to_parse = [s for s in todo if not cache.has(s.content_hash)]
        # the parsers are imported once here, not once in every worker
        if any(s.format == "pdf" for s in to_parse):
            import indexer.extract.pdf_pages  # noqa: F401
            import pdfplumber  # noqa: F401
        if any(s.format == "html" for s in to_parse):
            import indexer.extract.html_pages  # noqa: F401
        pool = ExtractionPool(_extract_in_worker, workers=worker_count(len(to_parse)))
        try:
            pool.submit(to_parse)  # the workers fork now, before the writer opens its files
            writer: IndexWriter = index.writer(documents=len(todo))
            if to_parse:
                index.prepare_analysis()  # meanwhile, on the other core
        except BaseException:
            pool.close()
            if new_generation:
                store.discard(target)
            raise

        def failed(path: str, reason: str) -> None:
            """Report a file; an earlier good version of it stays searchable."""
            old = old_states.get(path)
            if old is not None and old_index is not None:
                reason += " (de vorige versie blijft doorzoekbaar)"
                if rebuild:
                    _copy_document(old_index, writer, old[0])
            report.failed.append((path, reason))

        written: list[SourceFile] = []  # analysed into the index by this run
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
                if not rebuild and old is not None:
                    writer.delete_document(old[0])
                writer.add_document(record, passages, sectors)
                written.append(source)
                report.analysed += 1
                if old is None:
                    report.added.append(source.path)
                elif old[1] != source.state:
                    report.updated.append(source.path)
            pool.close()
            if not rebuild:
                for path in report.removed:
                    writer.delete_document(old_states[path][0])
            generation = writer.commit()
            store.write_manifest(target, {
                "schema_version": SCHEMA_VERSION,
                "profile": index.profile,
                "source_dir": str(Path(source_dir).resolve()),
                "analysis": _analysis_after(manifest.get("analysis"), fingerprint,
                                            new_generation=new_generation, analysed=report.analysed),
            })
        except BaseException:
            pool.close()  # first: no worker outlives an interrupted run (closing twice is harmless)
            writer.cancel()
            if new_generation:
                store.discard(target)
            raise
        finally:
            pool.close()
        # saved before the swap: the next run finds them with the generation it opens
        _states_after(remembered, sources, written, report, ids, generation).save(target)
        if new_generation:
            store.publish(target)
            if not rebuild:
                report.carried_over = len(old_states) - len(report.removed) - len(report.updated)
        cache.prune({s.content_hash for s in sources})
        final = SearchIndex(target)
        report.documents, report.passages = final.counts()
        final.close()
        if index is not final and index is not old_index:
            index.close()
        if old_index is not None and old_index is not final:
            old_index.close()
    report.seconds = time.monotonic() - started
    return report


def _remembered_states(index: SearchIndex | None) -> dict[str, DocumentState]:
    """Each indexed document's state, from the file the last run saved beside
    the index; read from the index itself (without file signatures, so every
    file gets hashed) when that file is missing or of another commit."""
    if index is None:
        return {}
    saved = DocumentStates.load(index.directory, index.generation())
    if saved is not None:
        return saved.entries
    return {path: DocumentState(doc_id, state, state.partition(":")[0], None)
            for path, (doc_id, state) in index.document_states().items()}


def _states_after(before: dict[str, DocumentState], sources: list[SourceFile], written: list[SourceFile],
                  report: IndexReport, ids: dict[str, str], generation: int) -> DocumentStates:
    """The states of the index this run committed: a document written now
    gets its file's state and signature; an unchanged one keeps its state
    with the signature seen now (a file that was only touched is not hashed
    again next time); a removed one goes; one whose file failed keeps its
    previous version's state, as the index keeps that version."""
    removed = set(report.removed)
    entries = {path: e for path, e in before.items() if path not in removed}
    unchanged = set(report.unchanged)
    for s in sources:
        if s.path in unchanged:
            entries[s.path] = DocumentState(before[s.path].doc_id, s.state, s.content_hash, s.signature)
    for s in written:
        entries[s.path] = DocumentState(ids[s.path], s.state, s.content_hash, s.signature)
    return DocumentStates(entries, generation)


def _analysis_after(before: str | None, fingerprint: str, *, new_generation: bool, analysed: int) -> str | None:
    """The analysis fingerprint a generation's manifest records: the one all
    its documents were analysed with (``fingerprint``: this run's), or None
    when they may differ (an incremental run of other code added documents to
    an index of older analysis); a ``--full`` run then analyses everything again."""
    if new_generation:  # analysed from scratch, or carried over because the fingerprints matched
        return fingerprint
    if analysed == 0 or before == fingerprint:
        return before
    return None


def _copy_document(old_index: SearchIndex, writer: IndexWriter, doc_id: str) -> None:
    """Carry a document from the previous generation into a full rebuild."""
    record = old_index.get_document(doc_id)
    if record is not None:
        writer.add_document(record, old_index.passages_of(doc_id), record.sectors)
