"""Whoosh queries and scorers of this project: BM25F with one idf per term,
idf-weighted word coordination, exclusion, and queries that match a given
set of records.

In: terms and weights chosen by :mod:`indexer.engine.whoosh.index`. Out:
Whoosh query objects whose matchers score as the ranking wants.
"""

from __future__ import annotations

import bisect
import math

from whoosh import query as wq
from whoosh import scoring
from whoosh.matching import ListMatcher, NullMatcher, WrappingMatcher
from whoosh.query.compound import DefaultOr

from indexer.engine.whoosh import _internals

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
        b = _internals.field_b(self, fieldname)
        if fieldname not in SHARED_IDF_FIELDS:
            return scoring.BM25FScorer(searcher, fieldname, text, b, self.K1, qf=qf)
        return _SharedIdfScorer(searcher, fieldname, text, b, self.K1, self._frequency_for(searcher), qf=qf)


# Term coordination ----------------------------------------------------------


class _WordCoordMatcher(WrappingMatcher):
    """Scales a score by the share of query *words* matched (not field terms):
    a passage with all the words of a question ranks above one that repeats a
    single word many times. A word matched only through a weaker option (a
    part of a compound in the text) counts for that option's weight."""

    def __init__(
        self, child, word_of: dict[tuple[str, bytes], tuple[int, float]], weights: list[float], strength: float
    ):
        super().__init__(child)
        self._word_of = word_of
        self._weights = weights
        self._total = sum(weights)
        self._strength = strength

    def _replacement(self, newchild):  # Whoosh's hook (private): the same wrapper around a new child
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

    def __init__(
        self,
        groups,
        word_terms: list[list[tuple[str, str, float]]],
        strength: float,
        boost=1.0,
        word_weights: list[float] | None = None,
    ):
        super().__init__(groups, boost=boost)
        self.word_terms = word_terms
        self.strength = strength
        self.word_weights = list(word_weights) if word_weights is not None else [1.0] * len(word_terms)

    def _matcher(self, subs, searcher, context):  # Whoosh's hook (private): the matcher of the subqueries
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


class AndNot(wq.AndNot):
    """``a`` without what ``b`` matches, with the fixed matcher."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _internals.FixedAndNotMatcher(scored, excluded)


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


class RecordsOf(wq.Query):
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
        return f"RecordsOf({self._key[0]} passages)"

    def estimate_size(self, ixreader):
        return len(self._by_reader.get(id(ixreader), ())) if ixreader is not None else self._key[0]

    def matcher(self, searcher, context=None):
        ids = self._by_reader.get(id(searcher.reader()))
        return _ZeroListMatcher(ids) if ids else NullMatcher()
