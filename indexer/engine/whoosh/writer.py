"""Writing a Whoosh index: this project's segment writer analyses each text
once and keeps postings in arrays; :class:`IndexWriter` adds documents with
their passages.

In: :class:`indexer.model.DocumentRecord` and its passages. Out: committed
segments.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint

from indexer.analysis import dutch as dutch_analysis
from indexer.engine.spelling_counts import SpellingCounts
from indexer.engine.whoosh import _internals
from indexer.engine.whoosh.schema import DOCUMENT, PASSAGE, ChainAnalyzer, SeparateTexts
from indexer.model import DocumentRecord, Passage
from indexer.passages import duplicates

if TYPE_CHECKING:
    from indexer.engine.whoosh.index import SearchIndex


class _TextAnalyses:
    """The analyses of the latest texts a writer indexed, per chain: a title
    or heading repeated across the passages of a document is analysed once,
    and a passage text that two fields index (``body`` and ``parts``) is
    scanned once for both (:meth:`Chain.grouped`)."""

    LIMIT = 256  # texts kept (the current document's title and headings, mostly)
    # A longer text (a passage body) is analysed once per passage anyway: its
    # occurrences are not kept (keeping them cost more garbage collection
    # than it saved); its compound-part counts are, until the parts field asks.
    SHORT = 500

    def __init__(self):
        self._occurrences: dict[tuple[str, str], dict[str, list[tuple[int, int, int]]]] = {}
        self._counts: dict[tuple[str, str], dict[str, int]] = {}

    def occurrences(
        self, analyzer: ChainAnalyzer, text: str, counted: ChainAnalyzer | None = None
    ) -> dict[str, list[tuple[int, int, int]]]:
        """Each term of ``text`` with its (position, start, end) occurrences;
        with ``counted``, that chain's term counts of the text are kept too."""
        key = (analyzer.profile, text)
        found = self._occurrences.get(key)
        if found is None:
            if len(self._occurrences) >= self.LIMIT:
                self._occurrences.clear()
            if counted is not None and (counted.profile, text) not in self._counts:
                found, counts = analyzer._chain.grouped(text, counted._chain)
                self._keep_counts((counted.profile, text), counts)
            else:
                found = analyzer._chain.grouped(text)[0]
            if len(text) <= self.SHORT:
                self._occurrences[key] = found
        return found

    def counts(self, analyzer: ChainAnalyzer, text: str) -> dict[str, int]:
        key = (analyzer.profile, text)
        found = self._counts.get(key)
        if found is None:
            occurrences = analyzer._chain.grouped(text)[0]
            found = self._keep_counts(key, {term: len(occ) for term, occ in occurrences.items()})
        return found

    def _keep_counts(self, key, counts):
        if len(self._counts) >= self.LIMIT:
            self._counts.clear()
        self._counts[key] = counts
        return counts


class _PostingLists:
    """Whoosh's posting pool, for a writer that keeps its segment in memory:
    each term's postings in arrays, in document order as they come, instead of
    one tuple per posting sorted (and spilled to disk and merged back) at the
    end. A posting takes about 30 bytes instead of about 230, there is no
    sort, and the segment is written a block at a time (:meth:`write`), with
    the same bytes as Whoosh writes.

    A term's postings: ``(docnums, weights, values, value lengths)``, the
    values (encoded positions, characters, frequencies) one after the other."""

    def __init__(self):
        self.fields: dict[str, dict[bytes, tuple[array, array, bytearray, array]]] = {}
        self.fieldnames: set[str] = set()
        self._unordered = False

    @staticmethod
    def new_postings() -> tuple[array, array, bytearray, array]:
        return array("I"), array("d"), bytearray(), array("I")

    def terms(self, fieldname: str) -> dict[bytes, tuple[array, array, bytearray, array]]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item) -> None:
        """One posting ``(fieldname, term bytes, docnum, weight, value)``, in
        any order (Whoosh merging a segment into this writer)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        vbytes = vbytes or b""  # a reader's posting may have None: written as no value either way
        terms = self.terms(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = self.new_postings()
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].extend(vbytes)
        postings[3].append(len(vbytes))
        self._unordered = True

    def _lists(self, postings) -> tuple[array, array, list[bytes]]:
        """Docnums, weights and values (as bytes) of a term, in Whoosh's order."""
        docnums, weights, data, lengths = postings
        data = bytes(data)
        values = []
        end = 0
        for n in lengths:
            values.append(data[end : end + n])
            end += n
        if self._unordered:
            order = sorted(range(len(docnums)), key=lambda i: (docnums[i], weights[i], values[i]))
            return (
                array("I", (docnums[i] for i in order)),
                array("d", (weights[i] for i in order)),
                [values[i] for i in order],
            )
        return docnums, weights, values

    def iter_postings(self):
        """Every posting in Whoosh's order (field, term, document)."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                docnums, weights, values = self._lists(terms[tbytes])
                for i in range(len(docnums)):
                    yield fieldname, tbytes, docnums[i], weights[i], values[i]

    def write(self, fieldwriter, schema, perdoc) -> None:
        """Write every posting list through Whoosh's W3 field writer, a block
        at a time (:func:`_internals.write_posting_blocks`)."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            fieldwriter.start_field(fieldname, schema[fieldname])
            lengths = _internals.field_lengths(perdoc, fieldname)
            for tbytes in sorted(terms):
                docnums, weights, values = self._lists(terms.pop(tbytes))  # written: memory back
                fieldwriter.start_term(tbytes)
                _internals.write_posting_blocks(fieldwriter, docnums, weights, values, lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self.fields = {}

    def save(self):  # pragma: no cover - only Whoosh's single-segment multiprocess merge calls these
        raise NotImplementedError("postings are kept in memory; write the segment with write()")

    reduce_to = save


class SegmentIndexWriter(_internals.SegmentWriterSteps):
    """Whoosh's segment writer with a quicker ``add_document`` for this
    schema: the text fields are analysed by their chain straight into
    posting values (no token objects), each text once however many fields and
    passages index it (:class:`_TextAnalyses`); other fields' postings are
    remembered per value (the record kind and the date repeat all the time).
    The postings, stored values, lengths and columns are the ones Whoosh's
    own ``add_document`` gives (tests compare the two)."""

    MEMO_LIMIT = 4096

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = _PostingLists()
        self._analyses = _TextAnalyses()
        self._items_memo: dict[tuple, list] = {}
        self._chains: dict[str, ChainAnalyzer] = {}
        for name, fieldobj in self.schema.items():
            if fieldobj.vector or fieldobj.separate_spelling():
                raise NotImplementedError(f"field {name!r}: vectors and spelling fields are not supported")
            analyzer = getattr(fieldobj, "analyzer", None)
            if isinstance(analyzer, ChainAnalyzer) and type(fieldobj.format) in _TEXT_FORMATS:
                self._chains[name] = analyzer

    def _text_items(self, fieldname: str, fieldobj, value, counted):
        analyzer = self._chains[fieldname]
        fmt = fieldobj.format
        boost = fmt.field_boost
        kind = type(fmt)
        if isinstance(value, SeparateTexts):
            if kind is not Frequency:
                raise ValueError(f"field {fieldname!r}: separate texts need a field without positions")
            counts: dict[str, int] = {}
            for text in value.texts:
                for term, n in self._analyses.counts(analyzer, text).items():
                    counts[term] = counts.get(term, 0) + n
            return [(term.encode("utf-8"), n, float(n) * boost, pack_uint(n)) for term, n in counts.items()]
        occurrences = self._analyses.occurrences(analyzer, value, counted)
        if kind is Characters:
            encode = fmt.encode
            return [
                (term.encode("utf-8"), len(occ), float(len(occ)) * boost, encode(occ))
                for term, occ in occurrences.items()
            ]
        if kind is Positions:
            encode = fmt.encode
            return [
                (term.encode("utf-8"), len(occ), float(len(occ)) * boost, encode([o[0] for o in occ]))
                for term, occ in occurrences.items()
            ]
        return [
            (term.encode("utf-8"), len(occ), float(len(occ)) * boost, pack_uint(len(occ)))
            for term, occ in occurrences.items()
        ]

    def _other_items(self, fieldname: str, fieldobj, value):
        if not isinstance(value, (str, int, float, bool)):
            return list(fieldobj.index(value))
        key = (fieldname, type(value), value)
        items = self._items_memo.get(key)
        if items is None:
            if len(self._items_memo) >= self.MEMO_LIMIT:
                self._items_memo.clear()
            items = self._items_memo[key] = list(fieldobj.index(value))
        return items

    def add_document(self, **fields):
        # Whoosh's SegmentWriter.add_document, with the postings made above
        # and put straight into the posting lists.
        docboost, fieldnames = self.begin_document(fields)
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum

        # a text that a SeparateTexts field holds too is scanned once for both
        counted_by_text: dict[str, ChainAnalyzer] = {}
        for name in fieldnames:
            value = fields[name]
            if isinstance(value, SeparateTexts) and name in self._chains:
                for text in value.texts:
                    counted_by_text[text] = self._chains[name]

        new_postings = self.pool.new_postings
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                fieldobj = schema[fieldname]
                length = 0
                if fieldobj.indexed:
                    fieldboost = self.boost_of(fields, fieldname, docboost)
                    if fieldname in self._chains and isinstance(value, (str, SeparateTexts)):
                        counted = counted_by_text.get(value) if isinstance(value, str) else None
                        items = self._text_items(fieldname, fieldobj, value, counted)
                    else:
                        items = self._other_items(fieldname, fieldobj, value)
                    scorable = fieldobj.scorable
                    terms = self.pool.terms(fieldname)
                    for tbytes, freq, weight, vbytes in items:
                        if scorable:
                            length += freq
                        postings = terms.get(tbytes)
                        if postings is None:
                            postings = terms[tbytes] = new_postings()
                        postings[0].append(docnum)
                        postings[1].append(weight * fieldboost)
                        postings[2].extend(vbytes)
                        postings[3].append(len(vbytes))

                customval = fields.get(f"_stored_{fieldname}", value)
                stored = customval if fieldobj.stored else None
                perdocwriter.add_field(fieldname, fieldobj, stored, length)
                column = fieldobj.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, fieldobj.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self.document_added()


_TEXT_FORMATS = (Positions, Characters, Frequency)


class MpIndexWriter(_internals.CheckedMpWriter):
    """Whoosh's multi-process writer (made safe to fail), whose processes
    write with :class:`SegmentIndexWriter`."""

    segment_writer_class = SegmentIndexWriter

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = _PostingLists()  # for segments merged into this one


def _record_fields(record: DocumentRecord) -> dict:
    """``asdict(record)`` without its deep copy (the values are pickled at once)."""
    return dict(vars(record))


class IndexWriter:
    """Adds and removes whole documents; nothing is visible until :meth:`commit`."""

    def __init__(self, writer, index: SearchIndex):
        self._w = writer
        self._index = index
        self.profile = index.profile
        base = index.spelling_counts()
        self._counts = SpellingCounts(base.counts.copy(), base.generation)
        self._surface = dutch_analysis.surface_analyzer()

    def delete_document(self, doc_id: str) -> None:
        fields = self._index.searcher().document(kind=DOCUMENT, doc_id=doc_id)
        if fields:  # its words leave the spelling counts (deleted from the committed index only)
            self._counts.remove((fields.get("vocabulary") or "").split())
        self._w.delete_by_term("doc_id", doc_id)

    def add_document(self, record: DocumentRecord, passages: list[Passage], sectors: list[str]) -> None:
        common = dict(
            doc_id=record.doc_id,
            source=record.source,
            type=record.type,
            sectors=",".join(sectors),
            date=record.date,
            date_sort=record.date or "0000-00-00",
        )
        year = record.year
        if year is not None:
            common["year"] = year
        # the spelling vocabulary: each distinct surface word counts once per document
        texts = [record.title] + [p.heading or "" for p in passages] + [p.text for p in passages]
        words = sorted(self._surface.terms_of_words(dict.fromkeys(" ".join(texts).split())))
        self._counts.add(words)
        self._w.add_document(
            id=f"doc:{record.doc_id}",
            kind=DOCUMENT,
            state=record.state,
            record=_record_fields(record),
            vocabulary=" ".join(words),
            **common,
        )
        for p in passages:
            heading = p.heading or ""
            dated = {"date": p.date, "date_sort": p.date} if p.date else {}  # a dated news item on a page
            extra = {"question": p.heading_path[-1]} if p.is_question and p.heading_path else {}
            if self.profile != "plain":
                extra["parts"] = SeparateTexts((record.title, heading, p.text))
            self._w.add_document(
                id=p.id,
                kind=PASSAGE,
                title=record.title,
                heading=heading,
                body=p.text,
                **extra,
                page=p.page,
                number=p.number,
                is_question=p.is_question,
                **({"sections": p.sections} if p.sections else {}),
                **({"fingerprint": fingerprint} if (fingerprint := duplicates.fingerprint(p.text)) else {}),
                **{**common, **dated},
            )

    def commit(self, optimize: bool = False) -> int:
        """Make the changes visible; returns the commit's generation number
        (which the files kept beside the index are tagged with)."""
        self._w.commit(optimize=optimize)
        self._counts.generation = self._index.generation()
        self._counts.save(self._index.directory)
        return self._counts.generation

    def cancel(self) -> None:
        """Drop what was written; nothing to do after the commit (a failure
        after it, such as writing the manifest, must surface as itself)."""
        if not self._w.is_closed:
            self._w.cancel()
