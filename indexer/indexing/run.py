"""One indexing run: source folder -> extracted text -> passages -> index.

Incremental by default: a file whose content hash (and catalogue entry) is
unchanged is not parsed again, a changed one is replaced, a deleted one
removed. A file whose signature (size, mtime, ctime, inode) is what it was
when its hash was taken is not even read: the states and signatures are kept
beside the index (:mod:`indexer.indexing.states`), and so is the last parse
of the catalogue. ``full=True`` builds a new generation and swaps it in:
every file is hashed again and the catalogue parsed again, but a document whose state is
unchanged is carried over from the live generation (its Whoosh files are
hard-linked into the new folder, then the incremental steps run against that
copy) when the live generation was written with the same analysis (the
fingerprint of :mod:`indexer.indexing.fingerprint`). Otherwise, and with
``from_scratch=True``, every document is analysed again.
A file that cannot be read is reported with its reason and skipped; the rest
of the run goes on, and an earlier good version of that file stays indexed.

Files are parsed in worker processes (:mod:`indexer.extract.pool`), each
with a time and memory limit; this process consults the extraction cache
first, keeps the one index writer and adds documents in path order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from indexer.engine.backend import BackendWriter, SearchBackend, backend_class
from indexer.extract.cache import ExtractionCache
from indexer.extract.pool import ExtractionPool, Outcome, run_task, worker_count
from indexer.indexing.fingerprint import analysis_fingerprint
from indexer.indexing.records import build_record
from indexer.indexing.states import DocumentState, DocumentStates
from indexer.indexing.store import IndexStore
from indexer.model import DocumentRecord, ExtractedDocument, ExtractionError, Passage, SourceFile
from indexer.sources import document_id, scan_sources

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
    written: list[SourceFile] = field(default_factory=list, repr=False)  # analysed into the index by this run

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
            lines.append(
                f"  geanalyseerd: {self.analysed}"
                + (f" (alles opnieuw: {self.rebuild_reason})" if self.rebuild_reason else "")
            )
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
    sources: list[SourceFile],
    cache: ExtractionCache,
    pool: ExtractionPool,
    submitted: list[SourceFile],
    read: Callable[[SourceFile], ExtractedDocument] = extract,
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
                outcome = run_task(read, source)
                _remember(cache, source, outcome)
        yield source, outcome


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


@dataclass(frozen=True)
class Pipeline:
    """What a run does with a file and an index, passed in: the reader of a
    source file, the builder of its records, the analysis fingerprint and the
    engine. The defaults are the product's; a test gives its own steps
    instead of patching these modules."""

    extract: Callable[[SourceFile], ExtractedDocument] = extract
    build_record: Callable[[SourceFile, ExtractedDocument, str], tuple[DocumentRecord, list[Passage], list[str]]] = (
        build_record
    )
    fingerprint: Callable[[str], str] = analysis_fingerprint
    backend: type[SearchBackend] | None = None  # None: the one EXPERTISEBANK_BACKEND names


@dataclass
class RunPlan:
    """What a run found and decided before it writes: the live index and
    what it holds, the sources, and where the run writes."""

    old_index: SearchBackend | None
    remembered: dict[str, DocumentState]
    old_states: dict[str, tuple[str, str]]  # path -> (doc_id, state)
    manifest: dict
    sources: list[SourceFile]
    skipped: list[tuple[str, str]]
    rebuild: bool  # every document analysed again, into an empty new generation
    new_generation: bool
    fingerprint: str
    target: Path
    index: SearchBackend
    ids: dict[str, str] = field(default_factory=dict)
    todo: list[SourceFile] = field(default_factory=list)

    def close(self) -> None:
        if self.index is not self.old_index:
            self.index.close()
        if self.old_index is not None:
            self.old_index.close()


def run_index(
    source_dir: str | Path,
    index_root: str | Path,
    *,
    full: bool = False,
    from_scratch: bool = False,
    progress: Progress | None = None,
    profile: str = "dutch",
    cache_dir: str | Path | None = None,
    pipeline: Pipeline | None = None,
) -> IndexReport:
    """Bring the index at ``index_root`` in line with ``source_dir``.

    ``full=True`` builds a new generation and swaps it in; unchanged documents
    are carried over from the live generation when it was analysed the same
    way. ``from_scratch=True`` (implies ``full``) analyses every document again.

    Raises :class:`~indexer.indexing.store.IndexBusyError` when another run holds
    the lock, :class:`~indexer.sources.CatalogueError` for a broken catalogue
    and ``FileNotFoundError`` for a missing source folder; in each case the
    index is left as it was. ``profile`` picks the text analysis of a new
    index ("plain" builds the evaluation's baseline). Extracted text is kept
    in ``cache_dir`` (default: ``<index_root>/extract-cache``) by content hash.
    """
    started = time.monotonic()
    pipeline = pipeline or Pipeline()
    full = full or from_scratch
    store = IndexStore(index_root)
    report = IndexReport(str(source_dir), str(index_root), full)
    cache = ExtractionCache(cache_dir if cache_dir is not None else Path(index_root) / "extract-cache")
    with store.lock():
        plan = _plan(
            store,
            Path(source_dir),
            Path(index_root),
            report,
            from_scratch=from_scratch,
            profile=profile,
            pipeline=pipeline,
        )
        try:
            generation = _apply(plan, store, cache, report, progress or _no_progress, pipeline, source_dir)
            _publish(plan, store, cache, report, generation, pipeline)
        finally:
            plan.close()
    report.seconds = time.monotonic() - started
    return report


def _plan(
    store: IndexStore,
    source_dir: Path,
    index_root: Path,
    report: IndexReport,
    *,
    from_scratch: bool,
    profile: str,
    pipeline: Pipeline,
) -> RunPlan:
    """Open the live index, scan the sources and decide: incremental in the
    live generation, or a new generation (carried over or analysed afresh)."""
    backend = pipeline.backend or backend_class()
    full = report.full
    current = store.current_generation()
    old_index = backend(current) if current is not None and backend.exists(current) else None
    remembered = _remembered_states(old_index)
    try:
        sources, skipped = _scan(source_dir, index_root, remembered, full)
    except BaseException:
        if old_index is not None:
            old_index.close()
        raise
    manifest = store.read_manifest(current) if old_index is not None else {}
    report.rebuild_reason = _rebuild_reason(
        old_index,
        manifest,
        backend,
        full=full,
        from_scratch=from_scratch,
        fingerprint=lambda: pipeline.fingerprint(profile),
    )
    rebuild = report.rebuild_reason is not None
    new_generation = report.full = full or rebuild
    # taken now, from the code this run has loaded (files may change while it runs)
    fingerprint = pipeline.fingerprint(profile if new_generation else old_index.profile)
    target, index = _target(store, backend, current, old_index, rebuild=rebuild, new=new_generation, profile=profile)
    old_states = {path: (e.doc_id, e.state) for path, e in remembered.items()}
    plan = RunPlan(old_index, remembered, old_states, manifest, sources, skipped, rebuild, new_generation,
                   fingerprint, target, index)  # fmt: skip
    plan.ids = _assign_ids(sources, plan.old_states)
    plan.todo = _changed(plan, report)
    return plan


def _target(
    store: IndexStore,
    backend: type[SearchBackend],
    current: Path | None,
    old_index: SearchBackend | None,
    *,
    rebuild: bool,
    new: bool,
    profile: str,
) -> tuple[Path, SearchBackend]:
    """Where the run writes: the live generation, or a new one (empty for a
    rebuild, else a copy of the live one)."""
    if not new:
        return current, old_index
    target = store.new_generation()
    try:
        return target, backend.create(target, profile=profile) if rebuild else backend.create_from(old_index, target)
    except BaseException:
        store.discard(target)
        if old_index is not None:
            old_index.close()
        raise


def _scan(
    source_dir: Path, index_root: Path, remembered: dict[str, DocumentState], full: bool
) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """The source files and the ones that cannot be read. An incremental run
    hashes only the files whose signature changed and reuses the kept parse
    of the catalogue; --full hashes every file and parses the catalogue again."""
    known = {} if full else {path: (e.signature, e.content_hash) for path, e in remembered.items() if e.signature}
    catalogue_cache = index_root / CATALOGUE_CACHE
    if full:
        with contextlib.suppress(OSError):
            catalogue_cache.unlink(missing_ok=True)
    return scan_sources(source_dir, known, catalogue_cache)


def _rebuild_reason(
    old_index: SearchBackend | None,
    manifest: dict,
    backend: type[SearchBackend],
    *,
    full: bool,
    from_scratch: bool,
    fingerprint: Callable[[], str],
) -> str | None:
    """Why every document is analysed again, into an empty new generation
    (in Dutch); None: the run works incrementally, in the live generation or
    (--full) in a new one that starts as a copy of it."""
    if old_index is None:
        return "er was nog geen index"
    if manifest.get("schema_version") != backend.schema_version:
        return "de index had een ouder schema"
    if from_scratch:
        return "gevraagd met --from-scratch"
    if full and manifest.get("analysis") != fingerprint():
        return "de tekstanalyse is gewijzigd sinds de vorige index"
    return None


def _changed(plan: RunPlan, report: IndexReport) -> list[SourceFile]:
    """The sources to analyse (new, changed, or all of them in a rebuild);
    fills in the report's unchanged and removed files."""
    # a file that is there but cannot be read is not a deleted file
    paths = {s.path for s in plan.sources} | {path for path, _ in plan.skipped}
    todo: list[SourceFile] = []
    for s in plan.sources:
        old = plan.old_states.get(s.path)
        if old is not None and old[1] == s.state:
            report.unchanged.append(s.path)
            if plan.rebuild:
                todo.append(s)  # a rebuild analyses everything again
        else:
            todo.append(s)
    report.removed = sorted(p for p in plan.old_states if p not in paths)
    return todo


def _start_extraction(
    plan: RunPlan,
    store: IndexStore,
    cache: ExtractionCache,
    pipeline: Pipeline,
) -> tuple[ExtractionPool, BackendWriter, list[SourceFile]]:
    """Fork the extraction workers on the files the cache does not hold,
    then open the writer; the files the workers parse."""
    to_parse = [s for s in plan.todo if not cache.has(s.content_hash)]
    # the parsers are imported once here, not once in every worker
    if any(s.format == "pdf" for s in to_parse):
        import pdfplumber  # noqa: F401

        import indexer.extract.pdf_pages  # noqa: F401
    if any(s.format == "html" for s in to_parse):
        import indexer.extract.html_pages  # noqa: F401
    pool = ExtractionPool(pipeline.extract, workers=worker_count(len(to_parse)))
    try:
        pool.submit(to_parse)  # the workers fork now, before the writer opens its files
        writer = plan.index.writer(documents=len(plan.todo))
        if to_parse:
            plan.index.prepare_analysis()  # meanwhile, on the other core
    except BaseException:
        pool.close()
        if plan.new_generation:
            store.discard(plan.target)
        raise
    return pool, writer, to_parse


def _apply(
    plan: RunPlan,
    store: IndexStore,
    cache: ExtractionCache,
    report: IndexReport,
    progress: Progress,
    pipeline: Pipeline,
    source_dir: str | Path,
) -> int:
    """Extract, analyse and write what changed, then commit; the commit's
    generation number. On any failure the writer is cancelled and a new
    generation discarded: the live index stays as it was."""
    pool, writer, to_parse = _start_extraction(plan, store, cache, pipeline)
    try:
        _write_documents(plan, writer, pool, cache, to_parse, report, progress, pipeline)
        pool.close()
        if not plan.rebuild:
            for path in report.removed:
                writer.delete_document(plan.old_states[path][0])
        generation = writer.commit()
        store.write_manifest(
            plan.target,
            {
                "schema_version": plan.index.schema_version,
                "profile": plan.index.profile,
                "source_dir": str(Path(source_dir).resolve()),
                "analysis": _analysis_after(
                    plan.manifest.get("analysis"),
                    plan.fingerprint,
                    new_generation=plan.new_generation,
                    analysed=report.analysed,
                ),
            },
        )
    except BaseException:
        pool.close()  # first: no worker outlives an interrupted run (closing twice is harmless)
        writer.cancel()
        if plan.new_generation:
            store.discard(plan.target)
        raise
    finally:
        pool.close()
    return generation


def _write_documents(
    plan: RunPlan,
    writer: BackendWriter,
    pool: ExtractionPool,
    cache: ExtractionCache,
    to_parse: list[SourceFile],
    report: IndexReport,
    progress: Progress,
    pipeline: Pipeline,
) -> None:
    """Each source to analyse, as its text arrives: its records written (a
    changed one replacing its old version), or its failure reported."""

    def failed(path: str, reason: str) -> None:
        """Report a file; an earlier good version of it stays searchable."""
        old = plan.old_states.get(path)
        if old is not None and plan.old_index is not None:
            reason += " (de vorige versie blijft doorzoekbaar)"
            if plan.rebuild:
                _copy_document(plan.old_index, writer, old[0])
        report.failed.append((path, reason))

    outcomes: dict[int, Outcome] = {}

    def extracted() -> Iterator[SourceFile]:
        """The sources as their text becomes available (what progress counts)."""
        for source, outcome in extract_all(plan.todo, cache, pool, to_parse, pipeline.extract):
            outcomes[id(source)] = outcome
            yield source

    for path, reason in plan.skipped:
        failed(path, reason)
    for source in progress(extracted(), len(plan.todo)):
        old = plan.old_states.get(source.path)
        outcome = outcomes.pop(id(source))
        if outcome.doc is None:
            failed(source.path, outcome.error or "onbekende fout")
            continue
        record, passages, sectors = pipeline.build_record(source, outcome.doc, plan.ids[source.path])
        if not plan.rebuild and old is not None:
            writer.delete_document(old[0])
        writer.add_document(record, passages, sectors)
        report.written.append(source)
        report.analysed += 1
        if old is None:
            report.added.append(source.path)
        elif old[1] != source.state:
            report.updated.append(source.path)


def _publish(
    plan: RunPlan, store: IndexStore, cache: ExtractionCache, report: IndexReport, generation: int, pipeline: Pipeline
) -> None:
    """Save the document states beside the committed generation, swap a new
    generation in, and count what the index now holds."""
    # saved before the swap: the next run finds them with the generation it opens
    _states_after(plan.remembered, plan.sources, report.written, report, plan.ids, generation).save(plan.target)
    if plan.new_generation:
        store.publish(plan.target)
        if not plan.rebuild:
            report.carried_over = len(plan.old_states) - len(report.removed) - len(report.updated)
    cache.prune({s.content_hash for s in plan.sources})
    final = type(plan.index)(plan.target)
    report.documents, report.passages = final.counts()
    final.close()


def _remembered_states(index: SearchBackend | None) -> dict[str, DocumentState]:
    """Each indexed document's state, from the file the last run saved beside
    the index; read from the index itself (without file signatures, so every
    file gets hashed) when that file is missing or of another commit."""
    if index is None:
        return {}
    saved = DocumentStates.load(index.directory, index.generation())
    if saved is not None:
        return saved.entries
    return {
        path: DocumentState(doc_id, state, state.partition(":")[0], None)
        for path, (doc_id, state) in index.document_states().items()
    }


def _states_after(
    before: dict[str, DocumentState],
    sources: list[SourceFile],
    written: list[SourceFile],
    report: IndexReport,
    ids: dict[str, str],
    generation: int,
) -> DocumentStates:
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


def _copy_document(old_index: SearchBackend, writer: BackendWriter, doc_id: str) -> None:
    """Carry a document from the previous generation into a full rebuild."""
    record = old_index.get_document(doc_id)
    if record is not None:
        writer.add_document(record, old_index.passages_of(doc_id), record.sectors)
