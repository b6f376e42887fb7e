"""The Whoosh backend: :class:`SearchIndex` stores documents with their
passages and answers searches, suggestions and statistics.

In: document records and passages (from :mod:`indexer.indexing`), query
plans (from :mod:`indexer.search.query_parser`). Out: ranked hits with
snippets, facet counts and totals (:mod:`indexer.model`).
"""

from __future__ import annotations

import bisect
import errno
import heapq
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz.distance import OSA
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring, searching, sorting

from indexer.analysis import dutch as dutch_analysis
from indexer.analysis.word_lists import fold_accents
from indexer.engine.facets import FacetTable
from indexer.engine.reranking import CLOSE_SCORE, newer_first, relevance_of, up_to_per_document
from indexer.engine.spelling_counts import SpellingCounts
from indexer.engine.spelling_lookup import SpellingVocabulary
from indexer.engine.whoosh import _internals, array_ranking
from indexer.engine.whoosh.arrays import (
    IndexArrays,
    array_rankable,
    fingerprints_of,
    scored_leaves,
    segment_key,
    segment_readers,
    word_shares,
)
from indexer.engine.whoosh.completion import PhraseIndex
from indexer.engine.whoosh.queries import (
    SHARED_IDF_FIELDS,
    AndNot,
    DocumentsOf,
    RecordsOf,
    SharedFrequencies,
    SharedIdfBM25F,
    WordCoordinatedOr,
    idf_of,
)
from indexer.engine.whoosh.schema import (
    DOCUMENT,
    INDEX_CHAINS,
    PARALLEL_FROM,
    PASSAGE,
    QUERY_CHAINS,
    SCHEMA_VERSION,
    WRITER_PROCESSES,
    build_schema,
)
from indexer.engine.whoosh.snippets import cap_snippet, mid_sentence_lead, plain_snippet, section_heading, with_snippets
from indexer.engine.whoosh.writer import IndexWriter, MpIndexWriter, SegmentIndexWriter
from indexer.model import PRODUCT, DocumentRecord, EngineResult, Hit, Passage, Place, QueryPlan, RankingConfig
from indexer.passages import duplicates

# Queries of words (terms, no phrases) ranked by relevance are scored from
# posting arrays (SearchIndex._array_search, indexer/array_ranking.py): every
# matching passage at once, with the scores Whoosh gives. Phrases, date order
# and other query shapes go through Whoosh's search (tests switch the arrays
# off to compare).
ARRAY_RANKING = True

COMMON_WORD_SHARE = 0.05  # a word in more passages than this gets no compound-part option
COMPOUND_CREDIT = 1.0  # a word found only as part of a compound counts fully for coordination


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to ``source`` at ``target``; a copy where links cannot be
    made (another file system, or one without hard links)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copy2(source, target)


@dataclass
class _SearcherTables:
    """What :class:`SearchIndex` builds from one searcher, as it is needed;
    a new searcher (after a commit) starts with a new, empty set."""

    doc_meta: dict[str, tuple[str, list[str], tuple[int, ...]]] | None = None
    docnum_doc: list[str] | None = None
    spelling: SpellingVocabulary | None = None
    counts: SpellingCounts | None = None
    phrase_entries: tuple[list, list, int] | None = None  # for PhraseIndex, until built
    sorted_words: list[str] | None = None
    phrases: PhraseIndex | None = None
    arrays: IndexArrays | None = None
    frequencies: SharedFrequencies | None = None


class SearchIndex:
    """One Whoosh index directory (one generation of the index): the Whoosh
    implementation of :class:`indexer.engine.backend.SearchBackend`."""

    name = "whoosh"
    schema_version = SCHEMA_VERSION

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._ix = whoosh_index.open_dir(str(self.directory))
        self.profile = self._ix.schema["body"].analyzer.profile
        self._query_chain = QUERY_CHAINS[self.profile]()
        self._searcher = None
        self._tables = _SearcherTables()  # built from the searcher, as they are needed
        # Per segment (by id), what the document tables are built from. A segment
        # never changes once written (a commit adds segments and records
        # deletions in its TOC), so after a commit only new segments are read.
        self._segment_doc_ids: dict[str, list[str]] = {}
        self._segment_rows: dict[str, dict[int, tuple]] = {}  # what _read_document_tables keeps of a record
        self.version = 0  # goes up whenever the index changed under this object

    # -- lifecycle ----------------------------------------------------------------

    @classmethod
    def create(cls, directory: str | Path, profile: str = "dutch") -> SearchIndex:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(directory), build_schema(profile))
        return cls(directory)

    @classmethod
    def create_from(cls, live: SearchIndex, directory: str | Path) -> SearchIndex:
        """A new index in the empty folder ``directory`` that holds what ``live``
        holds: the files of its last commit and the spelling counts beside
        them, hard-linked (copied where the file system has no hard links).

        Sharing files is safe because Whoosh never changes a file it wrote: a
        commit writes new segment files and a new TOC (under a temporary name,
        then renamed), and then deletes the files the new TOC no longer names;
        deleting a link in one folder leaves the other folder's link alone.
        The spelling counts are replaced whole (a new file renamed over the
        old one), never rewritten in place, and carry the generation number
        of the commit they belong to, which the copy shares."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        names = live.committed_files()
        if SpellingCounts.path(live.directory).is_file():
            names.append(SpellingCounts.path(live.directory).name)
        for name in names:
            _link_or_copy(live.directory / name, directory / name)
        return cls(directory)

    def committed_files(self) -> list[str]:
        """The file names of the index's last commit: its table of contents
        (TOC) and the files of the segments that TOC names. Older TOCs, files
        a killed commit left behind and Whoosh's lock file are not among them."""
        storage, name = self._ix.storage, self._ix.indexname
        toc = whoosh_index.TOC.read(storage, name)
        listing = storage.list()
        files = [_internals.toc_filename(name, toc.generation)]
        for segment in toc.segments:
            prefix = segment.segment_id() + "."
            files.extend(f for f in listing if f.startswith(prefix))
        return files

    @staticmethod
    def exists(directory: str | Path) -> bool:
        return Path(directory).is_dir() and whoosh_index.exists_in(str(directory))

    def generation(self) -> int:
        """The generation number of the index's last commit."""
        return self._ix.latest_generation()

    def searcher(self):
        """The searcher reused across calls. It stays the same until
        :meth:`refresh`, so one request reads one state of the index even when
        a commit lands meanwhile (reopening in the middle of a request closed
        readers the request still held)."""
        if self._searcher is None:
            self._searcher = _internals.open_searcher(self._ix, weighting=self._weighting(PRODUCT))
        return self._searcher

    def refresh(self) -> bool:
        """Reopen the searcher if a commit changed the index; True if it did.
        Called once at the start of a request (``SearchService``)."""
        if self._searcher is None or self._searcher.up_to_date():
            return False
        # A fresh searcher, not Searcher.refresh(): refresh reuses segment
        # readers, and after deletions it can hand back a closed reader
        # (whoosh.reading.ReaderClosed).
        old = self._searcher
        self._searcher = _internals.open_searcher(self._ix, weighting=self._weighting(PRODUCT))
        old.close()
        live = {segment_key(leaf) for leaf, _ in segment_readers(self._searcher.reader())}
        for tables in (self._segment_doc_ids, self._segment_rows):
            for key in [k for k in tables if k not in live]:  # merged away or emptied
                del tables[key]
        self._tables = _SearcherTables()
        self.version += 1
        return True

    def _doc_of_docnum(self) -> list[str]:
        """Every Whoosh document number's doc_id (from the doc_id column,
        once per searcher, and of each segment once), to turn matched passages
        into documents fast."""
        s = self.searcher()
        if self._tables.docnum_doc is None:
            doc_ids: list[str] = []
            for leaf, offset in segment_readers(s.reader()):
                assert offset == len(doc_ids)
                key = segment_key(leaf)
                if key not in self._segment_doc_ids:
                    column = leaf.column_reader("doc_id")
                    one: dict[str, str] = {}  # one string per document, not one per passage (10 MB at 10k)
                    self._segment_doc_ids[key] = [
                        one.setdefault(d, d) for d in (column[n] for n in range(leaf.doc_count_all()))
                    ]
                doc_ids.extend(self._segment_doc_ids[key])
            self._tables.docnum_doc = doc_ids
        return self._tables.docnum_doc

    def _matching_docnums(self, searcher, q: wq.Query) -> set[int]:
        """Every live document number ``q`` matches, unscored. For the usual
        query (terms, no phrases, no exclusions) the postings of its terms are
        read a block at a time, which is several times quicker than walking
        Whoosh's matcher tree; anything else goes through Whoosh."""
        if not _only_terms(q):
            return set(searcher.docs_for_query(q))
        matched: set[int] = set()
        for subreader, offset in searcher.reader().leaf_readers():
            for fieldname, text in q.iter_all_terms():
                if (fieldname, text) not in subreader:
                    continue
                ids = _internals.posting_ids(subreader.postings(fieldname, text))
                matched.update(ids if not offset else (i + offset for i in ids))
        reader = searcher.reader()
        if reader.has_deletions():
            matched = {n for n in matched if not reader.is_deleted(n)}
        return matched

    def document_meta(self) -> dict[str, tuple[str, list[str], tuple[int, ...]]]:
        """``doc_id -> (type, sectors, year)``, for facet counts; rebuilt when the index changes."""
        if self._tables.doc_meta is None:
            self._read_document_tables()
        return self._tables.doc_meta

    def _read_document_tables(self) -> None:
        """One pass over the document records for what searches need of them:
        facet metadata, dates, and the titles and headings completions offer.
        Only those fields are kept per segment, not the records (at 10,000
        documents those held 30 MB in every server process)."""
        s = self.searcher()
        leaves = segment_readers(s.reader())
        starts = [offset for _, offset in leaves]
        meta: dict[str, tuple[str, list[str], tuple[int, ...]]] = {}
        phrases = []
        for n in s.document_numbers(kind=DOCUMENT):  # live ones only
            # a record is read from its segment once: after a commit only the new segments
            leaf, offset = leaves[bisect.bisect_right(starts, n) - 1]
            rows = self._segment_rows.setdefault(segment_key(leaf), {})
            row = rows.get(n - offset)
            if row is None:
                r = DocumentRecord(**s.stored_fields(n)["record"])
                row = rows[n - offset] = (
                    r.source,
                    r.doc_id,
                    r.title,
                    [h for _level, h, _page in r.headings],
                    (r.type, list(r.sectors), r.years),
                )
            meta[row[1]] = row[4]
            phrases.append(row)
        phrases.sort(key=lambda p: p[0])
        self._tables.doc_meta = meta
        self._tables.phrase_entries = (
            [row[2] for row in phrases] + [h for row in phrases for h in row[3]],
            [row[1] for row in phrases] + [row[1] for row in phrases for _h in row[3]],
            len(phrases),
        )

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    # -- writing --------------------------------------------------------------------

    def writer(self, documents: int = 0) -> IndexWriter:
        """A writer; for a large batch (``documents`` to add) two processes
        analyse and each writes a segment of its own. Leaving those unmerged
        saves the merge, which runs on one core (see bench/RESULTS.md); a
        small batch stays in this process, where it is quicker to start."""
        if documents >= PARALLEL_FROM:
            return IndexWriter(MpIndexWriter(self._ix, procs=WRITER_PROCESSES, multisegment=True, compound=False), self)
        return IndexWriter(SegmentIndexWriter(self._ix, compound=False), self)

    def prepare_analysis(self) -> None:
        """Load what the index analysis loads on first use (the Dutch stemmer,
        the compound dictionary: about half a second of CPU), so that it can
        happen while worker processes parse the files to be added."""
        for profile in (self.profile, "parts") if self.profile != "plain" else (self.profile,):
            list(INDEX_CHAINS[profile]().tuples("samenwerkingsverbanden leerlingen"))

    # -- documents ---------------------------------------------------------------

    def document_states(self) -> dict[str, tuple[str, str]]:
        """``source path -> (doc_id, state)`` of every indexed document."""
        s = self.searcher()
        return {
            f["source"]: (f["doc_id"], f["state"])
            for f in (s.stored_fields(n) for n in s.document_numbers(kind=DOCUMENT))
        }

    def documents(self) -> list[DocumentRecord]:
        """Every live document record, sorted by source (read from the index each time)."""
        s = self.searcher()
        records = [DocumentRecord(**s.stored_fields(n)["record"]) for n in s.document_numbers(kind=DOCUMENT)]
        return sorted(records, key=lambda r: r.source)

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        fields = self.searcher().document(kind=DOCUMENT, doc_id=doc_id)
        return DocumentRecord(**fields["record"]) if fields else None

    def passages_of(self, doc_id: str) -> list[Passage]:
        s = self.searcher()
        out = []
        for n in s.document_numbers(kind=PASSAGE, doc_id=doc_id):
            f = s.stored_fields(n)
            heading = f.get("heading") or ""  # Whoosh stores no field whose value was None
            out.append(
                Passage(
                    doc_id,
                    f["number"],
                    f["body"],
                    heading.split(" › ") if heading else [],
                    f.get("page"),
                    bool(f.get("is_question")),
                )
            )
        return sorted(out, key=lambda p: p.number)

    def export_passages(self) -> Iterator[dict[str, object]]:
        """Every live passage with what a search shows of it (for the
        benchmark's reference engine, which indexes the same text)."""
        s = self.searcher()
        for n in s.document_numbers(kind=PASSAGE):
            f = s.stored_fields(n)
            yield {
                "id": f["id"],
                "doc_id": f["doc_id"],
                "title": f.get("title", ""),
                "heading": f.get("heading", ""),
                "body": f.get("body", ""),
                "type": f.get("type", ""),
                "sectors": [x for x in (f.get("sectors") or "").split(",") if x],
                "year": f.get("year"),
            }

    def counts(self) -> tuple[int, int]:
        """Live documents and passages, without reading any record (what
        :meth:`stats` reports, for the end of an indexing run)."""
        s = self.searcher()
        documents = sum(1 for _ in s.document_numbers(kind=DOCUMENT))
        return documents, s.doc_count() - documents

    def health(self) -> dict[str, object]:
        """Whether the index answers, with its counts and commit number."""
        documents, passages = self.counts()
        return {"ok": True, "documents": documents, "passages": passages, "generation": self.generation()}

    def stats(self) -> dict[str, object]:
        size = sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())
        # from the per-searcher document table: reading every record here made
        # /healthz take 2.4 s at 50,000 documents
        by_type: dict[str, int] = {}
        for dtype, _sectors, _year in self.document_meta().values():
            by_type[dtype] = by_type.get(dtype, 0) + 1
        documents, passages = self.counts()  # live ones only
        return {
            "documents": documents,
            "passages": passages,
            "by_type": dict(sorted(by_type.items())),
            "index_bytes": size,
            "profile": self.profile,
        }

    # -- searching ---------------------------------------------------------------

    @staticmethod
    def _weighting_key(config: RankingConfig) -> tuple:
        return (config.bm25_b, config.bm25_k1, config.title_b, config.heading_b, config.shared_idf)

    def _weighting(self, config: RankingConfig):
        if config.shared_idf:
            return SharedIdfBM25F(
                B=config.bm25_b,
                K1=config.bm25_k1,
                title_B=config.title_b,
                heading_B=config.heading_b,
                frequency=self._shared_frequency,
            )
        return scoring.BM25F(B=config.bm25_b, K1=config.bm25_k1, title_B=config.title_b, heading_B=config.heading_b)

    def _shared_frequency(self, text: str) -> int:
        """:func:`shared_document_frequency` in this searcher's view, remembered."""
        reader = self.searcher().reader()
        if self._tables.frequencies is None or self._tables.frequencies.reader is not reader:
            self._tables.frequencies = SharedFrequencies(reader)
        return self._tables.frequencies(text)

    def analyse_query_word(self, word: str) -> list[tuple[str, bool]]:
        """Terms of one query word, each with whether it is a part of a hyphenated word."""
        return [(t.text, t.kind == dutch_analysis.PART) for t in self._query_chain(word)]

    def build_query(
        self, plan: QueryPlan, config: RankingConfig = PRODUCT, exclude_documents: bool = False
    ) -> wq.Query | None:
        """The Whoosh query for a plan, or None when nothing searchable is left.

        Each query word becomes a group of alternatives: the word itself (and
        the parts of a hyphenated word), its parts in compounds of the text,
        its abbreviations and synonyms, and index words close to it when it is
        unknown or rare. Coordination counts groups, so an alternative helps a
        passage as much as the word would, at its lower boost.

        With ``exclude_documents`` an excluded word removes every passage of a
        document that contains it (documents mode), not only those passages."""
        fields = config.field_boosts
        synonyms: dict[int, list[str]] = {}
        if config.synonym_boost:
            from indexer.analysis.thesaurus import thesaurus

            for start, _end, variants in thesaurus().expansions(plan.words):
                synonyms[start] = variants  # a multi-word variant counts with its first word
        fuzzy = self.typo_alternatives(plan.words) if config.typo_boost else {}
        groups: list[wq.Query] = []
        word_terms: list[list[tuple[str, str, float]]] = []
        word_weights: list[float] = []
        seen: set[str] = set()
        for i, word in enumerate(plan.words):
            terms = [(t, part) for t, part in self.analyse_query_word(word) if t not in seen]
            seen.update(t for t, _ in terms)
            found = self._word_group(terms, synonyms.get(i, []), fuzzy.get(word, []), config)
            if found is not None:
                groups.append(found[0])
                word_terms.append(found[1])
                word_weights.append(found[2])
        phrases = [q for q in (self._phrase_query(words, fields) for words in plan.phrases) if q is not None]
        if not groups and not phrases:
            return None
        if config.all_words_required:
            q: wq.Query = wq.And(groups + phrases)
        else:
            optional = (
                WordCoordinatedOr(groups, word_terms, config.coordination, word_weights=word_weights)
                if groups
                else None
            )
            if phrases:
                required = wq.And(phrases) if len(phrases) > 1 else phrases[0]
                q = wq.AndMaybe(required, optional) if optional is not None else required
            else:
                q = optional
        excluded = self._exclusions(plan, fields, exclude_documents)
        return AndNot(q, excluded) if excluded is not None else q

    def _word_group(
        self, terms: list[tuple[str, bool]], synonyms: list[str], near: list[str], config: RankingConfig
    ) -> tuple[wq.Query, list[tuple[str, str, float]], float] | None:
        """One query word's group of alternatives (the word and the parts of a
        hyphenated word, its parts in compounds of the text, its synonyms,
        near spellings), the (field, term, credit) that count for it in
        coordination, and its weight there; None when nothing of it is left."""
        options: list[wq.Query] = []
        keys: list[tuple[str, str, float]] = []
        if terms:
            exact = []
            for t, part in terms:
                exact += self._term_clauses(t, config.part_boost if part else 1.0, config)
                keys += self._credited(t, self._text_fields(config), config)
            options.append(wq.Or(exact))
            # a word in most passages ("onderwijs") gains nothing from the
            # compounds it is part of, only noise; rarer words do
            rare = [t for t, _ in terms if self._share_of_passages(t) < COMMON_WORD_SHARE]
            if config.compound_boost and rare:
                options.append(wq.Or([wq.Term("parts", t, boost=config.compound_boost) for t in rare]))
                keys += [("parts", t, COMPOUND_CREDIT) for t in rare]
        for alt in synonyms + near:
            boost = config.typo_boost if alt in near else config.synonym_boost
            alt_query, alt_keys = self._alternative(alt, boost, config)
            if alt_query is not None:
                options.append(alt_query)
                keys += alt_keys
        if not options:
            return None
        weight = self._word_weight([t for t, _ in terms], keys) if config.idf_coordination else 1.0
        return (options[0] if len(options) == 1 else wq.Or(options)), keys, weight

    def _exclusions(self, plan: QueryPlan, fields: dict[str, float], exclude_documents: bool) -> wq.Query | None:
        """What the plan's excluded words and phrases match (with
        ``exclude_documents``: every passage of a document that holds one).
        An excluded word excludes itself, not its parts ("-so-onderwijs" must
        not exclude every passage that says "onderwijs")."""
        excluded: list[wq.Query] = [
            wq.Term(f, t)
            for word in plan.excluded
            for t, part in self.analyse_query_word(word)
            if not part
            for f in fields
        ]
        excluded += [self._phrase_query(words, fields) for words in plan.excluded_phrases]
        excluded = [e for e in excluded if e is not None]
        if not excluded:
            return None
        if exclude_documents:
            doc_of = self._doc_of_docnum()
            excluded = [DocumentsOf({doc_of[n] for n in self.searcher().docs_for_query(wq.Or(excluded))})]
        return wq.Or(excluded)

    def _word_weight(self, exact: list[str], keys: list[tuple[str, str, float]]) -> float:
        """What a query word weighs in coordination: the idf of its rarest
        term that the index holds; a word the index does not hold weighs as
        its rarest alternative (a near word, a synonym) does."""

        def known(texts) -> list[int]:
            return [f for f in (self._shared_frequency(t) for t in dict.fromkeys(texts)) if f > 0]

        frequencies = known(exact) or known(t for _f, t, _w in keys)
        return idf_of(min(frequencies) if frequencies else 0, self.searcher().doc_count_all())

    def _share_of_passages(self, term: str) -> float:
        s = self.searcher()
        return s.doc_frequency("body", term) / max(1, s.doc_count())

    @staticmethod
    def _credited(term: str, fields, config: RankingConfig) -> list[tuple[str, str, float]]:
        """(field, term, credit) for coordination: a word found only in the
        title or heading path (shared by every passage under them) counts
        for ``config.context_credit``."""
        return [(f, term, config.context_credit if f in ("title", "heading") else 1.0) for f in fields]

    @staticmethod
    def _text_fields(config: RankingConfig) -> list[str]:
        return list(config.field_boosts) + (["question"] if config.question_boost else [])

    @staticmethod
    def _term_clauses(term: str, weight: float, config: RankingConfig) -> list[wq.Query]:
        """One analysed term in every text field it is searched in (compound
        parts are a separate option of the word's group)."""
        clauses = [wq.Term(f, term, boost=b * weight) for f, b in config.field_boosts.items()]
        if config.question_boost:
            clauses.append(wq.Term("question", term, boost=config.question_boost * weight))
        return clauses

    def _alternative(self, text: str, boost: float, config: RankingConfig):
        """A synonym or correction as a query (a phrase when it has several
        words), with the (field, term) pairs coordination should count."""
        tokens = [t for t in self._query_chain(text) if t.kind != dutch_analysis.COMPOUND]
        if not tokens:
            return None, []
        if len(tokens) == 1:
            t = tokens[0].text
            return wq.Or(self._term_clauses(t, boost, config)), self._credited(t, self._text_fields(config), config)
        fields = {f: b * boost for f, b in config.field_boosts.items()}
        phrase = self._phrase_query([text], fields)
        return phrase, [key for t in tokens for key in self._credited(t.text, fields, config)]

    def typo_alternatives(self, words: list[str]) -> dict[str, list[str]]:
        """For query words the index does not know, or knows from one document
        only, the closest word it knows well (see :meth:`corrections`)."""
        return {w: [c] for w, c in self.corrections(words, rare=1).items()}

    def _phrase_query(self, words: list[str], fields: dict[str, float]) -> wq.Query | None:
        """A phrase over every text field; stop words removed from between the
        words keep their positions in the index, so the slop allows their gaps."""
        tokens = [t for t in self._query_chain(" ".join(words)) if t.kind != dutch_analysis.COMPOUND]
        if not tokens:
            return None
        if len(tokens) == 1:
            return wq.Or([wq.Term(f, tokens[0].text, boost=b) for f, b in fields.items()])
        slop = 1 + max(b.pos - a.pos - 1 for a, b in zip(tokens, tokens[1:]))
        texts = [t.text for t in tokens]
        return wq.Or([wq.Phrase(f, texts, slop=slop, boost=b) for f, b in fields.items()])

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
        """Rank passages for ``plan``.

        ``mode="documents"`` gives one hit per document (its best passage),
        with up to ``per_document - 1`` further passages in ``Hit.more``;
        ``sort="date"`` puts the newest first; ``facets=True`` adds document
        counts per type, sector and year."""
        q = self.build_query(plan, config, exclude_documents=mode == "documents")
        if q is None:
            return EngineResult([], 0, searchable=False)
        if ARRAY_RANKING and sort == "relevance" and array_rankable(q):
            return self._array_search(
                q,
                mode=mode,
                limit=limit,
                offset=offset,
                filters=filters or {},
                config=config,
                facets=facets,
                per_document=per_document,
            )
        return self._whoosh_search(
            q,
            mode=mode,
            limit=limit,
            offset=offset,
            filters={k: v for k, v in (filters or {}).items() if v},
            config=config,
            sort=sort,
            facets=facets,
            per_document=per_document,
        )

    def _whoosh_search(
        self,
        q,
        *,
        mode: str,
        limit: int,
        offset: int,
        filters: dict[str, list],
        config: RankingConfig,
        sort: str,
        facets: bool,
        per_document: int,
    ) -> EngineResult:
        """:meth:`search` through Whoosh's own search: phrases, date order and
        other query shapes the posting arrays do not rank."""
        searcher = self.searcher()
        own_searcher = self._weighting_key(config) != self._weighting_key(PRODUCT)
        if own_searcher:
            searcher = _internals.open_searcher(self._ix, weighting=self._weighting(config))
        try:
            table = self._index_arrays().facets(self.document_meta())
            doc_of = self._doc_of_docnum() if not own_searcher else self._docnums_of(searcher)
            matched, per_doc_hits, allowed = self._matched_documents(searcher, q, doc_of, table, filters)
            total = len(allowed) if mode == "documents" else sum(per_doc_hits[d] for d in allowed)
            counts = None
            if facets:
                # documents mode counts documents; passages mode counts passages
                weights = {d: (1 if mode == "documents" else c) for d, c in per_doc_hits.items()}
                counts = table.counts(table.weights_of(weights), filters)
            # The ranking: the top passages only (Whoosh skips blocks that
            # cannot make it), filtered in the query (a list of the matching
            # passages of allowed documents), grouped per document here.
            per_doc = max(1, per_document) if mode == "documents" else 1
            ranked_q = q
            if filters:
                allowed_set = set(allowed)
                candidates = sorted(n for n in matched if doc_of[n] in allowed_set)
                ranked_q = wq.And([q, RecordsOf(searcher, candidates)]) if candidates else wq.NullQuery
            hits = self._rank(searcher, ranked_q, mode, offset + limit, per_doc, sort, total)
            if config.prefer_newer and sort == "relevance":
                hits = newer_first(hits)
            hits, others, dropped = self._one_hit_per_content(hits, mode)
            if mode != "documents" and others:
                groups, in_group = self._duplicate_groups(self._index_arrays())
                allowed_set = set(allowed)
                total = len({int(groups[n]) if in_group[n] else n for n in matched if doc_of[n] in allowed_set})
            elif dropped:
                total -= dropped
            page = self._build_page(self._page_groups(hits, mode, offset, limit, per_doc), mode, others)
            return EngineResult(page, total, counts)
        finally:
            if own_searcher:
                searcher.close()

    def _matched_documents(
        self, searcher, q, doc_of: list[str], table: FacetTable, filters: dict[str, list]
    ) -> tuple[set[int], dict[str, int], list[str]]:
        """Who matches, unscored: the matching passages, each document's
        number of them, and the documents the filters allow. Scoring every
        match to count them was the slow part (and Whoosh's collapsing
        removes displaced documents from a list one by one)."""
        matched = self._matching_docnums(searcher, q)
        per_doc_hits: dict[str, int] = {}
        for n in matched:
            d = doc_of[n]
            per_doc_hits[d] = per_doc_hits.get(d, 0) + 1
        passing = table.passing(filters) if filters else None
        allowed = [d for d in per_doc_hits if passing is None or (d in table.position and passing[table.position[d]])]
        return matched, per_doc_hits, allowed

    def _index_arrays(self) -> IndexArrays:
        searcher = self.searcher()
        if self._tables.arrays is None or self._tables.arrays.searcher is not searcher:
            self._tables.arrays = IndexArrays(searcher, self._doc_of_docnum())
        return self._tables.arrays

    def _array_search(
        self,
        q,
        *,
        mode: str,
        limit: int,
        offset: int,
        filters: dict[str, list],
        config: RankingConfig,
        facets: bool,
        per_document: int,
    ) -> EngineResult:
        """:meth:`search` for a query of words (terms, no phrases) ranked by
        relevance: every matching passage scored at once from the terms'
        posting lists (:mod:`indexer.engine.whoosh.array_ranking`); the same scores and
        order as Whoosh's search, in a fraction of the time."""
        searcher = self.searcher()
        arrays = self._index_arrays()
        table = arrays.facets(self.document_meta())
        terms, scores, ids, word_weights = self._scored_matches(searcher, arrays, q, config)
        docs = arrays.doc_index[ids]
        filters = {k: v for k, v in filters.items() if v}
        counts = None
        if facets:
            # one hit per piece of content here too: the grouped hits are counted
            counted, _scores, _others = self._one_per_content(arrays, ids, scores, mode)
            per_doc_hits = np.bincount(arrays.doc_index[counted], minlength=len(arrays.doc_ids))
            # documents mode counts documents; passages mode counts passages
            weights = (per_doc_hits > 0).astype(np.int64) if mode == "documents" else per_doc_hits
            counts = table.counts(weights, filters)
        if filters:
            keep = table.passing(filters)[docs]
            ids, docs = ids[keep], docs[keep]
        ids, scores, others = self._one_per_content(arrays, ids, scores, mode)
        docs = arrays.doc_index[ids]
        total = int(np.unique(docs).size) if mode == "documents" else int(ids.size)
        per_doc = max(1, per_document) if mode == "documents" else 1
        need = offset + limit
        chosen = self._top_passages(arrays, ids, scores[ids], mode, need, per_doc)
        results, hits = _internals.results_for(searcher, q, chosen)
        with_snippets(results)
        if config.prefer_newer and hits:
            hits = self._newer_first_on_page(searcher, arrays, hits, need, per_doc)
        page = self._page_groups(hits, mode, offset, limit, per_doc)
        # the highlighter reads the matches' offsets for the hits in top_n: the shown ones
        shown = [hit for group in page for hit in group]
        _internals.show_hits(results, shown)
        self._record_matched_terms(results, terms, [hit.docnum for hit in shown])
        built = self._build_page(page, mode, others)
        shares = word_shares(terms, [group[0].docnum for group in page], word_weights)
        for hit, share in zip(built, shares):
            hit.match_share = share
        return EngineResult(built, total, counts)

    def _scored_matches(self, searcher, arrays: IndexArrays, q, config: RankingConfig):
        """Every passage's score for a query of words, and the passages that
        match it (live, not excluded): the scored terms, the scores by
        passage number, the matching passage numbers, and the words' weights
        in coordination (None: not coordinated)."""
        excluded = None
        if isinstance(q, wq.AndNot):
            excluded = np.fromiter(searcher.docs_for_query(q.b), dtype=np.int64)
            q = q.a
        coordinated = (
            isinstance(q, WordCoordinatedOr) and len(q.subqueries) >= 2 and q.strength > 0 and len(q.word_terms) >= 2
        )
        terms = self._scored_terms(searcher, arrays, q, config)
        scores, matched = array_ranking.passage_scores(
            terms,
            arrays.size,
            words=len(q.word_terms) if coordinated else 0,
            strength=q.strength if coordinated else 0.0,
            word_weights=q.word_weights if coordinated else None,
        )
        matched &= arrays.live
        if excluded is not None and len(excluded):
            matched[excluded] = False
        return terms, scores, np.flatnonzero(matched), q.word_weights if coordinated else None

    @staticmethod
    def _top_passages(
        arrays: IndexArrays, ids: np.ndarray, scores: np.ndarray, mode: str, need: int, per_doc: int
    ) -> list[tuple[int, float]]:
        """The best passages, best first: ``need`` of them, or in documents
        mode enough for ``need`` documents with up to ``per_doc`` each."""
        wanted = need * per_doc * 3 + 20 if mode == "documents" else need
        doc_index = arrays.doc_index
        while True:
            top, top_scores = array_ranking.ranked(ids, scores, wanted)
            if mode != "documents":
                return list(zip(top.tolist(), top_scores.tolist()))
            ranked = list(zip(top.tolist(), top_scores.tolist()))
            chosen, documents = up_to_per_document(ranked, lambda item: int(doc_index[item[0]]), per_doc)
            if documents >= need or len(top) < wanted:
                return chosen
            wanted *= 4

    @staticmethod
    def _newer_first_on_page(searcher, arrays: IndexArrays, hits: list, need: int, per_doc: int) -> list:
        """Of two passages near the top that say nearly the same, the newer
        first. A hit moves up only past one it scores at least CLOSE_SCORE of
        (or within the page): those below that share of the page's last score
        stay where they are."""
        last = hits[min(len(hits), need * per_doc) - 1].score
        window = sum(1 for hit in hits if hit.score >= CLOSE_SCORE * last)
        # each passage's own date (a news item's) from its column, for the few that can move
        dated = searcher.reader().column_reader("date_sort")
        moving = hits[:window]
        reordered = newer_first(
            moving,
            [dated[hit.docnum] for hit in moving],
            shown=need if per_doc == 1 else None,
            docs=[int(arrays.doc_index[hit.docnum]) for hit in moving],
        )
        return reordered + hits[window:]

    @staticmethod
    def _record_matched_terms(results, terms: list[array_ranking.ScoredTerm], docnums: list[int]) -> None:
        """Which terms each shown passage holds, as ``search(terms=True)``
        records them: the highlighter then takes the matches' places from the
        stored character offsets instead of analysing the passage again."""
        docterms: dict[int, list[tuple[str, bytes]]] = {}
        termdocs: dict[tuple[str, bytes], list[int]] = {}
        wanted = np.array(sorted(docnums), dtype=np.int64)
        for term in terms:
            if not len(term.ids):
                continue
            at = np.searchsorted(term.ids, wanted)
            found = wanted[(at < len(term.ids)) & (term.ids[np.minimum(at, len(term.ids) - 1)] == wanted)].tolist()
            for key in term.keys:
                have = termdocs.setdefault(key, [])
                for n in found:
                    if n not in have:
                        have.append(n)
                        docterms.setdefault(n, []).append(key)
        _internals.set_matched_terms(results, docterms, {k: v for k, v in termdocs.items() if v})

    def _scored_terms(self, searcher, arrays: IndexArrays, q, config: RankingConfig) -> list[array_ranking.ScoredTerm]:
        """Each term of ``q`` with its posting list and what Whoosh's BM25F
        scorer would use: idf, average length, B and K1, the boosts on its
        way up, and the query word it counts for (as ``_WordCoordMatcher``
        reads it)."""
        word_of: dict[tuple[str, str], tuple[int, float]] = {}
        if isinstance(q, WordCoordinatedOr):
            for i, keys in enumerate(q.word_terms):
                for fieldname, text, weight in keys:
                    if (fieldname, text) not in word_of or word_of[(fieldname, text)][1] < weight:
                        word_of[(fieldname, text)] = (i, weight)
        weighting = self._weighting(config)
        out = []
        for leaf, boosts in scored_leaves(q):
            if isinstance(leaf, wq.Phrase):
                out.append(self._scored_phrase(searcher, leaf, boosts, word_of, weighting))
                continue
            fieldname, text = leaf.fieldname, leaf.text
            if fieldname not in searcher.schema:
                continue
            try:
                ids, tf = arrays.postings(fieldname, text)
            except ValueError:  # a text the field cannot hold (Whoosh: no match)
                continue
            if not len(ids):
                continue
            word = word_of.get((fieldname, text))
            # idf as Whoosh's: log(records / (postings + 1)) + 1, deleted ones counted in both
            shared = config.shared_idf and fieldname in SHARED_IDF_FIELDS
            frequency = self._shared_frequency(text) if shared else len(ids)
            out.append(
                array_ranking.ScoredTerm(
                    ids,
                    tf.astype(np.float64),
                    arrays.lengths(fieldname, ids),
                    idf_of(frequency, arrays.size),
                    searcher.avg_field_length(fieldname) or 1,
                    _internals.field_b(weighting, fieldname),
                    weighting.K1,
                    boosts,
                    (word,) if word else (),
                    [(fieldname, searcher.schema[fieldname].to_bytes(text))],
                )
            )
        return out

    @staticmethod
    def _scored_phrase(searcher, phrase: wq.Phrase, boosts, word_of, weighting) -> array_ranking.ScoredTerm:
        """A phrase (a multi-word synonym) as Whoosh scores it: its few
        matches searched for with Whoosh, on this searcher's reader with the
        config's weighting. A match holds each of the phrase's words."""
        scorer = searching.Searcher(searcher.reader(), weighting=weighting, closereader=False)
        found = sorted((n, score) for score, n in scorer.search(phrase, limit=None).top_n)
        ids = np.array([n for n, _ in found], dtype=np.int64)
        scores = np.array([score for _, score in found], dtype=np.float64)
        keys = [(phrase.fieldname, w) for w in phrase.words]
        words = tuple(word_of[k] for k in dict.fromkeys(keys) if k in word_of)
        field = searcher.schema[phrase.fieldname]
        return array_ranking.ScoredTerm(
            ids,
            np.ones(len(ids)),
            np.ones(len(ids)),
            0.0,
            1.0,
            0.0,
            0.0,
            boosts,
            words,
            [(phrase.fieldname, field.to_bytes(w)) for w in phrase.words],
            scores=scores,
        )

    def _docnums_of(self, searcher) -> list[str]:
        column = searcher.reader().column_reader("doc_id")
        return [column[n] for n in range(searcher.doc_count_all())]

    def _rank(self, searcher, q, mode: str, need: int, per_doc: int, sort: str, total: int) -> list:
        """The best passages in order: enough for ``need`` documents (each
        with up to ``per_doc`` passages) or ``need`` passages."""
        if q is wq.NullQuery or total == 0:
            return []
        limit = need * per_doc * 3 + 20 if mode == "documents" else need
        while True:
            # terms=False: recording each scored passage's matching terms cost
            # more than finding them again in the few passages shown (the
            # cached analyzer re-reads a passage in well under a millisecond)
            kwargs = dict(limit=limit, terms=False)
            if sort == "date":
                kwargs["sortedby"] = [sorting.FieldFacet("date_sort", reverse=True), sorting.ScoreFacet()]
            results = with_snippets(searcher.search(q, **kwargs))
            # from top_n directly: list(results) would ask len(), which counts every match
            hits = _internals.sorted_hits(results)
            if mode != "documents":
                return hits
            kept, documents = up_to_per_document(hits, lambda hit: hit["doc_id"], per_doc)
            if documents >= need or len(hits) < limit:
                return kept
            limit *= 4

    @staticmethod
    def _page_groups(results: list, mode: str, offset: int, limit: int, per_doc: int) -> list[list]:
        """The ranked hits the page shows: one group per result, its first hit
        the result and the rest its further passages."""
        if mode != "documents" or per_doc == 1:
            return [[hit] for hit in results[offset : offset + limit]]
        by_doc: dict[str, list] = {}
        for hit in results:  # in rank order; a document's first hit is its best
            by_doc.setdefault(hit["doc_id"], []).append(hit)
        return [doc_hits[:per_doc] for doc_hits in list(by_doc.values())[offset : offset + limit]]

    def _build_page(self, groups: list[list], mode: str, others: dict[int, list[int]] | None = None) -> list[Hit]:
        out = []
        for group in groups:
            main = self._hit(group[0], mode)
            if len(group) > 1:
                main.more = [self._hit(h, "passages") for h in group[1:]]
            main.also = [self._place(n) for n in (others or {}).get(group[0].docnum, [])]
            out.append(main)
        return out

    def _place(self, docnum: int) -> Place:
        """Where else a shown passage's content stands (another document)."""
        f = self.searcher().stored_fields(docnum)
        return Place(
            doc_id=f["doc_id"],
            passage_id=f["id"],
            title=f["title"],
            source=f["source"],
            type=f["type"],
            date=f.get("date"),
            page=f.get("page"),
        )

    # -- one hit per piece of content ------------------------------------------------

    def _duplicate_groups(self, arrays: IndexArrays) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's group of passages with the same text in other
        documents (:func:`duplicates.duplicate_groups`), once per searcher.
        The fingerprints are read from their column and not kept."""
        if arrays.groups is None:
            parts = [fingerprints_of(leaf) for leaf, _offset in arrays.leaves]
            sketches = np.concatenate(parts) if parts else np.zeros((0, duplicates.K), dtype=np.uint32)
            has = sketches.any(axis=1) & arrays.live[: len(sketches)]
            groups = duplicates.duplicate_groups(sketches, has, arrays.doc_index)
            in_group = groups != np.arange(len(groups))
            in_group[groups[in_group]] = True
            # kept per server worker: a passage number fits 32 bits, and without
            # any group only the (all false) mask is needed
            arrays.groups = groups.astype(np.int32) if in_group.any() else np.zeros(0, dtype=np.int32)
            arrays.in_group = in_group
        return arrays.groups, arrays.in_group

    def _preference(self, arrays: IndexArrays, ids: np.ndarray) -> np.ndarray:
        """Which of several passages with the same text a hit shows: the
        newest document, then the most complete passage (the longest), then
        a web page before a PDF (it opens in the browser). Higher is better;
        the array covers every passage, filled for ``ids``."""
        column = self.searcher().reader().column_reader("date_sort")  # the passage's own date (a news item's)
        out = np.zeros(arrays.size, dtype=np.float64)
        docs = arrays.doc_index[ids]
        dates = [column[n] for n in ids.tolist()]
        day = np.array([int(d.replace("-", "")) if d[:4].isdigit() else 0 for d in dates], dtype=np.float64)
        web = np.array([arrays.doc_ids[d].endswith(("-html", "-htm")) for d in docs.tolist()], dtype=np.float64)
        out[ids] = day * 1e7 + np.minimum(arrays.lengths("body", ids), 99_999) * 10 + web
        return out

    def _one_hit_per_content(self, hits: list, mode: str) -> tuple[list, dict[int, list[int]], int]:
        """:meth:`_one_per_content` for a ranked list of Whoosh hits (phrase
        queries, date order): the first of each piece of content stays. Also
        returns how many documents (documents mode) were left out."""
        groups, in_group = self._duplicate_groups(self._index_arrays())
        if not any(in_group[hit.docnum] for hit in hits):
            return hits, {}, 0
        kept, others, owner = [], {}, {}
        gone_docs: set[str] = set()
        first_of_doc: set[str] = set()
        for hit in hits:
            doc = hit["doc_id"] if mode == "documents" else None
            if doc in gone_docs:
                continue
            leading = mode != "documents" or doc not in first_of_doc
            if leading and in_group[hit.docnum]:
                group = int(groups[hit.docnum])
                if group in owner:
                    others.setdefault(owner[group], []).append(hit.docnum)
                    if doc is not None:
                        gone_docs.add(doc)
                    continue
                owner[group] = hit.docnum
            if doc is not None:
                first_of_doc.add(doc)
            kept.append(hit)
        return kept, others, len(gone_docs)

    def _one_per_content(
        self, arrays: IndexArrays, ids: np.ndarray, scores: np.ndarray, mode: str
    ) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
        """The matching passages ``ids`` with one passage per piece of content.

        In passages mode, of passages with the same text only the preferred
        one stays, scored as the best of them. In documents mode a document
        stands for its best passage: a document whose best passage says what
        a preferred document's best passage says is left out. Returns the
        ids, the scores (a copy where one changed) and, for each passage that
        stands for others, their passage numbers."""
        if not len(ids):
            return ids, scores, {}
        groups, in_group = self._duplicate_groups(arrays)
        if not in_group[ids].any():
            return ids, scores, {}
        if mode == "documents":
            docs = arrays.doc_index[ids]
            order = np.lexsort((ids, -scores[ids], docs))
            ordered_docs = docs[order]
            best = ids[order][np.r_[True, ordered_docs[1:] != ordered_docs[:-1]]]
            candidates = np.sort(best[in_group[best]])
        else:
            candidates = ids[in_group[ids]]
        if len(candidates) < 2:
            return ids, scores, {}
        kept, kept_scores, others = duplicates.collapse(
            candidates, scores[candidates], groups, self._preference(arrays, candidates)
        )
        if not others:
            return ids, scores, {}
        dropped = np.setdiff1d(candidates, kept, assume_unique=True)
        if mode == "documents":
            ids = ids[~np.isin(arrays.doc_index[ids], arrays.doc_index[dropped])]
        else:
            ids = np.setdiff1d(ids, dropped, assume_unique=True)
        scores = scores.copy()
        scores[kept] = kept_scores
        return ids, scores, others

    def related_documents(self, doc_id: str, k: int = 5) -> list[tuple[DocumentRecord, float]]:
        """Documents whose text is most like this one's: its key terms as a query."""
        s = self.searcher()
        docnums = list(s.document_numbers(kind=PASSAGE, doc_id=doc_id))
        if not docnums:
            return []
        terms = s.key_terms(docnums, "body", numterms=25)
        if not terms:
            return []
        q = AndNot(wq.Or([wq.Term("body", t, boost=w) for t, w in terms]), wq.Term("doc_id", doc_id))
        # limit=None: Whoosh's top-N collector with collapsing drops documents
        results = s.search(q, limit=None, collapse="doc_id", collapse_limit=1)
        out = []
        for hit in results:
            record = self.get_document(hit["doc_id"])
            if record is not None:
                out.append((record, float(hit.score or 0.0)))
            if len(out) >= k:
                break
        return out

    def autocomplete(self, text: str, limit: int = 8) -> list[dict[str, str]]:
        """Completions for what a visitor is typing: titles, then headings
        (phrases the documents use, FAQ questions among them) that hold every
        word typed with the last one as a prefix, then the index's most
        frequent words that start with it (completing the query typed so far)."""
        surface = dutch_analysis.surface_analyzer()
        words = [t.text for t in surface(text) if t.kind != dutch_analysis.PART]
        if not words or text.endswith(" "):
            return []
        last = words[-1]
        m = re.search(r"[^\W_][\w-]*$", text)
        head = text[: m.start()] if m else text  # "speciaal onderwijs -regu" keeps its "-"
        out = self._title_and_heading_completions(words) if len(last) >= 2 else []
        seen = {o["text"].lower() for o in out}
        # an abbreviation and what it stands for, either way round
        from indexer.analysis.thesaurus import thesaurus

        for typed, other in thesaurus().completions(last):
            suggestion = f"{head}{other}".strip()
            if suggestion.lower() not in seen and len(out) < limit:
                out.append({"text": suggestion, "kind": "afkorting", "label": f"{typed} = {other}"})
                seen.add(suggestion.lower())
        candidates = self._words_with_prefix(last, limit * 3) or self._words_near_prefix(last, limit * 3)
        # "passend o": the completion follows a word; "zorg (talentenc", "-talentenc": it stands apart
        previous = words[-2] if len(words) > 1 and re.search(r"\w\s+$", head) else None
        checked = 0
        for word in candidates:
            if word == last or word in dutch_analysis.dutch_stop_words():
                continue
            suggestion = f"{head}{word}".strip()
            if suggestion.lower() in seen:
                continue
            if previous is not None:
                # after other words only a completion the texts use next to the
                # word before it: never an invented phrase ("passend ocw")
                checked += 1
                if checked > 12 or not self._phrase_occurs([previous, word]):
                    continue
            out.append({"text": suggestion, "kind": "zoekterm"})
            seen.add(suggestion.lower())
            if len(out) >= limit:
                break
        return out[:limit]

    def _title_and_heading_completions(self, words: list[str]) -> list[dict[str, str]]:
        """Up to three titles (in source order), then headings, that hold
        every word typed so far, the last one as a prefix; five in all."""
        phrases = self._phrase_index()
        out: list[dict[str, str]] = []
        titles = 0
        seen_headings: set[str] = set()
        for n in phrases.matching(words[:-1], words[-1]):
            kind, phrase, doc_id = phrases.entries[n]
            if kind == "titel":
                if titles < 3:
                    out.append({"text": phrase, "kind": "titel", "id": doc_id})
                    seen_headings.add(phrase.lower())
                    titles += 1
                continue
            if len(out) >= 5:
                break
            if phrase.lower() not in seen_headings and len(phrase) <= 120:
                out.append({"text": phrase, "kind": "kop", "id": doc_id})
                seen_headings.add(phrase.lower())
        return out

    def _phrase_occurs(self, words: list[str]) -> bool:
        """Whether the words stand side by side somewhere (body or heading)."""
        query = self._phrase_query(words, {"body": 1.0, "heading": 1.0, "title": 1.0})
        if query is None:
            return False
        searcher = self.searcher()
        return query.matcher(searcher).is_active()

    def _words_near_prefix(self, prefix: str, limit: int) -> list[str]:
        """Known words whose start is one edit from ``prefix`` (two from a
        prefix of eight letters or more): autocomplete through a typo
        ("samenwerkinsv" -> "samenwerkingsverband"). The first three letters
        must be right; that keeps it to a few thousand words to compare."""
        if len(prefix) < 5:
            return []
        counts = self.spelling_counts().counts
        if self._tables.sorted_words is None:
            self._tables.sorted_words = sorted(counts)
        words = self._tables.sorted_words
        lo = bisect.bisect_left(words, prefix[:3])
        hi = bisect.bisect_left(words, prefix[:3] + "\U0010ffff")
        allowed = 2 if len(prefix) >= 8 else 1
        n = len(prefix)
        near = []
        for w in words[lo:hi]:
            distance = min(OSA.distance(w[:k], prefix, score_cutoff=allowed + 1) for k in (n - 1, n, n + 1))
            if distance <= allowed:
                near.append((distance, -counts[w], w))
        return [w for _d, _c, w in sorted(near)[:limit]]  # nearest, then most frequent

    @staticmethod
    def _hit(hit, mode: str) -> Hit:
        f = hit.fields()
        snippet = cap_snippet((hit.highlights("body", top=2) or plain_snippet(f["body"])).replace("\n", " "))
        pid = f["id"]
        return Hit(
            id=f["doc_id"] if mode == "documents" else pid,
            doc_id=f["doc_id"],
            title=f["title"],
            source=f["source"],
            type=f["type"],
            date=f.get("date"),
            page=f.get("page"),
            heading=section_heading(f.get("heading") or None, f["body"], snippet, f.get("sections")),
            score=relevance_of(hit.score),
            snippet=mid_sentence_lead(snippet),
            text=f["body"],
            sectors=[s for s in (f.get("sectors") or "").split(",") if s],
            passage_id=pid,
        )

    # -- spelling ------------------------------------------------------------------

    def spelling_counts(self) -> SpellingCounts:
        """Each surface word's number of documents, for this searcher's view
        of the index: from the file the last commit saved, or recounted from
        the documents' stored word lists when that file is missing or stale."""
        s = self.searcher()
        if self._tables.counts is None:
            generation = s.reader().generation()
            counts = SpellingCounts.load(self.directory, generation)
            if counts is None:
                counts = SpellingCounts(generation=generation)
                for n in s.document_numbers(kind=DOCUMENT):
                    counts.add((s.stored_fields(n).get("vocabulary") or "").split())
                counts.save(self.directory)
            self._tables.counts = counts
        return self._tables.counts

    def _spelling_vocabulary(self) -> SpellingVocabulary:
        """Every known surface word, bucketed for near lookups (once per searcher)."""
        counts = self.spelling_counts()
        if self._tables.spelling is None:
            self._tables.spelling = SpellingVocabulary(counts.counts)
        return self._tables.spelling

    def warm_up(self) -> None:
        """Build the per-searcher tables the first searches need (the
        duplicate groups among them), and load what query analysis loads on
        first use (stemmer, compound dictionary, thesaurus)."""
        self._doc_of_docnum()
        self.document_meta()
        self._spelling_vocabulary()
        self._words_with_prefix("a", 1)
        self._phrase_index()
        self._index_arrays().facets(self.document_meta())
        self._duplicate_groups(self._index_arrays())
        self.build_query(
            QueryPlan("samenwerkingsverbanden leerlingen lgf", words=["samenwerkingsverbanden", "leerlingen", "lgf"])
        )

    def _phrase_index(self) -> PhraseIndex:
        """Titles and headings by the words they hold, for completions (once per searcher)."""
        self.searcher()
        if self._tables.phrases is None:
            if self._tables.phrase_entries is None:
                self._read_document_tables()
            self._tables.phrases = PhraseIndex(*self._tables.phrase_entries, dutch_analysis.surface_analyzer())
            self._tables.phrase_entries = None  # the index holds them now
        return self._tables.phrases

    def _words_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """The ``limit`` most frequent known words that start with ``prefix``."""
        counts = self.spelling_counts().counts
        if self._tables.sorted_words is None:
            self._tables.sorted_words = sorted(counts)
        words = self._tables.sorted_words
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\U0010ffff")
        return heapq.nlargest(limit, words[lo:hi], key=lambda w: (counts[w], w))

    def _matches_otherwise(self, word: str) -> bool:
        """Whether a word the index does not hold as such still finds text:
        by its stem ("voetbal" -> the stem of "voetballen"), as a part of
        compounds, or as the start of a word it holds. Such a word is not a
        misspelling, so it gets no "Bedoelde u" and no near words."""
        if any(self._shared_frequency(term) > 0 for term, _part in self.analyse_query_word(word)):
            return True
        return any(w != word for w in self._words_with_prefix(word, 2))

    def corrections(self, words: Iterable[str], rare: int = 0) -> dict[str, str]:
        """For words the index knows from at most ``rare`` documents, the
        closest word it knows (edit distance 1 for words up to 6 letters,
        else 2) from at least five times as many; nearest, then most frequent.
        A word the index does not hold but finds otherwise (its stem, a
        compound part, a longer word it starts) gets none."""
        counts = self.spelling_counts().counts
        out: dict[str, str] = {}
        skip = dutch_analysis.dutch_stop_words() | dutch_analysis.question_words()
        for word in words:
            w = fold_accents(word.lower())
            if len(w) < 4 or not w.isalpha() or w in skip:
                continue
            own = counts.get(w, 0)
            if own > rare or (own == 0 and self._matches_otherwise(w)):
                continue
            maxdist = 1 if len(w) <= 6 else 2
            best = None
            for cand, _distance in self._spelling_vocabulary().near(w, maxdist):
                freq = counts.get(cand, 0)
                if freq < max(1, 5 * own):
                    continue
                key = (_edit_distance(w, cand), -freq)
                if best is None or key < best[0]:
                    best = (key, cand)
            if best is not None:
                out[word] = best[1]
        return out


def _only_terms(q) -> bool:
    """True when ``q`` is built of Term, Or and the word coordination only
    (no phrases, exclusions or constant-score parts)."""
    if isinstance(q, wq.Term):
        return True
    if isinstance(q, (wq.Or, wq.DisjunctionMax)) and not isinstance(q, wq.And):
        return all(_only_terms(sub) for sub in q.subqueries)
    return False


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
