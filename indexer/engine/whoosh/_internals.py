"""Every use of Whoosh's private API, in one place.

The Whoosh backend reads posting blocks and columns in one piece, writes
posting blocks straight into Whoosh's block writer, and replaces a few steps
of Whoosh's segment and multi-process writers. Those parts of Whoosh are not
public: they were read and tested against the versions in ``CHECKED``, and
under any other version the backend refuses to start
(:class:`WhooshVersionError`) rather than index or rank wrongly. Each
function here has a test in ``tests/test_whoosh_internals.py`` that compares
it with Whoosh's public API, so that a Whoosh that changes one of them fails
a test, not a visitor's search.

What this module reaches into, and why:

- ``W3PerDocReader._cached_reader``: remembers a missing length column too
  (:func:`keep_missing_columns`), on this project's readers only;
- ``whoosh3._lenfield``, a column reader's ``_dbfile``/``_basepos``/
  ``_count``/``_fixedlen``: a whole column as bytes (:func:`length_bytes`,
  :func:`fixed_column_bytes`);
- ``SegmentReader._terms`` and a block matcher's ``_data``/``_ids``/
  ``_next_block``...: a posting list as arrays (:func:`segment_matcher`,
  :func:`posting_blocks`, :func:`posting_ids`);
- ``TOC._filename``: the name of a commit's table of contents;
- ``BM25F._field_B``: a weighting's per-field ``B``;
- ``AndNotMatcher._find_first``/``_find_next``: an exclusion that also
  excludes the first match (:class:`FixedAndNotMatcher`);
- ``PinpointFragmenter._autotrim``: where a snippet starts and ends;
- a ``Results`` object built for hits ranked outside Whoosh
  (:func:`results_for`);
- the block writer's ``_ids``/``_weights``/... (:func:`write_posting_blocks`),
  ``SegmentWriter``'s document steps, ``_flush_segment`` and
  ``_finalize_segment``, and ``MpWriter``'s ``_new_task`` and ``_commit``
  (:class:`SegmentWriterSteps`, :class:`CheckedMpWriter`).

Two hooks are overridden where they are used, each marked "Whoosh's hook
(private)" and covered by the ranking tests: ``WrappingMatcher._replacement``
and ``CompoundQuery._matcher`` in :mod:`indexer.engine.whoosh.queries`.
"""

from __future__ import annotations

import errno
import queue
from array import array
from importlib import metadata
from types import MethodType

import numpy as np
from whoosh import highlight, searching
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.matching import AndNotMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

DISTRIBUTION = "Whoosh-Reloaded"
CHECKED = ("2.7.5",)


class WhooshVersionError(RuntimeError):
    """The installed Whoosh is not one this module was checked against."""


def check_whoosh_version(installed: str | None = None) -> str:
    """The installed Whoosh version, if it is one of ``CHECKED``; otherwise a
    :class:`WhooshVersionError` that says what to do, in Dutch.

    >>> check_whoosh_version("2.7.5")
    '2.7.5'
    """
    if installed is None:
        try:
            installed = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            installed = "onbekend"
    if installed not in CHECKED:
        raise WhooshVersionError(
            f"Deze versie van expertisebank werkt met {DISTRIBUTION} {', '.join(CHECKED)}, "
            f"maar {installed} is geïnstalleerd. Installeer de juiste versie met: "
            f"pip install '{DISTRIBUTION}=={CHECKED[-1]}'"
        )
    return installed


check_whoosh_version()


# Reading ----------------------------------------------------------------------


def _cached_length_reader(self, fieldname, column):
    """Whoosh's W3PerDocReader._cached_reader, remembering a missing column too.

    Whoosh caches the length-column reader of a field but not its absence, so
    for every posting of a field without lengths (ids, keywords) it asks the
    file system again whether the column exists: 300,000 ``stat`` calls for
    1,000 documents, about 5% of the indexing time. A segment's files do not
    change once written, so the answer can be kept."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


def keep_missing_columns(reader):
    """Give each segment of ``reader`` (a Whoosh reader this project opened)
    the length-column cache of :func:`_cached_length_reader`. Only these
    readers change: Whoosh's class, and readers others open, stay as they are."""
    for leaf, _offset in reader.leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        if isinstance(perdoc, whoosh3.W3PerDocReader):
            perdoc._cached_reader = MethodType(_cached_length_reader, perdoc)
    return reader


def own_per_document_reader(perdoc):
    """As :func:`keep_missing_columns`, for one per-document reader."""
    if isinstance(perdoc, whoosh3.W3PerDocReader):
        perdoc._cached_reader = MethodType(_cached_length_reader, perdoc)
    return perdoc


def open_searcher(ix, **kwargs):
    """``ix.searcher(**kwargs)`` whose segments keep missing columns in mind."""
    searcher = ix.searcher(**kwargs)
    keep_missing_columns(searcher.reader())
    return searcher


def _length_column(perdoc, fieldname: str):
    return perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)


def length_bytes(leaf, fieldname: str) -> np.ndarray | None:
    """A segment's stored length bytes of a field, one per record (Whoosh's
    ``length_to_byte`` codes), or None when the segment keeps no lengths of it."""
    column = _length_column(leaf._perdoc, fieldname)
    if column is None:
        return None
    return np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)


def fixed_column_bytes(reader, count: int) -> tuple[bytes, int]:
    """A ``FixedBytesColumn`` of a segment in one piece: its bytes and how
    many records they hold (up to ``count``). Without a column file (or with a
    reader of another kind) it is read record by record."""
    try:
        stored = min(reader._count, count)
        return bytes(reader._dbfile.get(reader._basepos, reader._fixedlen * stored)), stored
    except AttributeError:  # no column file (EmptyColumnReader)
        return b"".join(bytes(reader[n]) for n in range(count)), count


def segment_matcher(leaf, fieldname: str, btext: bytes, fmt):
    """A segment's own posting matcher for a term, deleted records included;
    None when the segment does not hold the term."""
    try:
        return leaf._terms.matcher(fieldname, btext, fmt)
    except TermNotFound:
        return None


def posting_blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    """One segment's posting list as (ids, frequencies): the blocks' id and
    weight tuples as stored, without walking the matcher."""
    if not isinstance(matcher, whoosh3.W3LeafMatcher):
        ids, tf = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            tf.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(tf, dtype=np.float64)
    deltas: list[int] = []
    weights: list[float] = []
    starts: list[int] = []  # where each block begins in ``deltas``
    last_ids: list[int] = []  # each block's last id
    while True:
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights, _values = matcher._data
        count = matcher._blocklength
        starts.append(len(deltas))
        last_ids.append(matcher._maxid)
        deltas.extend(block_ids)
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        if matcher._lastblock:
            break
        matcher._next_block()
    ids = np.array(deltas, dtype=np.int64)
    if not matcher._byteids:
        # each block's ids are deltas from 0: make the whole list one run of
        # deltas (a block's first id minus the previous block's last) and sum
        if len(starts) > 1:
            ids[starts[1:]] -= np.array(last_ids[:-1], dtype=np.int64)
        ids = np.cumsum(ids)
    return ids, np.array(weights, dtype=np.float64)


def posting_ids(matcher) -> list[int]:
    """All document numbers of one term's postings (:func:`posting_blocks`'
    ids; a matcher that filters deleted records is walked)."""
    return posting_blocks(matcher)[0].tolist()


class FixedAndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher checks the first match of the positive side only
    when the negative side happens to sit on the very same document; when the
    negative side starts earlier, that first match slips through unexcluded.
    This one skips the negative side forward first."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()


def toc_filename(indexname: str, generation: int) -> str:
    """The file name of a commit's table of contents."""
    return whoosh_index.TOC._filename(indexname, generation)


def field_b(weighting, fieldname: str) -> float:
    """A BM25F weighting's ``B`` for one field (its own, or the default)."""
    return weighting._field_B.get(fieldname, weighting.B)


class TrimmingFragmenter(highlight.PinpointFragmenter):
    """Whoosh's pinpoint fragmenter with its trimming step named
    :meth:`trim`, for subclasses."""

    def trim(self, fragment) -> None:  # pragma: no cover - subclasses say how
        raise NotImplementedError

    def _autotrim(self, fragment):
        self.trim(fragment)


def results_for(searcher, query, scored: list[tuple[int, float]]):
    """A Whoosh ``Results`` for passages ranked outside Whoosh (``scored``:
    record number and score, best first) and its hits, so that the
    highlighter and stored fields work on them as on Whoosh's own."""
    results = searcher.search(wq.NullQuery, limit=1)
    results.q = query
    hits = [searching.Hit(results, n, i, score) for i, (n, score) in enumerate(scored)]
    return results, hits


def show_hits(results, hits) -> None:
    """Make ``hits`` the ones ``results`` highlights (the highlighter reads
    the matches' offsets of the hits in ``top_n``)."""
    results.top_n = [(hit.score, hit.docnum) for hit in hits]


def set_matched_terms(results, docterms: dict[int, list], termdocs: dict[tuple, list[int]]) -> None:
    """Which terms each passage holds, as ``search(terms=True)`` records
    them: the highlighter then takes the matches' places from the stored
    character offsets instead of analysing the passage again."""
    results.docterms = docterms
    results.termdocs = termdocs


def sorted_hits(results) -> list:
    """The hits of ``results`` from its ``top_n`` directly: ``list(results)``
    asks ``len()``, which counts every match."""
    return [searching.Hit(results, n, i, score) for i, (score, n) in enumerate(results.top_n)]


# Writing ----------------------------------------------------------------------


def field_lengths(perdoc, fieldname: str) -> list[int] | None:
    """Every document's length in a field as Whoosh reads it back when it
    writes postings (``doc_field_length``: stored as a byte, so rounded),
    or None when the field keeps no lengths."""
    if perdoc is None:
        return None
    reader = _length_column(own_per_document_reader(perdoc), fieldname)
    if reader is None:
        return None
    to_length = byte_to_length
    return [to_length(b) if b else 0 for b in (reader[d] for d in range(perdoc.doc_count_all()))]


def write_posting_blocks(fieldwriter, docnums, weights, values, lengths: list[int] | None) -> None:
    """One term's postings (started with ``fieldwriter.start_term``) written
    a block at a time: the same blocks, statistics and bytes as
    :meth:`whoosh.codec.base.FieldWriter.add_postings` makes from one
    posting at a time."""
    postwriter = fieldwriter._postwriter
    size = postwriter._blocklimit
    for i in range(0, len(docnums), size):
        if i:
            postwriter._write_block()
        ids = docnums[i : i + size]
        block_weights = weights[i : i + size]
        postwriter._ids = ids
        postwriter._weights = array("f", block_weights)
        postwriter._values = [v for v in values[i : i + size] if v]
        postwriter._maxweight = max(0, max(block_weights))
        found = [n for n in (lengths[d] for d in ids) if n] if lengths is not None else None
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found) if found else 0


class PostingListFlush:
    """For a Whoosh segment writer whose ``pool`` keeps postings in lists
    (``writer._PostingLists``): the segment is written from them, block by
    block, when it is finished."""

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.pool.write(self.fieldwriter, self.schema, perdoc)
            self.fieldwriter.close()
        finally:
            if perdoc is not None:
                perdoc.close()


class SegmentWriterSteps(PostingListFlush, SegmentWriter):
    """Whoosh's segment writer with the private steps of its
    ``add_document`` named for a subclass that replaces it."""

    def begin_document(self, fields: dict) -> tuple[float, list[str]]:
        """Checks as Whoosh's ``add_document`` makes them; the document's
        boost and its field names in Whoosh's order."""
        self._check_state()
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(self.schema, fieldnames)
        return docboost, fieldnames

    def boost_of(self, fields: dict, fieldname: str, docboost: float) -> float:
        return self._field_boost(fields, fieldname, docboost)

    def document_added(self) -> None:
        self._added = True
        self.docnum += 1

    def finalize_segment(self):
        return self._finalize_segment()


class _SubWriterTask(SubWriterTask):
    """A writer process with this project's segment writer
    (``writer_class``), that reports a failure to its parent instead of
    printing it."""

    writer_class: type = SegmentWriter

    def run(self):
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - the parent turns it into an error
            reason = (exc.errno, exc.strerror or str(exc)) if isinstance(exc, OSError) else (None, repr(exc))
            self.resultqueue.put(("failed", *reason), timeout=5)

    def _run(self):
        # Whoosh's SubWriterTask.run (multisegment: each process writes a
        # segment of its own), with this project's segment writer.
        if not self.multisegment:
            raise NotImplementedError("only writer processes that write their own segments")
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = self.writer_class(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer.finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


class _JobQueue:
    """The writer processes' job queue; a put gives up when they have all died
    (Whoosh's would wait for ever on a full queue)."""

    def __init__(self, jobs, tasks):
        self._jobs, self._tasks = jobs, tasks

    def get(self, *args, **kwargs):
        return self._jobs.get(*args, **kwargs)

    def put(self, item):
        while True:
            try:
                return self._jobs.put(item, timeout=1)
            except queue.Full:
                if not any(t.is_alive() for t in self._tasks):
                    raise ChildProcessError(
                        errno.ECHILD, "de schrijfprocessen van de index stopten onverwacht"
                    ) from None


class CheckedMpWriter(PostingListFlush, MpWriter):
    """Whoosh's multi-process writer, made safe to fail, with writer
    processes that use ``segment_writer_class``. Whoosh's own waits a second
    for each writer process's segment and commits without the ones that did
    not come (a process killed or failed: its documents silently missing);
    here that fails the commit. And Whoosh's ``cancel`` only flags the
    processes in this process: they wait for work for ever, and the
    interpreter waits for them at exit; here they are ended."""

    segment_writer_class: type = SegmentWriter

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.jobqueue = _JobQueue(self.jobqueue, self.tasks)

    def _new_task(self):
        task = _SubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        task.writer_class = self.segment_writer_class
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        results, tasks = self.resultqueue, self.tasks

        class Checked:
            @staticmethod
            def get(timeout=None):
                try:
                    result = results.get(timeout=timeout)
                except queue.Empty:
                    codes = ", ".join(str(t.exitcode) for t in tasks)
                    raise ChildProcessError(
                        errno.ECHILD, f"een schrijfproces van de index stopte onverwacht (exitcodes {codes})"
                    ) from None
                if result[0] == "failed":
                    raise OSError(result[1], result[2])
                return result

        self.resultqueue = Checked()
        try:
            super()._commit(mergetype, optimize, merge)
        finally:
            self.resultqueue = results

    def cancel(self):
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()
        super().cancel()
