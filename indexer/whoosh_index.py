"""Everything that touches Whoosh: schema, analyzer adapter, writer, searcher,
query building, ranking and snippets.

The rest of the code speaks of documents, passages and hits; replacing the
engine means replacing this module. The index holds two kinds of records:

- ``kind=passage``: one per passage, with the document's title and metadata
  copied in, so that one query ranks passages with BM25F over title, heading
  path and body;
- ``kind=document``: one per source file, with its metadata and the state
  (content hash) that incremental indexing compares against. It has no
  indexed text, so a text query never matches it.
"""

from __future__ import annotations

import bisect
from array import array
import heapq
import math
from collections import Counter
from itertools import chain
import errno
import queue
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Callable, Iterable, Iterator

from whoosh import highlight, index as whoosh_index, query as wq, scoring, searching, sorting
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.analysis import Token as WhooshToken
from whoosh.codec import whoosh3
from whoosh.analysis import Tokenizer as WhooshTokenizer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter
from whoosh.matching import AndNotMatcher, WrappingMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query.compound import DefaultOr

from indexer import dutch_analysis
from indexer.documents import DocumentRecord, Hit, Passage
from indexer.query_parser import QueryPlan
from indexer.spelling_counts import SpellingCounts
from indexer.spelling_lookup import SpellingVocabulary

PASSAGE, DOCUMENT = "passage", "document"
TEXT_FIELDS = ("title", "heading", "body")

# Analysis profiles: "dutch" is the product; "plain" is the evaluation's
# baseline (lower-cased words, nothing else).
_INDEX_CHAINS = {
    "dutch": dutch_analysis.index_analyzer,
    "plain": dutch_analysis.plain_analyzer,
    "surface": dutch_analysis.surface_analyzer,
    "parts": dutch_analysis.compound_parts_analyzer,
}
_QUERY_CHAINS = {
    "dutch": dutch_analysis.query_analyzer,
    "plain": dutch_analysis.plain_analyzer,
}


class ChainAnalyzer(WhooshTokenizer):
    """Adapts a :mod:`indexer.dutch_analysis` chain to Whoosh's analyzer protocol.

    Whoosh pickles the schema into the index, so this object keeps only the
    profile name and rebuilds its chain when loaded.
    """

    def __init__(self, profile: str):
        self.profile = profile
        self._chain = _INDEX_CHAINS[profile]()

    def __getstate__(self):
        return {"profile": self.profile}

    def __setstate__(self, state):
        self.__init__(state["profile"])

    def __eq__(self, other):
        return isinstance(other, ChainAnalyzer) and other.profile == self.profile

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        for text, pos, start, end in self._chain.tuples(value):
            t.text = text
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


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


whoosh3.W3PerDocReader._cached_reader = _cached_length_reader

WRITER_PROCESSES = 2  # the machine has two cores
PARALLEL_FROM = 200  # documents in one run before the writer goes multi-process

# Bump when the schema changes: an index of another version is rebuilt in full.
SCHEMA_VERSION = 6
FACETS = ("type", "sectors", "year")
SORTS = ("relevance", "date")


def build_schema(profile: str = "dutch") -> Schema:
    """What the index holds. Only the fields a query reads are indexed (kind
    and doc_id select records, date_sort sorts, the text fields rank); the
    rest are only stored: facets and filters come from the document records,
    and indexing a year or a passage number cost eight terms each."""
    text = ChainAnalyzer(profile)
    return Schema(
        id=STORED,
        kind=ID(stored=True),
        doc_id=ID(stored=True, sortable=True),
        source=STORED,
        title=TEXT(analyzer=text, stored=True),
        heading=TEXT(analyzer=text, stored=True),
        body=TEXT(analyzer=text, stored=True, chars=True),
        parts=TEXT(analyzer=ChainAnalyzer("parts"), phrase=False),  # parts of compounds in the text
        question=TEXT(analyzer=text),  # the question an FAQ passage answers
        type=STORED,
        sectors=STORED,
        year=STORED,
        date=STORED,
        date_sort=ID(sortable=True),  # ISO date, "0000-00-00" when unknown
        page=STORED,
        number=STORED,
        is_question=STORED,
        state=STORED,
        record=STORED,
        vocabulary=STORED,  # a document's distinct surface words (spelling_counts.py)
    )


@dataclass(frozen=True)
class RankingConfig:
    """How a query is turned into a ranking.

    ``PRODUCT`` is what the site uses; ``FOUNDATION`` is the first release
    (Dutch analysis, BM25F, coordination, phrases) and ``BASELINE`` plain
    BM25; the evaluation scores all three in one run."""

    name: str
    field_boosts: dict[str, float] = field(default_factory=lambda: {"title": 2.5, "heading": 2.0, "body": 1.0})
    all_words_required: bool = False
    coordination: float = 0.6  # 0: none; 1: score scaled by share of words matched
    part_boost: float = 0.6  # a part of a hyphenated query word, relative to the whole
    bm25_b: float = 0.75
    bm25_k1: float = 1.2
    title_b: float = 0.4
    heading_b: float = 0.4
    compound_boost: float = 0.0  # a match on a compound's part (the "parts" field); 0: off
    synonym_boost: float = 0.0  # an abbreviation or synonym from the thesaurus; 0: off
    typo_boost: float = 0.0  # an index word close to an unknown or rare query word; 0: off
    question_boost: float = 0.0  # a match in an FAQ passage's question; 0: off
    prefer_newer: bool = False  # of two passages that say nearly the same, the newer first


FOUNDATION = RankingConfig("foundation")
BASELINE = RankingConfig("baseline", field_boosts={"body": 1.0}, all_words_required=True, coordination=0.0)
# Boosts chosen on the evaluation set with a coarse grid (docs/ARCHITECTURE.md);
# summing a word's options beat taking the best one (DisjunctionMax) there.
PRODUCT = RankingConfig("product", compound_boost=0.3, synonym_boost=0.8, typo_boost=0.5, question_boost=2.0,
                        prefer_newer=True)


# Term coordination ----------------------------------------------------------


class _WordCoordMatcher(WrappingMatcher):
    """Scales a score by the share of query *words* matched (not field terms):
    a passage with all the words of a question ranks above one that repeats a
    single word many times. A word matched only through a weaker option (a
    part of a compound in the text) counts for that option's weight."""

    def __init__(self, child, word_of: dict[tuple[str, bytes], tuple[int, float]], nwords: int, strength: float):
        super().__init__(child)
        self._word_of = word_of
        self._nwords = nwords
        self._strength = strength

    def _replacement(self, newchild):
        return self.__class__(newchild, self._word_of, self._nwords, self._strength)

    def score(self):
        credit: dict[int, float] = {}
        for term in self.child.matching_terms(self.child.id()):
            found = self._word_of.get(term)
            if found is not None:
                word, weight = found
                credit[word] = max(credit.get(word, 0.0), weight)
        share = sum(credit.values()) / self._nwords if self._nwords else 1.0
        return self.child.score() * ((1 - self._strength) + self._strength * share * share)

    # The factor is at most 1, so the child's quality bounds this matcher's
    # scores: Whoosh may skip blocks that cannot reach the top N (the
    # WrappingMatcher defaults delegate quality and skipping to the child).


class WordCoordinatedOr(wq.Or):
    """An ``Or`` of per-word groups whose matcher applies :class:`_WordCoordMatcher`.
    ``word_terms[i]`` holds the (field, term, weight) that count for word i."""

    def __init__(self, groups, word_terms: list[list[tuple[str, str, float]]], strength: float, boost=1.0):
        super().__init__(groups, boost=boost)
        self.word_terms = word_terms
        self.strength = strength

    def _matcher(self, subs, searcher, context):
        m = DefaultOr(subs, boost=self.boost).matcher(searcher, context)
        if self.strength <= 0 or len(self.word_terms) < 2:
            return m
        word_of: dict[tuple[str, bytes], tuple[int, float]] = {}
        for i, terms in enumerate(self.word_terms):
            for fieldname, text, weight in terms:
                key = (fieldname, searcher.schema[fieldname].to_bytes(text))
                if key not in word_of or word_of[key][1] < weight:
                    word_of[key] = (i, weight)
        return _WordCoordMatcher(m, word_of, len(self.word_terms), self.strength)

    def matcher(self, searcher, context=None):
        if context is not None:
            context = context.set(needs_current=True)
        if len(self.subqueries) == 1:
            return super().matcher(searcher, context)
        return self._matcher(self.subqueries, searcher, context)


class _AndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher checks the first match of the positive side only
    when the negative side happens to sit on the very same document; when the
    negative side starts earlier, that first match slips through unexcluded.
    This one skips the negative side forward first."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()


class AndNot(wq.AndNot):
    """``a`` without what ``b`` matches, with the fixed matcher."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


class DocumentsOf(wq.Query):
    """Every record of the given documents, read from the doc_id column: one
    list matcher, where an Or of a term per document made every excluded
    document a matcher to skip through (documents mode, ``-woord``)."""

    fieldname = None  # no terms of its own (highlighting asks)

    def __init__(self, doc_ids):
        self.doc_ids = frozenset(doc_ids)
        self.boost = 1.0

    def __eq__(self, other):
        return type(other) is type(self) and other.doc_ids == self.doc_ids

    def __hash__(self):
        return hash(self.doc_ids)

    def __repr__(self):
        return f"DocumentsOf({len(self.doc_ids)} documents)"

    def matcher(self, searcher, context=None):
        column = searcher.reader().column_reader("doc_id")
        ids = [n for n, doc_id in enumerate(column) if doc_id in self.doc_ids]
        return ListMatcher(ids) if ids else NullMatcher()


# Snippets ---------------------------------------------------------------------


class MarkFormatter(highlight.HtmlFormatter):
    """Escaped text with matches in ``<mark>``: the only markup in a snippet."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % escape(highlight.get_text(text, token, replace), quote=False)


class _SnippetFragmenter(highlight.PinpointFragmenter):
    """Fragments around the matches from stored character offsets (no
    re-analysis), trimmed to whole words, except at the start or end of the
    text, where there is no half word to trim."""

    @staticmethod
    def _autotrim(fragment):
        start, end = fragment.startchar, fragment.endchar
        highlight.PinpointFragmenter._autotrim(fragment)
        if start == 0:
            fragment.startchar = 0
        if end >= len(fragment.text):
            fragment.endchar = end

    def fragment_tokens(self, text, tokens):
        # the analyzer reuses one Token object, so keep copies of the matches
        return self.fragment_matches(text, [t.copy() for t in tokens if t.matched])

    def fragment_matches(self, text, tokens):
        """As Whoosh's, but fragments that overlap are merged: two of them in
        one snippet would show the same words twice."""
        merged: list[highlight.Fragment] = []
        for frag in super().fragment_matches(text, tokens):
            if merged and frag.startchar <= merged[-1].endchar:
                last = merged[-1]
                merged[-1] = highlight.Fragment(text, last.matches + [m for m in frag.matches if m not in last.matches],
                                                last.startchar, max(last.endchar, frag.endchar))
            else:
                merged.append(frag)
        return merged


def _with_snippets(results):
    """Results whose hits highlight the query words in the stored body."""
    results.highlighter = highlight.Highlighter(
        fragmenter=_SnippetFragmenter(maxchars=240, surround=70, autotrim=True),
        formatter=MarkFormatter(),
    )
    return results


def _plain_snippet(text: str, limit: int = 240) -> str:
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


SNIPPET_MAX_CHARS = 600


def _cap_snippet(snippet: str) -> str:
    """Bound a snippet's length (one enormous "word" is one fragment), cutting
    only between tags and entities so the markup stays whole."""
    if len(snippet) <= SNIPPET_MAX_CHARS:
        return snippet
    cut = SNIPPET_MAX_CHARS
    for opener, closer in (("<", ">"), ("&", ";")):
        start = snippet.rfind(opener, 0, cut)
        if start != -1 and snippet.find(closer, start) >= cut:
            cut = start
    head = snippet[:cut]
    if head.count("<mark>") > head.count("</mark>"):
        head += "</mark>"
    return head + " …"


# The index ----------------------------------------------------------------------


@dataclass
class EngineResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] | None = None
    searchable: bool = True  # False: every query word was a stop word


def _facet_values(meta: tuple[str, list[str], int | None]) -> dict[str, list[str]]:
    dtype, sectors, year = meta
    return {"type": [dtype], "sectors": list(sectors), "year": [str(year)] if year else []}


def passes_filters(meta: tuple[str, list[str], int | None], filters: dict[str, list], skip: str | None = None) -> bool:
    """Whether a document's (type, sectors, year) pass the filters: any value
    within a facet, every facet (but ``skip``)."""
    values = _facet_values(meta)
    return all(bool(set(values[f]) & {str(v) for v in vs}) for f, vs in filters.items() if vs and f != skip)


def facet_counts(weights: dict[str, int], meta: dict[str, tuple[str, list[str], int | None]],
                 filters: dict[str, list] | None) -> dict[str, dict[str, int]]:
    """Counts per type, sector and year over the documents that match the
    words (``weights``: doc_id -> what it counts for: 1 for a document, or
    its number of matching passages). Each facet counts under the *other*
    facets' filters, so that choosing a type still shows what the others hold."""
    wanted = {f: {str(v) for v in vs} for f, vs in (filters or {}).items() if vs}
    docs = [d for d in weights if d in meta]
    passes = {
        "type": lambda m, vs: m[0] in vs,
        "sectors": lambda m, vs: not vs.isdisjoint(m[1]),
        "year": lambda m, vs: m[2] is not None and str(m[2]) in vs,
    }
    ones = all(w == 1 for w in weights.values())
    counts: dict[str, Counter] = {}
    for facet in FACETS:
        others = [(passes[f], vs) for f, vs in wanted.items() if f != facet]
        pool = docs if not others else [d for d in docs if all(test(meta[d], vs) for test, vs in others)]
        if facet == "type":
            values = ((meta[d][0],) for d in pool)
        elif facet == "sectors":
            values = (meta[d][1] for d in pool)
        else:
            values = ((str(meta[d][2]),) if meta[d][2] else () for d in pool)
        if ones:
            counts[facet] = Counter(chain.from_iterable(values))
        else:
            c: Counter = Counter()
            for d, vs in zip(pool, values):
                for v in vs:
                    c[v] += weights[d]
            counts[facet] = c
    return {
        "type": dict(sorted(counts["type"].items(), key=lambda kv: (-kv[1], kv[0]))),
        "sector": dict(sorted(counts["sectors"].items())),
        "year": dict(sorted(counts["year"].items(), reverse=True)),
    }


def _facet_counts_reference(weights, meta, filters):
    """The plain definition of :func:`facet_counts` (for its test)."""
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for doc_id, weight in weights.items():
        if doc_id not in meta:
            continue
        values = _facet_values(meta[doc_id])
        for facet in FACETS:
            if passes_filters(meta[doc_id], filters or {}, skip=facet):
                for v in values[facet]:
                    counts[facet][v] = counts[facet].get(v, 0) + weight
    return {
        "type": dict(sorted(counts["type"].items(), key=lambda kv: (-kv[1], kv[0]))),
        "sector": dict(sorted(counts["sectors"].items())),
        "year": dict(sorted(counts["year"].items(), reverse=True)),
    }


# Ranking with score bounds (MaxScore): the passages with the highest bounds
# are scored first, at least this many of them, then only those left whose
# bound still reaches the last score kept. Scoring every passage with any
# query word was most of a search's time (Whoosh walks its matcher tree in
# Python). The result is the top N an exhaustive search gives
# (tests/test_search.py compares the two).
MIN_CANDIDATE_PASSAGES = 400
FIRST_ROUND_FACTOR = 4  # the first round scores this many times the passages wanted


@dataclass
class WordCoverage:
    """How many query words each matching passage has (``counts``), which
    passages have each word (``per_word``) and each of its terms (``per_term``)."""

    counts: Counter
    per_word: list[set[int]]
    per_term: list[dict[tuple[str, str], set[int]]]

    def __iter__(self):
        return iter(self.counts)


def _score_bounds(searcher, q: "WordCoordinatedOr", coverage: WordCoverage,
                  allowed: Callable[[int], bool] | None) -> list[tuple[float, int]]:
    """An upper bound of each matching passage's score, highest first.

    A passage's score is the sum of its terms' BM25F scores, scaled by the
    coordination factor of the number of query words it has; each term's
    score is at most Whoosh's ``max_quality`` of that term (its best weight
    and shortest field in the index). So the bound sums the maxima of the
    terms the passage has and applies the same factor (MaxScore pruning)."""
    best: dict[tuple[str, str], float] = {}
    for group in q.subqueries:
        for leaf in group.leaves():
            if isinstance(leaf, wq.Term):
                m = leaf.matcher(searcher)
                key = (leaf.fieldname, leaf.text)
                best[key] = max(best.get(key, 0.0), m.max_quality() if m.is_active() else 0.0)
    bound: dict[int, float] = {}
    get = bound.get
    for terms in coverage.per_term:
        for key, ids in terms.items():
            u = best.get(key, 0.0)
            for n in ids:
                bound[n] = get(n, 0.0) + u
    words = len(coverage.per_word)
    strength = q.strength
    factor = [(1 - strength) + strength * (k / words) ** 2 for k in range(words + 1)]
    counts = coverage.counts
    out = [(b * factor[counts[n]], n) for n, b in bound.items() if allowed is None or allowed(n)]
    out.sort(reverse=True)
    return out


class _ZeroListMatcher(ListMatcher):
    """A list matcher that adds nothing to a score (``ListMatcher`` reads an
    ``all_weights`` of 0.0 as "not given" and scores 1.0)."""

    def weight(self):
        return 0.0

    def score(self):
        return 0.0

    def max_quality(self):
        return 0.0

    def block_quality(self):
        return 0.0


class _Docnums(wq.Query):
    """Given global document numbers as a query (a list matcher per segment,
    scoring 0): intersected with the words' query, the matcher tree skips
    straight to these passages."""

    fieldname = None  # no terms of its own (highlighting asks)

    def __init__(self, searcher, docnums: list[int]):
        self.boost = 1.0
        self._by_reader: dict[int, list[int]] = {}
        bounds = [(r, off, off + r.doc_count_all()) for r, off in searcher.reader().leaf_readers()]
        for reader, start, end in bounds:
            lo, hi = bisect.bisect_left(docnums, start), bisect.bisect_left(docnums, end)
            self._by_reader[id(reader)] = [n - start for n in docnums[lo:hi]]
        self._key = (len(docnums), docnums[0] if docnums else -1, docnums[-1] if docnums else -1)

    def __eq__(self, other):
        return type(other) is type(self) and other._by_reader == self._by_reader

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"_Docnums({self._key[0]} passages)"

    def estimate_size(self, ixreader):
        return len(self._by_reader.get(id(ixreader), ())) if ixreader is not None else self._key[0]

    def matcher(self, searcher, context=None):
        ids = self._by_reader.get(id(searcher.reader()))
        return _ZeroListMatcher(ids) if ids else NullMatcher()


class PhraseIndex:
    """Phrases (titles, then headings, in order) by the surface words they
    hold: which phrases hold every given word and a word with a prefix."""

    def __init__(self, entries: list[tuple[str, str, str]], surface):
        self.entries = entries
        postings: dict[str, list[int]] = {}
        for n, (_kind, phrase, _doc) in enumerate(entries):
            for term in set(surface.terms(phrase)):
                postings.setdefault(term, []).append(n)
        self._postings = {t: array("I", ns) for t, ns in postings.items()}
        self._terms = sorted(self._postings)

    def matching(self, words: list[str], prefix: str) -> list[int]:
        """Entry numbers, in order, holding every word and a word starting with ``prefix``."""
        lo = bisect.bisect_left(self._terms, prefix)
        hi = bisect.bisect_left(self._terms, prefix + "\U0010ffff")
        found: set[int] = set()
        for term in self._terms[lo:hi]:
            found.update(self._postings[term])
        for word in words:
            found.intersection_update(self._postings.get(word, ()))
            if not found:
                break
        return sorted(found)


class SearchIndex:
    """One Whoosh index directory (one generation of the index)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._ix = whoosh_index.open_dir(str(self.directory))
        self.profile = self._ix.schema["body"].analyzer.profile
        self._query_chain = _QUERY_CHAINS[self.profile]()
        self._searcher = None
        self._doc_meta: dict[str, tuple[str, list[str], int | None]] | None = None
        self._docnum_doc: list[str] | None = None
        self._spelling: SpellingVocabulary | None = None
        self._counts: SpellingCounts | None = None
        self._records: list[DocumentRecord] | None = None
        self._sorted_words: list[str] | None = None
        self._phrases: PhraseIndex | None = None
        self.version = 0  # goes up whenever the index changed under this object

    # -- lifecycle ----------------------------------------------------------------

    @classmethod
    def create(cls, directory: str | Path, profile: str = "dutch") -> "SearchIndex":
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(directory), build_schema(profile))
        return cls(directory)

    @staticmethod
    def exists(directory: str | Path) -> bool:
        return Path(directory).is_dir() and whoosh_index.exists_in(str(directory))

    def searcher(self):
        """The searcher reused across calls. It stays the same until
        :meth:`refresh`, so one request reads one state of the index even when
        a commit lands meanwhile (reopening in the middle of a request closed
        readers the request still held)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=self._weighting(FOUNDATION))
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
        self._searcher = self._ix.searcher(weighting=self._weighting(FOUNDATION))
        old.close()
        self._doc_meta = None
        self._docnum_doc = None
        self._spelling = None
        self._counts = None
        self._records = None
        self._sorted_words = None
        self._phrases = None
        self.version += 1
        return True

    def _doc_of_docnum(self) -> list[str]:
        """Every Whoosh document number's doc_id (read once per searcher from
        the doc_id column), to turn matched passages into documents fast."""
        s = self.searcher()
        if self._docnum_doc is None:
            column = s.reader().column_reader("doc_id")
            self._docnum_doc = [column[n] for n in range(s.doc_count_all())]
        return self._docnum_doc

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
                ids = _posting_ids(subreader.postings(fieldname, text))
                matched.update(ids if not offset else (i + offset for i in ids))
        reader = searcher.reader()
        if reader.has_deletions():
            matched = {n for n in matched if not reader.is_deleted(n)}
        return matched

    def document_meta(self) -> dict[str, tuple[str, list[str], int | None]]:
        """``doc_id -> (type, sectors, year)``, for facet counts; rebuilt when the index changes."""
        if self._doc_meta is None:
            self._doc_meta = {
                r.doc_id: (r.type, list(r.sectors), r.year) for r in self.documents()
            }
        return self._doc_meta

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    # -- writing --------------------------------------------------------------------

    def writer(self, documents: int = 0) -> "IndexWriter":
        """A writer; for a large batch (``documents`` to add) two processes
        analyse and each writes a segment of its own. Leaving those unmerged
        saves the merge, which runs on one core (see bench/RESULTS.md); a
        small batch stays in this process, where it is quicker to start."""
        if documents >= PARALLEL_FROM:
            return IndexWriter(_MpWriter(self._ix, procs=WRITER_PROCESSES, multisegment=True, compound=False), self)
        return IndexWriter(_SegmentWriter(self._ix, compound=False), self)

    # -- documents ---------------------------------------------------------------

    def document_states(self) -> dict[str, tuple[str, str]]:
        """``source path -> (doc_id, state)`` of every indexed document."""
        s = self.searcher()
        return {
            f["source"]: (f["doc_id"], f["state"])
            for f in (s.stored_fields(n) for n in s.document_numbers(kind=DOCUMENT))
        }

    def documents(self) -> list[DocumentRecord]:
        """Every document record, sorted by source (read once per searcher)."""
        s = self.searcher()
        if self._records is None:
            records = [DocumentRecord(**s.stored_fields(n)["record"]) for n in s.document_numbers(kind=DOCUMENT)]
            self._records = sorted(records, key=lambda r: r.source)
        return list(self._records)

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
                Passage(doc_id, f["number"], f["body"], heading.split(" › ") if heading else [],
                        f.get("page"), bool(f.get("is_question")))
            )
        return sorted(out, key=lambda p: p.number)

    def export_passages(self) -> Iterator[dict[str, object]]:
        """Every live passage with what a search shows of it (for the
        benchmark's reference engine, which indexes the same text)."""
        s = self.searcher()
        for n in s.document_numbers(kind=PASSAGE):
            f = s.stored_fields(n)
            yield {
                "id": f["id"], "doc_id": f["doc_id"], "title": f.get("title", ""),
                "heading": f.get("heading", ""), "body": f.get("body", ""), "type": f.get("type", ""),
                "sectors": [x for x in (f.get("sectors") or "").split(",") if x], "year": f.get("year"),
            }

    def stats(self) -> dict[str, object]:
        s = self.searcher()
        size = sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())
        by_type: dict[str, int] = {}
        for r in self.documents():
            by_type[r.type] = by_type.get(r.type, 0) + 1
        documents = sum(1 for _ in s.document_numbers(kind=DOCUMENT))  # live ones only
        return {
            "documents": documents,
            "passages": s.doc_count() - documents,
            "by_type": dict(sorted(by_type.items())),
            "index_bytes": size,
            "profile": self.profile,
        }

    # -- searching ---------------------------------------------------------------

    @staticmethod
    def _weighting_key(config: RankingConfig) -> tuple:
        return (config.bm25_b, config.bm25_k1, config.title_b, config.heading_b)

    def _weighting(self, config: RankingConfig):
        return scoring.BM25F(B=config.bm25_b, K1=config.bm25_k1,
                             title_B=config.title_b, heading_B=config.heading_b)

    def analyse_query_word(self, word: str) -> list[tuple[str, bool]]:
        """Terms of one query word, each with whether it is a part of a hyphenated word."""
        return [(t.text, t.kind == dutch_analysis.PART) for t in self._query_chain(word)]

    def build_query(self, plan: QueryPlan, config: RankingConfig = PRODUCT,
                    exclude_documents: bool = False) -> wq.Query | None:
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
            from indexer.thesaurus import thesaurus

            for start, _end, variants in thesaurus().expansions(plan.words):
                synonyms[start] = variants  # a multi-word variant counts with its first word
        fuzzy = self.typo_alternatives(plan.words) if config.typo_boost else {}
        groups: list[wq.Query] = []
        word_terms: list[list[tuple[str, str, float]]] = []
        seen: set[str] = set()
        for i, word in enumerate(plan.words):
            terms = [(t, part) for t, part in self.analyse_query_word(word) if t not in seen]
            alternatives = synonyms.get(i, []) + fuzzy.get(word, [])
            if not terms and not alternatives:
                continue
            seen.update(t for t, _ in terms)
            options: list[wq.Query] = []  # the word, its compound parts, synonyms, near spellings
            keys: list[tuple[str, str, float]] = []
            if terms:
                exact = []
                for t, part in terms:
                    exact += self._term_clauses(t, config.part_boost if part else 1.0, config)
                    keys += [(f, t, 1.0) for f in self._text_fields(config)]
                options.append(wq.Or(exact))
                # a word in most passages ("onderwijs") gains nothing from the
                # compounds it is part of, only noise; rarer words do
                rare = [t for t, _ in terms if self._share_of_passages(t) < COMMON_WORD_SHARE]
                if config.compound_boost and rare:
                    options.append(wq.Or([wq.Term("parts", t, boost=config.compound_boost) for t in rare]))
                    keys += [("parts", t, COMPOUND_CREDIT) for t in rare]
            for alt in alternatives:
                boost = config.typo_boost if alt in fuzzy.get(word, []) else config.synonym_boost
                alt_query, alt_keys = self._alternative(alt, boost, config)
                if alt_query is not None:
                    options.append(alt_query)
                    keys += alt_keys
            if options:
                groups.append(options[0] if len(options) == 1 else wq.Or(options))
                word_terms.append(keys)

        phrases = [q for q in (self._phrase_query(words, fields) for words in plan.phrases) if q is not None]

        if not groups and not phrases:
            return None
        if config.all_words_required:
            q: wq.Query = wq.And(groups + phrases)
        else:
            optional = WordCoordinatedOr(groups, word_terms, config.coordination) if groups else None
            if phrases:
                required = wq.And(phrases) if len(phrases) > 1 else phrases[0]
                q = wq.AndMaybe(required, optional) if optional is not None else required
            else:
                q = optional
        # an excluded word excludes itself, not its parts ("-so-onderwijs"
        # must not exclude every passage that says "onderwijs")
        excluded: list[wq.Query] = [
            wq.Term(f, t)
            for word in plan.excluded
            for t, part in self.analyse_query_word(word)
            if not part
            for f in fields
        ]
        excluded += [self._phrase_query(words, fields) for words in plan.excluded_phrases]
        excluded = [e for e in excluded if e is not None]
        if excluded and exclude_documents:
            s = self.searcher()
            doc_of = self._doc_of_docnum()
            excluded = [DocumentsOf({doc_of[n] for n in s.docs_for_query(wq.Or(excluded))})]
        if excluded:
            q = AndNot(q, wq.Or(excluded))
        return q

    def _share_of_passages(self, term: str) -> float:
        s = self.searcher()
        return s.doc_frequency("body", term) / max(1, s.doc_count())

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
            return wq.Or(self._term_clauses(t, boost, config)), [(f, t, 1.0) for f in self._text_fields(config)]
        fields = {f: b * boost for f, b in config.field_boosts.items()}
        phrase = self._phrase_query([text], fields)
        return phrase, [(f, t.text, 1.0) for t in tokens for f in fields]

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
        searcher = self.searcher()
        own_searcher = self._weighting_key(config) != self._weighting_key(FOUNDATION)
        if own_searcher:
            searcher = self._ix.searcher(weighting=self._weighting(config))
        try:
            filters = {k: v for k, v in (filters or {}).items() if v}
            meta = self.document_meta()
            doc_of = self._doc_of_docnum() if not own_searcher else self._docnums_of(searcher)
            # Who matches, unscored: the total and the facet counts. Scoring
            # every match to count them was the slow part (and Whoosh's
            # collapsing removes displaced documents from a list one by one).
            tiered = (sort == "relevance" and isinstance(q, WordCoordinatedOr) and q.strength > 0
                      and len(q.word_terms) >= 2 and _only_terms(q))
            coverage = self._word_coverage(searcher, q) if tiered else None
            matched = coverage if coverage is not None else self._matching_docnums(searcher, q)
            per_doc_hits: dict[str, int] = {}
            for n in matched:
                d = doc_of[n]
                per_doc_hits[d] = per_doc_hits.get(d, 0) + 1
            allowed = [d for d in per_doc_hits if not filters or (d in meta and passes_filters(meta[d], filters))]
            total = len(allowed) if mode == "documents" else sum(per_doc_hits[d] for d in allowed)
            counts = None
            if facets:
                # documents mode counts documents; passages mode counts passages
                weights = {d: (1 if mode == "documents" else c) for d, c in per_doc_hits.items()}
                counts = facet_counts(weights, meta, filters)
            # The ranking: the top passages only (Whoosh skips blocks that
            # cannot make it), filtered in the query, grouped per document here.
            # (filters narrow it to the matching passages of allowed documents;
            # the passages that match the most query words, when plenty)
            per_doc = max(1, per_document) if mode == "documents" else 1
            need = offset + limit
            allowed_set = set(allowed) if filters else None
            if coverage is not None:
                keep = (lambda n: doc_of[n] in allowed_set) if filters else None
                bounds = _score_bounds(searcher, q, coverage, keep)
                hits = self._rank(searcher, q, mode, need, per_doc, sort, config, total, bounds=bounds)
            else:
                ranked_q = q
                if filters:
                    candidates = sorted(n for n in matched if doc_of[n] in allowed_set)
                    ranked_q = wq.And([q, _Docnums(searcher, candidates)]) if candidates else wq.NullQuery
                hits = self._rank(searcher, ranked_q, mode, need, per_doc, sort, config, total)
            if config.prefer_newer and sort == "relevance":
                hits = newer_first(hits)
            return EngineResult(self._page_of_hits(hits, mode, offset, limit, per_doc), total, counts)
        finally:
            if own_searcher:
                searcher.close()

    def _word_coverage(self, searcher, q: "WordCoordinatedOr") -> "WordCoverage":
        """Every live passage ``q`` matches, with the number of query words
        (groups of alternatives) it matches: read from the posting blocks of
        each word's terms, unscored."""
        per_term: list[dict[tuple[str, str], set[int]]] = [{} for _ in q.word_terms]
        for subreader, offset in searcher.reader().leaf_readers():
            for terms, keys in zip(per_term, q.word_terms):
                for fieldname, text, _weight in keys:
                    if (fieldname, text) in subreader:
                        found = _posting_ids(subreader.postings(fieldname, text))
                        terms.setdefault((fieldname, text), set()).update(
                            found if not offset else (n + offset for n in found))
        reader = searcher.reader()
        if reader.has_deletions():
            per_term = [{t: {n for n in ids if not reader.is_deleted(n)} for t, ids in terms.items()}
                        for terms in per_term]
        per_word = [set().union(*terms.values()) for terms in per_term]
        return WordCoverage(Counter(chain.from_iterable(per_word)), per_word, per_term)

    def _docnums_of(self, searcher) -> list[str]:
        column = searcher.reader().column_reader("doc_id")
        return [column[n] for n in range(searcher.doc_count_all())]

    def _rank(self, searcher, q, mode: str, need: int, per_doc: int, sort: str, config, total: int,
              bounds: list[tuple[float, int]] | None = None) -> list:
        """The best passages in order: enough for ``need`` documents (each
        with up to ``per_doc`` passages) or ``need`` passages. With ``bounds``
        (each matching passage's score bound, highest first) only the
        passages that can reach the top are scored."""
        if q is wq.NullQuery or total == 0:
            return []
        if bounds is not None and not bounds:
            return []
        limit = need * per_doc * 3 + 20 if mode == "documents" else need
        while True:
            if bounds is not None:
                hits = self._top_within_bounds(searcher, q, bounds, limit)
            else:
                # terms=False: recording each scored passage's matching terms cost
                # more than finding them again in the few passages shown (the
                # cached analyzer re-reads a passage in well under a millisecond)
                kwargs = dict(limit=limit, terms=False)
                if sort == "date":
                    kwargs["sortedby"] = [sorting.FieldFacet("date_sort", reverse=True), sorting.ScoreFacet()]
                results = _with_snippets(searcher.search(q, **kwargs))
                # from top_n directly: list(results) would ask len(), which counts every match
                hits = [searching.Hit(results, n, i, score) for i, (score, n) in enumerate(results.top_n)]
            if mode != "documents":
                return hits
            kept, per = [], {}
            for hit in hits:
                d = hit["doc_id"]
                if per.get(d, 0) < per_doc:
                    per[d] = per.get(d, 0) + 1
                    kept.append(hit)
            if len(per) >= need or len(hits) < limit:
                return kept
            limit *= 4

    def _top_within_bounds(self, searcher, q, bounds: list[tuple[float, int]], limit: int) -> list:
        """The ``limit`` best passages, as an exhaustive search would rank
        them: first the passages with the highest bounds are scored; then
        those left whose bound still reaches the last score kept."""
        first = bounds[: max(MIN_CANDIDATE_PASSAGES, limit * FIRST_ROUND_FACTOR)]
        scored = self._score_passages(searcher, q, [n for _, n in first], limit)
        rest = bounds[len(first):]
        if rest:
            floor = scored[-1][0] if len(scored) >= limit else 0.0
            more = [n for b, n in rest if b >= floor]
            if more:
                scored = sorted(scored + self._score_passages(searcher, q, more, limit),
                                key=lambda sn: (-sn[0], sn[1]))[:limit]
        results = _with_snippets(searcher.search(wq.NullQuery, limit=1))  # a results object to hang the hits on
        results.q = q
        return [searching.Hit(results, n, i, score) for i, (score, n) in enumerate(scored)]

    @staticmethod
    def _score_passages(searcher, q, docnums: list[int], limit: int) -> list[tuple[float, int]]:
        """The ``limit`` best of the given passages for ``q``, as (score, docnum)."""
        if not docnums:
            return []
        results = searcher.search(wq.And([q, _Docnums(searcher, sorted(docnums))]), limit=limit, terms=False)
        return list(results.top_n)

    def _page_of_hits(self, results: list, mode: str, offset: int, limit: int, per_doc: int) -> list[Hit]:
        if mode != "documents" or per_doc == 1:
            return [self._hit(hit, mode) for hit in results[offset : offset + limit]]
        by_doc: dict[str, list] = {}
        for hit in results:  # in rank order; a document's first hit is its best
            by_doc.setdefault(hit["doc_id"], []).append(hit)
        page = list(by_doc.values())[offset : offset + limit]
        out = []
        for doc_hits in page:
            main = self._hit(doc_hits[0], mode)
            main.more = [self._hit(h, "passages") for h in doc_hits[1:per_doc]]
            out.append(main)
        return out

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
        out: list[dict[str, str]] = []
        if len(last) >= 2:
            phrases = self._phrase_index()
            titles = 0
            seen_headings: set[str] = set()
            # every word typed so far, the last as a prefix, in titles (in
            # source order) and then headings
            for n in phrases.matching(words[:-1], last):
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
        seen = {o["text"].lower() for o in out}
        for word in self._words_with_prefix(last, limit * 3):
            if word == last or word in dutch_analysis.dutch_stop_words():
                continue
            suggestion = f"{head}{word}".strip()
            if suggestion.lower() not in seen:
                out.append({"text": suggestion, "kind": "zoekterm"})
                seen.add(suggestion.lower())
            if len(out) >= limit:
                break
        return out[:limit]

    @staticmethod
    def _hit(hit, mode: str) -> Hit:
        f = hit.fields()
        snippet = _cap_snippet((hit.highlights("body", top=2) or _plain_snippet(f["body"])).replace("\n", " "))
        pid = f["id"]
        return Hit(
            id=f["doc_id"] if mode == "documents" else pid,
            doc_id=f["doc_id"],
            title=f["title"],
            source=f["source"],
            type=f["type"],
            date=f.get("date"),
            page=f.get("page"),
            heading=f.get("heading") or None,
            score=_relevance(hit.score),
            snippet=snippet,
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
        if self._counts is None:
            generation = s.reader().generation()
            counts = SpellingCounts.load(self.directory, generation)
            if counts is None:
                counts = SpellingCounts(generation=generation)
                for n in s.document_numbers(kind=DOCUMENT):
                    counts.add((s.stored_fields(n).get("vocabulary") or "").split())
                counts.save(self.directory)
            self._counts = counts
        return self._counts

    def _spelling_vocabulary(self) -> SpellingVocabulary:
        """Every known surface word, bucketed for near lookups (once per searcher)."""
        counts = self.spelling_counts()
        if self._spelling is None:
            self._spelling = SpellingVocabulary(counts.counts)
        return self._spelling

    def warm_up(self) -> None:
        """Build the per-searcher tables the first searches need."""
        self._doc_of_docnum()
        self.document_meta()
        self._spelling_vocabulary()
        self._words_with_prefix("a", 1)
        self._phrase_index()

    def _phrase_index(self) -> "PhraseIndex":
        """Titles and headings by the words they hold, for completions (once per searcher)."""
        self.searcher()
        if self._phrases is None:
            records = self.documents()
            entries = [("titel", r.title, r.doc_id) for r in records]
            entries += [("kop", heading, r.doc_id) for r in records for _level, heading, _page in r.headings]
            self._phrases = PhraseIndex(entries, dutch_analysis.surface_analyzer())
        return self._phrases

    def _words_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """The ``limit`` most frequent known words that start with ``prefix``."""
        counts = self.spelling_counts().counts
        if self._sorted_words is None:
            self._sorted_words = sorted(counts)
        words = self._sorted_words
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\U0010ffff")
        return heapq.nlargest(limit, words[lo:hi], key=lambda w: (counts[w], w))

    def corrections(self, words: Iterable[str], rare: int = 0) -> dict[str, str]:
        """For words the index knows from at most ``rare`` documents, the
        closest word it knows (edit distance 1 for words up to 6 letters,
        else 2) from at least five times as many; nearest, then most frequent."""
        counts = self.spelling_counts().counts
        out: dict[str, str] = {}
        skip = dutch_analysis.dutch_stop_words() | dutch_analysis.question_words()
        for word in words:
            w = dutch_analysis.fold_accents(word.lower())
            if len(w) < 4 or not w.isalpha() or w in skip:
                continue
            own = counts.get(w, 0)
            if own > rare:
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


COMMON_WORD_SHARE = 0.05  # a word in more passages than this gets no compound-part option
COMPOUND_CREDIT = 1.0  # a word found only as part of a compound counts fully for coordination
NEAR_DUPLICATE = 0.5  # word-set overlap (Jaccard) above which two passages say nearly the same
CLOSE_SCORE = 0.75  # ... and a score at least this share of the better one's


def _words_of(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w{3,}", text.lower()))


def newer_first(hits: list) -> list:
    """Where two passages say nearly the same and score alike, the one from
    the newer document goes first (the 2020 rule over the 2018 one)."""
    out: list = []
    words: list[frozenset[str]] = []
    for hit in hits:
        mine = _words_of(hit["body"])
        date = hit.get("date") or ""
        place = len(out)
        for i, (other, other_words) in enumerate(zip(out, words)):
            overlap = len(mine & other_words) / (len(mine | other_words) or 1)
            if (overlap >= NEAR_DUPLICATE and date > (other.get("date") or "")
                    and _relevance(hit.score) >= CLOSE_SCORE * _relevance(other.score)):
                place = i
                break
        out.insert(place, hit)
        words.insert(place, mine)
    return out


def _only_terms(q) -> bool:
    """True when ``q`` is built of Term, Or and the word coordination only
    (no phrases, exclusions or constant-score parts)."""
    if isinstance(q, wq.Term):
        return True
    if isinstance(q, (wq.Or, wq.DisjunctionMax)) and not isinstance(q, wq.And):
        return all(_only_terms(sub) for sub in q.subqueries)
    return False


def _posting_ids(matcher) -> Iterable[int]:
    """All document numbers of one term's postings, a block at a time (reads
    the block's id array; falls back to Whoosh's walk for other matchers)."""
    if not hasattr(matcher, "_read_ids") or not hasattr(matcher, "_next_block"):
        return matcher.all_ids()
    out: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        out.extend(matcher._ids)
        matcher._next_block()
    return out


def _relevance(score) -> float:
    """A hit's relevance score; sorted results carry their sort key instead,
    whose last part is the (negated) relevance of the ScoreFacet."""
    if isinstance(score, tuple):
        score = abs(score[-1]) if score and isinstance(score[-1], (int, float)) else 0.0
    return float(score or 0.0)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# Writing ----------------------------------------------------------------------


class SeparateTexts:
    """Several texts indexed in one field as if joined with spaces (no token
    spans a space, so the terms are the same). Each text is analysed on its
    own, so a text that another field of the passage indexes too (the body, a
    heading, the title) is scanned once for both fields, and one repeated
    across passages (the title) once for all of them. Only this module's
    writers accept it (Whoosh's own refuses it rather than mis-index it)."""

    __slots__ = ("texts",)

    def __init__(self, texts: Iterable[str]):
        self.texts = tuple(texts)

    def __getstate__(self):
        return self.texts

    def __setstate__(self, state):
        self.texts = state

    def __eq__(self, other):
        return isinstance(other, SeparateTexts) and other.texts == self.texts

    def __repr__(self):
        return f"SeparateTexts({self.texts!r})"


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

    def occurrences(self, analyzer: "ChainAnalyzer", text: str,
                    counted: "ChainAnalyzer | None" = None) -> dict[str, list[tuple[int, int, int]]]:
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

    def counts(self, analyzer: "ChainAnalyzer", text: str) -> dict[str, int]:
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
            values.append(data[end:end + n])
            end += n
        if self._unordered:
            order = sorted(range(len(docnums)), key=lambda i: (docnums[i], weights[i], values[i]))
            return (array("I", (docnums[i] for i in order)), array("d", (weights[i] for i in order)),
                    [values[i] for i in order])
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
        """Write every posting list through Whoosh's W3 field writer, filling
        its blocks a block at a time: the same blocks, statistics and bytes
        as :meth:`whoosh.codec.base.FieldWriter.add_postings` makes from one
        posting at a time."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            fieldwriter.start_field(fieldname, schema[fieldname])
            lengths = _field_lengths(perdoc, fieldname)
            postwriter = fieldwriter._postwriter
            size = postwriter._blocklimit
            for tbytes in sorted(terms):
                docnums, weights, values = self._lists(terms.pop(tbytes))  # written: memory back
                fieldwriter.start_term(tbytes)
                for i in range(0, len(docnums), size):
                    if i:
                        postwriter._write_block()
                    ids = docnums[i:i + size]
                    block_weights = weights[i:i + size]
                    postwriter._ids = ids
                    postwriter._weights = array("f", block_weights)
                    postwriter._values = [v for v in values[i:i + size] if v]
                    postwriter._maxweight = max(0, max(block_weights))
                    found = [n for n in (lengths[d] for d in ids) if n] if lengths is not None else None
                    postwriter._minlength = min(found) if found else None
                    postwriter._maxlength = max(found) if found else 0
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self.fields = {}

    def save(self):  # pragma: no cover - only Whoosh's single-segment multiprocess merge calls these
        raise NotImplementedError("postings are kept in memory; write the segment with write()")

    reduce_to = save


def _field_lengths(perdoc, fieldname: str) -> list[int] | None:
    """Every document's length in a field as Whoosh reads it back when it
    writes postings (``doc_field_length``: stored as a byte, so rounded),
    or None when the field keeps no lengths."""
    if perdoc is None:
        return None
    reader = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if reader is None:
        return None
    to_length = byte_to_length
    return [to_length(b) if b else 0 for b in (reader[d] for d in range(perdoc.doc_count_all()))]


class _InMemoryPostings:
    """For a Whoosh segment writer: postings in :class:`_PostingLists`,
    written block by block when the segment is finished."""

    def _use_posting_lists(self) -> None:
        self.pool = _PostingLists()

    def _flush_segment(self):
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.pool.write(self.fieldwriter, self.schema, perdoc)
            self.fieldwriter.close()
        finally:
            if perdoc is not None:
                perdoc.close()


class _SegmentWriter(_InMemoryPostings, SegmentWriter):
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
        self._use_posting_lists()
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
            return [(term.encode("utf-8"), len(occ), float(len(occ)) * boost, encode(occ))
                    for term, occ in occurrences.items()]
        if kind is Positions:
            encode = fmt.encode
            return [(term.encode("utf-8"), len(occ), float(len(occ)) * boost, encode([o[0] for o in occ]))
                    for term, occ in occurrences.items()]
        return [(term.encode("utf-8"), len(occ), float(len(occ)) * boost, pack_uint(len(occ)))
                for term, occ in occurrences.items()]

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
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

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
                    fieldboost = self._field_boost(fields, fieldname, docboost)
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

                customval = fields.get("_stored_%s" % fieldname, value)
                stored = customval if fieldobj.stored else None
                perdocwriter.add_field(fieldname, fieldobj, stored, length)
                column = fieldobj.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, fieldobj.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


_TEXT_FORMATS = (Positions, Characters, Frequency)


class _SubWriterTask(SubWriterTask):
    """A writer process with this module's segment writer, that reports a
    failure to its parent instead of printing it."""

    def run(self):
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - the parent turns it into an error
            reason = (exc.errno, exc.strerror or str(exc)) if isinstance(exc, OSError) else (None, repr(exc))
            self.resultqueue.put(("failed", *reason), timeout=5)

    def _run(self):
        # Whoosh's SubWriterTask.run (multisegment: each process writes a
        # segment of its own), with _SegmentWriter.
        if not self.multisegment:
            raise NotImplementedError("only writer processes that write their own segments")
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
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
                    raise ChildProcessError(errno.ECHILD, "de schrijfprocessen van de index stopten onverwacht") from None


class _MpWriter(_InMemoryPostings, MpWriter):
    """Whoosh's multi-process writer, made safe to fail. Whoosh's own waits a
    second for each writer process's segment and commits without the ones
    that did not come (a process killed or failed: its documents silently
    missing); here that fails the commit. And Whoosh's ``cancel`` only flags
    the processes in this process: they wait for work for ever, and the
    interpreter waits for them at exit; here they are ended."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._use_posting_lists()  # for segments merged into this one
        self.jobqueue = _JobQueue(self.jobqueue, self.tasks)

    def _new_task(self):
        task = _SubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                              self.multisegment)
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
                    raise ChildProcessError(errno.ECHILD, "een schrijfproces van de index stopte onverwacht "
                                                          f"(exitcodes {codes})") from None
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
            id=f"doc:{record.doc_id}", kind=DOCUMENT, state=record.state, record=_record_fields(record),
            vocabulary=" ".join(words), **common
        )
        for p in passages:
            heading = p.heading or ""
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
                **common,
            )

    def commit(self, optimize: bool = False) -> None:
        self._w.commit(optimize=optimize)
        self._counts.generation = self._index._ix.latest_generation()
        self._counts.save(self._index.directory)

    def cancel(self) -> None:
        self._w.cancel()
