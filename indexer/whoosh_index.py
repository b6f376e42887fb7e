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
from collections import Counter, OrderedDict
from itertools import chain
import errno
import os
import queue
import re
import shutil
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from typing import Iterable, Iterator

from rapidfuzz.distance import OSA

from whoosh import highlight, index as whoosh_index, query as wq, scoring, searching, sorting
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.reading import TermNotFound
from whoosh.analysis import Token as WhooshToken
from whoosh.codec import whoosh3
from whoosh.analysis import Tokenizer as WhooshTokenizer
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter
from whoosh.matching import AndNotMatcher, WrappingMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query.compound import DefaultOr

import numpy as np

from indexer import array_ranking, duplicates, dutch_analysis
from indexer.documents import DocumentRecord, Hit, Passage, Place
from indexer.query_parser import QueryPlan, parse_query
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
SCHEMA_VERSION = 8
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
        sections=STORED,  # the sections a joined passage holds: (offset, headings)
        fingerprint=COLUMN(FixedBytesColumn(duplicates.WIDTH)),  # duplicates.fingerprint of the body
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
    # one idf per term, from its document frequency in the field where it is
    # most common: a common word stays cheap in a short field (title, heading)
    shared_idf: bool = False
    # coordination weighs each query word by its idf: a rare word that a
    # passage holds outweighs two common ones it lacks
    idf_coordination: bool = False
    context_credit: float = 1.0  # coordination credit of a word matched only in the title or headings


FOUNDATION = RankingConfig("foundation")
BASELINE = RankingConfig("baseline", field_boosts={"body": 1.0}, all_words_required=True, coordination=0.0)
# Boosts chosen on the dev part of the evaluation (docs/ARCHITECTURE.md);
# summing a word's options beat taking the best one (DisjunctionMax) there.
# The title and heading path are shared by every passage under them, so they
# weigh no more than the body; one idf per term, weighted coordination.
PRODUCT = RankingConfig("product", field_boosts={"title": 1.0, "heading": 1.0, "body": 1.0}, coordination=0.8,
                        compound_boost=0.7, synonym_boost=1.0, typo_boost=0.8, question_boost=2.0,
                        prefer_newer=True, shared_idf=True, idf_coordination=True, context_credit=0.5)


# Weighting --------------------------------------------------------------------

SHARED_IDF_FIELDS = ("title", "heading", "body", "question", "parts")


class SharedFrequencies:
    """:func:`shared_document_frequency` of one reader, remembered per term
    (a lookup asks every field in every segment; the highlighter and the
    scorers ask again for the same terms)."""

    LIMIT = 100_000

    def __init__(self, reader):
        self.reader = reader
        self._known: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self._known.get(text)
        if found is None:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            found = self._known[text] = shared_document_frequency(self.reader, text)
        return found


def shared_document_frequency(reader, text: str) -> int:
    """A term's document frequency in the field where it is most common.

    Whoosh's BM25F takes each field's own frequency, so a common word gets a
    high idf in a short field that few records share (a word of one long
    document's title, copied into each of its passages, or a heading): a
    match on "school" in a heading then outweighs the rare word of the query.
    One frequency per term keeps what a word tells the same in every field."""
    best = 0
    for fieldname in SHARED_IDF_FIELDS:
        if fieldname in reader.schema:
            try:
                best = max(best, reader.doc_frequency(fieldname, text))
            except ValueError:  # a text the field cannot hold
                pass
    return best


def idf_of(frequency: int, records: int) -> float:
    """Whoosh's idf: ``log(records / (frequency + 1)) + 1``."""
    return math.log(max(records, 1) / (frequency + 1)) + 1


class _SharedIdfScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, frequency, qf=1):
        parent = searcher.get_parent()
        self.idf = idf_of(frequency(text), parent.doc_count_all())
        self.avgfl = parent.avg_field_length(fieldname) or 1
        self.B = B
        self.K1 = K1
        self.qf = qf
        self.setup(searcher, fieldname, text)


class SharedIdfBM25F(scoring.BM25F):
    """Whoosh's BM25F with one idf per term (:func:`shared_document_frequency`).
    ``frequency`` gives a term's shared frequency; the search index
    passes its own, remembered per searcher, so that scorers, the highlighter
    and the array path ask once per term."""

    def __init__(self, *args, frequency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._given = frequency
        self._tables: dict[int, SharedFrequencies] = {}

    def _frequency_for(self, searcher):
        if self._given is not None:
            return self._given
        reader = searcher.get_parent().reader()
        table = self._tables.get(id(reader))
        if table is None or table.reader is not reader:
            table = self._tables[id(reader)] = SharedFrequencies(reader)
        return table

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        b = self._field_B.get(fieldname, self.B)
        if fieldname not in SHARED_IDF_FIELDS:
            return scoring.BM25FScorer(searcher, fieldname, text, b, self.K1, qf=qf)
        return _SharedIdfScorer(searcher, fieldname, text, b, self.K1, self._frequency_for(searcher), qf=qf)


# Term coordination ----------------------------------------------------------


class _WordCoordMatcher(WrappingMatcher):
    """Scales a score by the share of query *words* matched (not field terms):
    a passage with all the words of a question ranks above one that repeats a
    single word many times. A word matched only through a weaker option (a
    part of a compound in the text) counts for that option's weight."""

    def __init__(self, child, word_of: dict[tuple[str, bytes], tuple[int, float]], weights: list[float],
                 strength: float):
        super().__init__(child)
        self._word_of = word_of
        self._weights = weights
        self._total = sum(weights)
        self._strength = strength

    def _replacement(self, newchild):
        return self.__class__(newchild, self._word_of, self._weights, self._strength)

    def score(self):
        credit: dict[int, float] = {}
        for term in self.child.matching_terms(self.child.id()):
            found = self._word_of.get(term)
            if found is not None:
                word, weight = found
                credit[word] = max(credit.get(word, 0.0), weight)
        share = sum(c * self._weights[w] for w, c in credit.items()) / self._total if self._total else 1.0
        return self.child.score() * ((1 - self._strength) + self._strength * share * share)

    # The factor is at most 1, so the child's quality bounds this matcher's
    # scores: Whoosh may skip blocks that cannot reach the top N (the
    # WrappingMatcher defaults delegate quality and skipping to the child).


class WordCoordinatedOr(wq.Or):
    """An ``Or`` of per-word groups whose matcher applies :class:`_WordCoordMatcher`.
    ``word_terms[i]`` holds the (field, term, weight) that count for word i,
    ``word_weights[i]`` what word i weighs in the share (1 each by default)."""

    def __init__(self, groups, word_terms: list[list[tuple[str, str, float]]], strength: float, boost=1.0,
                 word_weights: list[float] | None = None):
        super().__init__(groups, boost=boost)
        self.word_terms = word_terms
        self.strength = strength
        self.word_weights = list(word_weights) if word_weights is not None else [1.0] * len(word_terms)

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
        return _WordCoordMatcher(m, word_of, self.word_weights, self.strength)

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

    def estimate_size(self, ixreader):
        return len(self.doc_ids)  # at least a record each (And orders its parts by this)

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


# how far before a fragment's usual start a sentence may begin and still be
# where the snippet starts
SENTENCE_REACH = 60
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?:;])\s+|\n\s*)(?=[\"'‘“(]?[A-Z0-9À-Þ])")


def snippet_start(text: str, start: int, first_match: int) -> int:
    """Where a snippet that would start at ``start`` starts: at a sentence
    (within ``SENTENCE_REACH`` characters before ``start``, up to the first
    match) where there is one, else at the next word.

    >>> text = "Vorige zin loopt hier af. Leerlingen van so en sbo zitten samen in een groep."
    >>> text[snippet_start(text, 20, text.index("sbo")):]
    'Leerlingen van so en sbo zitten samen in een groep.'
    >>> text = "Een lange zin zonder einde over " + "scholen en " * 8 + "so en sbo in een groep."
    >>> text[snippet_start(text, 90, text.index("sbo")):]  # no sentence starts near: a whole word
    'en scholen en scholen en so en sbo in een groep.'
    """
    if start <= 0:
        return 0
    sentence = None
    for m in _SENTENCE_START.finditer(text, max(0, start - SENTENCE_REACH), first_match + 1):
        if m.end() <= first_match:
            sentence = m.end()
    if sentence is not None:
        return sentence
    word = start if text[start - 1].isspace() else _next_space(text, start, first_match) + 1
    first_word = _word_start(text, first_match)
    return min(word, first_word)


def snippet_end(text: str, end: int, last_match: int) -> int:
    """Where a snippet that would end at ``end`` ends: after a whole word, and
    never inside the word of the last match (a compound part such as
    *verband* in *samenwerkingsverband* is marked inside its whole word).

    >>> text = "Het samenwerkingsverband stemt in met het experiment."
    >>> text[:snippet_end(text, 20, text.index("verband") + 7)]
    'Het samenwerkingsverband'
    """
    if end >= len(text):
        return len(text)
    word_end = _word_end(text, last_match)
    if end <= word_end:
        return word_end
    cut = end
    while cut > word_end and not text[cut].isspace():
        cut -= 1
    return max(cut, word_end)


def _next_space(text: str, start: int, limit: int) -> int:
    for i in range(start, limit):
        if text[i].isspace():
            return i
    return limit - 1


def _word_start(text: str, at: int) -> int:
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    # punctuation that closes the word stays with it; an opening one does not lead the next
    return at


class _SnippetFragmenter(highlight.PinpointFragmenter):
    """Fragments around the matches from stored character offsets (no
    re-analysis): they start at a sentence where one starts near, else at a
    whole word, and end after a whole word; a match inside a word (a
    compound part) keeps its whole word."""

    @staticmethod
    def _autotrim(fragment):
        text = fragment.text
        first = fragment.matches[0].startchar if fragment.matches else fragment.endchar
        last = fragment.matches[-1].endchar if fragment.matches else fragment.startchar
        fragment.startchar = snippet_start(text, fragment.startchar, first)
        fragment.endchar = snippet_end(text, fragment.endchar, last)

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


def _section_heading(heading: str | None, body: str, snippet: str, sections) -> str | None:
    """The heading path of the part of a joined passage the snippet shows:
    the passage's own path, then the headings of the section that holds the
    first match (a card on a page of short cards keeps its own title)."""
    if not sections:
        return heading
    fragment = snippet.split(" … ")[0]
    before = unescape(re.sub(r"</?mark>", "", fragment.split("<mark>", 1)[0]))
    plain = unescape(re.sub(r"</?mark>", "", fragment)).strip()
    flat = body.replace("\n", " ")
    start = flat.find(plain[:60]) if plain else -1
    at = max(0, start) + (len(before.lstrip()) if "<mark>" in fragment else 0)
    own = ""
    for offset, title in sections:
        if offset <= at:
            own = title
    return " › ".join(part for part in (heading, own) if part) or None


def _plain_snippet(text: str, limit: int = 240) -> str:
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


SNIPPET_MAX_CHARS = 600


def _mid_sentence_lead(snippet: str) -> str:
    """A snippet that starts inside a sentence says so with a leading "…".

    >>> _mid_sentence_lead("en de <mark>school</mark> ook"), _mid_sentence_lead("De <mark>school</mark>.")
    ('… en de <mark>school</mark> ook', 'De <mark>school</mark>.')
    """
    first = re.sub(r"^(<mark>)+", "", snippet)[:1]
    return "… " + snippet if first.islower() else snippet


def _cap_snippet(snippet: str) -> str:
    """Bound a snippet's length (one enormous "word" is one fragment). The cut
    falls between words, outside ``<mark>`` and entities, so neither a word
    nor the markup is left half ("<mark>leerli</mark> …").

    >>> capped = _cap_snippet("een " * 148 + "<mark>leerlingen</mark> en meer")
    >>> capped.endswith(" een …"), "mark" in capped
    (True, False)
    """
    if len(snippet) <= SNIPPET_MAX_CHARS:
        return snippet
    depth = 0  # inside <mark>
    in_tag = in_entity = False
    cut = None
    for i, ch in enumerate(snippet[:SNIPPET_MAX_CHARS]):
        if in_tag:
            if ch == ">":
                in_tag = False
            continue
        if ch == "<":
            in_tag = True
            depth += -1 if snippet.startswith("</", i) else 1
        elif ch == "&":
            in_entity = True
        elif ch == ";":
            in_entity = False
        elif ch == " " and depth == 0 and not in_entity:
            cut = i
    if cut is None:  # one enormous "word": it has to be cut, but the markup stays whole
        head = snippet[:SNIPPET_MAX_CHARS]
        for opener, closer in (("<", ">"), ("&", ";")):
            start = head.rfind(opener)
            if start != -1 and closer not in head[start:]:
                head = head[:start]
        if head.count("<mark>") > head.count("</mark>"):
            head += "</mark>"
        return head + " …"
    return snippet[:cut].rstrip(" …") + " …"


# The index ----------------------------------------------------------------------


@dataclass
class EngineResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] | None = None
    searchable: bool = True  # False: every query word was a stop word


def year_values(years) -> tuple[str, ...]:
    """A document's years for the year facet: ``DocumentRecord.years`` (or
    one year, or None)."""
    if not years:
        return ()
    return (str(years),) if isinstance(years, int) else tuple(str(y) for y in years)


def _facet_values(meta: tuple[str, list[str], tuple[int, ...]]) -> dict[str, list[str]]:
    dtype, sectors, years = meta
    return {"type": [dtype], "sectors": list(sectors), "year": list(year_values(years))}


def passes_filters(meta: tuple[str, list[str], tuple[int, ...]], filters: dict[str, list], skip: str | None = None) -> bool:
    """Whether a document's (type, sectors, year) pass the filters: any value
    within a facet, every facet (but ``skip``)."""
    values = _facet_values(meta)
    return all(bool(set(values[f]) & {str(v) for v in vs}) for f, vs in filters.items() if vs and f != skip)


def facet_counts(weights: dict[str, int], meta: dict[str, tuple[str, list[str], tuple[int, ...]]],
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
        "year": lambda m, vs: not vs.isdisjoint(year_values(m[2])),
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
            values = (year_values(meta[d][2]) for d in pool)
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


# Queries of words (terms, no phrases) ranked by relevance are scored from
# posting arrays (SearchIndex._array_search, indexer/array_ranking.py): every
# matching passage at once, with the scores Whoosh gives. Phrases, date order
# and other query shapes go through Whoosh's search (tests switch the arrays
# off to compare).
ARRAY_RANKING = True


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

    def supports_block_quality(self):
        # Whoosh skipped blocks of the words' matcher under an And with this
        # one and lost the best passage ("beleidsregel" with a sector filter
        # ranked a 20.9 over a 25.7); without block qualities it scores each
        return False


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


POSTINGS_KEPT = 300_000  # postings kept per searcher (8 bytes each; p95 at 10k: 14.5 ms without, 8.7 with)
_BYTE_TO_LENGTH = np.array([whoosh3.byte_to_length(b) for b in range(256)], dtype=np.float64)


class _IndexArrays:
    """One searcher's index as arrays for :mod:`indexer.array_ranking`: which
    passages are live, each passage's document ordinal, the fields' lengths
    (as Whoosh's length bytes, decoded as Whoosh decodes them) and, on
    request, a term's whole posting list. Built once per searcher."""

    def __init__(self, searcher, doc_of: list[str]):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.leaves = _segment_readers(searcher.reader())  # none for an index without segments
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                gone = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                self.live[gone + offset] = False
        ordinal: dict[str, int] = {}
        self.doc_index = np.fromiter((ordinal.setdefault(d, len(ordinal)) for d in doc_of),
                                     dtype=np.int32, count=len(doc_of))
        self.doc_ids = list(ordinal)
        self._length_codes: dict[str, np.ndarray] = {}
        self._facets: array_ranking.FacetTable | None = None
        self._kept: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._kept_postings = 0
        self.groups: np.ndarray | None = None  # duplicates.duplicate_groups, once per searcher (empty: none)
        self.in_group: np.ndarray | None = None  # passages that say the same as another

    def facets(self, meta) -> array_ranking.FacetTable:
        if self._facets is None:
            self._facets = array_ranking.FacetTable(self.doc_ids, meta)
        return self._facets

    def lengths(self, fieldname: str, ids: np.ndarray) -> np.ndarray:
        """The given passages' lengths of the field, as ``doc_field_length`` gives them."""
        return _BYTE_TO_LENGTH[self._length_codes_of(fieldname)[ids]]

    def _length_codes_of(self, fieldname: str) -> np.ndarray:
        codes = self._length_codes.get(fieldname)
        if codes is None:
            parts = []
            for leaf, _offset in self.leaves:
                n = leaf.doc_count_all()
                column = leaf._perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
                part = np.zeros(n, dtype=np.uint8)
                if column is None:
                    part[:] = 1  # Whoosh's default length when a segment has no column (decodes to 1)
                else:
                    raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
                    part[: min(n, len(raw))] = raw[:n]
                parts.append(part)
            codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
            self._length_codes[fieldname] = codes
        return codes

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A term's passage numbers (ascending, deleted ones included) and
        frequencies. The most recently used lists are kept (up to
        ``POSTINGS_KEPT`` postings): common words recur across queries, and
        reading a list means unpickling every block of it."""
        key = (fieldname, text)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        ids, tf = self._read_postings(fieldname, text)
        kept = (ids.astype(np.int32), tf.astype(np.float32))  # both exact: ids < 2**31, Whoosh stores float32
        for array in kept:
            array.flags.writeable = False
        self._kept[key] = kept
        self._kept_postings += len(ids)
        while self._kept_postings > POSTINGS_KEPT and len(self._kept) > 1:
            _, (old_ids, _tf) = self._kept.popitem(last=False)
            self._kept_postings -= len(old_ids)
        return kept

    def _read_postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        btext = self.searcher.schema[fieldname].to_bytes(text)
        ids_parts, tf_parts = [], []
        fmt = self.searcher.schema[fieldname].format
        for leaf, offset in self.leaves:
            # the segment's own postings, deleted passages included (``live`` drops them)
            try:
                raw = leaf._terms.matcher(fieldname, btext, fmt)
            except TermNotFound:
                continue
            ids, tf = _block_arrays(raw)
            ids_parts.append(ids + offset if offset else ids)
            tf_parts.append(tf)
        if not ids_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(ids_parts) == 1:
            return ids_parts[0], tf_parts[0]
        return np.concatenate(ids_parts), np.concatenate(tf_parts)


def _block_arrays(matcher) -> tuple[np.ndarray, np.ndarray]:
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


def _scored_leaves(q, boosts: tuple[float, ...] = ()) -> list[tuple[wq.Query, tuple[float, ...]]]:
    """The leaves (terms and phrases) of a query of Or, Term and Phrase, each
    with the boosts its matcher gets on the way up, innermost first: a term's
    own boost, then each enclosing Or's (an Or counts only when it has two or
    more subqueries, as in Whoosh). A phrase's own boost is in its score."""
    if isinstance(q, wq.Term):
        return [(q, ((q.boost,) if q.boost != 1.0 else ()) + boosts)]
    if isinstance(q, wq.Phrase):
        return [(q, boosts)]
    subs = q.subqueries
    if len(subs) > 1 and q.boost != 1.0:
        boosts = (q.boost,) + boosts
    return [leaf for sub in subs for leaf in _scored_leaves(sub, boosts)]


def _array_rankable(q) -> bool:
    """Whether the arrays can rank ``q``: an Or of terms and phrases (the
    words' groups), optionally without what an exclusion matches."""
    if isinstance(q, wq.AndNot):
        q = q.a
    if isinstance(q, (wq.Term, wq.Phrase)):
        return True
    return (isinstance(q, wq.Or) and not isinstance(q, wq.DisjunctionMax)
            and all(_array_rankable(sub) for sub in q.subqueries))


def _word_shares(terms: list[array_ranking.ScoredTerm], docnums: list[int], weights: list[float] | None
                 ) -> list[float]:
    """For each passage, the idf-weighted share of the query's words it holds
    (each word at the best credit of its terms there), as coordination
    counts it; 1.0 for a matching passage of a one-word query."""
    if weights is None:
        return [1.0] * len(docnums)
    wanted = np.array(docnums, dtype=np.int64)
    credits = np.zeros((len(weights), len(wanted)), dtype=np.float64)
    for term in terms:
        if not len(term.ids) or not term.words:
            continue
        at = np.minimum(np.searchsorted(term.ids, wanted), len(term.ids) - 1)
        holds = term.ids[at] == wanted
        for word, credit in term.words:
            credits[word] = np.maximum(credits[word], np.where(holds, credit, 0.0))
    w = np.asarray(weights, dtype=np.float64)
    return (w @ credits / (w.sum() or 1.0)).tolist()


def _fingerprints(leaf) -> np.ndarray:
    """A segment's passage fingerprints as a (records × K) array (zeros for
    records without one), read from the column in one piece: Whoosh's
    ``FixedBytesColumn.Reader`` keeps its file and offset in private
    attributes; without them the column is read record by record."""
    count = leaf.doc_count_all()
    if "fingerprint" not in leaf.schema:
        return np.zeros((count, duplicates.K), dtype=np.uint32)
    reader = leaf.column_reader("fingerprint", translate=False)
    try:
        stored = min(reader._count, count)
        raw = bytes(reader._dbfile.get(reader._basepos, reader._fixedlen * stored))
    except AttributeError:  # no column file (EmptyColumnReader) or another Whoosh
        stored, raw = count, b"".join(bytes(reader[n]) for n in range(count))
    found = np.frombuffer(raw, dtype="<u4").reshape(stored, duplicates.K)
    if stored == count:
        return found
    return np.concatenate([found, np.zeros((count - stored, duplicates.K), dtype=np.uint32)])


def _segment_key(leaf) -> str:
    """A segment reader's segment id (unique and never reused in an index)."""
    return leaf.segment().segment_id()


def _segment_readers(reader) -> list:
    """``(segment reader, first document number)`` of each segment; none for
    an index without segments (Whoosh's empty reader stands in for it)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.segment() is not None]


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to ``source`` at ``target``; a copy where links cannot be
    made (another file system, or one without hard links)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copy2(source, target)


class PhraseIndex:
    """Phrases (titles, then headings, in order) by the surface words they
    hold: which phrases hold every given word and a word with a prefix.
    ``entries[n]`` is (kind, phrase, doc_id)."""

    def __init__(self, phrases: list[str], docs: list[str], titles: int, surface):
        # parallel lists (the first ``titles`` are titles), not a tuple per
        # phrase: 7 MB less at 10,000 documents
        self._titles = titles
        self._phrases = phrases
        self._docs = docs
        postings: dict[str, array] = {}  # arrays from the start: a list of ints peaked at 60 MB at 10k
        for n, phrase in enumerate(self._phrases):
            for term in set(surface.terms(phrase)):
                found = postings.get(term)
                if found is None:
                    found = postings[term] = array("I")
                found.append(n)
        self._postings = postings
        self._terms = sorted(self._postings)
        self.entries = self  # entries[n], as a list of tuples would give it

    def __getitem__(self, n: int) -> tuple[str, str, str]:
        return ("titel" if n < self._titles else "kop", self._phrases[n], self._docs[n])

    def __len__(self) -> int:
        return len(self._phrases)

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
        self._doc_meta: dict[str, tuple[str, list[str], tuple[int, ...]]] | None = None
        self._docnum_doc: list[str] | None = None
        # Per segment (by id), what the tables above are built from. A segment
        # never changes once written (a commit adds segments and records
        # deletions in its TOC), so after a commit only new segments are read.
        self._segment_doc_ids: dict[str, list[str]] = {}
        self._segment_rows: dict[str, dict[int, tuple]] = {}  # what _read_document_tables keeps of a record
        self._spelling: SpellingVocabulary | None = None
        self._counts: SpellingCounts | None = None
        self._phrase_entries: tuple[list, list, int] | None = None  # for PhraseIndex, until built
        self._sorted_words: list[str] | None = None
        self._phrases: PhraseIndex | None = None
        self._arrays: _IndexArrays | None = None
        self._frequencies: SharedFrequencies | None = None  # per searcher (its reader)
        self.version = 0  # goes up whenever the index changed under this object

    # -- lifecycle ----------------------------------------------------------------

    @classmethod
    def create(cls, directory: str | Path, profile: str = "dutch") -> "SearchIndex":
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(directory), build_schema(profile))
        return cls(directory)

    @classmethod
    def create_from(cls, live: "SearchIndex", directory: str | Path) -> "SearchIndex":
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
        files = [whoosh_index.TOC._filename(name, toc.generation)]
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
            self._searcher = self._ix.searcher(weighting=self._weighting(PRODUCT))
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
        self._searcher = self._ix.searcher(weighting=self._weighting(PRODUCT))
        old.close()
        live = {_segment_key(leaf) for leaf, _ in _segment_readers(self._searcher.reader())}
        for tables in (self._segment_doc_ids, self._segment_rows):
            for key in [k for k in tables if k not in live]:  # merged away or emptied
                del tables[key]
        self._doc_meta = None
        self._docnum_doc = None
        self._spelling = None
        self._counts = None
        self._phrase_entries = None
        self._sorted_words = None
        self._phrases = None
        self._arrays = None
        self.version += 1
        return True

    def _doc_of_docnum(self) -> list[str]:
        """Every Whoosh document number's doc_id (from the doc_id column,
        once per searcher, and of each segment once), to turn matched passages
        into documents fast."""
        s = self.searcher()
        if self._docnum_doc is None:
            doc_ids: list[str] = []
            for leaf, offset in _segment_readers(s.reader()):
                assert offset == len(doc_ids)
                key = _segment_key(leaf)
                if key not in self._segment_doc_ids:
                    column = leaf.column_reader("doc_id")
                    one: dict[str, str] = {}  # one string per document, not one per passage (10 MB at 10k)
                    self._segment_doc_ids[key] = [one.setdefault(d, d) for d in
                                                  (column[n] for n in range(leaf.doc_count_all()))]
                doc_ids.extend(self._segment_doc_ids[key])
            self._docnum_doc = doc_ids
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

    def document_meta(self) -> dict[str, tuple[str, list[str], tuple[int, ...]]]:
        """``doc_id -> (type, sectors, year)``, for facet counts; rebuilt when the index changes."""
        if self._doc_meta is None:
            self._read_document_tables()
        return self._doc_meta

    def _read_document_tables(self) -> None:
        """One pass over the document records for what searches need of them:
        facet metadata, dates, and the titles and headings completions offer.
        Only those fields are kept per segment, not the records (at 10,000
        documents those held 30 MB in every server process)."""
        s = self.searcher()
        leaves = _segment_readers(s.reader())
        starts = [offset for _, offset in leaves]
        meta: dict[str, tuple[str, list[str], tuple[int, ...]]] = {}
        phrases = []
        for n in s.document_numbers(kind=DOCUMENT):  # live ones only
            # a record is read from its segment once: after a commit only the new segments
            leaf, offset = leaves[bisect.bisect_right(starts, n) - 1]
            rows = self._segment_rows.setdefault(_segment_key(leaf), {})
            row = rows.get(n - offset)
            if row is None:
                r = DocumentRecord(**s.stored_fields(n)["record"])
                row = rows[n - offset] = (r.source, r.doc_id, r.title, [h for _level, h, _page in r.headings],
                                          (r.type, list(r.sectors), r.years))
            meta[row[1]] = row[4]
            phrases.append(row)
        phrases.sort(key=lambda p: p[0])
        self._doc_meta = meta
        self._phrase_entries = ([row[2] for row in phrases] + [h for row in phrases for h in row[3]],
                                [row[1] for row in phrases] + [row[1] for row in phrases for _h in row[3]],
                                len(phrases))

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

    def prepare_analysis(self) -> None:
        """Load what the index analysis loads on first use (the Dutch stemmer,
        the compound dictionary: about half a second of CPU), so that it can
        happen while worker processes parse the files to be added."""
        for profile in (self.profile, "parts") if self.profile != "plain" else (self.profile,):
            list(_INDEX_CHAINS[profile]().tuples("samenwerkingsverbanden leerlingen"))

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

    def counts(self) -> tuple[int, int]:
        """Live documents and passages, without reading any record (what
        :meth:`stats` reports, for the end of an indexing run)."""
        s = self.searcher()
        documents = sum(1 for _ in s.document_numbers(kind=DOCUMENT))
        return documents, s.doc_count() - documents

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
            return SharedIdfBM25F(B=config.bm25_b, K1=config.bm25_k1, title_B=config.title_b,
                                  heading_B=config.heading_b, frequency=self._shared_frequency)
        return scoring.BM25F(B=config.bm25_b, K1=config.bm25_k1, title_B=config.title_b, heading_B=config.heading_b)

    def _shared_frequency(self, text: str) -> int:
        """:func:`shared_document_frequency` in this searcher's view, remembered."""
        reader = self.searcher().reader()
        if self._frequencies is None or self._frequencies.reader is not reader:
            self._frequencies = SharedFrequencies(reader)
        return self._frequencies(text)

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
        word_weights: list[float] = []
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
                    keys += self._credited(t, self._text_fields(config), config)
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
                word_weights.append(self._word_weight([t for t, _ in terms], keys) if config.idf_coordination else 1.0)

        phrases = [q for q in (self._phrase_query(words, fields) for words in plan.phrases) if q is not None]

        if not groups and not phrases:
            return None
        if config.all_words_required:
            q: wq.Query = wq.And(groups + phrases)
        else:
            optional = (WordCoordinatedOr(groups, word_terms, config.coordination, word_weights=word_weights)
                        if groups else None)
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
        if ARRAY_RANKING and sort == "relevance" and _array_rankable(q):
            return self._array_search(q, mode=mode, limit=limit, offset=offset, filters=filters or {},
                                      config=config, facets=facets, per_document=per_document)
        searcher = self.searcher()
        own_searcher = self._weighting_key(config) != self._weighting_key(PRODUCT)
        if own_searcher:
            searcher = self._ix.searcher(weighting=self._weighting(config))
        try:
            filters = {k: v for k, v in (filters or {}).items() if v}
            meta = self.document_meta()
            doc_of = self._doc_of_docnum() if not own_searcher else self._docnums_of(searcher)
            # Who matches, unscored: the total and the facet counts. Scoring
            # every match to count them was the slow part (and Whoosh's
            # collapsing removes displaced documents from a list one by one).
            matched = self._matching_docnums(searcher, q)
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
            # cannot make it), filtered in the query (a list of the matching
            # passages of allowed documents), grouped per document here.
            per_doc = max(1, per_document) if mode == "documents" else 1
            need = offset + limit
            ranked_q = q
            if filters:
                allowed_set = set(allowed)
                candidates = sorted(n for n in matched if doc_of[n] in allowed_set)
                ranked_q = wq.And([q, _Docnums(searcher, candidates)]) if candidates else wq.NullQuery
            hits = self._rank(searcher, ranked_q, mode, need, per_doc, sort, total)
            if config.prefer_newer and sort == "relevance":
                hits = newer_first(hits)
            hits, others, dropped = self._one_hit_per_content(hits, mode)
            if mode != "documents" and others:
                groups, in_group = self._duplicate_groups(self._index_arrays())
                allowed_set = set(allowed)
                total = len({int(groups[n]) if in_group[n] else n for n in matched if doc_of[n] in allowed_set})
            elif dropped:
                total -= dropped
            return EngineResult(self._build_page(self._page_groups(hits, mode, offset, limit, per_doc), mode, others),
                                total, counts)
        finally:
            if own_searcher:
                searcher.close()

    def _index_arrays(self) -> _IndexArrays:
        searcher = self.searcher()
        if self._arrays is None or self._arrays.searcher is not searcher:
            self._arrays = _IndexArrays(searcher, self._doc_of_docnum())
        return self._arrays

    def _array_search(self, q, *, mode: str, limit: int, offset: int, filters: dict[str, list],
                      config: RankingConfig, facets: bool, per_document: int) -> EngineResult:
        """:meth:`search` for a query of words (terms, no phrases) ranked by
        relevance: every matching passage scored at once from the terms'
        posting lists (:mod:`indexer.array_ranking`); the same scores and
        order as Whoosh's search, in a fraction of the time."""
        searcher = self.searcher()
        arrays = self._index_arrays()
        table = arrays.facets(self.document_meta())
        original = q
        excluded = None
        if isinstance(q, wq.AndNot):
            excluded = np.fromiter(searcher.docs_for_query(q.b), dtype=np.int64)
            q = q.a
        coordinated = (isinstance(q, WordCoordinatedOr) and len(q.subqueries) >= 2 and q.strength > 0
                       and len(q.word_terms) >= 2)
        terms = self._scored_terms(searcher, arrays, q, config)
        scores, matched = array_ranking.passage_scores(
            terms, arrays.size, words=len(q.word_terms) if coordinated else 0,
            strength=q.strength if coordinated else 0.0, word_weights=q.word_weights if coordinated else None)
        matched &= arrays.live
        if excluded is not None and len(excluded):
            matched[excluded] = False
        ids = np.flatnonzero(matched)
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
        wanted = need * per_doc * 3 + 20 if mode == "documents" else need
        passage_scores = scores[ids]
        while True:
            top, top_scores = array_ranking.ranked(ids, passage_scores, wanted)
            if mode != "documents":
                chosen = list(zip(top.tolist(), top_scores.tolist()))
                break
            chosen, per = [], {}
            for n, score in zip(top.tolist(), top_scores.tolist()):
                d = int(arrays.doc_index[n])
                if per.get(d, 0) < per_doc:
                    per[d] = per.get(d, 0) + 1
                    chosen.append((n, score))
            if len(per) >= need or len(top) < wanted:
                break
            wanted *= 4
        results = _with_snippets(searcher.search(wq.NullQuery, limit=1))  # a results object to hang the hits on
        results.q = original
        hits = [searching.Hit(results, n, i, score) for i, (n, score) in enumerate(chosen)]
        if config.prefer_newer and hits:
            # A hit moves up only past one it scores at least CLOSE_SCORE of (or
            # within the page): those below that share of the page's last score
            # stay where they are.
            last = hits[min(len(hits), need * per_doc) - 1].score
            window = sum(1 for hit in hits if hit.score >= CLOSE_SCORE * last)
            # each passage's own date (a news item's) from its column, for the few that can move
            dated = searcher.reader().column_reader("date_sort")
            moving = hits[:window]
            hits = newer_first(moving, [dated[hit.docnum] for hit in moving], shown=need if per_doc == 1 else None,
                               docs=[int(arrays.doc_index[hit.docnum]) for hit in moving]) + hits[window:]
        page = self._page_groups(hits, mode, offset, limit, per_doc)
        # the highlighter reads the matches' offsets for the hits in top_n: the shown ones
        shown = [hit for group in page for hit in group]
        results.top_n = [(hit.score, hit.docnum) for hit in shown]
        self._record_matched_terms(results, terms, [hit.docnum for hit in shown])
        built = self._build_page(page, mode, others)
        shares = _word_shares(terms, [group[0].docnum for group in page], q.word_weights if coordinated else None)
        for hit, share in zip(built, shares):
            hit.match_share = share
        return EngineResult(built, total, counts)

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
        results.docterms = docterms
        results.termdocs = {k: v for k, v in termdocs.items() if v}

    def _scored_terms(self, searcher, arrays: _IndexArrays, q, config: RankingConfig) -> list[array_ranking.ScoredTerm]:
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
        for leaf, boosts in _scored_leaves(q):
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
            out.append(array_ranking.ScoredTerm(
                ids, tf.astype(np.float64), arrays.lengths(fieldname, ids), idf_of(frequency, arrays.size),
                searcher.avg_field_length(fieldname) or 1, weighting._field_B.get(fieldname, weighting.B),
                weighting.K1, boosts, (word,) if word else (), [(fieldname, searcher.schema[fieldname].to_bytes(text))]))
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
        return array_ranking.ScoredTerm(ids, np.ones(len(ids)), np.ones(len(ids)), 0.0, 1.0, 0.0, 0.0, boosts,
                                        words, [(phrase.fieldname, field.to_bytes(w)) for w in phrase.words],
                                        scores=scores)

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
        return Place(doc_id=f["doc_id"], passage_id=f["id"], title=f["title"], source=f["source"], type=f["type"],
                     date=f.get("date"), page=f.get("page"))

    # -- one hit per piece of content ------------------------------------------------

    def _duplicate_groups(self, arrays: _IndexArrays) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's group of passages with the same text in other
        documents (:func:`duplicates.duplicate_groups`), once per searcher.
        The fingerprints are read from their column and not kept."""
        if arrays.groups is None:
            parts = [_fingerprints(leaf) for leaf, _offset in arrays.leaves]
            sketches = (np.concatenate(parts) if parts else np.zeros((0, duplicates.K), dtype=np.uint32))
            has = sketches.any(axis=1) & arrays.live[: len(sketches)]
            groups = duplicates.duplicate_groups(sketches, has, arrays.doc_index)
            in_group = groups != np.arange(len(groups))
            in_group[groups[in_group]] = True
            # kept per server worker: a passage number fits 32 bits, and without
            # any group only the (all false) mask is needed
            arrays.groups = groups.astype(np.int32) if in_group.any() else np.zeros(0, dtype=np.int32)
            arrays.in_group = in_group
        return arrays.groups, arrays.in_group

    def _preference(self, arrays: _IndexArrays, ids: np.ndarray) -> np.ndarray:
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

    def _one_per_content(self, arrays: _IndexArrays, ids: np.ndarray, scores: np.ndarray, mode: str
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
        kept, kept_scores, others = duplicates.collapse(candidates, scores[candidates], groups,
                                                        self._preference(arrays, candidates))
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
        # an abbreviation and what it stands for, either way round
        from indexer.thesaurus import thesaurus

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
        if self._sorted_words is None:
            self._sorted_words = sorted(counts)
        words = self._sorted_words
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
            heading=_section_heading(f.get("heading") or None, f["body"], snippet, f.get("sections")),
            score=_relevance(hit.score),
            snippet=_mid_sentence_lead(snippet),
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
        self.build_query(parse_query("samenwerkingsverbanden leerlingen lgf"))

    def _phrase_index(self) -> "PhraseIndex":
        """Titles and headings by the words they hold, for completions (once per searcher)."""
        self.searcher()
        if self._phrases is None:
            if self._phrase_entries is None:
                self._read_document_tables()
            self._phrases = PhraseIndex(*self._phrase_entries, dutch_analysis.surface_analyzer())
            self._phrase_entries = None  # the index holds them now
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
            w = dutch_analysis.fold_accents(word.lower())
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


COMMON_WORD_SHARE = 0.05  # a word in more passages than this gets no compound-part option
COMPOUND_CREDIT = 1.0  # a word found only as part of a compound counts fully for coordination
NEAR_DUPLICATE = 0.5  # word-set overlap (Jaccard) above which two passages say nearly the same
CLOSE_SCORE = 0.75  # ... and a score at least this share of the better one's
SAME_TOPIC = 0.6  # share of the shorter heading's words in the other: the same subject
VERSION_SCORE = 0.4  # ... and from this share of the older one's score, a newer version on the page goes first


def _words_of(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w{3,}", text.lower()))


def _heading_words(hit) -> frozenset[str]:
    """The words of a passage's heading path (stop words out): what it is about."""
    stop = dutch_analysis.dutch_stop_words()
    return frozenset(w for w in _words_of(hit.get("heading") or "") if w not in stop)


def _about_the_same(a: frozenset[str], b: frozenset[str]) -> bool:
    """Headings about the same thing: most of the shorter one's words in the
    other ("Nieuwe Beleidsregel experimenten ..." and "Beleidsregel ... voor
    experimenten ...")."""
    shorter = min(len(a), len(b))
    return shorter >= 3 and len(a & b) >= SAME_TOPIC * shorter


def _nearly_the_same(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two passages' words overlap by a Jaccard of ``NEAR_DUPLICATE`` or more."""
    if min(len(a), len(b)) < NEAR_DUPLICATE * max(len(a), len(b)):
        return False  # the overlap (Jaccard) is at most min/max
    common = len(a & b)
    return common / ((len(a) + len(b) - common) or 1) >= NEAR_DUPLICATE


def newer_first(hits: list, dates: list[str] | None = None, shown: int | None = None,
                docs: list | None = None) -> list:
    """Where two passages are versions of the same text or rule, the newer one
    goes first (the 2020 rule over the 2018 one): nearly the same words at a
    close score (``CLOSE_SCORE``), or, when both are on the page, passages of
    one document under headings about the same thing (a page that keeps the
    2018 and the 2020 rules) that are not far less relevant
    (``VERSION_SCORE``). A passage's date is its own (a dated news item) or
    its document's.
    ``dates``, ``docs``: each hit's date and document, when known without
    reading the hit (its stored fields are read only when a rule could apply).
    ``shown``: only the first this many places of the result are used (the
    page); a hit that would go further back goes last (hits only ever move
    back, so those places come out the same)."""
    if dates is None:
        dates = [hit.get("date") or "" for hit in hits]
    if docs is None:
        docs = [hit.get("doc_id") for hit in hits]
    scores = [_relevance(hit.score) for hit in hits]
    page = len(hits) if shown is None else shown
    words: dict[int, frozenset[str]] = {}  # read when first needed
    headings: dict[int, frozenset[str]] = {}
    order: list[int] = []  # positions in ``hits``, in the new order
    for j in range(len(hits)):
        place = len(order)
        for at, i in enumerate(order if shown is None else order[:shown]):
            if not dates[j] > dates[i]:
                continue
            share = scores[j] / (scores[i] or 1)
            version = j < page and share >= VERSION_SCORE and docs[j] == docs[i]
            if version:
                for k in (i, j):
                    if k not in headings:
                        headings[k] = _heading_words(hits[k])
                if _about_the_same(headings[j], headings[i]):
                    place = at
                    break
            if share >= CLOSE_SCORE:
                for k in (i, j):
                    if k not in words:
                        words[k] = _words_of(hits[k]["body"])
                if _nearly_the_same(words[j], words[i]):
                    place = at
                    break
        order.insert(place, j)
    return [hits[i] for i in order]


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
